from django.urls import path

from . import diarium, token_views, views

app_name = "moderation"

urlpatterns = [
    path("", views.item_list, name="list"),
    path("sortera/", views.bulk_triage, name="bulk_triage"),
    path("diarium/", diarium.diarium_page, name="diarium"),
    path("diarium.csv", diarium.export_csv, name="export_csv"),
    path("diarium.json", diarium.export_json, name="export_json"),
    path("<int:pk>/", views.item_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.item_detail, name="action"),
    path("kopia/<int:pk>/bild/", views.copy_image, name="copy_image"),
    path("konto/<int:account_pk>/tillsyn/", views.check_in, name="check_in"),
    path("konto/<int:account_pk>/statistik/", views.account_stats, name="stats"),
    path("nycklar/", token_views.token_list, name="tokens"),
    path("nycklar/<int:pk>/aterkalla/", token_views.token_revoke, name="token_revoke"),
]
