"""The moderation item's transition table (core.workflow): who handles an item (its
account's team and whoever stands in for one of them, the communicator and the
register's curators), which actions an open or a handled item still takes (a copy can be
kept and a possible crime flagged after it is handled), and what each does. An item is
created by the table's creation transitions (moderation.services.create_item): by a
person on the account's desk, or received from a platform or a monitoring tool."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Status
from core.returning import delete_returning
from core.workflow import CREATE, Conflict, Guard, Transition, Workflow
from organisation.models import REGISTER_CURATORS, Role, chef_of_unit

from .models import (
    BBS_OBLIGED,
    CLASSIFIED_KINDS,
    Action,
    CommentVersion,
    Item,
    ItemEvent,
    Kind,
    Outcome,
    PendingReminder,
    PreservedCopy,
    Verb,
)

# TRIAGE: a comment a platform delivered ("Ny kommentar"), not yet classified; it has no
# deadline until it is classified (CLASSIFY: its kind, and the 48 hours start then).
TRIAGE, OPEN, HANDLED = "triage", "open", "handled"
ANY = frozenset({TRIAGE, OPEN, HANDLED})
UNRESOLVED = frozenset({TRIAGE, OPEN})


ItemConflict = Conflict.of("ItemConflict", "The item has already been handled.", __name__)


class Do(models.TextChoices):
    CREATE = "create", gettext_lazy("Registrera ärendet")
    RECEIVE = "receive", gettext_lazy("Mottaget från plattformen")
    ANSWER = "answer", gettext_lazy("Besvara")
    PRESERVE = "preserve", gettext_lazy("Spara kopia")
    REMOVE = "remove", gettext_lazy("Ta bort inlägget")
    REGISTER = "register", gettext_lazy("Diarieför och vidarebefordra")
    REFER = "refer", gettext_lazy("Hänvisa till rätt kanal")
    CRIME = "crime", gettext_lazy("Flagga som möjligt brott")
    NO_ACTION = "no_action", gettext_lazy("Ingen åtgärd behövs")
    REASSIGN = "reassign", gettext_lazy("Omfördela")
    CLASSIFY = "classify", gettext_lazy("Klassa kommentaren")
    # The platform told that the comment's author edited, removed or hid it (the
    # system, moderation.intake): a new version on the item, whatever its state.
    AUTHOR_CHANGE = "author_change", gettext_lazy("Ändrad på plattformen")


# The item page's URL slug of each action (moderation:action).
SLUGS = {
    Do.ANSWER: "svara",
    Do.PRESERVE: "bevara",
    Do.REMOVE: "ta-bort",
    Do.REGISTER: "diariefor",
    Do.REFER: "hanvisa",
    Do.CRIME: "brott",
    Do.NO_ACTION: "ingen-atgard",
    Do.REASSIGN: "omfordela",
    Do.CLASSIFY: "klassa",
}
BY_SLUG = {slug: action for action, slug in SLUGS.items()}


def item_url(item):
    return reverse("moderation:detail", args=[item.pk])


def state_of(item):
    if item.resolved_at is not None:
        return HANDLED
    return TRIAGE if item.kind == Kind.NEW_COMMENT else OPEN


# -- who may -----------------------------------------------------------------------------


def team(account):
    """The people who may be assigned an account's items: responsible, substitute and
    administrators."""
    people = {account.responsible_id, account.substitute_id}
    people |= set(account.administrators.values_list("pk", flat=True))
    return people - {None}


def _handles_account(user, account, people, deputies):
    if not user.is_active:
        return False
    if deputies.acts_as(user) & people:
        return True
    roles = deputies.roles_over(user, account.unit)
    return bool(roles & (REGISTER_CURATORS | {Role.KOMMUNIKATOR}))


def may_handle(user, item, deputies):
    """The account's team and whoever stands in for one of them on the deputies' day
    (the whole chain of substitutes), and the communicator and the register's curators
    over the unit, also as someone's substitute."""
    return _handles_account(user, item.account, team(item.account) | {item.assignee_id}, deputies)


def may_register(user, account, deputies):
    """Who registers an item on an open account by hand: whoever may handle its items."""
    return account.status != Status.CLOSED and _handles_account(
        user, account, team(account), deputies
    )


def may_check_in(user, account, deputies):
    """ "Tillsyn gjord" is recorded by those who watch an open account: its team, and
    whoever stands in for one of them on the deputies' day."""
    if not user.is_active or account.status == Status.CLOSED:
        return False
    return bool(deputies.acts_as(user) & team(account))


def _handles(ctx):
    return may_handle(ctx.actor, ctx.record, ctx.deputies)


