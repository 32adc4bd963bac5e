"""The admin's periodic tasks (django-celery-beat) in Swedish: the app leaves the task
field's label ("Task Name") unmarked for translation, so no .po can give it Swedish and
the change list's filter read "På Task Name"; nor the form's "Crontab translation".
Both get a Swedish title here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import PeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask


class TaskFilter(admin.AllValuesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("uppgift")


class SwedishPeriodicTaskAdmin(PeriodicTaskAdmin):
    list_filter = [
        ("task", TaskFilter) if name == "task" else name for name in PeriodicTaskAdmin.list_filter
    ]

    @admin.display(description=_("cron-schemat i klartext"))
    def crontab_translation(self, obj):
        return super().crontab_translation(obj)


admin.site.unregister(PeriodicTask)
admin.site.register(PeriodicTask, SwedishPeriodicTaskAdmin)
