from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderering")

    def ready(self):
        from notifications.rendering import register

        from .jobs import REMINDER_KINDS, reminder_contexts

        # The reminder sweep writes its notifications unrendered, with {"item": pk}.
        register(REMINDER_KINDS, reminder_contexts)
