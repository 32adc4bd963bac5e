"""Accounts on a platform whose data-protection assessment is past its review date, for
the compliance overview."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.compliance import account_entry, day
from accounts.models import Account
from core.worklist import SECTION_ROWS, ComplianceSection

from .models import Assessment
from .platforms import platform_label


def expired_accounts(accounts, today):
    """`accounts` (open ones) on a platform whose signed-off assessment is past its
    review date (a queryset), and {platform: review date}."""
    expired = dict(Assessment.objects.expired(today).values_list("platform", "review_on"))
    found = accounts.open().filter(platform__in=expired).select_related("responsible")
    return found.order_by("platform", "display_name", "pk"), expired


def sections(user, now):
    today = timezone.localdate(now)
    found, expired = expired_accounts(Account.objects.visible_to(user), today)
    rows = [(a, expired[a.platform]) for a in found[:SECTION_ROWS]] if expired else []
    return [
        ComplianceSection(
            id="dataskydd",
            title=_("Dataskyddsbedömningen för plattformen ska omprövas"),
            count=found.count() if expired else 0,
            danger=True,
            entries=[
                account_entry(
                    account,
                    _("%(platform)s: omprövningsdagen %(date)s har passerat")
                    % {"platform": platform_label(account.platform), "date": day(review_on)},
                )
                for account, review_on in rows
            ],
            empty=_("Alla plattformars dataskyddsbedömningar gäller."),
            remedy=_(
                "Kommunikationsavdelningen gör en ny version av bedömningen under Dataskydd "
                "och dataskyddsombudet godkänner den."
            ),
            account_ids=found.values_list("pk", flat=True) if expired else (),
        )
    ]


def link(user, now):
    """The compliance overview's link to the assessments (every signed-in person reads them)."""
    return _("Dataskydd per plattform"), reverse("dataprotection:list")
