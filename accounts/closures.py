"""The closure's transition table (core.workflow): who proposes a closure (the creation
transition, under the account), who confirms, ticks off the checklist and cancels it,
and what each step does; the system finishes it when the final snapshot is sealed."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import registry
from core.workflow import CREATE, Conflict, Guard, Transition, Workflow
from organisation.models import Role, User, communicator_of

from .authorship import as_system
from .models import Closure, ClosureEvent, Status
from .services import update_account

State = Closure.State
OPEN = frozenset({State.PROPOSED, State.CONFIRMED})
NOT_CANCELLED = frozenset({State.PROPOSED, State.CONFIRMED, State.CLOSED})


ClosureConflict = Conflict.of(
    "ClosureConflict", "The closure is not in a state that allows this.", __name__
)


class Do(models.TextChoices):
    PROPOSE = "propose", gettext_lazy("Föreslå avslut")
    CONFIRM = "confirm", gettext_lazy("Bekräfta avslut")
    CONTENT_REMOVED = "content_removed", gettext_lazy("Innehållet är borttaget")
    ACCOUNT_DELETED = "account_deleted", gettext_lazy("Kontot är raderat på plattformen")
    LINKS = "links", gettext_lazy("Länkarna är uppdaterade")
    CANCEL = "cancel", gettext_lazy("Avbryt avslutet")
    FINISH = "finish", gettext_lazy("Avsluta kontot")


# The checklist's step values as the form posts them.
STEPS = {
    Closure.PlatformStep.CONTENT_REMOVED: Do.CONTENT_REMOVED,
    Closure.PlatformStep.ACCOUNT_DELETED: Do.ACCOUNT_DELETED,
    "links": Do.LINKS,
    Do.CONTENT_REMOVED.value: Do.CONTENT_REMOVED,
    Do.ACCOUNT_DELETED.value: Do.ACCOUNT_DELETED,
}


def account_url(account):
    return reverse("accounts:detail", args=[account.pk])


# -- who may -----------------------------------------------------------------------------


def is_team(user, account, deputies=None):
    """The responsible person, the substitute and the administrators; with the day's
    deputies, also whoever stands in for one of them."""
    people = deputies.acts_as(user) if deputies is not None else {user.pk}
    if people & {account.responsible_id, account.substitute_id}:
        return True
    return account.administrators.filter(pk__in=people).exists()


def may_propose_closure(user, account, deputies):
    """The responsible person, the communicator and the kommunikationschef, and whoever
    stands in for one of them on the deputies' day."""
    roles = deputies.roles_over(user, account.unit)
    return account.responsible_id in deputies.acts_as(user) or bool(
        roles & {Role.KOMMUNIKATOR, Role.KOMMUNIKATIONSCHEF}
    )


def may_confirm_closure(user, account, deputies):
    """The communicator and the kommunikationschef, and whoever stands in for one of
    them on the deputies' day."""
    roles = deputies.roles_over(user, account.unit)
    return bool(roles & {Role.KOMMUNIKATOR, Role.KOMMUNIKATIONSCHEF})


def _confirms(ctx):
    return ctx.actor.is_active and may_confirm_closure(ctx.actor, ctx.record.account, ctx.deputies)


def _ticks(ctx):
    account = ctx.record.account
    return ctx.actor.is_active and (
        may_propose_closure(ctx.actor, account, ctx.deputies)
        or is_team(ctx.actor, account, ctx.deputies)
    )


def _cancels(ctx):
    return ctx.actor.pk == ctx.record.proposed_by_id or _confirms(ctx)


def _state(ctx):
    return _("Avslutet är redan %(state)s.") % {"state": ctx.record.get_state_display().lower()}


# -- applying ----------------------------------------------------------------------------


def _confirmers(account, deputies):
    """Who is asked to confirm: the communicator and the kommunikationschef, each
    through whoever does their work today."""
    people = [communicator_of(account.unit)]
    people += list(
        User.objects.filter(is_active=True, role_assignments__role=Role.KOMMUNIKATIONSCHEF)
    )
    return [deputies.acting_for(p) for p in people if p is not None]


def apply_propose(ctx):
    account, actor = ctx.parent, ctx.actor
    closure = Closure.objects.create(
        account=account, reason=ctx.data["reason"], proposed_by=actor, proposed_at=ctx.now
    )
    ctx.comment = closure.reason
    for person in {p.pk: p for p in _confirmers(account, ctx.deputies)}.values():
        if person.pk != actor.pk:
            ctx.notify(
                person,
                "closure_proposed",
                {"account": account, "closure": closure, "actor": actor},
                account_url(account),
            )
    return closure


def apply_confirm(ctx):
    closure, actor, now = ctx.record, ctx.actor, ctx.now
    account = closure.account
    closure.state = State.CONFIRMED
    closure.confirmed_by, closure.confirmed_at = actor, now
    closure.save()
    if account.status != Status.WINDING_DOWN:
        update_account(
            actor, account.pk, {"status": Status.WINDING_DOWN}, fields=("status",), now=now
        )
    for hook in registry.on_closure_confirmed:
        hook(actor, account, now=now)
    ctx.notify(
        ctx.deputies.acting_for(account.responsible),
        "closure_confirmed",
        {"account": account, "closure": closure, "actor": actor},
        account_url(account),
    )


def _platform_step(step):
    def apply(ctx):
        closure = ctx.record
        closure.platform_step = step
        closure.platform_step_at, closure.platform_step_by = ctx.now, ctx.actor
        closure.save()

    return apply


