"""The public register's version: every change of what the register shows bumps it, in
the change's transaction; the cached page and JSON follow it, and conditional requests
are answered from it (ETag / Last-Modified → 304)."""

import datetime
import json
import os
import uuid
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone

from accounts import lifecycle, registerversion, services
from accounts.authorship import as_system, save_bookkeeping
from accounts.models import Account, Status
from core.registry import public_register_changed
from identity import tokens

from .factories import AccountFactory
from .test_identity_admin import role_rows, unit_form
from .test_import_organisation import HEADER, LINES, file_of
from .test_scim import person

NOW = datetime.datetime(2031, 3, 4, 10, 0, tzinfo=datetime.UTC)


def number():
    return registerversion.current().number


@pytest.fixture
def bumped():
    """Asserts that the block bumps the version."""

    class Bumped:
        def __enter__(self):
            self.before = number()

        def __exit__(self, *exc):
            if exc[0] is None:
                assert number() > self.before, "the register's version did not move"

    return Bumped


def account_data(org, **extra):
    return {
        "platform": "instagram",
        "display_name": "Nytt konto",
        "handle": "@nytt",
        "url": "https://www.instagram.com/nytt",
        "kind": "verksamhetskonto",
        "unit": org.bibliotek,
        "responsible": org.people.medarbetare,
        "purpose": "Visa verksamheten.",
        "audience": "Invånare",
        "status": Status.ACTIVE,
        **extra,
    }


# -- what bumps it -----------------------------------------------------------------------


def test_registering_an_account_bumps_it(org, bumped):
    with bumped():
        services.register_account(org.people.kommunikationschef, account_data(org), now=NOW)
    version = registerversion.current()
    assert version.changed_at == NOW


def test_editing_an_account_bumps_it(org, account, bumped):
    with bumped():
        services.update_account(
            org.people.kommunikationschef, account.pk, {"purpose": "Nytt syfte."}, now=NOW
        )


def test_a_rolled_back_edit_leaves_it(org, account):
    before = number()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.update_account(
            org.people.kommunikationschef, account.pk, {"purpose": "Nytt syfte."}, now=NOW
        )
        raise RuntimeError
    assert number() == before


def test_a_confirmed_closure_bumps_it(org, account, fake_capture, bumped):
    closure = lifecycle.propose_closure(org.people.medarbetare, account.pk, "Passivt.", now=NOW)
    with bumped():  # confirmed: winding down, shown as such on the register
        lifecycle.confirm_closure(org.people.kommunikator, closure.pk, now=NOW)
    assert Account.objects.get(pk=account.pk).status != Status.ACTIVE


def test_the_last_snapshot_date_bumps_it_and_other_bookkeeping_does_not(account, bumped):
    with bumped(), as_system("test"):
        save_bookkeeping(Account.objects.get(pk=account.pk), NOW, last_snapshot_on=NOW.date())
    before = number()
    with as_system("test"):
        save_bookkeeping(Account.objects.get(pk=account.pk), NOW, last_activity_on=NOW.date())
    assert number() == before  # the register does not show the last activity


def test_an_organisation_import_bumps_it(client, org, bumped):
    client.force_login(org.people.kommunikationsavdelningen)
    client.post("/organisation/import/", {"file": file_of([HEADER, *LINES])})
    with bumped():
        assert client.post("/organisation/import/", {"confirm": "1"}).status_code == 302


def test_a_unit_renamed_in_the_admin_bumps_it(client, org, account, bumped):
    client.force_login(org.people.admin)
    unit = org.bibliotek
    with bumped():
        response = client.post(
            f"/admin/organisation/unit/{unit.pk}/change/",
            unit_form(unit, name="Stadsbiblioteket", **role_rows(unit)[1]),
        )
        assert response.status_code == 302
    assert client.get("/register.json").json()["results"][0]["unit"] == "Stadsbiblioteket"


