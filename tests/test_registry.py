"""Hooks registered in code (core.registry, filled from each app's AppConfig.ready()),
the system check on the required ones, and "Att göra" sorted by one real urgency."""

import datetime
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone

from accounts import compliance as accounts_compliance
from accounts import demo as accounts_demo
from accounts import lifecycle
from accounts import todo as accounts_todo
from activityplans import compliance as plans_compliance
from activityplans import demo as plans_demo
from activityplans import services as plan_services
from activityplans import todo as plans_todo
from activityplans.models import State
from archive import demo as archive_demo
from archive import services as archive_services
from core import registry
from core.checks import check_hooks
from core.worklist import ComplianceSection, TodoItem, by_urgency, start_of_day
from dataprotection import compliance as dataprotection_compliance
from dataprotection import demo as dataprotection_demo
from dataprotection import todo as dataprotection_todo
from disclosure import demo as disclosure_demo
from disclosure import todo as disclosure_todo
from internalcontrol import services as internalcontrol_services
from moderation import compliance as moderation_compliance
from moderation import demo as moderation_demo
from moderation import jobs as moderation_jobs
from moderation import services as moderation_services
from moderation import todo as moderation_todo
from organisation import demo as organisation_demo
from organisation import handovers

from .factories import AccountFactory, advance, make_plan

STHLM = ZoneInfo("Europe/Stockholm")
ROOT = Path(__file__).resolve().parent.parent
HOUR = datetime.timedelta(hours=1)


def at(*args):
    return datetime.datetime(*args, tzinfo=STHLM)


# -- the registries ----------------------------------------------------------------------


def test_each_app_registers_its_hooks_from_ready():
    assert dict(registry.close_checks.items()) == {
        "archive.final_snapshot_sealed": archive_services.final_snapshot_sealed
    }
    assert dict(registry.on_closure_confirmed.items()) == {
        "archive.start_final_snapshot": archive_services.start_final_snapshot
    }
    assert dict(registry.responsibilities.items()) == {
        "accounts": lifecycle.responsibilities,
        "activityplans": plan_services.responsibilities,
        "moderation": moderation_services.responsibilities,
    }
    assert dict(registry.handovers.items()) == {
        "accounts": lifecycle.hand_over,
        "activityplans": plan_services.hand_over,
        "moderation": moderation_services.hand_over,
    }
    assert dict(registry.todo_sources.items()) == {
        "organisation": handovers.todo_items,
        "accounts": accounts_todo.items,
        "dataprotection": dataprotection_todo.items,
        "activityplans": plans_todo.items,
        "moderation": moderation_todo.items,
        "disclosure": disclosure_todo.items,
    }
    assert dict(registry.compliance_sources.items()) == {
        "organisation": handovers.compliance_sections,
        "accounts": accounts_compliance.sections,
        "dataprotection": dataprotection_compliance.sections,
        "activityplans": plans_compliance.sections,
        "moderation": moderation_compliance.sections,
    }
    assert dict(registry.compliance_links.items()) == {
        "dataprotection": dataprotection_compliance.link,
        "internalcontrol": internalcontrol_services.compliance_link,
    }
    # The order matters here: each app seeds on top of the ones below it.
    assert registry.demo_seeders.items() == [
        ("organisation", organisation_demo.seed),
        ("accounts", accounts_demo.seed),
        ("dataprotection", dataprotection_demo.seed),
        ("activityplans", plans_demo.seed),
        ("moderation", moderation_demo.seed),
        ("archive", archive_demo.seed),
        ("disclosure", disclosure_demo.seed),
    ]
    loaders = dict(registry.notification_loaders.items())
    assert {kind: loaders.pop(kind) for kind in moderation_jobs.REMINDER_KINDS} == {
        kind: moderation_jobs.reminder_contexts for kind in moderation_jobs.REMINDER_KINDS
    }
    # The other sweeps' kinds, each with a loader of its app.
    assert sorted(loaders) == [
        "account_coverage",
        "account_credentials",
        "account_passive",
        "account_passive_close",
        "evaluation_due",
        "evaluation_overdue",
        "moderation_unwatched",
        "snapshot_upload_escalation",
        "snapshot_upload_reminder",
    ]