def _handled(ctx):
    if state_of(ctx.record) == TRIAGE:
        return _("Kommentaren är inte klassad än. Klassa den först. Ingenting ändrades.")
    if state_of(ctx.record) == OPEN:
        return _("Kommentaren är redan klassad. Ingenting ändrades.")
    return _("Ärendet är redan hanterat (%(outcome)s). Ingenting ändrades.") % {
        "outcome": ctx.record.get_outcome_display().lower()
    }


# -- applying ----------------------------------------------------------------------------


def close(item, outcome, now):
    item.outcome = outcome
    item.resolved_at = now
    item.save()
    # Stages not yet reached never go out. Rows a sweep is claiming right now are
    # skipped rather than waited for: the worker drops stages of handled items. One
    # statement, as the sweep's claim (core.returning).
    delete_returning(item.pending_reminders.select_for_update(skip_locked=True), ["id"])


def _resolves(outcome):
    def apply(ctx):
        close(ctx.record, outcome, ctx.now)
        ctx.comment = ctx.data.get("text", "")
        ctx.event_fields["link"] = ctx.data.get("link", "")

    return apply


def handler_of(item, deputies):
    return deputies.acting_for(item.assignee)


def apply_create(ctx):
    """The item on the account's desk, assigned to its responsible person; a delivered
    comment waits in triage without a deadline (`due_at` None) and without a mail."""
    account, data = ctx.parent, ctx.data["fields"]
    item = Item.objects.create(
        account=account,
        kind=data["kind"],
        post_url=data.get("post_url", ""),
        author=data.get("author", ""),
        text=data.get("text", ""),
        posted_at=data.get("posted_at"),
        noticed_at=data.get("noticed_at") or ctx.now,
        due_at=ctx.data["due_at"],
        assignee=account.responsible,
        created_by=ctx.actor,
        created_at=ctx.now,
        source=ctx.data.get("source", ""),
        external_id=ctx.data.get("external_id", ""),
    )
    if item.kind != Kind.NEW_COMMENT:
        PendingReminder.objects.bulk_create(PendingReminder.schedule(item))
        person = handler_of(item, ctx.deputies)
        if ctx.actor is None or person.pk != ctx.actor.pk:
            ctx.notify(person, "moderation_new", {"item": item}, item_url(item))
    return item


def apply_reassign(ctx):
    item, assignee = ctx.record, ctx.data["assignee"]
    if assignee.pk not in team(item.account):
        raise ValidationError({"assignee": _("Välj någon som administrerar kontot.")})
    item.assignee = assignee
    item.save(update_fields=["assignee"])
    ctx.comment = str(assignee)
    person = handler_of(item, ctx.deputies)
    if person.pk != ctx.actor.pk:
        ctx.notify(person, "moderation_new", {"item": item}, item_url(item))


def apply_preserve(ctx):
    item, text, image = ctx.record, ctx.data["text"], ctx.data.get("image")
    copy = PreservedCopy(item=item, text=text, created_by=ctx.actor, created_at=ctx.now)
    if image is not None:
        copy.sha256 = PreservedCopy.digest(image.read())
        image.seek(0)
        copy.image.save("copy.png", image, save=False)
    copy.save()
    ctx.comment = text[:200]
    return copy


def apply_remove(ctx):
    item, now = ctx.record, ctx.now
    if not item.copies.exists():
        raise ValidationError(
            {"__all__": _("Spara en kopia av inlägget (text eller skärmbild) innan det tas bort.")}
        )
    reason = ctx.data["reason"]
    item.removal_reason = reason
    item.bbs_obliged = reason in BBS_OBLIGED
    item.removed_at = ctx.data.get("removed_at") or now
    if item.removed_at > now + datetime.timedelta(minutes=5):
        raise ValidationError(
            {"removed_at": _("Tiden för borttagningen kan inte ligga i framtiden.")}
        )
    close(item, Outcome.REMOVED, now)
    ctx.comment = ctx.data.get("comment", "").strip()


def apply_register(ctx):
    item = ctx.record
    item.diarienummer, item.forwarded_to = ctx.data["diarienummer"], ctx.data["forwarded_to"]
    close(item, Outcome.REGISTERED, ctx.now)
    ctx.comment = f"{item.diarienummer} → {item.forwarded_to}"


def apply_crime(ctx):
    """A possible crime: flagged, a copy kept (the item's text if none was saved), and
    the chef of the account's unit told."""
    item, actor, now = ctx.record, ctx.actor, ctx.now
    if not item.copies.exists():
        PreservedCopy.objects.create(item=item, text=item.text, created_by=actor, created_at=now)
        ItemEvent.write(item, Action.PRESERVED, actor=actor, at=now, comment=item.text[:200])
    item.crime_flagged = True
    item.save(update_fields=["crime_flagged"])
    ctx.comment = (ctx.data.get("comment") or "").strip()
    chef = ctx.deputies.acting_for(chef_of_unit(item.account.unit))
    ctx.notify(chef, "moderation_crime", {"item": item, "actor": actor}, item_url(item))


