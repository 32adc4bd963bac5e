from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import registry


class ActivityplansConfig(AppConfig):
    name = "activityplans"
    verbose_name = _("Aktivitetsplaner")

    def ready(self):
        from . import compliance, demo, jobs, services, todo, workflow

        # The evaluation reminders are written unrendered, with ids.
        loaders = dict.fromkeys(jobs.EVALUATION_KINDS, jobs.evaluation_contexts)
        modules = (todo, compliance, demo, workflow)
        registry.declare(self.name, modules, handover=services, loaders=loaders)
