"""The one shape of the audit trail: every transition of every stateful record writes one
event row (who, when, what, a comment, structured details) in the transaction that makes
the change, with the caller's `now`.

Each workflow subclasses `Event`, adds the foreign key to its record with `subject()`
(whose name becomes the class's `subject_field`), and gives its `action` field the
workflow's TextChoices through `action_field()`. The rows are append-only (core.records). One template,
`includes/timeline.html`, renders a list of them.
"""

from django.db import models
from django.db.models.signals import class_prepared
from django.utils.translation import gettext_lazy as _

from .fields import protected_fk, user_fk
from .records import AppendOnly


def subject(to, verbose_name=None, *, related_name="events", **options):
    """A subclass's foreign key to the record its events are about."""
    field = protected_fk(to, verbose_name, related_name=related_name, **options)
    field.is_event_subject = True
    return field


def _name_the_subject(sender, **kwargs):
    """Connected to class_prepared: an Event subclass's `subject_field` is the name of
    the field it declared with subject()."""
    if issubclass(sender, Event) and not sender._meta.abstract:
        for field in sender._meta.local_fields:
            if getattr(field, "is_event_subject", False):
                sender.subject_field = field.name


def action_field(choices, max_length=30):
    """A subclass's `action`, with the workflow's choices."""
    return models.CharField(_("händelse"), max_length=max_length, choices=choices)


class Event(AppendOnly):
    """One transition of a record: `actor` is null for the system (a sweep, a tool)."""

    subject_field = None  # the name of the subclass's subject() (set when it is prepared)

    actor = user_fk(_("av"), optional=True)
    at = models.DateTimeField(_("tid"), db_index=True)
    action = models.CharField(_("händelse"), max_length=30)
    comment = models.TextField(_("kommentar"), blank=True)
    data = models.JSONField(_("uppgifter"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]
        verbose_name = _("händelse")
        verbose_name_plural = _("händelser")

    def __str__(self):
        return f"{self.label} {self.at:%Y-%m-%d %H:%M}"

    @property
    def label(self):
        """The action as the timeline shows it."""
        return self.get_action_display()

    @classmethod
    def row(cls, subject, action, *, actor, at, comment="", data=None, **fields):
        """The event of one transition of `subject`, by `actor` (None: the system) at the
        caller's `at`, unsaved (for a bulk_create)."""
        return cls(
            **{cls.subject_field: subject},
            action=action,
            actor=actor,
            at=at,
            comment=comment or "",
            data=data or {},
            **fields,
        )

    @classmethod
    def write(cls, subject, action, *, actor, at, comment="", data=None, **fields):
        """The event of one transition of `subject`, written; call it inside the
        transaction that makes the change."""
        event = cls.row(subject, action, actor=actor, at=at, comment=comment, data=data, **fields)
        event.save(force_insert=True)
        return event


class_prepared.connect(_name_the_subject, dispatch_uid="core.events.subject")
