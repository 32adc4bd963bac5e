"""The account's change history as a readable timeline (who, what, when)."""

from django.utils.translation import gettext as _

from .credentials import looks_like_secret
from .models import Account

HIDDEN = {"url_key"}
SECRET_FIELD = "credentials_location"


def hidden_secret():
    return _("[misstänkt lösenord, dolt]")


class _Related:
    """The objects a timeline names (units, people), loaded together: one query per
    model, however many records the timeline has."""

    def __init__(self):
        self._wanted = {}
        self._loaded = {}

    def want(self, model, pk):
        if pk not in (None, ""):
            self._wanted.setdefault(model, set()).add(pk)

    def load(self):
        for model, pks in self._wanted.items():
            self._loaded[model] = model.objects.in_bulk(pks)

    def get(self, model, pk):
        return self._loaded.get(model, {}).get(pk)


def _display(record, field, value, related):
    if value in (None, ""):
        return "–"
    if field.name == SECRET_FIELD and looks_like_secret(value):
        return hidden_secret()
    if field.is_relation and not field.many_to_many:
        target = related.get(field.related_model, value)
        return str(target) if target else f"#{value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("ja") if value else _("nej")
    return str(value)


def m2m_rows(records):
    """{history id: {m2m field: sorted user ids}} for the records, one query per field
    (simple_history's diff_against would ask two per record)."""
    found = {r.history_id: {} for r in records}
    for field in Account.history.model._history_m2m_fields:
        through = vars(Account.history.model)[field.name].model  # simple_history's m2m rows
        for history_id, user_id in (
            through.objects.filter(history__in=[r.history_id for r in records])
            .order_by("user_id")
            .values_list("history_id", "user_id")
        ):
            found[history_id].setdefault(field.name, []).append(user_id)
    return found


def timeline(account, limit=100):
    """Newest first: each version with who made it and what changed, in a constant
    number of queries."""
    records = list(
        account.history.select_related("history_user", "history_caused_by").order_by(
            "-history_date", "-history_id"
        )[: limit + 1]
    )
    m2m_names = [f.name for f in Account.history.model._history_m2m_fields]
    m2m = m2m_rows(records)
    related = _Related()
    raw = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=m2m_names)
            for change in delta.changes:
                if change.field in HIDDEN:
                    continue
                field = Account._meta.get_field(change.field)
                if field.is_relation:
                    related.want(field.related_model, change.old)
                    related.want(field.related_model, change.new)
                changes.append((field, change.old, change.new))
            for name in m2m_names:
                old = m2m[previous.history_id].get(name, [])
                new = m2m[record.history_id].get(name, [])
                if old != new:
                    field = Account._meta.get_field(name)
                    for pk in old + new:
                        related.want(field.related_model, pk)
                    changes.append((field, old, new))
        raw.append((record, previous, changes))
    related.load()
    entries = []
    for record, previous, changes in raw:
        suspect = looks_like_secret(record.credentials_location)
        entries.append(  # shaped like an event for includes/timeline.html
            {
                "label": _("Registrerat") if previous is None else _("Ändrat"),
                "at": record.history_date,
                "actor": record.history_user,
                # a change the system made (accounts.authorship): why, and whose action
                "comment": record.history_change_reason or "",
                "caused_by": record.history_caused_by,
                "changes": [
                    {
                        "label": field.verbose_name,
                        "old": _people(old, field, related)
                        if field.many_to_many
                        else _display(previous, field, old, related),
                        "new": _people(new, field, related)
                        if field.many_to_many
                        else _display(record, field, new, related),
                    }
                    for field, old, new in changes
                ],
                "id": record.history_id,
                "suspect": suspect,
                "flag": _("Misstänkt lösenord") if suspect else "",
            }
        )
    return entries


def _people(ids, field, related):
    people = (related.get(field.related_model, pk) for pk in ids)
    return ", ".join(sorted(str(p) for p in people if p is not None)) or "–"
