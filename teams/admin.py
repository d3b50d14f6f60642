"""The Django admin for staff: workspaces and their members, removals, share links, tokens and the audit log."""

from django.contrib import admin

from teams.models import ApiToken, AuditEvent, Invitation, Membership, Removal, ShareLink, Workspace


# The admin classes are generic only in the type stubs, not at run time.
class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "personal", "created_at")
    search_fields = ("name",)
    inlines = [MembershipInline]


@admin.register(Removal)
class RemovalAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Who an owner removed from which workspace: the invitations they joined with no longer let them back.
    Deleting a removal opens those invitations to them again."""

    list_display = ("workspace", "user", "removed_at")
    search_fields = ("workspace__name", "user__email")

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("dataset", "prefix", "label", "created_at", "expires_at", "revoked_at")
    # Hashes are not secrets, but nobody needs to edit one.
    readonly_fields = ("token_hash", "prefix")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("token_hash", "prefix", "last_used_at")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("workspace", "email", "role", "expires_at", "accepted_at", "revoked_at")
    readonly_fields = ("token_hash",)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "workspace", "actor", "action")
    list_filter = ("action",)

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False  # the log is a record: read-only, even for staff
