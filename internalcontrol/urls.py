from django.urls import path

from . import views

app_name = "internalcontrol"

urlpatterns = [
    path("troskelvarden/", views.thresholds, name="thresholds"),
    path("<int:year>/", views.pack_page, name="pack"),
    path("<int:year>.pdf", views.pack_pdf, name="pdf"),
    path("<int:year>.csv", views.pack_csv, name="csv"),
    path("<int:year>/bestall/", views.pack_order, name="order"),
    path("<int:year>/<slug:key>/", views.pack_rows, name="rows"),
]
