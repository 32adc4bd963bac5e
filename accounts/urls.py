from django.urls import path

from . import import_views, lifecycle_views, redaction_views, views

app_name = "accounts"

urlpatterns = [
    path("", views.register_list, name="list"),
    path("ny/", views.account_create, name="create"),
    path("efterlevnad/", views.compliance_overview, name="compliance"),
    path("import/", import_views.register_import, name="import"),
    path("import/mall.csv", import_views.register_import_template, name="import_template"),
    path("<int:pk>/", views.account_detail, name="detail"),
    path("<int:pk>/andra/", views.account_edit, name="edit"),
    path("<int:pk>/historik/", redaction_views.account_history, name="history"),
    path("<int:pk>/historik/rensa/", redaction_views.redact_history, name="redact_history"),
    path("<int:pk>/aktivitet/", lifecycle_views.attest_activity, name="attest_activity"),
    path("<int:pk>/bekrafta/", lifecycle_views.confirm, name="confirm"),
    path("<int:pk>/inloggning/", lifecycle_views.attest_credentials, name="attest_credentials"),
    path("<int:pk>/avslut/", lifecycle_views.closure_propose, name="closure_propose"),
    path("avslut/<int:pk>/bekrafta/", lifecycle_views.closure_confirm, name="closure_confirm"),
    path("avslut/<int:pk>/steg/", lifecycle_views.closure_step, name="closure_step"),
    path("avslut/<int:pk>/avbryt/", lifecycle_views.closure_cancel, name="closure_cancel"),
    path("aktivitet/<str:token>/", lifecycle_views.attest_link, name="attest_link"),
    path("passivitet/", lifecycle_views.passive_rules, name="passive_rules"),
]
