"""The data-protection assessment's transition table (core.workflow): kommunikations-
avdelningen writes and submits it, the dataskyddsombud signs it off or returns it, and
a new version of a signed-off assessment supersedes it when it is signed off in turn."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.workflow import CREATE, Conflict, Guard, Transition, Workflow
from organisation.models import Role, User

from .models import EDITABLE, Assessment, AssessmentEvent, State
from .platforms import platform_choices

AssessmentConflict = Conflict.of(
    "AssessmentConflict", "The assessment is no longer in the state the request expected.", __name__
)


class Do(models.TextChoices):
    CREATE = "create", gettext_lazy("Ny bedömning")
    EDIT = "edit", gettext_lazy("Ändra")
    SUBMIT = "submit", gettext_lazy("Skicka till dataskyddsombudet")
    SIGN_OFF = "sign_off", gettext_lazy("Godkänn bedömningen")
    RETURN = "return", gettext_lazy("Skicka tillbaka för komplettering")
    NEW_VERSION = "new_version", gettext_lazy("Gör en ny version")


# The URL slug of each action (dataprotection:act).
SLUGS = {
    Do.SUBMIT: "skicka",
    Do.SIGN_OFF: "godkann",
    Do.RETURN: "aterlamna",
    Do.NEW_VERSION: "ny-version",
}
BY_SLUG = {slug: action for action, slug in SLUGS.items()}


def may_write(user):
    """Kommunikationsavdelningen writes the assessments."""
    return user.is_active and user.has_role(Role.KOMMUNIKATIONSAVDELNINGEN)


def may_decide(user):
    """The dataskyddsombud signs them off."""
    return user.is_active and user.has_role(Role.DATASKYDDSOMBUD)


def data_protection_officers():
    return list(
        User.objects.filter(is_active=True, role_assignments__role=Role.DATASKYDDSOMBUD)
        .distinct()
        .order_by("pk")
    )


def assessment_url(assessment):
    return reverse("dataprotection:detail", args=[assessment.pk])


def _writer(ctx):
    return may_write(ctx.actor)


def _officer(ctx):
    return may_decide(ctx.actor)


def _state(ctx):
    return _("Bedömningen är %(state)s. Ingenting ändrades.") % {
        "state": ctx.record.get_state_display().lower()
    }


# -- applying ----------------------------------------------------------------------------


def apply_create(ctx):
    """Version 1 of a platform's assessment, or an addition for one account (the parent)."""
    fields = ctx.data["fields"]
    if fields.get("platform") not in dict(platform_choices()):
        raise ValidationError({"platform": _("Välj plattform.")})
    assessment = Assessment(
        **fields, account=ctx.parent, created_by=ctx.actor, created_at=ctx.now, state=State.DRAFT
    )
    assessment.full_clean()
    assessment.save()
    return assessment


def apply_edit(ctx):
    assessment = ctx.record
    for name, value in ctx.data.get("fields", {}).items():
        setattr(assessment, name, value)
    assessment.full_clean(exclude=["created_by", "previous", "account"])
    assessment.save()


def apply_submit(ctx):
    assessment = ctx.record
    assessment.state = State.SUBMITTED
    assessment.submitted_at = ctx.now
    assessment.save(update_fields=["state", "submitted_at"])
    for officer in data_protection_officers():
        ctx.notify(
            officer,
            "assessment_submitted",
            {"assessment": assessment},
            assessment_url(assessment),
        )


def _signed_off_sibling(assessment):
    """The signed-off version this one supersedes: the platform's (or the account's)."""
    same = Assessment.objects.filter(state=State.SIGNED_OFF).exclude(pk=assessment.pk)
    if assessment.account_id:
        same = same.filter(account_id=assessment.account_id)
    else:
        same = same.filter(platform=assessment.platform, account__isnull=True)
    return same.select_for_update().first()


def apply_sign_off(ctx):
    assessment = ctx.record
    old = _signed_off_sibling(assessment)
    if old is not None:
        old.state = State.SUPERSEDED
        old.save(update_fields=["state"])
        AssessmentEvent.write(
            old,
            AssessmentEvent.Action.SUPERSEDED,
            actor=ctx.actor,
            at=ctx.now,
            data={"by": assessment.pk, "version": assessment.version},
        )
    assessment.state = State.SIGNED_OFF
    assessment.decided_by, assessment.decided_at = ctx.actor, ctx.now
    assessment.save(update_fields=["state", "decided_by", "decided_at"])
    ctx.comment = ctx.data.get("comment", "")
    ctx.event_data = {"review_on": assessment.review_on.isoformat()}
    ctx.notify(
        assessment.created_by,
        "assessment_decided",
        {"assessment": assessment},
        assessment_url(assessment),
    )


