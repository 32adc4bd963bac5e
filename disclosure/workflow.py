"""The request's transition table (core.workflow).

    mottagen --start--> granskas --decide--> beslutad --close--> avslutad
    mottagen/granskas/beslutad --attach--> granskas      (choose what it covers)
    granskas --review--> granskas                         (OSL, one record at a time)
    granskas --decide--> granskas   while records remain  (handing out in parts)
    mottagen/granskas --reassign--> same state
    mottagen/granskas/beslutad --close--> avslutad

Every handler (disclosure.access) may take every step, so a request never waits for one
person. Attaching records puts a spärr (retention.holds.place_hold, source the request)
on them, lifted when the request is closed. Receiving a request (disclosure.services
.receive) is the table's creation transition.
"""

import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.workflow import CREATE, Conflict, Guard, Transition, Workflow
from retention import holds
from retention.models import Hold, HoldReason

from . import clock, release, sources
from .access import may_handle
from .models import (
    CoveredRecord,
    Decision,
    DecisionOutcome,
    Do,
    Outcome,
    Request,
    Review,
    State,
)

RequestConflict = Conflict.of(
    "RequestConflict",
    "The request is not (or no longer) in a state that allows the step.",
    __name__,
)


REFUSAL = gettext_lazy("Begäranden handläggs av registrator och kommunikationsavdelningen.")


def _may(ctx):
    return may_handle(ctx.actor)


def pending_reviews(request):
    """The covered records not yet decided, with their newest review (or None)."""
    return [
        (covered, covered.review)
        for covered in request.covered.filter(decision__isnull=True).prefetch_related("reviews")
    ]


def has_reviewed(ctx):
    return any(review is not None for _c, review in pending_reviews(ctx.record))


def nothing_reviewed_waits(ctx):
    return not has_reviewed(ctx)


# -- apply -------------------------------------------------------------------------------


def _receive_errors(data, actor, now):
    errors = {}
    if (data.get("received_at") or now) > now:
        errors["received_at"] = _("En begäran kan inte ha kommit in i framtiden.")
    if not (data.get("description") or "").strip():
        errors["description"] = _("Skriv vad som begärs.")
    if not may_handle(data.get("handler") or actor):
        errors["handler"] = _("Välj en handläggare med rätt att handlägga begäranden.")
    return errors


def apply_receive(ctx):
    data, actor, now = ctx.data["fields"], ctx.actor, ctx.now
    errors = _receive_errors(data, actor, now)
    if errors:
        raise ValidationError(errors)
    received_at = data.get("received_at") or now
    request = Request.objects.create(
        reference=f"UT-ny-{secrets.token_hex(6)}",  # replaced below, once the pk is known
        received_at=received_at,
        channel=data["channel"],
        requester_name=(data.get("requester_name") or "").strip(),
        requester_contact=(data.get("requester_contact") or "").strip(),
        description=data["description"].strip(),
        handler=data.get("handler") or actor,
        state=State.RECEIVED,
        created_by=actor,
        created_at=now,
        next_reminder_at=clock.first_reminder(received_at),
        reminder_stage=0,
    )
    request.reference = f"UT-{timezone.localtime(received_at).year}-{request.pk:04d}"
    request.save(update_fields=["reference"])
    ctx.comment = request.get_channel_display()
    return request


def apply_start(ctx):
    ctx.record.state = State.IN_REVIEW
    ctx.record.save(update_fields=["state"])


def apply_attach(ctx):
    request, actor, now = ctx.record, ctx.actor, ctx.now
    chosen = []
    for kind, pk in ctx.data["records"]:
        source = sources.get(kind)
        record = sources.load(kind, pk)
        if record is None:
            raise ValidationError({"records": _("Handlingen finns inte längre.")})
        if request.covered.filter(kind=kind, object_id=pk).exists():
            continue
        chosen.append(
            CoveredRecord.objects.create(
                request=request,
                kind=kind,
                object_id=pk,
                label=source.label(record),
                account=source.account_of(record),
                attached_by=actor,
                attached_at=now,
            )
        )
    if not chosen:
        raise ValidationError({"records": _("Välj minst en handling som inte redan är vald.")})
    holds.place_hold(
        actor,
        reason=HoldReason.REQUEST,
        reference=request.reference,
        description=_("Begäran om allmän handling %(ref)s omfattar handlingen.")
        % {"ref": request.reference},
        records=[(sources.get(c.kind).model, c.object_id) for c in chosen],
        source=request,
        now=now,
    )
    request.state = State.IN_REVIEW
    request.save(update_fields=["state"])
    ctx.comment = "\n".join(c.label for c in chosen)
    ctx.event_data = {"covered": [c.pk for c in chosen]}


