"""POST/redirect/GET: every POST that changes something answers with a redirect, so that
a reload of the page a person lands on never repeats the action; a form sent with errors
is shown again with them and answers 400, changing nothing.

The URL conf is walked: each view is read-only (GET/HEAD only, a POST gets 405),
POST-only (tests/test_access.py's POST table, where a successful POST answers 302), or a
form page that shows a form on GET and takes it on POST. Each form page is listed below
with a successful POST, which must answer 302; a reload of where it leads must change
nothing."""

import datetime
import inspect

import pytest
from django.apps import apps
from django.urls import get_resolver
from django.utils import timezone

from .test_access import POST_TABLE, _fill, _lifecycle


def _allowed_methods(view):
    """The methods a view's require_http_methods() (require_GET, require_POST,
    require_safe) allows, or None when nothing restricts them."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)}
    layer, seen = view, set()
    while layer is not None and id(layer) not in seen:
        seen.add(id(layer))
        try:
            closure = inspect.getclosurevars(layer).nonlocals
        except TypeError:
            closure = {}
        if "request_method_list" in closure:
            return {m.upper() for m in closure["request_method_list"]}
        layer = getattr(layer, "__wrapped__", None)
    return None


def _routes():
    def walk(resolver, prefix=""):
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if hasattr(entry, "url_patterns"):
                if not route.startswith("admin/"):  # the admin redirects after each POST
                    yield from walk(entry, route)
            else:
                yield route, entry.callback

    return list(walk(get_resolver()))


# The machine API answers its own JSON (201/200 for a pushed item, 405 otherwise), and
# Django's own views redirect after their POST (LogoutView, set_language).
# Machine endpoints that answer every method themselves (a JSON 405 with the reason).
MACHINE = {
    "api/v1/items",
    "api/v1/openapi.json",
    "api/v1/meta/webhook",  # Meta's handshake (GET) and deliveries (POST), JSON refusals
    "register/openapi.json",
    "logga-ut/",
    "sprak/",
}
# The SCIM API (RFC 7644) answers every method itself, with SCIM error documents.
MACHINE_PREFIXES = ("scim/v2/",)
# GETs from outside that change the session but are no form: each must still refuse a
# POST (405), and a reload of it must repeat nothing (the reason says why).
EXTERNAL_GETS = {
    "oidc/callback/": "the identity provider sends the browser back with a GET that signs "
    "in; its state is used up at once, so a reload is refused (tests/test_oidc.py)",
}
POST_ONLY = {
    "aviseringar/<int:pk>/oppna/",
    "aviseringar/lasta/",
    "franvaro/<int:pk>/aterkalla/",
}


def _case_token_list(client, org, account, request):
    client.force_login(org.people.kommunikationsavdelningen)
    return "/moderering/nycklar/", {"account": account.pk, "name": "Bevakaren"}


def _case_attest_link(client, org, account, request):
    from accounts import lifecycle

    link = lifecycle.activity_link(account, org.people.medarbetare)
    return link, {"activity_on": timezone.localdate().isoformat()}


def _case_absences(client, org, account, request):
    client.force_login(org.people.medarbetare)
    today = timezone.localdate()
    return "/franvaro/", {
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=3)).isoformat(),
        "substitute": org.people.chef.pk,
        "note": "Semester",
    }


def _case_passive_rules(client, org, account, request):
    from accounts import platforms

    client.force_login(org.people.kommunikationsavdelningen)
    return "/konton/passivitet/", {slug: 120 for slug, _name in platforms.choices()}


def _case_item_list(client, org, account, request):
    client.force_login(org.people.medarbetare)
    return "/moderering/", {"account": account.pk, "kind": "fraga", "text": "Öppet i dag?"}


def _item(account):
    from moderation import services

    return services.create_item(
        None, account, {"kind": "fraga", "text": "Öppet?"}, now=timezone.now()
    )[0]


def _case_item_detail(client, org, account, request):
    """The item page and its actions are one view; its forms post to the action's URL."""
    return _case_item_action(client, org, account, request)


def _case_item_action(client, org, account, request):
    client.force_login(org.people.medarbetare)
    return f"/moderering/{_item(account).pk}/svara/", {"svara-text": "Ja, till 20."}


def _case_evaluation(client, org, account, request):
    from activityplans.models import Outcome

    client.force_login(org.people.medarbetare)
    url = _fill("/planer/utvardering/{evaluation}/", request, account)
    return url, {
        "goals_met": "Ja",
        "reach": "Många",
        "questions_handling": "Inom ett dygn",
        "outcome": Outcome.CONTINUE,
    }


