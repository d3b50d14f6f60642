"""The Django admin for staff: datasets (teams.admin has workspaces, links, tokens and the audit log)."""

from django.contrib import admin

from maps.models import Dataset


# The admin classes are generic only in the type stubs, not at run time.
@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "workspace", "status", "visibility", "row_count", "created_at")
    list_filter = ("status", "visibility")
    search_fields = ("name",)
    # Rows and vectors are far too many to edit here; the fields describe the build.
    readonly_fields = ("id", "status", "stage", "row_count", "topic_count", "timings", "quality", "finished_at")
