"""The account's change history as a readable timeline (who, what, when)."""

from django.utils.translation import gettext as _

from .credentials import looks_like_secret
from .models import Account

HIDDEN = {"url_key"}
SECRET_FIELD = "credentials_location"


def hidden_secret():
    return _("[misstänkt lösenord, dolt]")


def _display(record, field, value):
    if value in (None, ""):
        return "–"
    if field.name == SECRET_FIELD and looks_like_secret(value):
        return hidden_secret()
    if field.is_relation and not field.many_to_many:
        target = field.related_model.objects.filter(pk=value).first()
        return str(target) if target else f"#{value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("ja") if value else _("nej")
    return str(value)


def timeline(account, limit=100):
    """Newest first: each version with who made it and what changed."""
    records = list(
        account.history.select_related("history_user", "history_caused_by").order_by(
            "-history_date", "-history_id"
        )[: limit + 1]
    )
    entries = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                if change.field in HIDDEN:
                    continue
                field = Account._meta.get_field(change.field)
                if field.many_to_many:
                    old = _people(change.old)
                    new = _people(change.new)
                else:
                    old = _display(previous, field, change.old)
                    new = _display(record, field, change.new)
                changes.append({"label": field.verbose_name, "old": old, "new": new})
        suspect = looks_like_secret(record.credentials_location)
        entries.append(  # shaped like an event for includes/timeline.html
            {
                "label": _("Registrerat") if previous is None else _("Ändrat"),
                "at": record.history_date,
                "actor": record.history_user,
                # a change the system made (accounts.authorship): why, and whose action
                "comment": record.history_change_reason or "",
                "caused_by": record.history_caused_by,
                "changes": changes,
                "id": record.history_id,
                "suspect": suspect,
                "flag": _("Misstänkt lösenord") if suspect else "",
            }
        )
    return entries


def _people(rows):
    from django.contrib.auth import get_user_model

    ids = [row["user"] for row in rows or []]
    users = get_user_model().objects.in_bulk(ids)
    return ", ".join(sorted(str(users[i]) for i in ids if i in users)) or "–"
