from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivityplansConfig(AppConfig):
    name = "activityplans"
    verbose_name = _("Aktivitetsplaner")
