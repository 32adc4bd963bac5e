"""What a plan must say before it can be submitted: one small validator per rule of the
form. `submission_errors` runs them and collects every message, so the applicant sees
all that is missing at once."""

from django.utils.translation import gettext as _

from accounts.models import Account, Status
from accounts.urlkeys import InvalidAccountURL, url_key

from . import routing
from .models import Assignment, Duration, State

# Besides the purpose, which every plan needs (checked first).
REQUIRED_TEXT = (
    "goals",
    "audience",
    "complements",
    "content_plan",
    "frequency",
    "time_allocated",
    "platform_knowledge",
    "personal_data",
    "evaluation_plan",
)


def _required():
    return _("Fyll i det här fältet innan du skickar in planen.")


def data_protection(plan, today):
    """Why the plan cannot be fastställd today for want of a current, signed-off
    data-protection assessment of its platform (dataprotection), or None."""
    from dataprotection.services import establish_blocker

    platform = plan.platform or (plan.account.platform if plan.account_id else "")
    return establish_blocker(platform, today)


def basics(plan, today):
    if not plan.platform:
        yield "platform", _("Välj plattform.")
    if not plan.purpose.strip():
        yield "purpose", _required()


def monitoring_chef(plan, today):
    if routing.designated(plan, State.SUBMITTED) is None:
        yield (
            "__all__",
            _("Enheten har ingen chef som kan informeras. Kontakta systemadministratören."),
        )


def texts(plan, today):
    for name in REQUIRED_TEXT:
        if not getattr(plan, name).strip():
            yield name, _required()


def confirmations(plan, today):
    if not plan.answers_within_48h:
        yield (
            "answers_within_48h",
            _("Bekräfta att ni har tid att hantera frågor och olämpliga inlägg inom 48 timmar."),
        )
    if not plan.consent_confirmed:
        yield (
            "consent_confirmed",
            _("Bekräfta att du inhämtar samtycke innan du fotograferar eller namnger någon."),
        )


def account_named(plan, today):
    if plan.assignment == Assignment.TAKEOVER or plan.previous_id:
        if plan.account is None:
            yield "account", _("Välj kontot i registret som ska tas över.")
        elif plan.account.status == Status.CLOSED:
            yield "account", _("Kontot är avslutat och kan inte tas över.")
    elif not plan.account_name.strip():
        yield "account_name", _("Ange vad kontot ska heta.")
    if plan.assignment == Assignment.NEW_ACCOUNT and not plan.previous_id and not plan.account_kind:
        yield "account_kind", _("Välj typ av konto.")


def ambassador(plan, today):
    if plan.assignment != Assignment.AMBASSADOR:
        return
    if not plan.url:
        yield "url", _("Ange adressen till ditt personliga konto.")
    if not plan.ambassador_statement:
        yield (
            "ambassador_statement",
            _("Kontot ska ange att det används i tjänsten för kommunen."),
        )


def url_free(plan, today):
    if not plan.url:
        return
    try:
        key = url_key(plan.url)
    except InvalidAccountURL as exc:
        yield "url", str(exc)
        return
    clash = Account.objects.filter(url_key=key).exclude(pk=plan.account_id).first()
    if clash is not None:
        yield (
            "url",
            _(
                "Adressen finns redan i registret (%(account)s). Välj ”Ta över ett befintligt konto” i stället."
            )
            % {"account": clash},
        )


def administrators(plan, today):
    communicator = routing.communicator_for(plan)
    others = [
        a for a in plan.administrators.all() if communicator is None or a.pk != communicator.pk
    ]
    if len(others) < 2:
        yield (
            "administrators",
            _("Ange minst två administratörer utöver förvaltningskommunikatören."),
        )


def substitute(plan, today):
    if plan.substitute_id is None:
        yield "substitute", _("Ange en ersättare som tar över när du är borta.")
    elif plan.substitute_id == plan.applicant_id:
        yield "substitute", _("Ersättaren ska vara en annan person än du.")


def duration(plan, today):
    if plan.duration != Duration.LIMITED:
        return
    if plan.ends_on is None:
        yield "ends_on", _("Ange till och med vilket datum aktiviteten pågår.")
    elif plan.ends_on <= today:
        yield "ends_on", _("Slutdatumet ska ligga i framtiden.")


def deciders(plan, today):
    if routing.designated(plan, State.SUBMITTED) is None:
        yield (
            "__all__",
            _("Enheten har ingen chef som kan godkänna uppdraget. Kontakta systemadministratören."),
        )
    elif any(routing.designated(plan, state) is None for state in plan.chain[2:-1]):
        yield (
            "__all__",
            _(
                "Det finns ingen annan än du som kan fatta beslut i ett av stegen. Kontakta kommunikationsavdelningen."
            ),
        )


def unit(plan, today):
    if (
        plan.unit_id
        and plan.applicant.unit_id
        and plan.unit_id not in plan.applicant.unit.ancestor_ids
    ):
        yield "unit", _("Välj din egen enhet eller en enhet ovanför den.")


# A monitoring notice needs only its platform, purpose and a chef to inform.
MONITORING = (basics, monitoring_chef)
FULL = (
    basics,
    texts,
    confirmations,
    account_named,
    ambassador,
    url_free,
    administrators,
    substitute,
    duration,
    deciders,
    unit,
)


def submission_errors(plan, today):
    """Every missing or inconsistent field, as {field: [message]} ("__all__" for the
    plan as a whole). Empty when the plan can be submitted."""
    errors = {}
    validators = MONITORING if plan.assignment == Assignment.MONITORING else FULL
    for validator in validators:
        for field, message in validator(plan, today):
            errors.setdefault(field, []).append(message)
    return errors
