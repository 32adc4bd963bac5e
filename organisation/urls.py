from django.urls import path

from . import views

app_name = "organisation"

urlpatterns = [
    path("franvaro/", views.absences, name="absences"),
    path("franvaro/<int:pk>/aterkalla/", views.cancel_absence, name="cancel_absence"),
    path("overlamning/<int:pk>/", views.handover, name="handover"),
    path("organisation/import/", views.organisation_import, name="import"),
    path(
        "organisation/import/mall.csv", views.organisation_import_template, name="import_template"
    ),
]