def apply_classify(ctx):
    """The comment is given its kind and its deadline (`due_at`, computed by the service
    from the moment of classifying): the clock and its reminder stages start now, as
    for an item registered by hand."""
    item, kind = ctx.record, ctx.data["kind"]
    if kind not in dict(CLASSIFIED_KINDS):
        raise ValidationError({"kind": _("Välj vad kommentaren är.")})
    item.kind = kind
    item.due_at = ctx.data["due_at"]
    item.save(update_fields=["kind", "due_at"])
    PendingReminder.objects.bulk_create(PendingReminder.schedule(item))
    ctx.comment = item.get_kind_display()


AUTHOR_ACTIONS = {
    Verb.EDITED: Action.AUTHOR_EDITED,
    Verb.REMOVE: Action.AUTHOR_REMOVED,
    Verb.HIDE: Action.AUTHOR_HIDDEN,
    Verb.UNHIDE: Action.AUTHOR_EDITED,
}


def apply_author_change(ctx):
    """A new version of the comment (the platform's event `ctx.data["event"]`), numbered
    after the item's last one under the item's lock; the item itself keeps the text it
    came in with, and its timeline says what the author did."""
    item, event = ctx.record, ctx.data["event"]
    last = item.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = CommentVersion.objects.create(
        item=item,
        event=event,
        number=last + 1,
        verb=event.verb,
        text=ctx.data.get("text", ""),
        author=ctx.data.get("author", ""),
        occurred_at=event.occurred_at,
        received_at=event.received_at,
    )
    ctx.event_action = AUTHOR_ACTIONS.get(event.verb, Action.AUTHOR_EDITED)
    ctx.comment = version.text[:200]
    ctx.event_data = {"version": version.number, "platform_event": event.pk}
    return version


def _the_system(ctx):
    return ctx.actor is None


# -- the table ---------------------------------------------------------------------------


_step = Transition.maker(
    slugs=SLUGS,
    may=_handles,
    refusal=gettext_lazy("Du hanterar inte det här kontots moderering."),
    conflict=_handled,
    url_name="moderation:action",
)
_UNCHANGED = (Action.PRESERVED, Action.CRIME, Action.REASSIGNED)


def _action(action, sources, apply, event, guards=()):
    target = (
        OPEN if event == Action.CLASSIFIED else "(unchanged)" if event in _UNCHANGED else HANDLED
    )
    return _step(action, sources, target=target, guards=guards, apply=apply, event=event)


_NOT_FLAGGED = Guard(
    lambda ctx: not ctx.record.crime_flagged,
    gettext_lazy("Ärendet är redan flaggat som möjligt brott."),
)

OPEN_ONLY = frozenset({OPEN})
TRIAGE_ONLY = frozenset({TRIAGE})
_NEW = f"{OPEN} ({TRIAGE} for a delivered comment)"

TRANSITIONS = [
    _step(
        Do.CREATE,
        CREATE,
        target=_NEW,
        may=lambda ctx: may_register(ctx.actor, ctx.parent, ctx.deputies),
        apply=apply_create,
        url_name="",
        event=Action.CREATED,
    ),
    # a platform or a monitoring tool delivers it
    Transition.by_system(Do.RECEIVE, CREATE, apply_create, target=_NEW, event=Action.CREATED),
    _action(Do.CLASSIFY, TRIAGE_ONLY, apply_classify, Action.CLASSIFIED),
    _action(Do.ANSWER, OPEN_ONLY, _resolves(Outcome.ANSWERED), Action.ANSWERED),
    _action(Do.PRESERVE, ANY, apply_preserve, Action.PRESERVED),
    _action(Do.REMOVE, OPEN_ONLY, apply_remove, Action.REMOVED),
    _action(Do.REGISTER, OPEN_ONLY, apply_register, Action.REGISTERED),
    _action(Do.REFER, OPEN_ONLY, _resolves(Outcome.REFERRED), Action.REFERRED),
    _action(Do.CRIME, ANY, apply_crime, Action.CRIME, guards=(_NOT_FLAGGED,)),
    _action(Do.NO_ACTION, UNRESOLVED, _resolves(Outcome.NO_ACTION), Action.NO_ACTION),
    _action(Do.REASSIGN, UNRESOLVED, apply_reassign, Action.REASSIGNED),
    Transition.by_system(
        Do.AUTHOR_CHANGE,
        ANY,
        apply_author_change,
        may=_the_system,
        refusal=gettext_lazy("Bara plattformen ändrar en kommentar."),
    ),
]


WORKFLOW = Workflow(
    Item,
    TRANSITIONS,
    related=("account", "account__unit", "assignee"),
    state_of=state_of,
    conflict_type=ItemConflict,
)