def test_the_required_hooks_are_registered_and_the_check_is_clean():
    assert check_hooks() == []
    call_command("check", stdout=io.StringIO())


@pytest.mark.parametrize(
    ("hook_point", "name"),
    [
        (registry.close_checks, "archive.final_snapshot_sealed"),
        (registry.on_closure_confirmed, "archive.start_final_snapshot"),
    ],
)
def test_the_check_fails_when_a_required_hook_is_not_registered(hook_point, name):
    with hook_point.without(name):
        errors = check_hooks()
        assert [e.id for e in errors] == ["kanalkoll.E001"]
        assert name in errors[0].msg and hook_point.name in errors[0].msg
        with pytest.raises(SystemCheckError, match=r"kanalkoll\.E001"):
            call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
    assert check_hooks() == []  # restored


def test_the_check_fails_when_an_app_lists_responsibilities_it_does_not_hand_over():
    with registry.handovers.without("moderation"):
        errors = check_hooks()
    assert [e.id for e in errors] == ["kanalkoll.E002"]
    assert "'moderation'" in errors[0].msg and "handovers" in errors[0].msg


def test_without_refuses_a_name_that_is_not_registered():
    with pytest.raises(KeyError), registry.close_checks.without("archive.no_such_check"):
        pass
    assert "archive.final_snapshot_sealed" in registry.close_checks


OLD_SETTINGS = [
    "KANALKOLL_CLOSE_CHECKS",
    "KANALKOLL_TODO_SOURCES",
    "KANALKOLL_COMPLIANCE_SOURCES",
    "KANALKOLL_ON_CLOSURE_CONFIRMED",
    "KANALKOLL_RESPONSIBILITIES",
    "KANALKOLL_HANDOVER",
    "KANALKOLL_DEMO_SEEDERS",
]
APPS = ["core", "config", "organisation", "notifications", "accounts"]
APPS += ["activityplans", "moderation", "archive", "identity", "retention", "operations"]


def test_no_code_is_wired_through_settings_anymore():
    for name in OLD_SETTINGS:
        assert not hasattr(settings, name), name
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text()
            for name in OLD_SETTINGS:
                assert name not in text, f"{path} reads {name}"
            if path.relative_to(ROOT).as_posix() != "config/sweeps.py":  # its own list
                assert "import_string" not in text, f"{path} imports a dotted path"


def test_the_archive_context_processor_does_not_import_views():
    source = (ROOT / "archive" / "context.py").read_text()
    assert "views" not in source


# -- Att göra ----------------------------------------------------------------------------


def test_a_todo_item_is_due_at_an_aware_moment_and_a_date_at_the_start_of_its_day():
    # The day DST begins (02:00 → 03:00) still starts at midnight, UTC+1.
    item = TodoItem(title="t", url="/", kind="k", due_at=datetime.date(2030, 3, 31))
    assert item.due_at == at(2030, 3, 31, 0, 0) == start_of_day(datetime.date(2030, 3, 31))
    assert item.due_at.utcoffset() == datetime.timedelta(hours=1)
    assert start_of_day(datetime.date(2030, 4, 1)).utcoffset() == datetime.timedelta(hours=2)
    with pytest.raises(ValueError, match="aware"):
        TodoItem(title="t", url="/", kind="k", due_at=datetime.datetime(2030, 3, 1, 12))
    with pytest.raises(AttributeError):
        item.title = "changed"  # frozen


