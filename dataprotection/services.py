"""Creating an assessment and asking which one is current. Every step, the creation
included, goes through dataprotection.workflow (core.workflow.perform_create, perform)."""

from django.utils.translation import gettext as _

from core.workflow import perform, perform_create

from .models import Assessment, State
from .platforms import platform_choices, platform_label
from .workflow import Do


def create_draft(actor, fields, *, now, account=None):
    """A new assessment (version 1) of a platform, or an addition for one `account` (on
    the account's platform), by kommunikationsavdelningen: the creation transition of
    dataprotection.workflow."""
    fields = dict(fields)
    if account is not None:
        fields["platform"] = account.platform
    return perform_create(actor, Assessment, Do.CREATE, parent=account, now=now, fields=fields)


def edit(actor, pk, fields, *, now, expected_state=None):
    return perform(
        actor, Assessment(pk=pk), Do.EDIT, expected_state=expected_state, now=now, fields=fields
    )


def act(actor, pk, action, *, now, expected_state=None, comment=""):
    return perform(
        actor, Assessment(pk=pk), action, expected_state=expected_state, now=now, comment=comment
    )


def current_for(platform, today):
    """The platform's signed-off assessment whose review date has not passed, or None."""
    return Assessment.objects.current(today).filter(platform=platform).first()


def for_account(account, today):
    """What an account inherits (its platform's current assessment) and its own signed-off
    additions."""
    additions = Assessment.objects.filter(account=account, state=State.SIGNED_OFF)
    return current_for(account.platform, today), list(additions)


def establish_blocker(platform, today):
    """Why a plan on `platform` cannot be fastställd today, or None."""
    if not platform or current_for(platform, today) is not None:
        return None
    expired = Assessment.objects.expired(today).filter(platform=platform).exists()
    reason = (
        _("dataskyddsbedömningens omprövningsdag för %(platform)s har passerat")
        if expired
        else _("det finns ingen godkänd dataskyddsbedömning för %(platform)s")
    )
    return _(
        "Planen kan inte fastställas: %(reason)s. Kommunen är personuppgiftsansvarig "
        "tillsammans med plattformen och behöver en gällande bedömning innan kontot förs in "
        "i registret. Kommunikationsavdelningen skriver bedömningen under Dataskydd och "
        "dataskyddsombudet godkänner den; därefter kan planen fastställas."
    ) % {"reason": reason % {"platform": platform_label(platform)}}


def overview(today):
    """One row per platform: its current (or latest) platform assessment and the
    version under work, for the list page."""
    latest = {}
    for assessment in (
        Assessment.objects.platform_level()
        .select_related("decided_by")
        .order_by("platform", "-version")
    ):
        latest.setdefault(assessment.platform, []).append(assessment)
    rows = []
    for slug, label in platform_choices():
        versions = latest.get(slug, [])
        signed = next((a for a in versions if a.state == State.SIGNED_OFF), None)
        pending = next(
            (a for a in versions if a.state in (State.DRAFT, State.SUBMITTED, State.RETURNED)), None
        )
        rows.append(
            {
                "platform": slug,
                "label": label,
                "signed": signed,
                "current": signed is not None and signed.review_on >= today,
                "pending": pending,
            }
        )
    return rows
