from django.urls import path

from . import api

app_name = "api"

urlpatterns = [
    path("items", api.push_item, name="items"),
    path("openapi.json", api.openapi, name="openapi"),
]
