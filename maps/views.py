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
    return render(request, "home.html", {"datasets": queries.list_datasets(who)})


@login_page
def new_map(request: HttpRequest) -> HttpResponse:
    workspaces = access.workspaces_of(access.caller(request), Need.EDIT)
    return render(request, "new.html", {"workspaces": workspaces})


# The one answer for a map that is missing and for one the caller may not see: ids reveal nothing.
NO_SUCH_MAP = "This map does not exist or is private: ask its owner for a share link."


def render_map(request: HttpRequest, dataset: Dataset, who: access.Caller, shared: bool = False) -> HttpResponse:
    """The map page; `shared`: opened through a share link, whose address (with the view in its query) is
    the one to pass on."""
    can_edit = (access.dataset_level(who, dataset) or 0) >= Need.EDIT
    context = {"dataset": dataset, "can_edit": can_edit, "shared": shared, "embed_origins": settings.EMBED_ORIGINS}
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