def apply_return(ctx):
    comment = (ctx.data.get("comment") or "").strip()
    if not comment:
        raise ValidationError(
            {"comment": _("Skriv vad som behöver kompletteras innan du skickar tillbaka.")}
        )
    assessment = ctx.record
    assessment.state = State.RETURNED
    assessment.decided_by, assessment.decided_at = ctx.actor, ctx.now
    assessment.save(update_fields=["state", "decided_by", "decided_at"])
    ctx.comment = comment
    ctx.notify(
        assessment.created_by,
        "assessment_decided",
        {"assessment": assessment},
        assessment_url(assessment),
    )


COPIED = (
    "platform",
    "account",
    "channels",
    "personal_data",
    "legal_basis",
    "necessity",
    "transfer_basis",
    "review_on",
)


def apply_new_version(ctx):
    old = ctx.record
    copy = Assessment.objects.create(
        **{name: getattr(old, name) for name in COPIED},
        version=old.version + 1,
        previous=old,
        state=State.DRAFT,
        created_by=ctx.actor,
        created_at=ctx.now,
    )
    AssessmentEvent.write(
        copy,
        AssessmentEvent.Action.CREATED,
        actor=ctx.actor,
        at=ctx.now,
        data={"previous": old.pk},
    )
    return copy


def _no_pending_version(ctx):
    return not ctx.record.next_versions.exclude(state=State.SUPERSEDED).exists()


def _review_ahead(ctx):
    return ctx.record.review_on >= timezone.localdate(ctx.now)


_WRITES = gettext_lazy("Bara kommunikationsavdelningen skriver dataskyddsbedömningar.")
_REVIEW_PASSED = gettext_lazy("Omprövningsdagen har redan passerat. Ange en ny dag först.")
_REVIEW_PASSED_RETURN = gettext_lazy(
    "Omprövningsdagen har redan passerat. Skicka tillbaka bedömningen så att "
    "kommunikationsavdelningen anger en ny dag."
)
_step = Transition.maker(slugs=SLUGS, url_name="dataprotection:act", style="outline-primary")
_by_officer = Transition.maker(
    slugs=SLUGS, url_name="dataprotection:act", style="outline-primary", may=_officer
)

TRANSITIONS = [
    _step(
        Do.CREATE,
        CREATE,
        target=State.DRAFT,
        may=_writer,
        refusal=_WRITES,
        apply=apply_create,
        url_name="",
        style="primary",
        event=AssessmentEvent.Action.CREATED,
    ),
    _step(
        Do.EDIT,
        EDITABLE,
        target="(unchanged)",
        may=_writer,
        refusal=_WRITES,
        apply=apply_edit,
        url_name="dataprotection:edit",
        url_args=None,
        event=False,  # a saved draft is not a transition of the record
    ),
    _step(
        Do.SUBMIT,
        EDITABLE,
        target=State.SUBMITTED,
        may=_writer,
        refusal=gettext_lazy("Bara kommunikationsavdelningen skickar in dataskyddsbedömningar."),
        guards=(Guard(_review_ahead, _REVIEW_PASSED),),
        apply=apply_submit,
        style="primary",
        event=AssessmentEvent.Action.SUBMITTED,
    ),
    _by_officer(
        Do.SIGN_OFF,
        {State.SUBMITTED},
        target=State.SIGNED_OFF,
        refusal=gettext_lazy("Bara dataskyddsombudet godkänner dataskyddsbedömningar."),
        guards=(Guard(_review_ahead, _REVIEW_PASSED_RETURN),),
        apply=apply_sign_off,
        event=AssessmentEvent.Action.SIGNED_OFF,
        style="success",
    ),
    _by_officer(
        Do.RETURN,
        {State.SUBMITTED},
        target=State.RETURNED,
        refusal=gettext_lazy("Bara dataskyddsombudet skickar tillbaka dataskyddsbedömningar."),
        apply=apply_return,
        event=AssessmentEvent.Action.RETURNED,
    ),
    _step(
        Do.NEW_VERSION,
        {State.SIGNED_OFF},
        target=f"a new {State.DRAFT}",
        may=_writer,
        refusal=gettext_lazy("Bara kommunikationsavdelningen gör nya versioner."),
        conflict=gettext_lazy("Bara en godkänd bedömning kan få en ny version."),
        guards=(
            Guard(_no_pending_version, gettext_lazy("Det finns redan en ny version under arbete.")),
        ),
        apply=apply_new_version,
        event=False,  # the copy's "created" event is written by apply
    ),
]


WORKFLOW = Workflow(
    Assessment,
    TRANSITIONS,
    related=("account",),
    conflict=_state,
    conflict_type=AssessmentConflict,
)
