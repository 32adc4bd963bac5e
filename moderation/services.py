"""Every change on the moderation desk goes through here: locked, checked, recorded as
an append-only ItemEvent, and announced through the outbox in the same transaction."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Status
from notifications.services import notify
from organisation.deputies import Deputies
from organisation.models import REGISTER_CURATORS, Role, Unit, chef_of_unit
from organisation.workdays import add_working_time

from .models import (
    BBS_OBLIGED,
    Action,
    CheckIn,
    Item,
    ItemEvent,
    Outcome,
    PendingReminder,
    PreservedCopy,
    RemovalReason,
)

DEADLINE = datetime.timedelta(seconds=172_800)  # 48 real hours


class ItemConflict(Exception):
    """The item has already been handled."""


def deadline(start, kommun=None):
    """48 hours from `start`: real time, or, if the kommun counts working days only,
    time on working days (weekends and Swedish holidays stop the clock)."""
    kommun = kommun if kommun is not None else Unit.objects.kommun()
    if kommun is not None and kommun.moderation_working_days:
        return add_working_time(start, DEADLINE)
    # In UTC: an aware datetime in Europe/Stockholm adds wall-clock time, which makes
    # the deadline 49 or 47 real hours across a DST change.
    return start.astimezone(datetime.UTC) + DEADLINE


def item_url(item):
    return reverse("moderation:detail", args=[item.pk])


def handler(item, at=None, deputies=None):
    """Who works on the item now: whoever does the assignee's work on the day of `at`
    (organisation.deputies: the assignee, or the substitute at the end of their chain)."""
    deputies = Deputies.given(deputies, at)
    return deputies.acting_for(item.assignee)


def team(account):
    """The people who may be assigned an account's items: responsible, substitute and
    administrators."""
    people = {account.responsible_id, account.substitute_id}
    people |= set(account.administrators.values_list("pk", flat=True))
    return people - {None}


def may_handle(user, item, at=None, deputies=None):
    """The account's team and whoever stands in for one of them today (the whole chain
    of substitutes), and the communicator and the register's curators over the unit,
    also as someone's substitute."""
    if not user.is_active:
        return False
    deputies = Deputies.given(deputies, at)
    if deputies.acts_as(user) & (team(item.account) | {item.assignee_id}):
        return True
    roles = deputies.roles_over(user, item.account.unit)
    return bool(roles & (REGISTER_CURATORS | {Role.KOMMUNIKATOR}))


def may_check_in(user, account, deputies):
    """ "Tillsyn gjord" is recorded by those who watch an open account: its team, and
    whoever stands in for one of them on the deputies' day."""
    if not user.is_active or account.status == Status.CLOSED:
        return False
    return bool(deputies.acts_as(user) & team(account))


# -- creating ------------------------------------------------------------------------


def create_item(actor, account, data, source="", external_id="", *, now):
    """Register an item; returns (item, created). With an `external_id` from a monitoring
    tool, a second push of the same id returns the first item unchanged."""
    if external_id:
        existing = Item.objects.filter(
            account=account, source=source, external_id=external_id
        ).first()
        if existing is not None:
            return existing, False
    noticed_at = data.get("noticed_at") or now
    posted_at = data.get("posted_at")
    if posted_at and posted_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"posted_at": _("Publiceringstiden kan inte ligga i framtiden.")})
    due = deadline(posted_at or noticed_at)
    try:
        with transaction.atomic():
            item = Item.objects.create(
                account=account,
                kind=data["kind"],
                post_url=data.get("post_url", ""),
                author=data.get("author", ""),
                text=data.get("text", ""),
                posted_at=posted_at,
                noticed_at=noticed_at,
                due_at=due,
                assignee=account.responsible,
                created_by=actor,
                created_at=now,
                source=source,
                external_id=external_id,
            )
            PendingReminder.objects.bulk_create(PendingReminder.schedule(item))
            _event(item, actor, Action.CREATED, now)
            person = handler(item, now)
            if actor is None or person.pk != actor.pk:
                notify(person, "moderation_new", {"item": item}, url=item_url(item), now=now)
    except IntegrityError:
        # A concurrent push of the same external id won; return its item.
        return Item.objects.get(account=account, source=source, external_id=external_id), False
    return item, True


