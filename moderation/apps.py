from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import registry


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderering")

    def ready(self):
        from . import compliance, demo, jobs, services, todo, workflow

        # The reminder sweep writes its notifications unrendered, with {"item": pk}.
        loaders = dict.fromkeys(jobs.REMINDER_KINDS, jobs.reminder_contexts)
        loaders["moderation_unwatched"] = jobs.unwatched_contexts
        modules = (todo, compliance, demo, workflow)
        registry.declare(self.name, modules, handover=services, loaders=loaders)