def _case_plan_create(client, org, account, request):
    from .test_plan_views import form_post

    client.force_login(org.people.medarbetare)
    return "/planer/ny/", form_post("save", unit=org.bibliotek, assignment="nytt_konto")


def _case_plan_edit(client, org, account, request):
    from .test_plan_views import form_post

    client.force_login(org.people.medarbetare)
    url = _fill("/planer/{draft}/andra/", request, account)
    return url, form_post("save", unit=org.bibliotek, assignment="nytt_konto")


def _case_account_create(client, org, account, request):
    from .test_accounts import account_data

    client.force_login(org.people.kommunikationsavdelningen)
    return "/konton/ny/", account_data(org)


def _case_account_edit(client, org, account, request):
    from .test_accounts import account_data

    client.force_login(org.people.kommunikationsavdelningen)
    data = account_data(
        org,
        platform=account.platform,
        url=account.url,
        handle=account.handle,
        display_name="Biblioteket i Testby (ny)",
    )
    return f"/konton/{account.pk}/andra/", data


def _case_handover(client, org, account, request):
    client.force_login(org.people.kommunikator)
    pk = _lifecycle(request, account)["handover"]
    return f"/overlamning/{pk}/", {"successor": org.people.chef.pk}


def _case_snapshot_upload(client, org, account, request):
    from archive import services
    from archive.capture import CaptureFailed

    from .archive_helpers import at, semiannual
    from .test_moderation_views import image_bytes, upload

    request.getfixturevalue("settings").MEDIA_ROOT = request.getfixturevalue("tmp_path")
    request.getfixturevalue("fake_capture").outcome = CaptureFailed("Kontot kräver inloggning.")
    snapshot = semiannual(account)
    services.capture_one(snapshot.pk, now=at(2027, 1, 1, 2, 0))
    snapshot.refresh_from_db()
    client.force_login(org.people.medarbetare)
    return f"/arkiv/bild/{snapshot.pk}/", {
        "expected_state": snapshot.state,  # the hidden field the upload form posts
        "image": upload(image_bytes("PNG", (400, 300))),
    }


def _case_redact(client, org, account, request):
    from accounts.models import Account

    # A secret typed into the field before the reference rule existed, in the history.
    Account.history.filter(id=account.pk).update(credentials_location="lösenord: Bokprat2026!")
    client.force_login(org.people.kommunikationsavdelningen)
    return f"/konton/{account.pk}/historik/rensa/", {"reason": "Lösenord", "confirm": "on"}


def _case_login(client, org, account, request):
    user = org.people.medarbetare
    user.set_password("rätt-lösenord-1")
    user.save()
    return "/logga-in/", {"username": user.username, "password": "rätt-lösenord-1"}


def _case_register_import(client, org, account, request):
    """The upload shows the plan and saves nothing (a reload plans again); the
    confirmation imports it and redirects to the result."""
    from .test_import_register import HEADER, ROWS, csv_file

    client.force_login(org.people.kommunikationsavdelningen)
    plan = client.post(
        "/konton/import/", {"file": csv_file([HEADER, ROWS[0]]), "activity_on": "2026-11-01"}
    )
    assert plan.status_code == 200 and plan.context["has_changes"]
    return "/konton/import/", {"confirm": "1"}


def _case_organisation_import(client, org, account, request):
    from .test_import_organisation import HEADER, LINES, file_of

    client.force_login(org.people.kommunikationsavdelningen)
    plan = client.post("/organisation/import/", {"file": file_of([HEADER, LINES[0]])})
    assert plan.status_code == 200 and plan.context["has_changes"]
    return "/organisation/import/", {"confirm": "1"}


def _case_plan_entry(client, org, account, request):
    from .test_retention import ENTRY_POST

    client.force_login(org.people.arkivarie)
    url = "/arkiv/informationshanteringsplan/moderation.checkin/"
    return url, ENTRY_POST | {"retention_months": "24"}


def _case_hold_new(client, org, account, request):
    client.force_login(org.people.arkivarie)
    return "/arkiv/sparr/ny/", {
        "reason": "jo",
        "reference": "JO 123-26",
        "description": "Granskning",
        "account": account.pk,
    }


def _case_request_new(client, org, account, request):
    client.force_login(org.people.kommunikationsavdelningen)
    return "/handlingar/ny/", {
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "channel": "epost",
        "description": "Kommentarerna på bibliotekets konto.",
        "handler": org.people.kommunikationsavdelningen.pk,
    }


def _case_request_search(client, org, account, request):
    from .disclosure_helpers import item, new_request

    client.force_login(org.people.kommunikationsavdelningen)
    pk = new_request(org.people.kommunikationsavdelningen, timezone.now()).pk
    found = item(account, timezone.now())
    return f"/handlingar/{pk}/sok/?text=ring", {"records": f"moderation.item:{found.pk}"}


