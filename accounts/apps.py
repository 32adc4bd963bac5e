from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import registry


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Kontoregister")

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        from . import authorship, closures, compliance, demo, lifecycle, registerversion, todo
        from .models import Account

        pre_create_historical_record.connect(authorship.credit, sender=Account.history.model)

        registry.workflows.register("accounts.closure", closures.WORKFLOW)
        registry.register(
            "accounts",
            todo_sources=todo.items,
            compliance_sources=compliance.sections,
            responsibilities=lifecycle.responsibilities,
            handovers=lifecycle.hand_over,
            demo_seeders=demo.seed,
            public_register_changes=registerversion.bump,
        )
