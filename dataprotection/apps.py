from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import registry


class DataprotectionConfig(AppConfig):
    name = "dataprotection"
    verbose_name = _("Dataskydd")

    def ready(self):
        from . import compliance, demo, todo, workflow

        registry.workflows.register("dataprotection.assessment", workflow.WORKFLOW)
        registry.register(
            "dataprotection",
            todo_sources=todo.items,
            compliance_sources=compliance.sections,
            compliance_links=compliance.link,
            demo_seeders=demo.seed,
        )
