from django.urls import path

from . import api
from .intake import views as intake

app_name = "api"

urlpatterns = [
    path("items", api.push_item, name="items"),
    path("openapi.json", api.openapi, name="openapi"),
    path("meta/webhook", intake.meta_webhook, name="meta_webhook"),
]
