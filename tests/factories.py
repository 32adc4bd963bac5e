import factory
from django.utils import timezone

from accounts import platforms
from accounts.models import Account, Kind, Status
from organisation.models import Role, RoleAssignment, Unit, User


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"Enhet {n}")
    kind = Unit.Kind.ENHET


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Sequence(lambda n: f"Förnamn{n}")
    last_name = "Åström"
    email = factory.LazyAttribute(lambda u: f"{u.username}@kommun.example")
    password = factory.django.Password("test-password")


def give_role(user, role, unit):
    RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit)
    user.__dict__.pop("_assignments", None)
    return user


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    platform = platforms.FACEBOOK_PAGE
    display_name = factory.Sequence(lambda n: f"Konto {n}")
    handle = factory.Sequence(lambda n: f"@konto{n}")
    url = factory.Sequence(lambda n: f"https://www.facebook.com/konto{n}")
    url_key = factory.LazyAttribute(lambda a: __import__("accounts.urlkeys").urlkeys.url_key(a.url))
    kind = Kind.SERVICE
    purpose = "Berätta om verksamheten."
    audience = "Invånare"
    status = Status.ACTIVE
    gp_states_official = True
    gp_links_website = True
    gp_contact_phone = True
    # The test is the caller: its (often pinned) clock, read when the account is made.
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.SelfAttribute("created_at")
    accessibility_practice = "Alt-texter på alla bilder; filmerna textas."


def signed_off_assessments(writer, officer, *, review_on=None, platforms=None, now=None):
    """Current, signed-off data-protection assessments (dataprotection) of `platforms`
    (default every platform), made as rows in one query: the plan tests' precondition
    for establishing a plan. The workflow itself is tested in test_dataprotection."""
    import datetime

    from dataprotection.models import Assessment, State
    from dataprotection.platforms import platform_choices

    now = now or timezone.now()
    review_on = review_on or datetime.date(2999, 12, 31)
    slugs = platforms or [slug for slug, _label in platform_choices()]
    return Assessment.objects.bulk_create(
        Assessment(
            platform=slug,
            state=State.SIGNED_OFF,
            channels="Kommunens konton.",
            personal_data="Kommentarer och profilnamn.",
            legal_basis="Allmänt intresse, artikel 6.1 e.",
            necessity="Invånarna finns där.",
            transfer_basis="EU–US Data Privacy Framework.",
            review_on=review_on,
            created_by=writer,
            created_at=now,
            submitted_at=now,
            decided_by=officer,
            decided_at=now,
        )
        for slug in slugs
    )


__all__ = [
    "AccountFactory",
    "Role",
    "UnitFactory",
    "UserFactory",
    "advance",
    "give_role",
    "make_plan",
    "plan_data",
    "race",
    "signed_off_assessments",
]


# -- Aktivitetsplaner -------------------------------------------------------------------

PLAN_TEXTS = {
    "purpose": "Väcka läslust hos unga vuxna; Instagram är där de finns.",
    "goals": "500 följare efter ett år och 20 procent fler anmälningar till bokcirklar.",
    "audience": "Unga vuxna 16–25 år",
    "complements": "Inläggen länkar till evenemangskalendern på kommunens webbplats.",
    "content_plan": "Boktips och evenemang enligt en innehållskalender.",
    "frequency": "3–4 inlägg i veckan",
    "time_allocated": "Fyra timmar i veckan; frågor besvaras inom 48 timmar.",
    "platform_knowledge": "Har använt Instagram i flera år.",
    "personal_data": "Bilder på besökare bara med skriftligt samtycke.",
    "accessibility": "Alla bilder får alt-texter och alla filmer textas.",
    "evaluation_plan": "Följare och anmälningar följs upp varje kvartal.",
}

_plan_counter = iter(range(1, 1_000_000))


def plan_data(**overrides):
    """Everything a new-account plan needs to be submitted, except the people."""
    n = next(_plan_counter)
    from activityplans.models import Assignment

    return {
        "assignment": Assignment.NEW_ACCOUNT,
        "platform": platforms.INSTAGRAM,
        "account_kind": Kind.SERVICE,
        "account_name": f"Biblioteket läser {n}",
        "url": f"https://www.instagram.com/biblioteketlaser{n}",
        **PLAN_TEXTS,
        "answers_within_48h": True,
        "consent_confirmed": True,
        **overrides,
    }


def make_plan(
    applicant, substitute, *, actor=None, administrators=None, state=None, now=None, **fields
):
    """A complete plan drafted through the services at `now` (the test's clock unless
    given) and, if `state` is given, taken there by submitting it and letting the
    designated person approve each step."""
    from activityplans import services

    now = now or timezone.now()
    data = plan_data(applicant=applicant, substitute=substitute, **fields)
    if administrators is None:
        administrators = [applicant, substitute]
    plan = services.create_draft(actor or applicant, data, administrators, now=now)
    if state is not None:
        plan = advance(plan, state, now)
    return plan


def advance(plan, state, now=None):
    """Submit the plan if needed and approve steps until it is in `state`, at `now`
    (the test's clock unless given)."""
    from activityplans import routing, services
    from activityplans.models import EDITABLE

    now = now or timezone.now()
    plan.refresh_from_db()
    if plan.state in EDITABLE and plan.state != state:
        plan = services.submit(plan.created_by, plan.pk, now=now)
    while plan.state != state:
        decider = routing.deciders(plan, now)[0]
        plan = services.decide(decider, plan.pk, plan.state, "approve", now=now)
    plan.refresh_from_db()
    return plan


def race(count, work):
    """Run `work(i)` for i in range(count), each in its own thread with its own database
    connection, all released at once. Returns what each returned or raised, in order."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the caller asserts on it
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def render_unrendered(now):
    """Render the notifications a sweep wrote unrendered, as delivery and the list do
    (notifications.rendering.render_pending)."""
    from notifications.models import Notification
    from notifications.rendering import render_pending

    return render_pending(
        Notification.objects.filter(rendered_at__isnull=True).select_related("recipient"), now
    )
