from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import registry


class InternalcontrolConfig(AppConfig):
    name = "internalcontrol"
    verbose_name = _("Internkontroll")

    def ready(self):
        from . import services

        registry.register("internalcontrol", compliance_links=services.compliance_link)
