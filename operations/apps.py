from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the service: backups, restores and the archive's integrity check
    (`manage.py backup`, `restore`, `verify_archive`). No models."""

    name = "operations"
    verbose_name = "Drift"
