from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InternalcontrolConfig(AppConfig):
    name = "internalcontrol"
    verbose_name = _("Internkontroll")
