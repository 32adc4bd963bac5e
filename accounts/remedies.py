"""What can be done about a warning, for the person who reads it: the action next to it
when they may take it, else who can. One answer for the account page, the compliance
overview and "Att göra"."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access
from .models import Problem

COVERAGE = (Problem.FEW_ADMINS, Problem.NO_COMMUNICATOR, Problem.NO_SUBSTITUTE)
# The field of the edit form where each problem is fixed.
FIELD = {
    Problem.FEW_ADMINS: "administrators",
    Problem.NO_COMMUNICATOR: "administrators",
    Problem.NO_SUBSTITUTE: "substitute",
    Problem.GRAPHIC_PROFILE: "gp_states_official",
    Problem.CREDENTIALS: "credentials_location",
    Problem.ACCESSIBILITY: "accessibility_practice",
}
# What the rule asks of an account that has a coverage problem (the reminder lists them).
REQUIREMENT = {
    Problem.FEW_ADMINS: gettext_lazy(
        "Minst två personer utöver förvaltningskommunikatören ska kunna administrera kontot."
    ),
    Problem.NO_COMMUNICATOR: gettext_lazy(
        "Förvaltningskommunikatören ska vara administratör för kontot."
    ),
    Problem.NO_SUBSTITUTE: gettext_lazy("En ersättare ska vara utsedd."),
}


def can_fix(problem, level):
    """Administrators and substitute are changed by the register's curators; the graphic
    profile, the credentials reference and the accessibility practice also by the
    responsible person and the förvaltningskommunikatör (the descriptive fields)."""
    if problem in COVERAGE:
        return level == access.FULL
    return level in (access.FULL, access.DESCRIPTIVE)


def who_fixes(problem, account):
    if problem in COVERAGE:
        return _(
            "Administratörer och ersättare ändras av kommunikationsavdelningen eller "
            "kommunikationschefen."
        )
    return _("Rättas av den ansvarige, %(person)s, eller förvaltningskommunikatören.") % {
        "person": account.responsible
    }


def for_problem(user, account, problem, level=None):
    """{"problem", "label", "action", "url", "who"}: `action` and `url` when `user` may
    fix it, `who` otherwise."""
    level = access.edit_level(user, account) if level is None else level
    entry = {
        "problem": problem,
        "label": Problem(problem).label,
        "action": "",
        "url": "",
        "who": "",
    }
    if can_fix(problem, level):
        entry["action"] = (
            _("Ändra administratörer och ersättare")
            if problem in COVERAGE
            else _("Rätta uppgiften")
        )
        entry["url"] = reverse("accounts:edit", args=[account.pk]) + f"#id_{FIELD[problem]}"
    else:
        entry["who"] = who_fixes(problem, account)
    return entry


def for_account(user, account, problems):
    level = access.edit_level(user, account)
    return [for_problem(user, account, problem, level) for problem in problems]
