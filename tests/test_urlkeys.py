"""/register/verify and the unique url_key: one key per account however it is written,
and no look-alike ever gets the key of an official account."""

from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.urlkeys import InvalidAccountURL, url_key

from .factories import AccountFactory


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("https://www.instagram.com/ekdala%62ibliotek", "instagram.com/ekdalabibliotek"),
        ("https://www.instagram.com/%65%6B%64%61%6C%61bibliotek/", "instagram.com/ekdalabibliotek"),
        ("https://twitter.com/EkdalaKommun", "x.com/ekdalakommun"),
        ("https://mobile.twitter.com/ekdalakommun", "x.com/ekdalakommun"),
        ("https://www.twitter.com/ekdalakommun?s=20&t=abc", "x.com/ekdalakommun"),
        ("https://mobile.x.com/ekdalakommun", "x.com/ekdalakommun"),
        ("https://fb.com/ekdalakommun", "facebook.com/ekdalakommun"),
        ("https://m.facebook.com/ekdalakommun", "facebook.com/ekdalakommun"),
        ("https://web.facebook.com/ekdalakommun", "facebook.com/ekdalakommun"),
        ("https://instagr.am/ekdalakommun", "instagram.com/ekdalakommun"),
        ("https://se.linkedin.com/company/ekdala", "linkedin.com/company/ekdala"),
        ("https://www.threads.net/@ekdala", "threads.com/@ekdala"),
        ("https://youtu.be/AbC123_-x?si=track", "youtube.com/watch?v=abc123_-x"),
        (
            "https://www.youtube.com/watch?v=AbC123_-x&feature=share",
            "youtube.com/watch?v=abc123_-x",
        ),
        ("https://x.com./ekdalakommun", "x.com/ekdalakommun"),
        ("https://x.com:443/ekdalakommun", "x.com/ekdalakommun"),
        ("https://x.com/evil/../ekdalakommun", "x.com/ekdalakommun"),
        ("https://x.com/./ekdalakommun/.", "x.com/ekdalakommun"),
        ("https://x.com/%2e%2e/ekdalakommun", "x.com/ekdalakommun"),
        ("https://\uff58.com/ekdalakommun", "x.com/ekdalakommun"),  # full-width x: IDNA maps it
        ("https://x.com/%C3%A5sa", "x.com/åsa"),
    ],
)
def test_one_account_one_key(raw, key):
    assert url_key(raw) == key


OFFICIAL = "x.com/ekdalakommun"


@pytest.mark.parametrize(
    "raw",
    [
        "https://x.com.evil.example/ekdalakommun",
        "https://evil-x.com/ekdalakommun",
        "https://evilx.com/ekdalakommun",
        "https://x.co/ekdalakommun",
        "https://x.com:8443/ekdalakommun",
        "https://\u0445.com/ekdalakommun",  # Cyrillic х
        "https://xn--j1a.com/ekdalakommun",
        "https://x.com/ekdalakommun/../evil",
        "https://x.com/ekdala%2Fkommun",
        "https://x.com/ekdalakommun%2F..%2Fevil",
        "https://x.com/ekdalakommun%3F",
        "https://x.com/ekdalakommun%00",
        "https://x.com/ekdalakommun\u200b",
        "https://twitter.com.evil.example/ekdalakommun",
        "https://fb.com.evil.example/ekdalakommun",
        "https://x.com/ekdalakommunx",
        "https://youtu.be/ekdalakommun",
    ],
)
def test_look_alikes_get_another_key(raw):
    assert url_key(raw) != OFFICIAL


@pytest.mark.parametrize(
    "raw",
    [
        "https://x.com@evil.example/ekdalakommun",
        "https://evil.example@x.com/ekdalakommun",
        "https://user:pw@x.com/ekdalakommun",
        "https://x.com:443@evil.example/ekdalakommun",
        "https://x.com\\@evil.example/ekdalakommun",
        "https://x.com\\ekdalakommun",
        "https://x%2Ecom/ekdalakommun",
        "https://x.com../ekdalakommun",
        "https://.x.com/ekdalakommun",
        "https://x..com/ekdalakommun",
    ],
)
def test_addresses_a_browser_reads_otherwise_are_refused(raw):
    with pytest.raises(InvalidAccountURL) as exc:
        url_key(raw)
    assert str(exc.value)


def test_verify_answers_official_for_an_alias_and_never_for_a_look_alike(client, account):
    AccountFactory(
        url="https://x.com/ekdalakommun",
        platform="x",
        unit=account.unit,
        responsible=account.responsible,
    )
    for alias in ["twitter.com/ekdalakommun", "https://mobile.twitter.com/EkdalaKommun/"]:
        assert client.get("/register/verify", {"url": alias}).json()["official"] is True
    encoded = "https://www.instagram.com/testbybibliote%6B"
    assert client.get("/register/verify", {"url": encoded}).json()["official"] is True
    for fake in ["x.com.evil.example/ekdalakommun", "https://evil-x.com/ekdalakommun"]:
        assert client.get("/register/verify", {"url": fake}).json()["official"] is False
    response = client.get("/register/verify", {"url": "https://x.com@evil.example/ekdalakommun"})
    assert response.status_code == 400


# -- properties --------------------------------------------------------------------------

PROPERTIES = settings(max_examples=300, deadline=None, database=None)
X_HOSTS = {
    f"{prefix}{host}"
    for prefix in ("", "www.", "m.", "mobile.")
    for host in ("x.com", "twitter.com")
}
host_noise = st.text(alphabet="x.com-@:%\\/?#[]2eEfF0a\u0445\uff0e", max_size=6)


@PROPERTIES
@given(
    before=host_noise, after=host_noise, path=st.sampled_from(["/ekdalakommun", "/ekdala%6Bommun"])
)
def test_only_the_platforms_own_hosts_give_its_key(before, after, path):
    raw = f"https://{before}x.com{after}{path}"
    try:
        key = url_key(raw)
    except InvalidAccountURL:
        return
    if key == OFFICIAL:
        assert "@" not in raw and "\\" not in raw
        host = urlsplit(raw).hostname.removesuffix(".").encode("idna").decode().lower()
        assert host in X_HOSTS, raw


@PROPERTIES
@given(raw=st.text(max_size=80) | st.text(max_size=40).map(lambda s: "https://x.com/" + s))
def test_any_text_gives_a_key_or_a_reason(raw):
    try:
        key = url_key(raw)
    except InvalidAccountURL as exc:
        assert str(exc)
    else:
        assert url_key("https://" + key) == key  # a key is its own key