def apply_review(ctx):
    request, data = ctx.record, ctx.data
    covered = request.covered.filter(pk=data["covered"], decision__isnull=True).first()
    if covered is None:
        raise ValidationError({"covered": _("Handlingen är redan beslutad eller hör inte hit.")})
    outcome = data["outcome"]
    provision = (data.get("provision") or "").strip()
    masks = [m for m in (data.get("masks") or []) if m.strip()]
    source = sources.get(covered.kind)
    errors = {}
    if outcome != Outcome.RELEASE and not provision:
        errors["provision"] = _("Ange den bestämmelse i OSL som sekretessen följer av.")
    if outcome == Outcome.MASK:
        record = sources.load(covered.kind, covered.object_id)
        if source.sealed_file:
            errors["outcome"] = _(
                "En förseglad ögonblicksbild lämnas ut som den är eller inte alls."
            )
        elif not masks:
            errors["masks"] = _("Ange den text som ska maskeras.")
        elif record is not None:
            texts = "\n".join(text for _label, text in source.texts(record))
            missing = [m for m in masks if m not in texts]
            if missing:
                errors["masks"] = _("Finns inte i handlingen: %(texts)s") % {
                    "texts": "; ".join(f"”{m}”" for m in missing)
                }
    if outcome == Outcome.REFUSE and not (data.get("reason") or "").strip():
        errors["reason"] = _("Skriv skälen för avslaget.")
    if errors:
        raise ValidationError(errors)
    Review.objects.create(
        covered=covered,
        outcome=outcome,
        masks=masks if outcome == Outcome.MASK else [],
        provision="" if outcome == Outcome.RELEASE else provision,
        reason=(data.get("reason") or "").strip(),
        reviewed_by=ctx.actor,
        reviewed_at=ctx.now,
    )
    label = Outcome(outcome).label
    ctx.comment = f"{covered.label}: {label}" + (
        f" ({provision})" if provision and outcome != Outcome.RELEASE else ""
    )
    ctx.event_data = {"covered": covered.pk, "outcome": outcome}


def _title(covered):
    record = sources.load(covered.kind, covered.object_id)
    source = sources.get(covered.kind)
    return source.title(record) if record is not None else f"{source.name} {covered.object_id}"


def _decision_outcome(items):
    outcomes = {item["outcome"] for item in items}
    if outcomes == {Outcome.RELEASE}:
        return DecisionOutcome.RELEASED
    if outcomes == {Outcome.REFUSE}:
        return DecisionOutcome.REFUSED
    return DecisionOutcome.PARTLY


def apply_decide(ctx):
    request, now = ctx.record, ctx.now
    reviewed = [(c, r) for c, r in pending_reviews(request) if r is not None]
    items = [
        {
            "covered": covered.pk,
            "kind": covered.kind,
            "object_id": covered.object_id,
            "label": covered.label,  # the handler's view, with the text's start
            "title": _title(covered),  # as handed out: no text
            "outcome": review.outcome,
            "outcome_label": str(Outcome(review.outcome).label),
            "masks": review.masks,
            "provision": review.provision,
            "reason": review.reason,
            "review": review.pk,
        }
        for covered, review in reviewed
    ]
    number = request.decisions.count() + 1
    decision = Decision(
        request=request,
        number=number,
        outcome=_decision_outcome(items),
        decided_by=ctx.actor,
        decided_at=now,
        items=items,
    )
    document = None
    if any(item["outcome"] != Outcome.RELEASE for item in items):
        document = release.decision_document(request, number, items, now)
        decision.document.save("beslut.pdf", ContentFile(document), save=False)
        decision.document_sha256 = release.sha256(document)
    if any(item["outcome"] != Outcome.REFUSE for item in items):
        try:
            data, files = release.bundle(request, number, items, document, now)
        except release.SealBroken as exc:
            raise RequestConflict(
                _("%(snapshot)s: %(error)s Inget lämnas ut.")
                % {"snapshot": exc.snapshot, "error": exc}
            ) from exc
        decision.bundle.save(f"{request.reference}-{number}.zip", ContentFile(data), save=False)
        decision.bundle_sha256 = release.sha256(data)
        decision.manifest = files
    decision.save()
    CoveredRecord.objects.filter(
        pk__in=[c.pk for c, _r in reviewed], decision__isnull=True
    ).service_update(decision=decision)
    remaining = request.covered.filter(decision__isnull=True).exists()
    request.state = State.IN_REVIEW if remaining else State.DECIDED
    if not remaining:
        request.next_reminder_at = None
    request.save(update_fields=["state", "next_reminder_at"])
    ctx.comment = decision.get_outcome_display()
    ctx.event_data = {"decision": decision.pk, "number": number}
    ctx.result = decision
    return decision