def test_a_name_from_the_directory_bumps_it(client, org, bumped):
    key = tokens.issue(org.people.admin, "Entra ID", now=timezone.now())[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    created = client.post(
        "/scim/v2/Users", json.dumps(person()), content_type="application/scim+json", **headers
    )
    pk = created.json()["id"]
    with bumped():
        changed = client.put(
            f"/scim/v2/Users/{pk}",
            json.dumps(person(name={"givenName": "Anna", "familyName": "Berg"})),
            content_type="application/scim+json",
            **headers,
        )
        assert changed.status_code == 200, changed.content
    before = number()
    client.put(
        f"/scim/v2/Users/{pk}",
        json.dumps(person(name={"givenName": "Anna", "familyName": "Berg"})),
        content_type="application/scim+json",
        **headers,
    )
    assert number() == before  # nothing the register shows changed


# -- what the cache and the client do with it ---------------------------------------------


def test_the_page_and_the_json_follow_the_version(client, org, account):
    assert client.get("/register.json").json()["results"][0]["name"] == account.display_name
    assert account.display_name in client.get("/register/").content.decode()
    services.update_account(
        org.people.kommunikationschef, account.pk, {"display_name": "Omdöpt"}, now=NOW
    )
    assert client.get("/register.json").json()["results"][0]["name"] == "Omdöpt"
    assert "Omdöpt" in client.get("/register/").content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/register.json",
        "/register.json?platform=instagram",
        "/register/",
        "/register/?q=bibliotek",
        "/register/avslutade.json",
        "/register/avslutade/",
        "/register.csv",
        "/register.atom",
        "/datasets/dcat",
        "/register/lista.html",
        "/register/inbaddad/",
    ],
)
def test_conditional_requests_get_304_until_the_register_changes(client, org, account, url):
    public_register_changed(now=NOW)
    client.get(url)  # a page with the site's header sets the CSRF cookie: part of its ETag
    first = client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert first["Last-Modified"] == "Tue, 04 Mar 2031 10:00:00 GMT"
    again = client.get(url, headers={"if-none-match": etag})
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    since = client.get(url, headers={"if-modified-since": first["Last-Modified"]})
    assert since.status_code == 304
    services.update_account(
        org.people.kommunikationschef,
        account.pk,
        {"purpose": "Nytt syfte."},
        now=NOW + datetime.timedelta(hours=1),
    )
    changed = client.get(url, headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert client.get(url, headers={"if-modified-since": first["Last-Modified"]}).status_code == 200


def test_the_page_is_not_the_same_for_someone_signed_in(client, org, account):
    etag = client.get("/register/")["ETag"]
    client.force_login(org.people.medarbetare)
    page = client.get("/register/", headers={"if-none-match": etag})
    assert page.status_code == 200  # the header shows who is signed in
    assert org.people.medarbetare.first_name in page.content.decode()
    assert "Cookie" in page["Vary"] and "private" in page["Cache-Control"]


def test_the_json_is_per_language_and_filter(client, org, account):
    AccountFactory(unit=org.skolan, responsible=org.people.outsider, platform="tiktok")
    assert client.get("/register.json").json()["count"] == 2
    assert client.get("/register.json", {"platform": "tiktok"}).json()["count"] == 1
    sv = client.get("/register.json", {"platform": "tiktok"}).json()["results"][0]
    client.post("/sprak/", {"language": "en", "next": "/"})
    en = client.get("/register.json", {"platform": "tiktok"}).json()["results"][0]
    assert sv["kind_name"] == "Verksamhetskonto" and en["kind_name"] != sv["kind_name"]


def test_a_bad_filter_is_not_cached_and_gets_no_etag(client, org, account):
    response = client.get("/register.json", {"platform": "myspace"})
    assert response.status_code == 400 and "ETag" not in response
    assert "error" in response.json()
    page = client.get("/register/", {"platform": "myspace"})
    assert page.status_code == 400 and "ETag" not in page


def test_a_cache_that_is_down_still_serves_the_register(client, org, account, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    assert client.get("/register.json").json()["count"] == 1
    assert client.get("/register/").status_code == 200


REDIS = "django.core.cache.backends.redis.RedisCache"


def local():
    """A process-memory tier of its own (a LocMemCache's entries outlive the settings)."""
    return {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": uuid.uuid4().hex,
    }


@pytest.fixture
def behind_redis(settings):
    """The cache as production has it: Redis (the suite's, under a key prefix of its own,
    whose keys are deleted afterwards) with this process's memory in front ("local")."""
    import redis

    broker = urlsplit(os.environ.get("CELERY_BROKER_URL", ""))
    if broker.scheme != "redis":
        pytest.skip("the shared cache's tests run against Redis (CELERY_BROKER_URL)")
    prefix = f"kk-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {"BACKEND": REDIS, "LOCATION": broker.geturl(), "KEY_PREFIX": prefix},
        "local": local(),
    }
    server = redis.Redis.from_url(broker.geturl())
    keys = SimpleNamespace(all=lambda: server.keys(f"{prefix}:*"), delete=server.delete)
    yield keys
    if keys.all():
        server.delete(*keys.all())


def test_behind_redis_a_hit_is_answered_from_the_process_memory(
    client, org, account, behind_redis, django_assert_num_queries
):
    first = client.get("/register.json").content
    assert len(behind_redis.all()) == 1  # built once, kept in Redis too
    behind_redis.delete(*behind_redis.all())
    with django_assert_num_queries(1):  # the version; the body from this process's memory
        assert client.get("/register.json").content == first


def test_behind_redis_a_body_from_redis_is_kept_in_the_process_memory(
    client, org, account, behind_redis, django_assert_num_queries
):
    first = client.get("/register.json").content
    caches["local"].clear()  # another process built it: only Redis has it
    with django_assert_num_queries(1):
        assert client.get("/register.json").content == first
    behind_redis.delete(*behind_redis.all())
    with django_assert_num_queries(1):
        assert client.get("/register.json").content == first


def test_behind_redis_the_process_memory_follows_the_version(client, org, account, behind_redis):
    assert client.get("/register.json").json()["results"][0]["name"] == account.display_name
    services.update_account(
        org.people.kommunikationschef, account.pk, {"display_name": "Omdöpt"}, now=NOW
    )
    assert client.get("/register.json").json()["results"][0]["name"] == "Omdöpt"
    assert len(behind_redis.all()) == 2  # one body per version


def test_a_redis_that_is_down_leaves_the_process_memory_in_front(
    client, org, account, settings, django_assert_num_queries
):
    settings.CACHES = {
        "default": {"BACKEND": REDIS, "LOCATION": "redis://127.0.0.1:1/0"},
        "local": local(),
    }
    first = client.get("/register.json")
    assert first.json()["count"] == 1
    with django_assert_num_queries(1):  # kept in this process's memory all the same
        assert client.get("/register.json").content == first.content


def test_the_embeddable_fragment_allows_any_origin_on_a_304_too(client, org, account):
    first = client.get("/register/lista.html", headers={"origin": "https://www.testby.example"})
    again = client.get(
        "/register/lista.html",
        headers={"origin": "https://www.testby.example", "if-none-match": first["ETag"]},
    )
    assert again.status_code == 304 and again["Access-Control-Allow-Origin"] == "*"