def _case_request_review(client, org, account, request):
    from core.workflow import perform

    from .disclosure_helpers import item, new_request

    handler = org.people.kommunikationsavdelningen
    client.force_login(handler)
    obj = new_request(handler, timezone.now())
    found = item(account, timezone.now())
    perform(handler, obj, "attach", expected_state=None, now=timezone.now(),
            records=[("moderation.item", found.pk)])  # fmt: skip
    return f"/handlingar/{obj.pk}/handling/{obj.covered.get().pk}/", {
        "expected_state": "granskas",
        "outcome": "maskeras",
        "masks": "070-123 45 67\nAnna Andersson",
        "provision": "OSL 21 kap. 7 §",
    }


def _case_statement(path):
    def case(client, org, account, request):
        from .test_accessibility_statement import form_data

        client.force_login(org.people.kommunikationsavdelningen)
        return path, form_data()

    return case


DP_FIELDS = {
    "channels": "Kommunens konto.",
    "personal_data": "Kommentarer.",
    "legal_basis": "Allmänt intresse.",
    "necessity": "Invånarna finns där.",
    "transfer_basis": "EU–US Data Privacy Framework.",
    "review_on": "2999-01-01",
}


def _case_assessment_new(client, org, account, request):
    client.force_login(org.people.kommunikationsavdelningen)
    return "/dataskydd/ny/", DP_FIELDS | {"platform": "linkedin"}


def _case_assessment_addition(client, org, account, request):
    client.force_login(org.people.kommunikationsavdelningen)
    return f"/dataskydd/konto/{account.pk}/ny/", DP_FIELDS


def _case_assessment_edit(client, org, account, request):
    client.force_login(org.people.kommunikationsavdelningen)
    url = _fill("/dataskydd/{assessment}/andra/", request, account)
    return url, DP_FIELDS | {"expected_state": "utkast", "personal_data": "Även bilder."}


def _case_thresholds(client, org, account, request):
    from internalcontrol.figures import QUESTIONS

    client.force_login(org.people.kommunikationschef)
    data = {}
    for question in QUESTIONS:
        data |= {f"green_{question.key}": "90", f"yellow_{question.key}": "75"}
    return "/konton/efterlevnad/arsrapport/troskelvarden/", data


FORM_PAGES = {
    "dataskydd/ny/": _case_assessment_new,
    "dataskydd/konto/<int:account_pk>/ny/": _case_assessment_addition,
    "dataskydd/<int:pk>/andra/": _case_assessment_edit,
    "konton/efterlevnad/arsrapport/troskelvarden/": _case_thresholds,
    "moderering/nycklar/": _case_token_list,
    "konton/aktivitet/<str:token>/": _case_attest_link,
    "franvaro/": _case_absences,
    "konton/passivitet/": _case_passive_rules,
    "moderering/": _case_item_list,
    "moderering/<int:pk>/": _case_item_detail,
    "moderering/<int:pk>/<slug:action>/": _case_item_action,
    "planer/utvardering/<int:pk>/": _case_evaluation,
    "planer/ny/": _case_plan_create,
    "planer/<int:pk>/andra/": _case_plan_edit,
    "konton/ny/": _case_account_create,
    "konton/<int:pk>/andra/": _case_account_edit,
    "overlamning/<int:pk>/": _case_handover,
    "arkiv/bild/<int:pk>/": _case_snapshot_upload,
    "konton/<int:pk>/historik/rensa/": _case_redact,
    "logga-in/": _case_login,
    "konton/import/": _case_register_import,
    "organisation/import/": _case_organisation_import,
    "arkiv/informationshanteringsplan/<str:key>/": _case_plan_entry,
    "arkiv/sparr/ny/": _case_hold_new,
    "handlingar/ny/": _case_request_new,
    "handlingar/<int:pk>/sok/": _case_request_search,
    "handlingar/<int:pk>/handling/<int:covered_pk>/": _case_request_review,
    "tillganglighet/andra/": _case_statement("/tillganglighet/andra/"),
    "tillganglighet/intranat/andra/": _case_statement("/tillganglighet/intranat/andra/"),
}


def _post_table_routes():
    from .test_access import PLACEHOLDERS

    routes = set()
    for url, _data, _expected in POST_TABLE:
        route = url.lstrip("/")
        for placeholder, pattern in PLACEHOLDERS.items():
            route = route.replace(placeholder, pattern)
        routes.add(route)
    return routes


