"""django-axes under a Swedish name in the admin (the app has none of its own, so the
admin showed "Axes"; its models' names are translated in locale/sv)."""

from axes.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AppConfig):
    verbose_name = _("Inloggningsspärr")
