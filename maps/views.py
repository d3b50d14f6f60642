"""HTML pages: the dataset list, the upload form and the map; the frontend fills them from the API."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from maps import queries
from maps.errors import NotFound


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"datasets": queries.list_datasets()})


def new_map(request: HttpRequest) -> HttpResponse:
    return render(request, "new.html")


def map_page(request: HttpRequest, dataset_id: str) -> HttpResponse:
    try:
        dataset = queries.get_dataset(dataset_id)
    except NotFound as error:
        return render(request, "not_found.html", {"message": error.message}, status=404)
    return render(request, "map.html", {"dataset": dataset})
