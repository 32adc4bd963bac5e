"""The kinds of Kanalkoll's records a request can cover, and the one search across them.

Each `Source` names a model, how its rows are found (account, period, text: the ORM's
icontains, so PostgreSQL and SQLite answer alike), how one reads in the register
(`label`), its fields as handed out (`fields`, the machine-readable copy) and the text
the secrecy review may mask (`texts`). Sealed snapshots are handed out as they are: the
PDF whose SHA-256 was stored at sealing.
"""

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Results shown per kind in one search: the handler narrows the search rather than pages.
LIMIT = 50


@dataclass(frozen=True)
class Source:
    key: str
    name: object
    model: str
    date_field: str
    account_path: str
    text_fields: tuple
    select: tuple = ()
    base: object = None  # a Q of the rows that are records at all
    sealed_file: bool = False

    @property
    def model_class(self):
        return apps.get_model(self.model)

    def queryset(self):
        qs = self.model_class._default_manager.all()
        if self.base:
            qs = qs.filter(self.base)
        return qs.select_related(*self.select) if self.select else qs

    def account_of(self, obj):
        target = obj
        for part in self.account_path.split("__"):
            target = getattr(target, part, None)
            if target is None:
                return None
        return target

    def date_of(self, obj):
        return getattr(obj, self.date_field)

    def title(self, obj):
        """How the record is named where it is handed out: kind, account, date and id,
        none of its text (which the review may mask)."""
        account = self.account_of(obj)
        when = self.date_of(obj)
        parts = [f"{self.name} {obj.pk}"]
        if account is not None:
            parts.append(account.display_name)
        if when:
            parts.append(timezone.localtime(when).strftime("%Y-%m-%d %H:%M"))
        return " · ".join(parts)

    def label(self, obj):
        """The title with the start of its text: how the handler picks it."""
        text = " ".join(self.main_text(obj).split())[:80]
        return (self.title(obj) + (f" · ”{text}”" if text else ""))[:300]

    def main_text(self, obj):
        return "\n\n".join(str(getattr(obj, f) or "") for f in self.text_fields if getattr(obj, f))

    def texts(self, obj):
        """(label, text) of each field the review may mask."""
        model = self.model_class
        return [
            (str(model._meta.get_field(f).verbose_name), str(getattr(obj, f) or ""))
            for f in self.text_fields
        ]

    def fields(self, obj):
        """The record as handed out: the fields a reader needs, masking applied later to
        the texts."""
        account = self.account_of(obj)
        when = self.date_of(obj)
        return {
            "slag": self.key,
            "id": obj.pk,
            "konto": account.display_name if account else "",
            "plattform": account.platform if account else "",
            "datum": timezone.localtime(when).isoformat() if when else "",
        }


SOURCES = [
    Source(
        "moderation.item",
        _("Modereringsärende"),
        "moderation.item",
        "created_at",
        "account",
        ("text", "author", "post_url"),
        select=("account",),
    ),
    Source(
        "moderation.preservedcopy",
        _("Bevarad kopia"),
        "moderation.preservedcopy",
        "created_at",
        "item__account",
        ("text",),
        select=("item__account",),
    ),
    Source(
        "moderation.itemevent",
        _("Anteckning eller svar i ett ärende"),
        "moderation.itemevent",
        "at",
        "item__account",
        ("comment",),
        select=("item__account",),
        base=~Q(comment=""),
    ),
    Source(
        "activityplans.plan",
        _("Aktivitetsplan"),
        "activityplans.plan",
        "created_at",
        "account",
        ("account_name", "purpose", "goals", "audience", "content_plan"),
        select=("account",),
        base=~Q(state="utkast"),  # a draft is not yet a record,
    ),
    Source(
        "archive.snapshot",
        _("Ögonblicksbild (förseglad)"),
        "archive.snapshot",
        "sealed_at",
        "account",
        ("period_key",),
        select=("account",),
        base=Q(sealed_at__isnull=False),
        sealed_file=True,
    ),
]

BY_KEY = {s.key: s for s in SOURCES}


def get(key):
    return BY_KEY.get(key)


def _day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _variants(word):
    """The word as typed, lower case, upper case and capitalised: SQLite's LIKE folds
    only ASCII letters (so "STÄNGER" would not find "stänger"); PostgreSQL's UPPER()
    folds them all and the variants change nothing there."""
    return {word, word.lower(), word.upper(), word.capitalize()}


def search(*, kinds=(), account=None, starts_on=None, ends_on=None, text=""):
    """[(source, [records])] matching every given criterion, newest first, at most LIMIT
    per kind."""
    found = []
    for source in SOURCES:
        if kinds and source.key not in kinds:
            continue
        q = Q()
        if account is not None:
            q &= Q(**{source.account_path: account})
        if starts_on:
            q &= Q(**{f"{source.date_field}__gte": _day_start(starts_on)})
        if ends_on:
            q &= Q(**{f"{source.date_field}__lt": _day_start(ends_on + datetime.timedelta(days=1))})
        for word in text.split():
            fields = source.text_fields + (
                ("account__display_name",) if source.key == "archive.snapshot" else ()
            )
            words = Q()
            for field in fields:
                for variant in _variants(word):
                    words |= Q(**{f"{field}__icontains": variant})
            q &= words
        rows = list(source.queryset().filter(q).order_by(f"-{source.date_field}", "-pk")[:LIMIT])
        found.append((source, rows))
    return found


def load(kind, pk):
    """The record of `kind` with `pk`, or None."""
    source = get(kind)
    if source is None:
        return None
    return source.queryset().filter(pk=pk).first()
