from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    """The informationshanteringsplan, gallring and spärrar. It sits above every domain
    app and reads their models through Django's app registry; no app imports it."""

    name = "retention"
    verbose_name = _("Informationshantering")