# -- actions -------------------------------------------------------------------------


def reassign(actor, item_id, assignee, *, now):
    with transaction.atomic():
        item = _locked(actor, item_id, now)
        if assignee.pk not in team(item.account):
            raise ValidationError({"assignee": _("Välj någon som administrerar kontot.")})
        item.assignee = assignee
        item.save(update_fields=["assignee"])
        _event(item, actor, Action.REASSIGNED, now, text=str(assignee))
        person = handler(item, now)
        if person.pk != actor.pk:
            notify(person, "moderation_new", {"item": item}, url=item_url(item), now=now)
    return item


def preserve(actor, item_id, text="", image=None, *, now):
    """Keep a copy of the post: its text and/or a screenshot (already checked and
    re-encoded by moderation.images)."""
    text = (text or "").strip()
    if not text and image is None:
        raise ValidationError(
            {"text": _("Klistra in inläggets text eller ladda upp en skärmbild.")}
        )
    with transaction.atomic():
        item = _locked(actor, item_id, now, open_only=False)
        copy = PreservedCopy(item=item, text=text, created_by=actor, created_at=now)
        if image is not None:
            copy.sha256 = PreservedCopy.digest(image.read())
            image.seek(0)
            copy.image.save("copy.png", image, save=False)
        copy.save()
        _event(item, actor, Action.PRESERVED, now, text=text[:200])
    return copy


def answer(actor, item_id, text="", link="", *, now):
    text, link = (text or "").strip(), (link or "").strip()
    if not text and not link:
        raise ValidationError({"text": _("Skriv svaret eller klistra in länken till det.")})
    return _resolve(actor, item_id, Outcome.ANSWERED, Action.ANSWERED, now, text=text, link=link)


def remove(actor, item_id, reason, removed_at=None, comment="", *, now):
    if reason not in RemovalReason.values:
        raise ValidationError({"reason": _("Välj ett av skälen i policyn.")})
    with transaction.atomic():
        item = _locked(actor, item_id, now)
        if not item.copies.exists():
            raise ValidationError(
                {
                    "__all__": _(
                        "Spara en kopia av inlägget (text eller skärmbild) innan det tas bort."
                    )
                }
            )
        item.removal_reason = reason
        item.bbs_obliged = reason in BBS_OBLIGED
        item.removed_at = removed_at or now
        if item.removed_at > now + datetime.timedelta(minutes=5):
            raise ValidationError(
                {"removed_at": _("Tiden för borttagningen kan inte ligga i framtiden.")}
            )
        _close(item, Outcome.REMOVED, now)
        _event(item, actor, Action.REMOVED, now, text=comment.strip())
    return item


def register(actor, item_id, diarienummer, forwarded_to, *, now):
    """Saklig kritik: registered in the diarium and forwarded; that handles it."""
    diarienummer, forwarded_to = diarienummer.strip(), forwarded_to.strip()
    errors = {}
    if not diarienummer:
        errors["diarienummer"] = _("Ange diarienumret.")
    if not forwarded_to:
        errors["forwarded_to"] = _("Ange vart kritiken har skickats vidare (enhet eller person).")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        item = _locked(actor, item_id, now)
        item.diarienummer, item.forwarded_to = diarienummer, forwarded_to
        _close(item, Outcome.REGISTERED, now)
        _event(item, actor, Action.REGISTERED, now, text=f"{diarienummer} → {forwarded_to}")
    return item


