from django.urls import path

from . import views

app_name = "dataprotection"

urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("ny/", views.assessment_create, name="create"),
    path("konto/<int:account_pk>/", views.account_assessments, name="account"),
    path("konto/<int:account_pk>/ny/", views.assessment_create, name="create_addition"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("<int:pk>/andra/", views.assessment_edit, name="edit"),
    path("<int:pk>/<slug:action>/", views.assessment_act, name="act"),
]
