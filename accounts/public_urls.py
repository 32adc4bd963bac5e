from django.urls import path

from . import lifecycle_views, views

urlpatterns = [
    path("register/", views.public_register, name="public_register"),
    path("register.json", views.public_register_json, name="public_register_json"),
    path("register.csv", views.public_register_csv, name="public_register_csv"),
    path("register/verify", views.verify, name="public_register_verify"),
    path("register/kontrollera/", views.verify_page, name="public_register_check"),
    path("register/avslutade/", lifecycle_views.closed_accounts, name="public_closed_accounts"),
]
