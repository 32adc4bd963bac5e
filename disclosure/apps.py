from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureConfig(AppConfig):
    """Requests to see allmänna handlingar (utlämnande, TF 2 kap.): the register, the
    search across Kanalkoll's records, the secrecy review (OSL), the decisions and what
    was handed out. It sits above the domain apps and retention (its holds)."""

    name = "disclosure"
    verbose_name = _("Utlämnande av allmänna handlingar")

    def ready(self):
        from core import registry

        from . import demo, todo, workflow

        registry.declare(self.name, (todo, demo, workflow))
