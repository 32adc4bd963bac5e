"""The platform catalogue (accounts.platforms): the twelve platforms migrated from the
former enum, and a new one (Bluesky) added by the systemadministratör in the admin,
without a change of code, recognised by /register/verify, the public verify page, the
account form (its feed found) and the register's URL keys."""

import pytest
from django.core.exceptions import ValidationError

from accounts import platforms
from accounts.forms import AccountForm
from accounts.models import Account, Platform
from accounts.urlkeys import url_key

from .factories import AccountFactory

pytestmark = pytest.mark.django_db

BLUESKY = {
    "name": "Bluesky",
    "slug": "bluesky",
    "position": "13",
    "hosts": "bsky.app",
    "aliases": "staging.bsky.app bsky.app",
    "short_links": "",
    "feed_template": "{url}/rss",
}


def test_the_twelve_platforms_are_migrated_with_their_rules():
    assert [slug for slug, _name in platforms.choices()] == [
        "facebook_sida", "facebook_grupp", "instagram", "x", "linkedin", "youtube", "tiktok",
        "threads", "mastodon", "blogg", "podd", "annan",
    ]  # fmt: skip
    assert platforms.name_of("facebook_sida") == "Facebook-sida"
    assert url_key("https://twitter.com/Testby") == "x.com/testby"
    assert url_key("https://se.linkedin.com/company/testby") == "linkedin.com/company/testby"
    assert url_key("https://youtu.be/AbC") == "youtube.com/watch?v=abc"
    assert platforms.recognise("facebook.com/groups/testby").slug == "facebook_grupp"
    assert platforms.recognise("facebook.com/testby").slug == "facebook_sida"
    assert platforms.recognise("evil-x.com/testby") is None


def test_the_systemadministrator_adds_bluesky_in_the_admin_and_verify_knows_it(client, org):
    before = client.get("/register/verify", {"url": "https://bsky.app/profile/testby.se"})
    assert before.json()["platform"] is None
    client.force_login(org.people.admin)
    response = client.post("/admin/accounts/platform/add/", BLUESKY)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Platform.objects.get(slug="bluesky").hosts == "bsky.app"
    client.logout()
    body = client.get("/register/verify", {"url": "https://bsky.app/profile/Testby.se/"}).json()
    assert body["platform"] == {"slug": "bluesky", "name": "Bluesky"}
    assert body["official"] is False and "Bluesky" in body["message"]
    assert body["normalised"] == "bsky.app/profile/testby.se"
    # Its other host name is the same account.
    other = client.get("/register/verify", {"url": "https://staging.bsky.app/profile/testby.se"})
    assert other.json()["normalised"] == "bsky.app/profile/testby.se"
    page = client.get("/register/kontrollera/", {"url": "https://bsky.app/profile/testby.se"})
    assert "bsky.app/profile/testby.se (Bluesky)" in page.content.decode()
    # The register takes an account on it; verify then answers official.
    account = AccountFactory(
        platform="bluesky",
        url="https://bsky.app/profile/testby.se",
        unit=org.bibliotek,
        responsible=org.people.medarbetare,
    )
    account.full_clean()
    body = client.get("/register/verify", {"url": "https://bsky.app/profile/testby.se"}).json()
    assert body["official"] is True and body["account"]["platform_name"] == "Bluesky"
    public = client.get("/register.json", {"platform": "bluesky"}).json()
    assert [row["name"] for row in public["results"]] == [account.display_name]


def test_the_admin_refuses_a_rule_it_cannot_read(client, org):
    client.force_login(org.people.admin)
    response = client.post(
        "/admin/accounts/platform/add/",
        {**BLUESKY, "aliases": "bara-ett-namn", "feed_template": "{adress}/rss"},
    )
    assert response.status_code == 200
    assert not Platform.objects.filter(slug="bluesky").exists()
    html = response.content.decode()
    assert "kan inte läsas" in html and "Skriv {url}" in html


def test_an_unknown_platform_is_refused(org):
    account = AccountFactory.build(
        platform="myspace", unit=org.bibliotek, responsible=org.people.medarbetare
    )
    with pytest.raises(ValidationError) as error:
        account.full_clean(exclude=["url_key"])
    assert "platform" in error.value.message_dict


def _form_data(org, **extra):
    p = org.people
    return {
        "platform": "",
        "display_name": "Testby på Bluesky",
        "url": "https://bsky.app/profile/testby.se",
        "kind": "huvudkonto",
        "unit": org.kommun.pk,
        "responsible": p.medarbetare.pk,
        "substitute": p.chef.pk,
        "status": "aktivt",
        "purpose": "Nyheter",
        "audience": "Invånare",
        "language": "svenska",
        **extra,
    }


def test_the_form_takes_the_platform_and_the_feed_from_the_catalogue(org):
    Platform.objects.create(**{**BLUESKY, "position": 13})
    form = AccountForm(_form_data(org))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["platform"] == "bluesky"
    assert form.cleaned_data["feed_url"] == "https://bsky.app/profile/testby.se/rss"
    unknown = AccountForm(_form_data(org, url="https://example.org/testby"))
    assert not unknown.is_valid() and "platform" in unknown.errors
    chosen = AccountForm(_form_data(org, url="https://example.org/testby", platform="blogg"))
    assert chosen.is_valid(), chosen.errors
    assert chosen.cleaned_data["feed_url"] == ""


def test_a_saved_platform_is_read_again(org):
    assert url_key("https://bsky.social/profile/testby") == "bsky.social/profile/testby"
    Platform.objects.create(**{**BLUESKY, "position": 13, "aliases": "bsky.social bsky.app"})
    assert url_key("https://bsky.social/profile/testby") == "bsky.app/profile/testby"
    assert Account.objects.count() == 0
