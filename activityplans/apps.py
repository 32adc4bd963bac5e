from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import registry


class ActivityplansConfig(AppConfig):
    name = "activityplans"
    verbose_name = _("Aktivitetsplaner")

    def ready(self):
        from . import compliance, demo, jobs, services, todo, workflow

        registry.workflows.register("activityplans.plan", workflow.WORKFLOW)
        # The evaluation reminders are written unrendered, with ids.
        for kind in jobs.EVALUATION_KINDS:
            registry.notification_loaders.register(kind, jobs.evaluation_contexts)
        registry.register(
            "activityplans",
            todo_sources=todo.items,
            compliance_sources=compliance.sections,
            responsibilities=services.responsibilities,
            handovers=services.hand_over,
            demo_seeders=demo.seed,
        )
