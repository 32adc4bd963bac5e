"""Every URL × role with the expected answer. Later issues extend this table."""

import pytest

ROLES = [
    "anonymous",
    "medarbetare",
    "chef",
    "kommunikator",
    "kommunikationschef",
    "kommunikationsavdelningen",
    "arkivarie",
    "admin",
    "outsider",
    "kommunikator2",
]

PUBLIC = {role: 200 for role in ROLES}
SIGNED_IN = {role: 200 for role in ROLES} | {"anonymous": 302}
CURATORS_ONLY = {role: 403 for role in ROLES} | {
    "anonymous": 302,
    "kommunikationschef": 200,
    "kommunikationsavdelningen": 200,
}
ACCOUNT_VIEW = SIGNED_IN | {"outsider": 404, "kommunikator2": 404}
ACCOUNT_EDIT = ACCOUNT_VIEW | {"chef": 403, "arkivarie": 403, "admin": 403}
ADMIN_SITE = {role: 302 for role in ROLES} | {"admin": 200}
LOGIN_PAGE = {role: 302 for role in ROLES} | {"anonymous": 200}

TABLE = [
    ("/register/", PUBLIC),
    ("/register.json", PUBLIC),
    ("/register.csv", PUBLIC),
    ("/register/verify?url=https://www.instagram.com/testbybibliotek", PUBLIC),
    ("/healthz", PUBLIC),
    ("/logga-in/", LOGIN_PAGE),
    ("/att-gora/", SIGNED_IN),
    ("/konton/", SIGNED_IN),
    ("/konton/ny/", CURATORS_ONLY),
    ("/konton/efterlevnad/", SIGNED_IN),
    ("/konton/{account}/", ACCOUNT_VIEW),
    ("/konton/{account}/andra/", ACCOUNT_EDIT),
    ("/konton/999999/", SIGNED_IN | {r: 404 for r in ROLES if r != "anonymous"}),
    ("/aviseringar/", SIGNED_IN),
    ("/franvaro/", SIGNED_IN),
    ("/admin/", ADMIN_SITE),
    ("/admin/accounts/account/", ADMIN_SITE),
]

CASES = [(url, role, expected[role]) for url, expected in TABLE for role in ROLES]


@pytest.mark.parametrize(("url", "role", "expected"), CASES, ids=[f"{u} {r}" for u, r, _ in CASES])
def test_url_role_table(client, org, account, url, role, expected):
    if role != "anonymous":
        client.force_login(getattr(org.people, role))
    response = client.get(url.format(account=account.pk))
    assert response.status_code == expected, response.content[:300]
    if expected == 302 and role == "anonymous":
        assert response["Location"].startswith(("/logga-in/", "/admin/login/"))


def test_every_url_in_the_project_is_in_the_table():
    """A new URL must be added to the table above (or listed here as POST-only)."""
    from django.urls import get_resolver

    post_only = {
        "aviseringar/<int:pk>/oppna/",
        "aviseringar/lasta/",
        "franvaro/<int:pk>/aterkalla/",
        "logga-ut/",
        "",  # the root only redirects
    }
    table = {url.split("?")[0].lstrip("/").replace("{account}", "<int:pk>") for url, _ in TABLE}

    def patterns(resolver, prefix=""):
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if hasattr(entry, "url_patterns"):
                if route.startswith("admin/"):
                    continue
                yield from patterns(entry, route)
            else:
                yield route

    missing = {p for p in patterns(get_resolver()) if p not in table | post_only}
    assert not missing, f"URLs missing from the access table: {sorted(missing)}"
