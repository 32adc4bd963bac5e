from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import registry


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Aviseringar")

    def ready(self):
        from . import services

        registry.register("notifications", notifier=services.notify)
