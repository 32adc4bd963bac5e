from django.contrib import admin
from django.urls import include, path

from identity import views as identity_views

from . import errors, language, views

urlpatterns = [
    path("", views.home, name="home"),
    path("att-gora/", views.todo, name="todo"),
    path("healthz", views.healthz, name="healthz"),
    path("sprak/", language.set_language, name="set_language"),
    path("logga-in/", identity_views.SignIn.as_view(), name="login"),
    path("logga-ut/", identity_views.sign_out, name="logout"),
    path("", include("identity.urls")),
    path("konton/efterlevnad/arsrapport/", include("internalcontrol.urls")),
    path("konton/", include("accounts.urls")),
    path("planer/", include("activityplans.urls")),
    path("dataskydd/", include("dataprotection.urls")),
    path("moderering/", include("moderation.urls")),
    path("arkiv/", include("archive.urls")),
    path("arkiv/", include("retention.urls")),
    path("handlingar/", include("disclosure.urls")),
    path("api/v1/", include("moderation.api_urls")),
    path("scim/v2/", include("identity.scim_urls")),
    path("", include("accounts.public_urls")),
    path("aviseringar/", include("notifications.urls")),
    path("", include("organisation.urls")),
    path("admin/", admin.site.urls),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
