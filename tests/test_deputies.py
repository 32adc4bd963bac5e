"""The one deputies resolver (organisation.deputies) and the double substitute: A away
with substitute B, B away with substitute C. C does A's work everywhere (the desk,
"tillsyn gjord", a plan's step, a closure, a snapshot upload, the e-mails); B, away
too, neither gets it as theirs nor may act on it as A's substitute."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts import lifecycle
from accounts.models import Closure
from activityplans import routing
from activityplans import services as plan_services
from activityplans.models import Plan
from activityplans.models import State as PlanState
from archive import services as archive_services
from archive.capture import CaptureFailed
from archive.models import Method
from archive.models import State as SnapshotState
from moderation import jobs, services
from moderation.models import CheckIn, Item
from moderation.views import my_accounts
from notifications.models import Notification
from organisation.deputies import Deputies
from organisation.models import Absence, Role

from .archive_helpers import semiannual
from .factories import AccountFactory, UserFactory, give_role, make_plan
from .test_moderation_views import image_bytes, upload

pytestmark = pytest.mark.django_db

STHLM = ZoneInfo("Europe/Stockholm")
DAY = datetime.date(2026, 11, 3)
NOW = datetime.datetime(2026, 11, 3, 9, 0, tzinfo=STHLM)


def away(user, substitute, starts_on=DAY, ends_on=DAY + datetime.timedelta(days=3)):
    return Absence.objects.create(
        user=user, substitute=substitute, starts_on=starts_on, ends_on=ends_on, created_at=NOW
    )


def recipients(kind):
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


@pytest.fixture
def abc(org):
    """A: the library's medarbetare, away with B; B (Biblioteket) away with C; C works in
    Skolan, outside the library, and is on none of its accounts."""
    b = UserFactory(username="b-ersattare", unit=org.bibliotek)
    give_role(b, Role.MEDARBETARE, org.bibliotek)
    c = UserFactory(username="c-ersattare", unit=org.skolan)
    give_role(c, Role.MEDARBETARE, org.skolan)
    return org.people.medarbetare, b, c


def chain_of(a, b, c):
    away(a, b)
    away(b, c)


# -- the resolver ------------------------------------------------------------------------


def test_the_chain_ends_at_the_first_person_present(org, abc, django_assert_num_queries):
    a, b, c = abc
    chain_of(a, b, c)
    with django_assert_num_queries(1):
        deputies = Deputies.for_day(DAY)
        assert deputies.chain(a) == [a, b, c]
        assert deputies.acting_for(a) == c and deputies.acting_for(b) == c
        assert deputies.acting_for(c) == c
        assert deputies.represented_by(c) == {a.pk, b.pk, c.pk}
        assert deputies.represented_by(b) == set()  # away: their own work is C's too
        assert deputies.represented_by(a) == set()
        assert deputies.acts_as(b) == {b.pk}  # away: not A's substitute while away
        assert deputies.acts_as(a) == {a.pk}  # away, but not locked out of their own
        assert deputies.acts_as(c) == {a.pk, b.pk, c.pk}
        assert deputies.others_acted_for(b) == set()
        assert deputies.may_act_for(c, a) and not deputies.may_act_for(c, org.people.chef)
        assert deputies.may_act_for(a, a) and not deputies.may_act_for(b, a)
    # Before and after the absences, everyone does their own work.
    for day in (DAY - datetime.timedelta(days=1), DAY + datetime.timedelta(days=4)):
        assert Deputies.for_day(day).acting_for(a) == a


def test_one_query_for_the_day_whatever_the_length_of_the_chain(org, django_assert_num_queries):
    people = [UserFactory(username=f"p{i}", unit=org.bibliotek) for i in range(8)]
    for first, second in zip(people, people[1:], strict=False):
        away(first, second)
    with django_assert_num_queries(1):
        deputies = Deputies.for_day(DAY)
        assert deputies.acting_for(people[0]) == people[-1]
        assert deputies.represented_by(people[-1]) == {p.pk for p in people}
        assert {deputies.acting_for(p) for p in people} == {people[-1]}


def test_a_cycle_of_people_who_are_all_away_leaves_the_work_with_its_owner(org, abc):
    a, b, _c = abc
    away(a, b)
    away(b, a)
    deputies = Deputies.for_day(DAY)
    assert deputies.chain(a) == [a, b] and deputies.chain(b) == [b, a]
    assert deputies.acting_for(a) == a and deputies.acting_for(b) == b
    assert deputies.represented_by(a) == {a.pk} and deputies.represented_by(b) == {b.pk}
    assert deputies.acts_as(a) == {a.pk} and deputies.acts_as(b) == {b.pk}


def test_a_substitute_who_left_does_not_take_the_work(org, abc):
    a, b, c = abc
    chain_of(a, b, c)
    c.is_active = False
    c.save()
    deputies = Deputies.for_day(DAY)
    assert deputies.chain(a) == [a, b]
    assert deputies.acting_for(a) == a  # nobody present reached: the owner keeps it


def test_a_cancelled_absence_counts_for_nothing(org, abc):
    a, b, _c = abc
    absence = away(a, b)
    absence.cancelled_at = NOW
    absence.save()
    assert Deputies.for_day(DAY).acting_for(a) == a


@pytest.mark.parametrize(
    ("last_day", "inside", "after"),
    [
        # Spring: the night to Sunday 29 March 2026 has 23 hours.
        (
            datetime.date(2026, 3, 29),
            datetime.datetime(2026, 3, 29, 23, 30, tzinfo=STHLM),
            datetime.datetime(2026, 3, 30, 0, 30, tzinfo=STHLM),  # 22:30 UTC on the 29th
        ),
        # Autumn: the night to Sunday 25 October 2026 has 25 hours.
        (
            datetime.date(2026, 10, 25),
            datetime.datetime(2026, 10, 25, 23, 30, tzinfo=STHLM),
            datetime.datetime(2026, 10, 26, 0, 30, tzinfo=STHLM),  # 23:30 UTC on the 25th
        ),
    ],
    ids=["spring", "autumn"],
)
def test_a_dst_day_is_an_ordinary_local_date(org, abc, last_day, inside, after):
    a, b, _c = abc
    away(a, b, starts_on=last_day, ends_on=last_day)
    start = datetime.datetime.combine(last_day, datetime.time(0, 0), tzinfo=STHLM)
    assert Deputies.at(start).acting_for(a) == b
    assert Deputies.at(inside.astimezone(datetime.UTC)).acting_for(a) == b
    assert Deputies.at(after.astimezone(datetime.UTC)).acting_for(a) == a
    assert Deputies.for_day(last_day).acting_for(a) == b


def test_the_resolver_takes_a_date_not_a_time(org):
    with pytest.raises(TypeError):
        Deputies.for_day(NOW)


# -- moderation --------------------------------------------------------------------------


@pytest.fixture
def desk(org):
    p = org.people
    account = AccountFactory(
        display_name="Biblioteket på Facebook",
        unit=org.bibliotek,
        responsible=p.medarbetare,
        substitute=p.chef,
    )
    account.administrators.set([p.medarbetare, p.chef, p.kommunikator])
    return account


def test_moderation_goes_to_the_substitute_of_the_substitute(client, org, abc, desk):
    a, b, c = abc
    chain_of(a, b, c)
    item, _created = services.create_item(
        org.people.kommunikator, desk, {"kind": "fraga", "text": "Öppet?"}, now=NOW
    )
    assert recipients("moderation_new") == {c.username}
    deputies = Deputies.at(NOW)
    # On C's desk, not on B's (B is away too; A still sees their own account).
    assert desk in my_accounts(c, deputies)
    assert desk not in my_accounts(b, deputies)
    assert desk in my_accounts(a, deputies)
    assert services.handler(item, NOW) == c
    assert services.may_handle(c, item, NOW)
    assert not services.may_handle(b, item, NOW)  # away: not A's substitute

    with time_machine.travel(NOW, tick=False):
        # B, away too, may not act as A's substitute: no actions, and POSTs are refused.
        client.force_login(b)
        page = client.get(f"/moderering/{item.pk}/")
        assert page.status_code == 200 and not page.context["actions"]
        assert client.post(f"/moderering/konto/{desk.pk}/tillsyn/").status_code == 403
        response = client.post(
            f"/moderering/{item.pk}/svara/", {"svara-text": "Ja.", "svara-link": ""}
        )
        assert response.status_code == 403
        assert not CheckIn.objects.filter(account=desk).exists()
        assert Item.objects.get(pk=item.pk).resolved_at is None
        client.force_login(c)
        page = client.get("/moderering/")
        assert page.status_code == 200
        assert [i.pk for i in page.context["items"]] == [item.pk]
        assert page.context["items"][0].handler == c
        assert client.get(f"/moderering/{item.pk}/").context["actions"]
        # "Tillsyn gjord" by C.
        response = client.post(f"/moderering/konto/{desk.pk}/tillsyn/")
        assert response.status_code == 302
        assert CheckIn.objects.get(account=desk).user == c
        response = client.post(
            f"/moderering/{item.pk}/svara/", {"svara-text": "Ja, 10–14.", "svara-link": ""}
        )
        assert response.status_code == 302
        # B's desk shows none of it as B's.
        client.force_login(b)
        page = client.get("/moderering/")
        assert page.context["items"] == []
    assert Item.objects.get(pk=item.pk).resolved_at == NOW


def test_the_reminders_go_to_the_substitute_of_the_substitute(org, abc, desk):
    a, b, c = abc
    chain_of(a, b, c)
    item, _created = services.create_item(
        org.people.kommunikator, desk, {"kind": "fraga", "text": "Öppet?"}, now=NOW
    )
    for moment in (item.due_at - datetime.timedelta(hours=12), item.due_at):
        with time_machine.travel(moment, tick=False):
            jobs.remind_deadlines(timezone.now())
            jobs.send_unsent(timezone.now())
    assert recipients("moderation_12h_left") == {c.username}
    assert recipients("moderation_deadline") == {c.username, "chef"}
    assert Notification.objects.filter(recipient=b).count() == 0


# -- plans -------------------------------------------------------------------------------


def test_the_substitute_of_the_substitute_decides_the_plan_step(org, colleague):
    p = org.people
    b = UserFactory(username="b-ersattare", unit=org.bibliotek)
    c = UserFactory(username="c-ersattare", unit=org.skolan)
    chain_of(p.chef, b, c)
    with time_machine.travel(NOW, tick=False):
        plan = make_plan(p.medarbetare, colleague)
        plan = plan_services.submit(p.medarbetare, plan.pk, now=NOW)
        assert routing.current_actor(plan, NOW) == c
        assert routing.deciders(plan, NOW) == [p.chef, c]
        assert recipients("plan_waiting") == {c.username}
        assert not routing.may_decide(b, plan, NOW)
        assert not Plan.objects.visible_to(b, deputies=Deputies.at(NOW)).filter(pk=plan.pk)
        with pytest.raises(PermissionDenied):
            plan_services.decide(b, plan.pk, PlanState.SUBMITTED, plan_services.APPROVE, now=NOW)
        plan = plan_services.decide(c, plan.pk, PlanState.SUBMITTED, plan_services.APPROVE, now=NOW)
    assert plan.state == PlanState.CHEF_APPROVED
    assert plan.events.order_by("at", "pk").last().actor == c


# -- closures ----------------------------------------------------------------------------


def test_the_substitute_of_the_substitute_confirms_a_closure(org, account):
    p = org.people
    b = UserFactory(username="b-ersattare", unit=org.kultur)
    c = UserFactory(username="c-ersattare", unit=org.skolan)
    chain_of(p.kommunikator, b, c)
    closure = lifecycle.propose_closure(p.medarbetare, account.pk, "Passivt.", now=NOW)
    assert c.username in recipients("closure_proposed")
    assert not {"kommunikator", b.username} & recipients("closure_proposed")
    with pytest.raises(PermissionDenied):
        lifecycle.confirm_closure(p.chef, closure.pk, now=NOW)  # not the communicator's substitute
    with pytest.raises(PermissionDenied):
        lifecycle.confirm_closure(b, closure.pk, now=NOW)  # away: skipped
    assert Closure.objects.get(pk=closure.pk).state == "foreslagen"
    closure = lifecycle.confirm_closure(c, closure.pk, now=NOW)
    assert Closure.objects.get(pk=closure.pk).confirmed_by == c


def test_the_substitute_of_the_substitute_cannot_confirm_after_the_absence(org, account):
    p = org.people
    b = UserFactory(username="b-ersattare", unit=org.kultur)
    c = UserFactory(username="c-ersattare", unit=org.skolan)
    chain_of(p.kommunikator, b, c)
    later = NOW + datetime.timedelta(days=10)
    closure = lifecycle.propose_closure(p.medarbetare, account.pk, "Passivt.", now=later)
    with pytest.raises(PermissionDenied):
        lifecycle.confirm_closure(c, closure.pk, now=later)


# -- snapshot uploads --------------------------------------------------------------------


def test_the_substitute_of_the_substitute_uploads_the_screenshot(
    client, org, account, abc, fake_capture, media
):
    a, b, c = abc
    chain_of(a, b, c)
    fake_capture.outcome = CaptureFailed("Kontot kräver inloggning.")
    snapshot = semiannual(account)
    archive_services.capture_one(snapshot.pk, now=NOW)
    assert recipients("snapshot_upload") == {c.username}
    with time_machine.travel(NOW, tick=False):
        # B, away too, is not offered the upload and a POST changes nothing.
        client.force_login(b)
        page = client.get(f"/arkiv/bild/{snapshot.pk}/")
        assert page.status_code in (200, 403, 404)
        assert page.status_code != 200 or "upload" not in page.context["actions"]
        response = client.post(
            f"/arkiv/bild/{snapshot.pk}/", {"image": upload(image_bytes("PNG", size=(800, 1200)))}
        )
        assert response.status_code in (403, 404)
        snapshot.refresh_from_db()
        assert snapshot.state != SnapshotState.SEALED
        client.force_login(c)
        page = client.get(f"/arkiv/bild/{snapshot.pk}/")
        assert page.status_code == 200 and "upload" in page.context["actions"]
        response = client.post(
            f"/arkiv/bild/{snapshot.pk}/", {"image": upload(image_bytes("PNG", size=(800, 1200)))}
        )
    assert response.status_code == 302
    snapshot.refresh_from_db()
    assert snapshot.state == SnapshotState.SEALED
    assert snapshot.method == Method.UPLOAD and snapshot.captured_by == c
