"""Demo plans at every step of the flow, made through the services so that their
decision timelines are real. Idempotent: a plan is identified by applicant and name."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from accounts import lifecycle, platforms
from accounts import services as account_services
from accounts.models import Kind
from organisation.models import User

from . import routing, services
from .models import Assignment, Plan, State

TEXTS = {
    "goals": "Fler besökare på våra program: 20 procent fler anmälningar under året. "
    "Minst 500 följare efter första året.",
    "complements": "Inläggen länkar till evenemangskalendern på ekdala.se, som är "
    "den officiella kanalen. Kanalen når unga som inte besöker webbplatsen.",
    "content_plan": "Innehållskalender i Teams: tips, evenemang och en titt bakom "
    "kulisserna. Kollegorna bidrar med bilder.",
    "frequency": "3–4 inlägg i veckan",
    "time_allocated": "Fyra timmar i veckan. Bevakning morgon och eftermiddag varje "
    "arbetsdag; frågor besvaras inom 48 timmar.",
    "platform_knowledge": "Använder kanalen privat sedan flera år och har gått "
    "kommunens kurs i sociala medier.",
    "personal_data": "Inga personuppgifter utöver det användarna själva skriver. "
    "Bilder på besökare publiceras bara med skriftligt samtycke.",
    "evaluation_plan": "Följare, räckvidd och anmälningar följs upp varje kvartal; "
    "årlig utvärdering till förvaltningskommunikatören.",
}

# applicant, name, platform, url, purpose, audience, substitute, administrators, target
PLANS = [
    (
        "medarbetare",
        "Ekdala bibliotek läser",
        platforms.INSTAGRAM,
        "",
        "Väcka läslust hos unga vuxna med boktips och bibliotekets evenemang; "
        "Instagram är där målgruppen finns.",
        "Unga vuxna 16–25 år i Ekdala",
        "sara.lind",
        ["medarbetare", "sara.lind"],
        State.SUBMITTED,
    ),
    (
        "sara.lind",
        "Bokprat för barn",
        platforms.YOUTUBE,
        "https://www.youtube.com/@bokpratekdala",
        "Korta boktips för barn och föräldrar som komplement till sagostunderna.",
        "Barn 6–12 år och deras föräldrar",
        "medarbetare",
        ["medarbetare", "sara.lind"],
        State.CHEF_APPROVED,
    ),
    (
        "eva.berg",
        "Kulturhuset scen",
        platforms.TIKTOK,
        "https://www.tiktok.com/@kulturhusetscen",
        "Visa scenprogrammet för en yngre publik och få fler att köpa biljett.",
        "Unga 15–25 år",
        "sara.lind",
        ["eva.berg", "sara.lind"],
        State.ANCHORED,
    ),
    (
        "omar.haddad",
        "Fritidsgårdarna på Threads",
        platforms.THREADS,
        "https://www.threads.net/@fritidekdala",
        "Dialog med unga om fritidsgårdarnas program och öppettider.",
        "Unga 13–19 år",
        "eva.berg",
        ["omar.haddad", "eva.berg"],
        State.ESTABLISHED,
    ),
]


# The established plan's steps, a year and some days before the seeding, a day apart.
ESTABLISHED_AGO = datetime.timedelta(days=372)
STEP = datetime.timedelta(days=1)


def _keep_up(account, person, *, today, now):
    """The account a plan established a year ago has been kept since, as the others:
    the graphic profile and alt texts in place, a post last week, credentials checked."""
    account_services.update_account(
        person,
        account.pk,
        {
            "gp_states_official": True,
            "gp_links_website": True,
            "gp_contact_phone": True,
            "accessibility_practice": "Alt-texter på alla bilder.",
            "credentials_location": "Lösenordsvalvet: Sociala medier / Fritidsgårdarna / Threads",
        },
        now=now - datetime.timedelta(days=300),
        confirm=True,  # and confirmed the entry then (due again within the year)
    )
    lifecycle.attest_activity(person, account.pk, today - datetime.timedelta(days=4), now=now)
    lifecycle.attest_credentials(person, account.pk, now=now - datetime.timedelta(days=20))


@transaction.atomic
def seed(*, now, stdout=None):
    users = {u.username: u for u in User.objects.all()}
    created = 0
    for applicant, name, platform, url, purpose, audience, substitute, admins, target in PLANS:
        person = users[applicant]
        if Plan.objects.filter(applicant=person, account_name=name).exists():
            continue
        data = {
            **TEXTS,
            "applicant": person,
            "unit": person.unit,
            "assignment": Assignment.NEW_ACCOUNT,
            "platform": platform,
            "account_kind": Kind.SERVICE,
            "account_name": name,
            "handle": "",
            "url": url,
            "purpose": purpose,
            "audience": audience,
            "answers_within_48h": True,
            "consent_confirmed": True,
            "substitute": users[substitute],
        }
        # The established plan went through its steps a year ago, a day apart (its
        # evaluation is due now); the others were handed in today.
        at = now - ESTABLISHED_AGO if target == State.ESTABLISHED else now
        plan = services.create_draft(person, data, [users[a] for a in admins], now=at)
        services.submit(person, plan.pk, now=at)
        plan.refresh_from_db()
        while plan.state != target:
            decider = routing.designated(plan)
            at = min(now, at + STEP) if target == State.ESTABLISHED else now
            plan = services.decide(decider, plan.pk, plan.state, services.APPROVE, now=at)
        if target == State.ESTABLISHED and plan.account_id:
            _keep_up(plan.account, person, today=timezone.localdate(now), now=now)
        created += 1

    # A monitoring-only notice: no approval chain, the chef is informed.
    person = users["maria.sund"]
    if not Plan.objects.filter(applicant=person, assignment=Assignment.MONITORING).exists():
        plan = services.create_draft(
            person,
            {
                "applicant": person,
                "unit": person.unit,
                "assignment": Assignment.MONITORING,
                "platform": platforms.LINKEDIN,
                "purpose": "Följa skolutvecklingsdebatten och andra skolors erfarenheter.",
            },
            now=now,
        )
        services.submit(person, plan.pk, now=now)
        created += 1

    # An established plan whose evaluation is already overdue, for the compliance overview.
    established = Plan.objects.filter(
        state=State.ESTABLISHED, account_name="Fritidsgårdarna på Threads"
    ).first()
    if established is not None:
        evaluation = established.evaluations.filter(submitted_at__isnull=True).first()
        overdue_on = timezone.localdate(now) - datetime.timedelta(days=3)
        if evaluation is not None and evaluation.due_on > overdue_on:
            evaluation.due_on = overdue_on
            evaluation.save(update_fields=["due_on"])
    if stdout is not None:
        stdout.write(
            ngettext(
                "Aktivitetsplaner: %(count)d ny plan",
                "Aktivitetsplaner: %(count)d nya planer",
                created,
            )
            % {"count": created}
        )
    return created