def apply_reassign(ctx):
    handler = ctx.data["handler"]
    if not may_handle(handler):
        raise ValidationError(
            {"handler": _("Välj en handläggare med rätt att handlägga begäranden.")}
        )
    ctx.comment = _("%(old)s → %(new)s") % {"old": ctx.record.handler, "new": handler}
    ctx.record.handler = handler
    ctx.record.save(update_fields=["handler"])
    ctx.notify(
        handler,
        "disclosure_assigned",
        {"request": ctx.record, "actor": ctx.actor},
        clock.request_url(ctx.record),
    )


def apply_close(ctx):
    request, now = ctx.record, ctx.now
    request.state = State.CLOSED
    request.closed_at = now
    request.next_reminder_at = None
    request.save(update_fields=["state", "closed_at", "next_reminder_at"])
    ctx.comment = (ctx.data.get("comment") or "").strip()
    for hold in Hold.objects.active().filter(
        source_type__app_label="disclosure", source_type__model="request", source_id=request.pk
    ):
        holds.lift_hold(
            ctx.actor,
            hold.pk,
            reason=_("Begäran %(ref)s är avslutad.") % {"ref": request.reference},
            now=now,
        )


OPEN = frozenset({State.RECEIVED, State.IN_REVIEW})


def _t(action, sources_, target, apply, **kwargs):
    return Transition(
        action,
        frozenset(sources_),
        target=target,
        may=_may,
        refusal=kwargs.pop("refusal", REFUSAL),
        apply=apply,
        label=kwargs.pop("label", Do(action).label),
        url_name=kwargs.pop("url_name", "disclosure:act"),
        url_args=kwargs.pop("url_args", lambda r, a=action: [r.pk, a]),
        **kwargs,
    )


TRANSITIONS = [
    _t(
        Do.RECEIVE,
        CREATE,
        State.RECEIVED,
        apply_receive,
        refusal=gettext_lazy(
            "Begäranden registreras av registrator och kommunikationsavdelningen."
        ),
        url_name="disclosure:new",
        url_args=lambda parent: [],
    ),
    _t(Do.START, {State.RECEIVED}, State.IN_REVIEW, apply_start),
    _t(
        Do.ATTACH,
        {State.RECEIVED, State.IN_REVIEW, State.DECIDED},
        State.IN_REVIEW,
        apply_attach,
        url_name="disclosure:search",
        url_args=lambda r: [r.pk],
        style="outline-primary",
    ),
    _t(
        Do.REVIEW,
        {State.IN_REVIEW},
        State.IN_REVIEW,
        apply_review,
        url_name="disclosure:detail",  # one review per covered record, from its row
        url_args=lambda r: [r.pk],
        style="outline-primary",
    ),
    _t(
        Do.DECIDE,
        {State.IN_REVIEW},
        gettext_lazy("beslutad, eller granskas medan handlingar återstår"),
        apply_decide,
        guards=(Guard(has_reviewed, gettext_lazy("Pröva minst en handling innan beslutet.")),),
    ),
    _t(Do.REASSIGN, OPEN, gettext_lazy("samma status"), apply_reassign, style="outline-secondary"),
    _t(
        Do.CLOSE,
        {State.RECEIVED, State.IN_REVIEW, State.DECIDED},
        State.CLOSED,
        apply_close,
        guards=(
            Guard(
                nothing_reviewed_waits,
                gettext_lazy("Besluta först om de prövade handlingarna."),
            ),
        ),
        style="outline-danger",
    ),
]


WORKFLOW = Workflow(
    Request,
    TRANSITIONS,
    related=("handler",),
    conflict=gettext_lazy("Begäran har redan hanterats; sidan visar läget nu."),
    conflict_type=RequestConflict,
)
