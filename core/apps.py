from django.apps import AppConfig
from django.core import checks

from .checks import check_hooks


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Kanalkoll core"

    def ready(self):
        checks.register(check_hooks)
