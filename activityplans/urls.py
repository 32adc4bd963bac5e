from django.urls import path

from . import views

app_name = "activityplans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("ny/", views.plan_create, name="create"),
    path("referens/<str:reference>/", views.plan_by_reference, name="by_reference"),
    path("utvardering/<int:pk>/", views.evaluation_form, name="evaluate"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/andra/", views.plan_edit, name="edit"),
    path("<int:pk>/skicka/", views.plan_submit, name="submit"),
    path("<int:pk>/beslut/", views.plan_decide, name="decide"),
    path("<int:pk>/aterkalla/", views.plan_withdraw, name="withdraw"),
    path("<int:pk>/ny-version/", views.plan_new_version, name="new_version"),
    path("<int:pk>/pdf/", views.plan_pdf, name="pdf"),
]
