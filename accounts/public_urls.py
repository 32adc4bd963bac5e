from django.urls import path

from . import lifecycle_views, public_views, register_views
from .models import AccessibilityStatement

REGISTER, INTRANET = (
    AccessibilityStatement.Service.REGISTER,
    AccessibilityStatement.Service.INTRANET,
)

urlpatterns = [
    path("register/", register_views.public_register, name="public_register"),
    path("register.json", register_views.public_register_json, name="public_register_json"),
    path("register.csv", register_views.public_register_csv, name="public_register_csv"),
    path("register/verify", register_views.verify, name="public_register_verify"),
    path("register/kontrollera/", register_views.verify_page, name="public_register_check"),
    path("register/avslutade/", lifecycle_views.closed_accounts, name="public_closed_accounts"),
    path("register/avslutade.json", register_views.closed_register_json, name="public_closed_json"),
    path("register.atom", public_views.register_atom, name="public_register_atom"),
    path("register/openapi.json", public_views.register_openapi, name="public_register_openapi"),
    path("register/lista.html", public_views.embed_fragment, name="public_embed_fragment"),
    path("register/inbaddad/", public_views.embed_page, name="public_embed_page"),
    path("datasets/dcat", public_views.open_data_dcat, name="open_data_dcat"),
    path(
        "tillganglighet/",
        public_views.accessibility_statement,
        {"service": REGISTER},
        name="accessibility_register",
    ),
    path(
        "tillganglighet/andra/",
        public_views.accessibility_statement_edit,
        {"service": REGISTER},
        name="accessibility_register_edit",
    ),
    path(
        "tillganglighet/intranat/",
        public_views.accessibility_statement,
        {"service": INTRANET},
        name="accessibility_intranet",
    ),
    path(
        "tillganglighet/intranat/andra/",
        public_views.accessibility_statement_edit,
        {"service": INTRANET},
        name="accessibility_intranet_edit",
    ),
]
