"""The plan's content as labelled sections, shared by the plan page and its PDF."""

from django.utils import formats
from django.utils.translation import gettext as _

from .models import Assignment, Duration, Plan
from .transitions import PLAN_FIELDS_EDITABLE


def _label(name):
    label = str(Plan._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def _yes_no(value):
    return _("Ja") if value else _("Nej")


def sections(plan, administrators):
    """[(heading, [(label, text)])] in the order of the form."""
    account = []
    account.append((_label("platform"), plan.get_platform_display()))
    if plan.account_id:
        account.append((_("Konto i registret"), str(plan.account)))
    if plan.assignment == Assignment.NEW_ACCOUNT and plan.account_kind:
        account.append((_label("account_kind"), plan.get_account_kind_display()))
    for name in ("account_name", "handle", "url"):
        if getattr(plan, name):
            account.append((_label(name), getattr(plan, name)))
    if plan.assignment == Assignment.AMBASSADOR:
        account.append((_label("ambassador_statement"), _yes_no(plan.ambassador_statement)))

    duration = plan.get_duration_display()
    if plan.duration == Duration.LIMITED and plan.ends_on:
        duration = f"{duration} {formats.date_format(plan.ends_on, 'j F Y')}"
    people = [
        (_label("applicant"), _person(plan.applicant)),
        (_label("unit"), plan.unit.label),
        (_label("administrators"), ", ".join(str(a) for a in administrators) or "–"),
        (_label("substitute"), str(plan.substitute) if plan.substitute_id else "–"),
    ]
    content = [
        (_label(name), getattr(plan, name) or "–")
        for name in ("purpose", "goals", "audience", "complements", "content_plan", "frequency")
    ]
    work = [
        (_label("time_allocated"), plan.time_allocated or "–"),
        (_label("answers_within_48h"), _yes_no(plan.answers_within_48h)),
        (_label("platform_knowledge"), plan.platform_knowledge or "–"),
        (_label("personal_data"), plan.personal_data or "–"),
        (_label("consent_confirmed"), _yes_no(plan.consent_confirmed)),
        (_label("accessibility"), plan.accessibility or "–"),
        (_label("duration"), duration),
        (_label("evaluation_plan"), plan.evaluation_plan or "–"),
    ]
    result = [
        (_("Uppdrag"), [(_label("assignment"), plan.get_assignment_display())] + people),
        (_("Konto"), account),
    ]
    if plan.assignment == Assignment.MONITORING:
        result.append((_("Omvärldsbevakning"), [content[0]]))
        return result
    result += [(_("Syfte, mål och målgrupp"), content), (_("Arbetet med kanalen"), work)]
    return result


def _person(user):
    return f"{user}, {user.title}" if user.title else str(user)


# Compared with the approved version: every field of the plan (transitions.py's list,
# copied into a new version) but the choices a new version keeps and the confirmations.
NOT_COMPARED = frozenset(
    {
        "assignment",
        "platform",
        "account_kind",
        "account",
        "answers_within_48h",
        "consent_confirmed",
        "ambassador_statement",
    }
)
DIFF_FIELDS = tuple(name for name in PLAN_FIELDS_EDITABLE if name not in NOT_COMPARED)


def changes_since_approved(plan):
    """[(label, approved value, this version's value)] for every field that differs from
    the approved version this plan would replace."""
    previous = plan.previous
    if previous is None:
        return []
    changes = []
    for name in DIFF_FIELDS:
        field = Plan._meta.get_field(name)
        old, new = _display(previous, field), _display(plan, field)
        if old != new:
            changes.append((field.verbose_name, old, new))
    old_admins = ", ".join(sorted(str(u) for u in previous.administrators.all()))
    new_admins = ", ".join(sorted(str(u) for u in plan.administrators.all()))
    if old_admins != new_admins:
        changes.append(
            (Plan._meta.get_field("administrators").verbose_name, old_admins, new_admins)
        )
    return changes


def _display(plan, field):
    value = getattr(plan, field.name)
    if field.choices:
        return str(getattr(plan, f"get_{field.name}_display")())
    return "" if value is None else str(value)
