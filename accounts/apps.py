from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import registry


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Kontoregister")

    def ready(self):
        from . import closures, compliance, demo, lifecycle, todo

        registry.workflows.register("accounts.closure", closures.WORKFLOW)
        registry.register(
            "accounts",
            todo_sources=todo.items,
            compliance_sources=compliance.sections,
            responsibilities=lifecycle.responsibilities,
            handovers=lifecycle.hand_over,
            demo_seeders=demo.seed,
        )
