from django.urls import path

from . import views

app_name = "disclosure"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("ny/", views.request_new, name="new"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/sok/", views.request_search, name="search"),
    path("<int:pk>/handling/<int:covered_pk>/", views.covered_review, name="review"),
    path("<int:pk>/beslut/<int:number>/", views.decision_detail, name="decision"),
    path("<int:pk>/beslut/<int:number>/beslut.pdf", views.decision_pdf, name="decision_pdf"),
    path("<int:pk>/beslut/<int:number>/paket.zip", views.decision_bundle, name="bundle"),
    path("<int:pk>/<slug:action>/", views.request_act, name="act"),
]
