from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import registry


class DataprotectionConfig(AppConfig):
    name = "dataprotection"
    verbose_name = _("Dataskydd")

    def ready(self):
        from . import compliance, demo, todo, workflow

        registry.declare(
            self.name, (todo, compliance, demo, workflow), compliance_links=compliance.link
        )
