from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import registry


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = _("Arkiv")

    def ready(self):
        from . import demo, jobs, services, workflow

        # The register closes an account only once its final snapshot is sealed, and a
        # confirmed closure asks for that snapshot: both required (core.checks).
        registry.close_checks.register(
            "archive.final_snapshot_sealed", services.final_snapshot_sealed
        )
        registry.on_closure_confirmed.register(
            "archive.start_final_snapshot", services.start_final_snapshot
        )
        # The upload reminders are written unrendered, with ids.
        loaders = dict.fromkeys(jobs.UPLOAD_KINDS, jobs.upload_contexts)
        registry.declare(self.name, (demo, workflow), loaders=loaders)
