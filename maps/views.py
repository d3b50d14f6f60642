"""HTML pages: the dataset list, the upload form and the map; the frontend fills them from the API."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atlas.middleware import query_is_view_state
from atlas.pages import login_page, page
from maps import queries
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


@query_is_view_state
@page
def map_page(request: HttpRequest, dataset_id: str) -> HttpResponse:
    who = access.caller(request)
    dataset = queries.get_dataset(dataset_id, who, Need.VIEW)
    can_edit = (access.dataset_level(who, dataset) or 0) >= Need.EDIT
    return render(request, "map.html", {"dataset": dataset, "can_edit": can_edit})