def refer(actor, item_id, answer_text, *, now):
    """An individual case sent to the proper channel, with the answer given on the platform."""
    if not (answer_text or "").strip():
        raise ValidationError({"text": _("Skriv svaret som hänvisar till rätt kanal.")})
    return _resolve(
        actor, item_id, Outcome.REFERRED, Action.REFERRED, now, text=answer_text.strip()
    )


def no_action(actor, item_id, reason, *, now):
    if not (reason or "").strip():
        raise ValidationError({"text": _("Skriv varför ingen åtgärd behövs.")})
    return _resolve(actor, item_id, Outcome.NO_ACTION, Action.NO_ACTION, now, text=reason.strip())


def flag_crime(actor, item_id, comment="", *, now):
    """A possible crime: flagged, a copy kept (the item's text if none was saved), and
    the chef of the account's unit told."""
    with transaction.atomic():
        item = _locked(actor, item_id, now, open_only=False)
        if item.crime_flagged:
            raise ItemConflict(_("Ärendet är redan flaggat som möjligt brott."))
        if not item.copies.exists():
            PreservedCopy.objects.create(
                item=item, text=item.text, created_by=actor, created_at=now
            )
            _event(item, actor, Action.PRESERVED, now, text=item.text[:200])
        item.crime_flagged = True
        item.save(update_fields=["crime_flagged"])
        _event(item, actor, Action.CRIME, now, text=(comment or "").strip())
        chef = Deputies.at(now).acting_for(chef_of_unit(item.account.unit))
        if chef is not None:
            notify(
                chef,
                "moderation_crime",
                {"item": item, "actor": actor},
                url=item_url(item),
                now=now,
            )
    return item


def check_in(actor, account, *, now):
    """ "Tillsyn gjord" on an account."""
    return CheckIn.objects.create(account=account, user=actor, at=now)


# -- helpers -------------------------------------------------------------------------


def _resolve(actor, item_id, outcome, action, now, text="", link=""):
    with transaction.atomic():
        item = _locked(actor, item_id, now)
        _close(item, outcome, now)
        _event(item, actor, action, now, text=text, link=link)
    return item


def _close(item, outcome, now):
    item.outcome = outcome
    item.resolved_at = now
    item.save()
    # Stages not yet reached never go out. Rows a sweep is claiming right now are
    # skipped rather than waited for: the worker drops stages of handled items.
    free = item.pending_reminders.select_for_update(skip_locked=True).values_list("pk", flat=True)
    PendingReminder.objects.filter(pk__in=list(free)).delete()


def _locked(actor, item_id, now, open_only=True):
    item = (
        Item.objects.select_for_update(of=("self",))
        .select_related("account", "account__unit", "assignee")
        .get(pk=item_id)
    )
    if not may_handle(actor, item, now):
        raise PermissionDenied(_("Du hanterar inte det här kontots moderering."))
    if open_only and item.resolved_at is not None:
        raise ItemConflict(
            _("Ärendet är redan hanterat (%(outcome)s). Ingenting ändrades.")
            % {"outcome": item.get_outcome_display().lower()}
        )
    return item


def _event(item, actor, action, at, text="", link=""):
    return ItemEvent.write(item, action, actor=actor, at=at, comment=text, link=link)


# -- handover ----------------------------------------------------------------------------


def responsibilities(user):
    """Open items assigned to a person who left."""
    return [
        {
            "kind": _("Modereringsärende"),
            "title": f"{item.get_kind_display()}: {item.account.display_name}",
            "url": item_url(item),
        }
        for item in Item.objects.filter(assignee=user, resolved_at__isnull=True).select_related(
            "account"
        )
    ]


def hand_over(actor, old, successor, *, now):
    """Open items move to the successor."""
    for item in Item.objects.filter(assignee=old, resolved_at__isnull=True):
        with transaction.atomic():
            item = Item.objects.select_for_update().get(pk=item.pk)
            item.assignee = successor
            item.save(update_fields=["assignee"])
            _event(item, actor, Action.REASSIGNED, now, text=str(successor))
