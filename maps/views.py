"""HTML pages: the dataset list, the upload form and the map; the frontend fills them from the API."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atlas.errors import NotFound
from atlas.middleware import query_is_view_state
from atlas.pages import login_page, page
from maps import queries
from maps.models import Dataset
from teams import access
from teams.access import Need


@page
def home(request: HttpRequest) -> HttpResponse:
    who = access.caller(request)
    if who.user is None:
        return render(request, "welcome.html")
    editable = {w.id for w in access.workspaces_of(who, Need.EDIT)}
    return render(request, "home.html", {"datasets": queries.list_datasets(who), "editable": editable})


@login_page
def new_map(request: HttpRequest) -> HttpResponse:
    """The upload form; ?retry=<id> reopens it for a failed or cancelled map, with its file and its choices."""
    who = access.caller(request)
    workspaces = access.workspaces_of(who, Need.EDIT)
    retry_of = request.GET.get("retry", "")
    retry = retry_choices(queries.retryable(retry_of, who)) if retry_of else None
    return render(request, "new.html", {"workspaces": workspaces, "retry": retry})


def retry_choices(dataset: Dataset) -> dict[str, object]:
    """What the form needs to reopen a failed upload: the file it reuses, why it failed, and every choice."""
    return {
        "id": str(dataset.id),
        "name": dataset.name,
        "filename": dataset.source_filename,
        "error": dataset.error_message or f"The build was {dataset.status}.",
        "workspace": str(dataset.workspace_id or ""),
        "text_field": dataset.text_field,
        "text_template": dataset.text_template,
        "id_field": dataset.id_field,
        "label_field": dataset.label_field,
        "passage_tokens": dataset.passage_tokens,
        "read_options": dataset.read_options,
    }


# The one answer for a map that is missing and for one the caller may not see: ids reveal nothing.
NO_SUCH_MAP = "This map does not exist or is private: ask its owner for a share link."


def render_map(request: HttpRequest, dataset: Dataset, who: access.Caller, shared: bool = False) -> HttpResponse:
    """The map page; `shared`: opened through a share link, whose address (with the view in its query) is
    the one to pass on."""
    can_edit = (access.dataset_level(who, dataset) or 0) >= Need.EDIT
    context = {
        "dataset": dataset,
        "can_edit": can_edit,
        "shared": shared,
        "embed_origins": settings.EMBED_ORIGINS,
        # Editors may ask the server's topic labeller for a topic's name, when it has one.
        "labeller": can_edit and bool(settings.LABELLER_URL),
        # Where an editor may move the map: workspaces they may edit, its own among them.
        "move_targets": access.workspaces_of(who, Need.EDIT) if can_edit and who.user else [],
    }
    return render(request, "map.html", context)


@query_is_view_state
@page
def map_page(request: HttpRequest, dataset_id: str) -> HttpResponse:
    who = access.caller(request)
    try:
        dataset = queries.get_dataset(dataset_id, who, Need.VIEW)
    except NotFound:
        context = {"message": NO_SUCH_MAP, "log_in": who.user is None, "next": request.get_full_path()}
        return render(request, "not_found.html", context, status=404)
    return render_map(request, dataset, who)
