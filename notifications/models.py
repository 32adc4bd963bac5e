"""The outbox: a notification is written with the change that causes it and delivered
later, by a Celery task enqueued on commit and by a sweep that retries what is left.

A notification is rendered (subject, text, HTML from its kind's templates) when it is
written by notify(), or later when a sweep wrote it in bulk with only its `context`:
before it is sent and before it is shown in the list (see notifications.rendering)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import user_fk


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def pending(self, now):
        return self.filter(sent_at__isnull=True, due_at__lte=now).filter(
            models.Q(claimed_until__isnull=True) | models.Q(claimed_until__lt=now)
        )


class Notification(models.Model):
    recipient = user_fk(_("mottagare"), related_name="notifications")
    kind = models.CharField(_("typ"), max_length=60)
    subject = models.CharField(_("ämne"), max_length=200)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("html"), blank=True)
    url = models.CharField(_("länk"), max_length=500, blank=True)
    # What the templates need, as ids and small values ({"item": 12}); a loader
    # registered for the kind turns it into objects (notifications.rendering).
    context = models.JSONField(default=dict, blank=True, verbose_name=_("sammanhang"))
    # NULL until subject and bodies are rendered: a sweep writes rows unrendered.
    rendered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sammanställd"))
    created_at = models.DateTimeField(_("skapad"))
    # Delivery state: due_at is when the next attempt may run; claimed_until marks a
    # delivery in progress so that two workers never send the same row.
    due_at = models.DateTimeField(verbose_name=_("ska skickas"))
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name=_("reserverad till"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("försök"))
    last_error = models.TextField(blank=True, verbose_name=_("senaste fel"))
    sent_at = models.DateTimeField(_("skickad"), null=True, blank=True)
    read_at = models.DateTimeField(_("läst"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("avisering")
        verbose_name_plural = _("aviseringar")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="notification_unsent",
                condition=models.Q(sent_at__isnull=True),
            ),
            models.Index(
                fields=["recipient", "read_at"],
                name="notification_unread",
            ),
        ]

    def __str__(self):
        return self.subject or self.kind


class Reminder(models.Model):
    """A reminder that has been sent: one row per (subject, stage), unique, so that two
    beats, two workers or a rerun of a sweep never send the same reminder twice.

    `subject` names what the reminder is about, e.g. "plan:12:step:40"; `stage` which
    reminder it is, e.g. "remind" or "escalate". Inserting the row claims the reminder.
    """

    subject = models.CharField(max_length=120, verbose_name=_("gäller"))
    stage = models.CharField(max_length=40, verbose_name=_("steg"))
    created_at = models.DateTimeField(verbose_name=_("skapad"))

    class Meta:
        verbose_name = _("skickad påminnelse")
        verbose_name_plural = _("skickade påminnelser")
        constraints = [
            models.UniqueConstraint(fields=["subject", "stage"], name="reminder_once"),
        ]

    def __str__(self):
        return f"{self.subject} {self.stage}"