def apply_links(ctx):
    closure = ctx.record
    closure.links_updated_at, closure.links_updated_by = ctx.now, ctx.actor
    closure.save()


def apply_cancel(ctx):
    closure, actor, now = ctx.record, ctx.actor, ctx.now
    closure.state = State.CANCELLED
    closure.cancelled_by, closure.cancelled_at = actor, now
    closure.save()
    if closure.account.status == Status.WINDING_DOWN:
        update_account(
            actor, closure.account_id, {"status": Status.ACTIVE}, fields=("status",), now=now
        )


def apply_finish(ctx):
    """Close the account; the register refuses (a ValidationError, and perform changes
    nothing) while the final snapshot is not sealed."""
    closure = ctx.record
    # the system closes it, set off by whoever sealed the final snapshot (or confirmed)
    with as_system(gettext_lazy("Slutarkiveringen förseglad: kontot avslutat"), ctx.actor):
        update_account(
            closure.confirmed_by,
            closure.account_id,
            {"status": Status.CLOSED},
            fields=("status",),
            now=ctx.now,
        )
    closure.state = State.CLOSED
    closure.closed_at = ctx.now
    closure.save()


# -- the table ---------------------------------------------------------------------------

_STEP_DONE = Guard(
    lambda ctx: not ctx.record.platform_step, gettext_lazy("Steget är redan registrerat.")
)
_LINKS_DONE = Guard(
    lambda ctx: ctx.record.links_updated_at is None, gettext_lazy("Steget är redan registrerat.")
)


_step = Transition.maker(
    target="(unchanged)",
    may=_ticks,
    refusal=gettext_lazy("Du kan inte ändra det här avslutet."),
    conflict=gettext_lazy("Avslutet är avbrutet."),
    url_name="accounts:closure_step",
    style="outline-secondary btn-sm",
)


Step = Closure.PlatformStep


def _tick(action, guard, apply, event=None):
    """A step of the checklist (its event: the one of the same name, unless given)."""
    event = event or ClosureEvent.Action[action.name]
    return _step(action, NOT_CANCELLED, guards=(guard,), apply=apply, event=event)


def _lock_account(account):
    return type(account).objects.select_for_update().select_related("unit").get(pk=account.pk)


def _may_propose(ctx):
    return ctx.actor.is_active and may_propose_closure(ctx.actor, ctx.parent, ctx.deputies)


_ACCOUNT_OPEN = Guard(
    lambda ctx: ctx.parent.status != Status.CLOSED,
    gettext_lazy("Kontot är redan avslutat."),
    field="reason",
)
_NONE_UNDER_WAY = Guard(
    lambda ctx: not ctx.parent.closures.filter(state__in=OPEN).exists(),
    gettext_lazy("Det finns redan ett pågående avslut för kontot."),
    field="reason",
)
_NOT_THE_PROPOSER = Guard(
    lambda ctx: ctx.actor.pk != ctx.record.proposed_by_id,
    gettext_lazy("Den som föreslog avslutet kan inte också bekräfta det."),
    denies=True,
)

TRANSITIONS = [
    Transition(
        Do.PROPOSE,
        CREATE,
        target=State.PROPOSED,
        may=_may_propose,
        refusal=gettext_lazy(
            "Avslut föreslås av den ansvarige, kommunikatören eller kommunikationschefen."
        ),
        guards=(_ACCOUNT_OPEN, _NONE_UNDER_WAY),
        lock=_lock_account,
        apply=apply_propose,
        url_name="accounts:closure_propose",
        style="outline-danger",
        event=ClosureEvent.Action.PROPOSED,
    ),
    Transition(
        Do.CONFIRM,
        frozenset({State.PROPOSED}),
        target=State.CONFIRMED,
        may=_confirms,
        refusal=gettext_lazy(
            "Avslut bekräftas av förvaltningskommunikatören eller kommunikationschefen."
        ),
        guards=(_NOT_THE_PROPOSER,),
        apply=apply_confirm,
        url_name="accounts:closure_confirm",
        style="danger",
        event=ClosureEvent.Action.CONFIRMED,
    ),
    _tick(Do.CONTENT_REMOVED, _STEP_DONE, _platform_step(Step.CONTENT_REMOVED)),
    _tick(Do.ACCOUNT_DELETED, _STEP_DONE, _platform_step(Step.ACCOUNT_DELETED)),
    _tick(Do.LINKS, _LINKS_DONE, apply_links, ClosureEvent.Action.LINKS_UPDATED),
    Transition(
        Do.CANCEL,
        OPEN,
        target=State.CANCELLED,
        may=_cancels,
        refusal=gettext_lazy("Du kan inte avbryta det här avslutet."),
        conflict=gettext_lazy("Avslutet kan inte avbrytas."),
        apply=apply_cancel,
        url_name="accounts:closure_cancel",
        style="link btn-sm",
        event=ClosureEvent.Action.CANCELLED,
    ),
    # the archive's seal finishes it, never a button
    Transition.by_system(
        Do.FINISH,
        {State.CONFIRMED},
        apply_finish,
        target=State.CLOSED,
        event=ClosureEvent.Action.CLOSED,
    ),
]


WORKFLOW = Workflow(
    Closure,
    TRANSITIONS,
    related=("account", "account__unit", "confirmed_by"),
    conflict=_state,
    conflict_type=ClosureConflict,
)