def test_every_view_is_read_only_post_only_or_a_form_page_that_redirects():
    post_only = _post_table_routes() | POST_ONLY
    unclassified, wrong = [], []
    for route, view in _routes():
        if route in MACHINE or route.startswith(MACHINE_PREFIXES):
            continue
        methods = _allowed_methods(view)
        if route in FORM_PAGES:
            continue
        if route in EXTERNAL_GETS:
            if methods is None or "POST" in methods:
                wrong.append(route)
            continue
        if methods is None:
            unclassified.append(route)
        elif "POST" in methods and route not in post_only:
            wrong.append(route)
        elif "POST" not in methods and route in post_only:
            wrong.append(route)
    assert not unclassified, (
        "Views that take any method: mark them @require_safe, @require_POST (and add them "
        f"to test_access.POST_TABLE), or list them in FORM_PAGES: {unclassified}"
    )
    assert not wrong, f"POST-only views not in the POST table (or the reverse): {wrong}"
    routes = {route for route, _view in _routes()}
    assert set(FORM_PAGES) <= routes, set(FORM_PAGES) - routes


def _row_counts():
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def _post_redirects_and_reload_repeats_nothing(client, url, data, edit):
    """POST the form: it must redirect, add a row unless it is an `edit`, and a reload
    of where it leads must change nothing. Returns the landing page."""
    before = _row_counts()
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    changed = _row_counts()
    assert changed != before or edit  # an edit adds no row
    landing = client.get(response["Location"])
    assert landing.status_code in (200, 302)
    assert client.get(response["Location"]).status_code in (200, 302)  # the reload
    assert _row_counts() == changed
    return landing


@pytest.mark.parametrize("route", sorted(FORM_PAGES))
def test_a_successful_post_redirects_and_a_reload_repeats_nothing(
    client, org, account, request, route
):
    url, data = FORM_PAGES[route](client, org, account, request)
    edit = route in ("planer/<int:pk>/andra/", "dataskydd/<int:pk>/andra/")
    _post_redirects_and_reload_repeats_nothing(client, url, data, edit)


def _case_plan_create_incomplete(client, org, account, request):
    from .test_plan_views import form_post

    client.force_login(org.people.medarbetare)
    return "/planer/ny/", form_post("submit", unit=org.bibliotek, assignment="nytt_konto")


def _case_plan_edit_incomplete(client, org, account, request):
    url, data = _case_plan_edit(client, org, account, request)
    return url, {**data, "action": "submit"}


# Form pages whose POST can be refused after saving something: "Skicka in" of an
# incomplete plan saves the draft. What saves must redirect like a success.
SAVED_BUT_REFUSED = {
    "planer/ny/ (skicka in, ofullständig)": _case_plan_create_incomplete,
    "planer/<int:pk>/andra/ (skicka in, ofullständig)": _case_plan_edit_incomplete,
}


@pytest.mark.parametrize("case", sorted(SAVED_BUT_REFUSED))
def test_a_refused_post_that_saved_something_redirects_and_a_reload_repeats_nothing(
    client, org, account, request, case
):
    url, data = SAVED_BUT_REFUSED[case](client, org, account, request)
    landing = _post_redirects_and_reload_repeats_nothing(client, url, data, "andra/" in case)
    assert landing.status_code == 200
    assert 'id="form-errors"' in landing.content.decode()  # the refusal is shown


def test_a_new_api_key_is_shown_once_after_the_redirect(client, org, account):
    from moderation.models import ApiToken

    client.force_login(org.people.kommunikationsavdelningen)
    response = client.post("/moderering/nycklar/", {"account": account.pk, "name": "Bevakaren"})
    assert response.status_code == 302 and b"kk_" not in response.content
    first = client.get("/moderering/nycklar/").content.decode()
    assert 'id="new-key"' in first
    again = client.get("/moderering/nycklar/").content.decode()
    assert 'id="new-key"' not in again
    assert ApiToken.objects.count() == 1


def _blank(data):
    """The form's fields sent empty: what a person submits without filling anything in."""
    return {key: "" for key in data}


# Where the empty form is not the invalid one: an import's confirmation is a button (its
# invalid case is the upload sent without a file).
INVALID = {
    "konton/import/": {"file": "", "activity_on": "2026-11-01"},
    "organisation/import/": {"file": ""},
}


@pytest.mark.parametrize("route", sorted(FORM_PAGES))
def test_an_invalid_post_is_shown_again_with_400_and_changes_nothing(
    client, org, account, request, route
):
    url, data = FORM_PAGES[route](client, org, account, request)
    before = _row_counts()
    response = client.post(url, INVALID.get(route, _blank(data)))
    assert response.status_code == 400, (response.status_code, response.content.decode()[:500])
    assert _row_counts() == before
