"""Setup-level promises: health check, deploy check, demo data, sweeps, one h1 per page,
the size of the app modules."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import Account
from organisation.models import Handover, User

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_reports_database_and_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["database"]["ok"] is True and body["broker"]["ok"] is True


def test_healthz_is_503_when_the_broker_is_down(client, db, request, settings, tmp_path):
    from config.celery import app

    if app.conf.broker_url.startswith("filesystem://"):
        # The filesystem transport is "down" when its folder is gone.
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
            **options,
            "data_folder_in": str(tmp_path / "gone"),
        }
    else:
        request.getfixturevalue("broker_down")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_check_deploy_is_clean_with_production_values():
    """`check --deploy --fail-level WARNING`: no warning either, with the checks of
    django-axes (sign-in throttling) and django-csp (the policy) among those run."""
    from django.core.checks.registry import registry

    modules = {c.__module__ for c in registry.get_checks(include_deployment_checks=True)}
    assert {"axes.checks", "csp.checks", "django.core.checks.security.base"} <= modules
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("DEBUG", "KANALKOLL_DEV", "DJANGO_ALLOW_ASYNC_UNSAFE")
        },
        "DEBUG": "0",
        "SECRET_KEY": "p7c!x9-" + "k" * 30 + "Zq8#vR2LmW4nT6yB",
        "ALLOWED_HOSTS": "kanalkoll.kommun.example",
        "DATABASE_URL": "postgres://kanalkoll@127.0.0.1:5432/kanalkoll",
        "EMAIL_URL": "smtp://mail.kommun.example:25",
        "KANALKOLL_ENV_FILE": os.devnull,  # no local .env fills anything in
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "KANALKOLL_DEV")}
    env["DEBUG"] = "0"
    env["KANALKOLL_ENV_FILE"] = os.devnull  # no local .env to fall back on
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_seed_demo_is_refused_under_production_settings(settings):
    from django.core.management.base import CommandError

    assert not settings.DEBUG and not settings.KANALKOLL_DEV  # as deployed
    with pytest.raises(CommandError, match="development mode"):
        call_command("seed_demo", stdout=open(os.devnull, "w"))
    assert not User.objects.exists()


def test_seed_demo_is_refused_by_manage_py_in_production(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "KANALKOLL_DEV")}
    env.update(DEBUG="0", DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "CommandError: seed_demo" in result.stderr and "KANALKOLL_DEV=1" in result.stderr


@pytest.mark.django_db
def test_seed_demo_is_idempotent(settings):
    settings.KANALKOLL_DEV = True  # as scripts/run.sh runs it
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    counts = (User.objects.count(), Account.objects.count(), Account.history.count())
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    assert (User.objects.count(), Account.objects.count(), Account.history.count()) == counts
    assert Account.objects.count() >= 30
    assert set(Account.objects.values_list("platform", flat=True)) >= {
        "facebook_sida",
        "facebook_grupp",
        "instagram",
        "x",
        "linkedin",
        "youtube",
        "tiktok",
        "threads",
        "mastodon",
        "blogg",
        "podd",
        "annan",
    }
    assert len(set(Account.objects.values_list("status", flat=True))) == 5
    for username in [
        "medarbetare",
        "chef",
        "kommunikator",
        "kommunikationschef",
        "arkivarie",
        "admin",
    ]:
        assert User.objects.get(username=username).check_password("kanalkoll-demo")
    # Someone has left, through the deactivation service: one open handover, once.
    departed = User.objects.get(username="johan.falk")
    assert not departed.is_active
    handover = Handover.objects.get(user=departed)
    assert handover.resolved_at is None and handover.created_by.username == "admin"


@pytest.mark.django_db
def test_run_jobs_runs_every_sweep(capsys):
    from config.sweeps import SWEEPS, beat_schedule

    call_command("run_jobs")
    out = capsys.readouterr().out
    for sweep in SWEEPS:
        assert f"{sweep.name}:" in out
    assert set(beat_schedule()) == {s.name for s in SWEEPS}


def _pages(account):
    return [
        "/register/",
        "/logga-in/",
        "/att-gora/",
        "/konton/",
        "/konton/ny/",
        "/konton/efterlevnad/",
        f"/konton/{account.pk}/",
        f"/konton/{account.pk}/andra/",
        "/aviseringar/",
        "/franvaro/",
        "/arkiv/informationshanteringsplan/",
        "/arkiv/informationshanteringsplan/moderation.checkin/",
        "/arkiv/gallring/",
        "/arkiv/sparr/",
        "/arkiv/sparr/ny/",
        "/dataskydd/",
        "/dataskydd/ny/",
        "/konton/efterlevnad/arsrapport/2025/",
        "/konton/efterlevnad/arsrapport/2025/removals/",
        "/konton/efterlevnad/arsrapport/troskelvarden/",
    ]


def test_every_page_has_exactly_one_h1_a_skip_link_and_landmarks(client, org, account):
    for url in _pages(account):
        if url != "/logga-in/":
            client.force_login(org.people.kommunikationsavdelningen)
        else:
            client.logout()
        html = client.get(url).content.decode()
        assert len(re.findall(r"<h1[\s>]", html)) == 1, url
        assert '<html lang="sv">' in html, url
        assert 'href="#main-content"' in html and '<main id="main-content"' in html, url
        assert "<nav" in html and "<header" in html and "<footer" in html, url


MAX_LINES = 400


def test_no_app_module_is_over_400_lines_without_a_reason():
    """A module of an app (migrations and tests aside) over MAX_LINES lines gives the
    reason in its opening docstring, on a line that starts with "Size:"; otherwise it is
    split (forms to forms.py, a package where a module outgrows one file)."""
    from django.apps import apps

    unexplained = []
    for config in apps.get_app_configs():
        folder = Path(config.path)
        if folder.parent != ROOT:  # Django's and the installed packages' apps
            continue
        for path in sorted(folder.rglob("*.py")):
            if {"migrations", "tests"} & set(path.relative_to(folder).parts):
                continue
            text = path.read_text(encoding="utf-8")
            lines = len(text.splitlines())
            if lines <= MAX_LINES:
                continue
            docstring = ast.get_docstring(ast.parse(text)) or ""
            if not any(line.startswith("Size:") for line in docstring.splitlines()):
                unexplained.append(f"{path.relative_to(ROOT)} ({lines} lines)")
    assert not unexplained, (
        f"Over {MAX_LINES} lines with no 'Size:' reason in the module docstring: "
        + ", ".join(unexplained)
    )
