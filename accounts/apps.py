from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import registry


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Kontoregister")

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from simple_history.signals import pre_create_historical_record

        from . import (
            authorship,
            closures,
            compliance,
            demo,
            jobs,
            lifecycle,
            platforms,
            registerversion,
            todo,
        )
        from .models import Account, Platform

        pre_create_historical_record.connect(authorship.credit, sender=Account.history.model)
        post_save.connect(platforms.forget, sender=Platform)
        post_delete.connect(platforms.forget, sender=Platform)

        # The reminder sweeps write their notifications unrendered, with ids.
        registry.declare(
            "accounts",
            (todo, compliance, demo),
            workflow=closures.WORKFLOW,
            handover=lifecycle,
            loaders=jobs.notification_loaders(),
            public_register_changes=registerversion.bump,
        )
