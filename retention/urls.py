from django.urls import path

from . import views

app_name = "retention"

urlpatterns = [
    path("informationshanteringsplan/", views.plan_list, name="plan"),
    path("informationshanteringsplan.csv", views.plan_csv, name="plan_csv"),
    path("informationshanteringsplan.pdf", views.plan_pdf, name="plan_pdf"),
    path("informationshanteringsplan/<str:key>/", views.entry_edit, name="entry"),
    path("gallring/", views.gallring_overview, name="gallring"),
    path("gallring/<int:pk>/", views.protocol_detail, name="protocol"),
    path("gallring/<int:pk>/protokoll.json", views.protocol_json, name="protocol_json"),
    path("sparr/", views.hold_list, name="holds"),
    path("sparr/ny/", views.hold_new, name="hold_new"),
    path("sparr/<int:pk>/", views.hold_detail, name="hold"),
    path("sparr/<int:pk>/hav/", views.hold_lift, name="hold_lift"),
]