def test_by_urgency_puts_the_overdue_first_then_the_soonest_due():
    now = at(2030, 3, 5, 10, 0)

    def due(moment, title):
        return TodoItem(title=title, url=f"/{title}", kind="k", due_at=moment)

    items = [
        due(datetime.date(2030, 3, 25), "evaluation in 20 days"),
        due(now + 4 * HOUR, "moderation in 4 hours"),
        due(now - HOUR, "plan returned an hour ago"),
        due(now, "problem due now"),
        due(now - 26 * HOUR, "moderation overdue a day"),
    ]
    assert [i.title for i in by_urgency(items)] == [
        "moderation overdue a day",
        "plan returned an hour ago",
        "problem due now",
        "moderation in 4 hours",
        "evaluation in 20 days",
    ]


def todo_page(client, user):
    client.force_login(user)
    response = client.get("/att-gora/")
    assert response.status_code == 200
    return response.content.decode()


def positions(html, titles):
    return [html.index(title) for title in titles]


@pytest.fixture
def evaluated_and_returned(org, colleague):
    """Medarbetare's plan established 2029-03-25 (its evaluation due 2030-03-25) and
    another of theirs returned by the chef on 2030-03-05 at 09:00."""
    p = org.people
    with time_machine.travel(at(2029, 3, 25, 10, 0), tick=False):
        evaluated = make_plan(p.medarbetare, colleague, account_name="Utvärderas 2030")
        evaluated = advance(evaluated, State.ESTABLISHED, now=timezone.now())
    with time_machine.travel(at(2030, 3, 5, 9, 0), tick=False):
        now = timezone.now()
        returned = make_plan(p.medarbetare, colleague, account_name="Skickas tillbaka")
        plan_services.submit(p.medarbetare, returned.pk, now=now)
        returned = plan_services.decide(
            p.chef, returned.pk, State.SUBMITTED, plan_services.RETURN, "Mer mål.", now=now
        )
    return evaluated, returned


def test_an_evaluation_due_in_2030_sorts_after_a_plan_returned_today(
    client, org, evaluated_and_returned
):
    evaluated, returned = evaluated_and_returned
    with time_machine.travel(at(2030, 3, 5, 10, 0), tick=False):
        html = todo_page(client, org.people.medarbetare)
    first, second = positions(
        html,
        [
            f"Komplettera och skicka in: {returned.title}",
            f"Utvärdera uppdraget: {evaluated.title}",
        ],
    )
    assert first < second


def test_att_gora_orders_items_from_every_source_by_one_urgency(
    client, org, account, evaluated_and_returned
):
    p = org.people
    evaluated, returned = evaluated_and_returned
    with time_machine.travel(at(2030, 3, 5, 9, 0), tick=False):
        now = timezone.now()
        lacking = AccountFactory(
            display_name="Kontot utan ersättare", unit=org.bibliotek, responsible=p.medarbetare
        )
        overdue, _ = moderation_services.create_item(
            None,
            account,
            {"kind": "fraga", "text": "Sen fråga", "posted_at": now - 50 * HOUR},
            now,
            now=timezone.now(),
        )
        soon, _ = moderation_services.create_item(
            None,
            account,
            {"kind": "fraga", "text": "Snart", "posted_at": now - 40 * HOUR},
            now,
            now=timezone.now(),
        )
    with time_machine.travel(at(2030, 3, 5, 10, 0), tick=False):
        html = todo_page(client, p.medarbetare)
    expected = [
        f"/moderering/{overdue.pk}/",  # due 2030-03-05 07:00, two hours late
        f"Komplettera och skicka in: {returned.title}",  # waits since 09:00
        f"Åtgärda brister på {lacking.display_name}",  # due now (10:00)
        f"/moderering/{soon.pk}/",  # due at 17:00
        f"Utvärdera uppdraget: {evaluated.title}",  # due 2030-03-25
    ]
    found = positions(html, expected)
    assert found == sorted(found), html


def test_compliance_sources_return_typed_sections(org):
    now = timezone.now()
    for source in registry.compliance_sources:
        sections = source(org.people.kommunikationschef, now)
        assert sections and all(isinstance(s, ComplianceSection) for s in sections)
