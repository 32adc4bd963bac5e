from django.urls import path

from . import package_views, views

app_name = "archive"

urlpatterns = [
    path("", views.period_list, name="periods"),
    path("period/<str:key>/", views.period_detail, name="period"),
    path("period/<str:key>/paket.zip", package_views.period_package, name="package"),
    path("period/<str:key>/paket/bygg/", package_views.period_package_build, name="package_build"),
    path(
        "period/<str:key>/paket/status.json",
        package_views.period_package_status,
        name="package_status",
    ),
    path("period/<str:key>/kvittens/", views.period_receipt, name="receipt"),
    path("bild/<int:pk>/", views.snapshot_detail, name="snapshot"),
    path("bild/<int:pk>/pdf/", views.snapshot_pdf, name="snapshot_pdf"),
    path("bild/<int:pk>/ny-version/", views.snapshot_retake, name="retake"),
    path("konto/<int:account_pk>/", views.account_snapshots, name="account"),
    path("konto/<int:account_pk>/ta/", views.account_request, name="request"),
]
