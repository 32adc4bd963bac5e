from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import registry


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderering")

    def ready(self):
        from . import compliance, demo, jobs, services, todo, workflow

        registry.workflows.register("moderation.item", workflow.WORKFLOW)
        registry.register(
            "moderation",
            todo_sources=todo.items,
            compliance_sources=compliance.sections,
            responsibilities=services.responsibilities,
            handovers=services.hand_over,
            demo_seeders=demo.seed,
        )
        # The reminder sweep writes its notifications unrendered, with {"item": pk}.
        for kind in jobs.REMINDER_KINDS:
            registry.notification_loaders.register(kind, jobs.reminder_contexts)
        registry.notification_loaders.register("moderation_unwatched", jobs.unwatched_contexts)
