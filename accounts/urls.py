from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.register_list, name="list"),
    path("ny/", views.account_create, name="create"),
    path("efterlevnad/", views.compliance_overview, name="compliance"),
    path("<int:pk>/", views.account_detail, name="detail"),
    path("<int:pk>/andra/", views.account_edit, name="edit"),
]
