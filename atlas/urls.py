"""URL routes: the pages and the /api/v1 endpoints."""

from django.urls import path

from maps import api, views

urlpatterns = [
    path("", views.home, name="home"),
    path("new", views.new_map, name="new-map"),
    path("maps/<str:dataset_id>", views.map_page, name="map"),
    path("healthz", api.healthz, name="healthz"),
    path("readyz", api.readyz, name="readyz"),
    path("api/v1/previews", api.previews, name="api-previews"),
    path("api/v1/datasets", api.datasets, name="api-datasets"),
    path("api/v1/datasets/<str:dataset_id>", api.dataset, name="api-dataset"),
    path("api/v1/datasets/<str:dataset_id>/cancel", api.cancel, name="api-cancel"),
    path("api/v1/datasets/<str:dataset_id>/points", api.points, name="api-points"),
    path("api/v1/datasets/<str:dataset_id>/points/<int:row_id>", api.point, name="api-point"),
    path("api/v1/datasets/<str:dataset_id>/points/<int:row_id>/neighbors", api.neighbors, name="api-point-neighbors"),
    path("api/v1/datasets/<str:dataset_id>/columns", api.column_summaries, name="api-columns"),
    path("api/v1/datasets/<str:dataset_id>/columns/<str:name>", api.column_values, name="api-column"),
    path("api/v1/datasets/<str:dataset_id>/topics", api.topics, name="api-topics"),
    path("api/v1/datasets/<str:dataset_id>/search", api.search, name="api-search"),
    path("api/v1/embedding/text", api.embed_text, name="api-embedding-text"),
    path("api/v1/embedding/image", api.embed_image, name="api-embedding-image"),
    # OpenAI-compatible, at the path OpenAI clients append to their base URL (base_url=<atlas>/v1).
    path("v1/embeddings", api.openai_embeddings, name="openai-embeddings"),
]
