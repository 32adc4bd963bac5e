from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import registry


class OrganisationConfig(AppConfig):
    name = "organisation"
    verbose_name = _("Organisation")

    def ready(self):
        from . import demo, handovers, workflow
        from .deputies import Deputies

        registry.declare(
            self.name,
            (demo, workflow),
            deputies=Deputies.at,
            todo_sources=handovers.todo_items,
            compliance_sources=handovers.compliance_sections,
            sender_names=kommun_name,
        )


def kommun_name():
    from .models import Unit

    kommun = Unit.objects.kommun()
    return kommun.name if kommun else None
