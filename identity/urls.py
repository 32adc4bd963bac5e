from django.urls import path

from . import views

urlpatterns = [
    path("oidc/logga-in/", views.Start.as_view(), name="oidc_login"),
    path("oidc/callback/", views.callback, name="oidc_callback"),
]
