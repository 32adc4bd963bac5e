"""Sign-in throttling (django-axes, config/lockout.py): five failed sign-ins for one user
name from one address lock that pair out for 15 minutes, with a Swedish reason on the
sign-in page (429), in the log, and without locking out anyone else."""

import datetime
import logging
import zoneinfo

import pytest
import time_machine
from django.test import Client

from config.lockout import client_ip

from .csp import assert_strict_csp

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
T0 = datetime.datetime(2026, 10, 24, 9, 30, tzinfo=STOCKHOLM)  # the day before DST ends
LOGIN = "/logga-in/"


def sign_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def signed_in(client):
    return "_auth_user_id" in client.session


def fail(client, username, times, **extra):
    return [sign_in(client, username, "fel-lösenord", **extra).status_code for _ in range(times)]


@pytest.mark.django_db
def test_five_wrong_passwords_lock_out_even_the_right_one(client, org, caplog):
    caplog.set_level(logging.WARNING, logger="axes")
    with time_machine.travel(T0, tick=False):
        assert fail(client, "medarbetare", 4) == [400] * 4  # the form's own error
        fifth = sign_in(client, "medarbetare", "fel-lösenord")
        right = sign_in(client, "medarbetare", "test-password")

    for response in (fifth, right):
        assert response.status_code == 429
        assert response["Retry-After"] == "900"
        html = response.content.decode()
        assert "För många misslyckade inloggningsförsök med användarnamnet ”medarbetare”." in html
        assert "spärrad från din adress i 15 minuter, till klockan 09:45" in html
        assert 'role="alert"' in html and 'name="password"' in html  # the form is still there
        assert '<html lang="sv">' in html
        assert_strict_csp(response)
    assert not signed_in(client)

    lockouts = [r for r in caplog.records if "Locking out" in r.getMessage()]
    assert lockouts, [r.getMessage() for r in caplog.records]
    assert 'username: "medarbetare"' in lockouts[0].getMessage()
    assert 'ip_address: "127.0.0.1"' in lockouts[0].getMessage()
    assert not any("test-password" in r.getMessage() for r in caplog.records)
    assert not any("fel-lösenord" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_a_lockout_locks_only_that_user_name_from_that_address(client, org):
    with time_machine.travel(T0, tick=False):
        assert fail(client, "medarbetare", 5)[-1] == 429
        # A colleague at the same address signs in as usual.
        colleague = Client()
        assert sign_in(colleague, "chef", "test-password").status_code == 302
        assert signed_in(colleague)
        # The same person from another address too (an attacker cannot lock them out).
        elsewhere = Client(REMOTE_ADDR="10.20.30.40")
        assert sign_in(elsewhere, "medarbetare", "test-password").status_code == 302
        assert signed_in(elsewhere)
        # From the locked address, still refused.
        assert sign_in(Client(), "medarbetare", "test-password").status_code == 429


@pytest.mark.django_db
def test_the_lockout_ends_15_minutes_after_the_last_failure(client, org):
    with time_machine.travel(T0, tick=False):
        assert fail(client, "medarbetare", 5)[-1] == 429
    with time_machine.travel(T0 + datetime.timedelta(minutes=14), tick=False):
        # Still locked; trying again restarts the cool-off, and the page says so.
        response = sign_in(client, "medarbetare", "test-password")
        assert response.status_code == 429
        assert "till klockan 09:59" in response.content.decode()
    with time_machine.travel(T0 + datetime.timedelta(minutes=29, seconds=1), tick=False):
        response = sign_in(client, "medarbetare", "test-password")
        assert response.status_code == 302 and signed_in(client)


@pytest.mark.django_db
def test_a_successful_sign_in_clears_the_failures(client, org):
    with time_machine.travel(T0, tick=False):
        assert fail(client, "medarbetare", 4) == [400] * 4
        assert sign_in(client, "medarbetare", "test-password").status_code == 302
        client.post("/logga-ut/")
        assert fail(client, "medarbetare", 4) == [400] * 4  # four more before a lockout


@pytest.mark.django_db
def test_x_forwarded_for_does_not_dodge_the_lockout_unless_a_proxy_is_trusted(
    client, org, settings
):
    with time_machine.travel(T0, tick=False):
        for n in range(5):
            sign_in(client, "medarbetare", "fel", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        assert sign_in(client, "medarbetare", "test-password").status_code == 429

        # Behind one trusted proxy the client is the entry it appended (the last one);
        # what the client put in front of it changes nothing.
        settings.KANALKOLL_TRUSTED_PROXIES = 1
        proxy = Client(REMOTE_ADDR="10.0.0.2")
        for n in range(5):
            header = f"192.0.2.{n}, 198.51.100.7"
            sign_in(proxy, "chef", "fel", HTTP_X_FORWARDED_FOR=header)
        locked = sign_in(proxy, "chef", "test-password", HTTP_X_FORWARDED_FOR="198.51.100.7")
        assert locked.status_code == 429
        other = sign_in(proxy, "chef", "test-password", HTTP_X_FORWARDED_FOR="198.51.100.8")
        assert other.status_code == 302


@pytest.mark.parametrize(
    ("proxies", "header", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.2"),  # not trusted: the header is ignored
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "203.0.113.5, 198.51.100.7", "198.51.100.7"),
        (2, "203.0.113.5, 198.51.100.7, 10.0.0.1", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.2"),  # shorter than the proxies: the connection
        (1, "", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_trusts_x_forwarded_for_only_from_trusted_proxies(
    settings, rf, proxies, header, expected
):
    settings.KANALKOLL_TRUSTED_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=header)
    assert client_ip(request) == expected


@pytest.mark.django_db
def test_the_admin_has_no_sign_in_of_its_own(client, org):
    """The admin's login URL only sends to the app's sign-in page, where axes counts."""
    response = client.post("/admin/login/", {"username": "admin", "password": "test-password"})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not signed_in(client)
