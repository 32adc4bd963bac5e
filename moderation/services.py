"""Every change on the moderation desk goes through here. An item is created here;
every later change is a transition of moderation.workflow's table taken through
core.workflow.perform: locked, checked, recorded as an append-only ItemEvent, and
announced through the outbox in the same transaction. The functions below check the
form's input and call perform."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.workflow import Conflict, NotAllowed, perform, perform_create
from organisation.deputies import Deputies
from organisation.models import Unit
from organisation.workdays import add_working_time

from .models import Action, CheckIn, Item, ItemEvent, Kind, RemovalReason
from .workflow import (  # noqa: F401 - who may and the conflict, read by views, API and sweeps
    TRIAGE,
    Do,
    ItemConflict,
    handler_of,
    item_url,
    may_check_in,
    team,
)
from .workflow import may_handle as _may_handle

DEADLINE = datetime.timedelta(seconds=172_800)  # 48 real hours


def deadline(start, kommun=None):
    """48 hours from `start`: real time, or, if the kommun counts working days only,
    time on working days (weekends and Swedish holidays stop the clock)."""
    kommun = kommun if kommun is not None else Unit.objects.kommun()
    if kommun is not None and kommun.moderation_working_days:
        return add_working_time(start, DEADLINE)
    # In UTC: an aware datetime in Europe/Stockholm adds wall-clock time, which makes
    # the deadline 49 or 47 real hours across a DST change.
    return start.astimezone(datetime.UTC) + DEADLINE


def handler(item, at=None, deputies=None):
    """Who works on the item now: whoever does the assignee's work on the day of `at`
    (organisation.deputies: the assignee, or the substitute at the end of their chain)."""
    return handler_of(item, Deputies.given(deputies, at))


def may_handle(user, item, at=None, deputies=None):
    """moderation.workflow.may_handle on the day of `at` (or with the given deputies)."""
    return _may_handle(user, item, Deputies.given(deputies, at))


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
    posted_at = data.get("posted_at")
    if posted_at and posted_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"posted_at": _("Publiceringstiden kan inte ligga i framtiden.")})
    # A delivered comment waits in triage without a deadline: the clock starts when it
    # is classified (classify below).
    triage = data["kind"] == Kind.NEW_COMMENT
    due = None if triage else deadline(posted_at or data.get("noticed_at") or now)
    try:
        item = perform_create(
            actor,
            Item,
            Do.RECEIVE if actor is None else Do.CREATE,
            parent=account,
            now=now,
            fields=data,
            due_at=due,
            source=source,
            external_id=external_id,
        )
    except IntegrityError:
        # A concurrent push of the same external id won; return its item.
        return Item.objects.get(account=account, source=source, external_id=external_id), False
    return item, True


# -- actions (moderation.workflow's transitions) -------------------------------------


def _perform(actor, item_id, action, now, **data):
    item = Item.objects.get(pk=item_id)
    return perform(actor, item, action, expected_state=None, now=now, **data)


def reassign(actor, item_id, assignee, *, now):
    return _perform(actor, item_id, Do.REASSIGN, now, assignee=assignee)


def preserve(actor, item_id, text="", image=None, *, now):
    """Keep a copy of the post: its text and/or a screenshot (already checked and
    re-encoded by moderation.images)."""
    text = (text or "").strip()
    if not text and image is None:
        raise ValidationError(
            {"text": _("Klistra in inläggets text eller ladda upp en skärmbild.")}
        )
    return _perform(actor, item_id, Do.PRESERVE, now, text=text, image=image)


def answer(actor, item_id, text="", link="", *, now):
    text, link = (text or "").strip(), (link or "").strip()
    if not text and not link:
        raise ValidationError({"text": _("Skriv svaret eller klistra in länken till det.")})
    return _perform(actor, item_id, Do.ANSWER, now, text=text, link=link)


def remove(actor, item_id, reason, removed_at=None, comment="", *, now):
    if reason not in RemovalReason.values:
        raise ValidationError({"reason": _("Välj ett av skälen i policyn.")})
    return _perform(
        actor, item_id, Do.REMOVE, now, reason=reason, removed_at=removed_at, comment=comment
    )


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
    return _perform(
        actor, item_id, Do.REGISTER, now, diarienummer=diarienummer, forwarded_to=forwarded_to
    )


def refer(actor, item_id, answer_text, *, now):
    """An individual case sent to the proper channel, with the answer given on the platform."""
    if not (answer_text or "").strip():
        raise ValidationError({"text": _("Skriv svaret som hänvisar till rätt kanal.")})
    return _perform(actor, item_id, Do.REFER, now, text=answer_text.strip())


def no_action(actor, item_id, reason, *, now):
    if not (reason or "").strip():
        raise ValidationError({"text": _("Skriv varför ingen åtgärd behövs.")})
    return _perform(actor, item_id, Do.NO_ACTION, now, text=reason.strip())


def classify(actor, item_id, kind, *, now):
    """A new comment is a question, an inappropriate post, criticism …: its 48 hours
    (or the kommun's working time) start now."""
    return _perform(actor, item_id, Do.CLASSIFY, now, kind=kind, due_at=deadline(now))


def bulk_no_action(actor, item_ids, reason, *, now, deputies=None):
    """Mark many new comments "ingen åtgärd": one transition (and one event) per item,
    each in its own transaction, so a conflict or a refusal on one leaves the others
    done. Returns [(item id, None or the Swedish reason it was not marked), …]."""
    reason = (reason or "").strip() or _("Ingen åtgärd behövs (sorterad i mängd).")
    results = []
    for item_id in item_ids:
        item = Item.objects.filter(pk=item_id).first()
        if item is None:
            results.append((item_id, _("Ärendet finns inte.")))
            continue
        try:
            perform(
                actor,
                item,
                Do.NO_ACTION,
                expected_state=TRIAGE,
                now=now,
                deputies=deputies,
                text=reason,
            )
        except (Conflict, NotAllowed) as exc:
            results.append((item_id, str(exc)))
        else:
            results.append((item_id, None))
    return results


def flag_crime(actor, item_id, comment="", *, now):
    """A possible crime: flagged, a copy kept, and the chef of the account's unit told."""
    return _perform(actor, item_id, Do.CRIME, now, comment=comment)


def check_in(actor, account, *, now):
    """ "Tillsyn gjord" on an account."""
    return CheckIn.objects.create(account=account, user=actor, at=now)


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
    """Open items move to the successor (part of the handover's own transition)."""
    for item in Item.objects.filter(assignee=old, resolved_at__isnull=True):
        with transaction.atomic():
            item = Item.objects.select_for_update().get(pk=item.pk)
            item.assignee = successor
            item.save(update_fields=["assignee"])
            ItemEvent.write(item, Action.REASSIGNED, actor=actor, at=now, comment=str(successor))
