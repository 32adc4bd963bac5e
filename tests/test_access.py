"""Every URL × role with the expected answer. Later issues extend this table."""

import uuid

import pytest
from django.utils import timezone

from .csp import assert_strict_csp, assert_unique_ids

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
    "dataskyddsombud",
    "registrator",
]

PUBLIC = {role: 200 for role in ROLES}
SIGNED_IN = {role: 200 for role in ROLES} | {"anonymous": 302}
CURATORS_ONLY = {role: 403 for role in ROLES} | {
    "anonymous": 302,
    "kommunikationschef": 200,
    "kommunikationsavdelningen": 200,
}
ACCOUNT_VIEW = SIGNED_IN | {"outsider": 404, "kommunikator2": 404}
ACCOUNT_EDIT = ACCOUNT_VIEW | {
    role: 403 for role in ("chef", "arkivarie", "admin", "dataskyddsombud", "registrator")
}
# Suspected secrets are removed from an account's history by the curators only.
REDACT = ACCOUNT_VIEW | {
    role: 403
    for role in (
        "medarbetare",
        "chef",
        "kommunikator",
        "arkivarie",
        "admin",
        "dataskyddsombud",
        "registrator",
    )
}
ADMIN_SITE = {role: 302 for role in ROLES} | {"admin": 200}
LOGIN_PAGE = {role: 302 for role in ROLES} | {"anonymous": 200}
NOT_CONFIGURED = {role: 404 for role in ROLES}
ORGANISATION_IMPORT = CURATORS_ONLY | {"admin": 200}
NOBODY = SIGNED_IN | {role: 404 for role in ROLES if role != "anonymous"}
# A plan by medarbetare in Biblioteket: seen by its applicant, Biblioteket's chef, the
# förvaltning's communicator, the kommunikationschef and kommunikationsavdelningen.
PLAN_VIEW = SIGNED_IN | {
    "arkivarie": 404,
    "admin": 404,
    "outsider": 404,
    "kommunikator2": 404,
    "dataskyddsombud": 404,
    "registrator": 404,
}
PLAN_APPLICANT_ONLY = PLAN_VIEW | {
    "chef": 403,
    "kommunikator": 403,
    "kommunikationschef": 403,
    "kommunikationsavdelningen": 403,
}
PLAN_REDIRECT = {role: 302 if code == 200 else code for role, code in PLAN_VIEW.items()}
PLAN_CHEF_ONLY = PLAN_APPLICANT_ONLY | {"medarbetare": 403, "chef": 302}
PLAN_APPLICANT_ACTS = PLAN_APPLICANT_ONLY | {"medarbetare": 302}
# A moderation item (and its preserved copy) is seen by whoever sees its account.
ITEM_VIEW = ACCOUNT_VIEW
# "Tillsyn gjord" by those who watch the account: responsible medarbetare, substitute
# and administrator chef, administrator kommunikator; others who see it get 403.
CHECK_IN = ACCOUNT_VIEW | {
    "medarbetare": 302,
    "chef": 302,
    "kommunikator": 302,
    "kommunikationschef": 403,
    "kommunikationsavdelningen": 403,
    "arkivarie": 403,
    "admin": 403,
    "dataskyddsombud": 403,
    "registrator": 403,
}
BULK_TRIAGE = {role: 400 for role in ROLES} | {"anonymous": 302}
# API keys for monitoring tools are issued and revoked by the register's curators.
CURATORS_ACT = CURATORS_ONLY | {"kommunikationschef": 302, "kommunikationsavdelningen": 302}
# The items API takes only POST with a key (tests/test_moderation_api.py); the session
# does not count.
API_POST_ONLY = {role: 405 for role in ROLES}
# The SCIM endpoint takes only the directory's bearer token (tests/test_scim.py); the
# session does not count.
SCIM_TOKEN_ONLY = {role: 401 for role in ROLES}
# A draft is its author's until it is sent: everyone else gets 404.
DRAFT_VIEW = NOBODY | {"medarbetare": 200}
DRAFT_APPLICANT_ACTS = NOBODY | {"medarbetare": 302}
# Arkiv: periods for kommunarkivet and the communications office; a snapshot is seen by
# whoever sees its account, taken (or retaken) by the responsible and the curators, and
# a period is receipted by the arkivarie only.
ARCHIVE_ONLY = CURATORS_ONLY | {"arkivarie": 200}
# Whoever uses the archive asks for a period's package (built by the pdf queue's worker).
ARCHIVE_ACTS = {role: 302 if code == 200 else code for role, code in ARCHIVE_ONLY.items()}
SNAPSHOT_TAKE = ACCOUNT_VIEW | {
    "medarbetare": 302,
    "chef": 403,
    "kommunikator": 403,
    "kommunikationschef": 302,
    "kommunikationsavdelningen": 302,
    "arkivarie": 403,
    "admin": 403,
    "dataskyddsombud": 403,
    "registrator": 403,
}
RECEIPT = {role: 403 for role in ROLES} | {"anonymous": 302, "arkivarie": 302}
# The account's life: activity and logins are attested by its team (as CHECK_IN);
# a closure is proposed by the responsible, the communicator or the kommunikationschef,
# confirmed by another of the last two, cancelled by them or the proposer (medarbetare),
# and its checklist ticked by them or the team; a handover is seen by the departed
# person's communicator and the curators only.
TEAM_ATTESTS = CHECK_IN
CLOSURE_PROPOSE = ACCOUNT_VIEW | {
    "medarbetare": 302,
    "chef": 403,
    "kommunikator": 302,
    "kommunikationschef": 302,
    "kommunikationsavdelningen": 403,
    "arkivarie": 403,
    "admin": 403,
    "dataskyddsombud": 403,
    "registrator": 403,
}
CLOSURE_CONFIRM = CLOSURE_PROPOSE | {"medarbetare": 403}
CLOSURE_CANCEL = CLOSURE_PROPOSE
CLOSURE_STEP = CLOSURE_PROPOSE | {"chef": 302}
# Informationshantering: the plan, gallring and spärrar are seen by whoever
# uses "Arkiv"; the plan is kept by the arkivarie and kommunikationsavdelningen; spärrar
# are placed and lifted by all three.
PLAN_EDIT = ARCHIVE_ONLY | {"kommunikationschef": 403}
ARCHIVE_ACTS = {role: 403 for role in ROLES} | {
    "anonymous": 302,
    "kommunikationschef": 302,
    "kommunikationsavdelningen": 302,
    "arkivarie": 302,
}
ARCHIVE_NOT_FOUND = ARCHIVE_ONLY | {role: 404 for role, code in ARCHIVE_ONLY.items() if code == 200}
# Requests for allmänna handlingar: the register is seen by its handlers (registrator,
# kommunikationsavdelningen, kommunikationschef) and kommunarkivet; a request is received
# and handled by the handlers only (disclosure.access). The registrator uses nothing else
# of "Arkiv" (its spärrar are placed from the request).
REQUESTS_VIEW = ARCHIVE_ONLY | {"registrator": 200}
REQUESTS_HANDLE = REQUESTS_VIEW | {"arkivarie": 403}
REQUESTS_ACT = ARCHIVE_ACTS | {"arkivarie": 403, "registrator": 302}
REQUESTS_NOT_FOUND = ARCHIVE_NOT_FOUND | {"registrator": 404}
# Dataskydd: every signed-in person reads the assessments; kommunikationsavdelningen
# writes and submits them, the dataskyddsombud signs them off.
DP_WRITE = {role: 403 for role in ROLES} | {"anonymous": 302, "kommunikationsavdelningen": 200}
DP_SUBMIT = {role: 403 for role in ROLES} | {"anonymous": 302, "kommunikationsavdelningen": 302}
DP_SIGN_OFF = {role: 403 for role in ROLES} | {"anonymous": 302, "dataskyddsombud": 302}
# The internal-control pack: the register's curators and the dataskyddsombud.
PACK_READ = CURATORS_ONLY | {"dataskyddsombud": 200}
PACK_NOT_MADE = PACK_READ | {role: 404 for role, code in PACK_READ.items() if code == 200}
PACK_ORDER = {role: 302 if code == 200 else code for role, code in PACK_READ.items()}
HANDOVER_VIEW = NOBODY | {
    "kommunikator": 200,
    "kommunikationschef": 200,
    "kommunikationsavdelningen": 200,
}

TABLE = [
    ("/register/", PUBLIC),
    ("/register.json", PUBLIC),
    ("/register.csv", PUBLIC),
    ("/register/verify?url=https://www.instagram.com/testbybibliotek", PUBLIC),
    ("/register/kontrollera/?url=https://www.instagram.com/testbybibliotek", PUBLIC),
    ("/healthz", PUBLIC),
    ("/logga-in/", LOGIN_PAGE),
    # Sign-in with the kommun's account: 404 while no provider is configured (with one,
    # tests/test_oidc.py).
    ("/oidc/logga-in/", NOT_CONFIGURED),
    ("/oidc/callback/", NOT_CONFIGURED),
    ("/att-gora/", SIGNED_IN),
    ("/konton/", SIGNED_IN),
    ("/konton/ny/", CURATORS_ONLY),
    ("/konton/efterlevnad/", SIGNED_IN),
    ("/konton/import/", CURATORS_ONLY),
    ("/konton/import/mall.csv", CURATORS_ONLY),
    ("/organisation/import/", ORGANISATION_IMPORT),
    ("/organisation/import/mall.csv", ORGANISATION_IMPORT),
    ("/konton/{account}/", ACCOUNT_VIEW),
    ("/konton/{account}/andra/", ACCOUNT_EDIT),
    ("/konton/{account}/historik/", ACCOUNT_VIEW),
    ("/konton/{account}/historik/rensa/", REDACT),
    ("/konton/999999/", SIGNED_IN | {r: 404 for r in ROLES if r != "anonymous"}),
    ("/aviseringar/", SIGNED_IN),
    ("/franvaro/", SIGNED_IN),
    ("/admin/", ADMIN_SITE),
    ("/admin/accounts/account/", ADMIN_SITE),
    ("/admin/accounts/platform/", ADMIN_SITE),  # the platform catalogue
    ("/planer/", SIGNED_IN),
    ("/planer/ny/", SIGNED_IN),
    ("/planer/{draft}/", DRAFT_VIEW),
    ("/planer/{draft}/andra/", DRAFT_VIEW),
    ("/planer/{draft}/pdf/", NOBODY),  # only a fastställd plan has a PDF
    ("/planer/{established}/", PLAN_VIEW),
    ("/planer/{established}/andra/", PLAN_REDIRECT),  # fastställd: shown, not changed
    ("/planer/{established}/pdf/", PLAN_VIEW),
    ("/planer/referens/{reference}/", PLAN_REDIRECT),
    ("/planer/utvardering/{evaluation}/", PLAN_APPLICANT_ONLY),
    ("/planer/999999/", NOBODY),
    ("/moderering/", SIGNED_IN),
    ("/moderering/diarium/", SIGNED_IN),  # the period's page; each sees what they may see
    ("/moderering/diarium.csv", SIGNED_IN),  # each sees the items they may see
    ("/moderering/diarium.json", SIGNED_IN),
    ("/moderering/{item}/", ITEM_VIEW),
    ("/moderering/{item}/{action}/", ITEM_VIEW),  # GET shows the page with that form open
    ("/moderering/999999/", NOBODY),
    ("/moderering/kopia/{copy}/bild/", ITEM_VIEW),
    ("/moderering/konto/{account_pk}/statistik/", ACCOUNT_VIEW),
    ("/moderering/nycklar/", CURATORS_ONLY),
    ("/api/v1/items", API_POST_ONLY),
    ("/api/v1/openapi.json", PUBLIC),
    # Meta's webhook: 404 while META_APP_SECRET and META_VERIFY_TOKEN are unset (with them,
    # tests/test_meta_webhook.py); the session never counts.
    ("/api/v1/meta/webhook", NOT_CONFIGURED),
    ("/scim/v2/ServiceProviderConfig", SCIM_TOKEN_ONLY),
    ("/scim/v2/Schemas", SCIM_TOKEN_ONLY),
    ("/scim/v2/Schemas/{scim_schema}", SCIM_TOKEN_ONLY),
    ("/scim/v2/ResourceTypes", SCIM_TOKEN_ONLY),
    ("/scim/v2/ResourceTypes/{scim_type}", SCIM_TOKEN_ONLY),
    ("/scim/v2/Users", SCIM_TOKEN_ONLY),
    ("/scim/v2/Users/{scim_user}", SCIM_TOKEN_ONLY),
    ("/scim/v2/Groups", SCIM_TOKEN_ONLY),
    ("/scim/v2/Groups/{scim_group}", SCIM_TOKEN_ONLY),
    ("/scim/v2/{scim_other}", SCIM_TOKEN_ONLY),  # anything else: a SCIM 404 (with a token)
    ("/arkiv/", ARCHIVE_ONLY),
    ("/arkiv/period/{period}/", ARCHIVE_ONLY),
    ("/arkiv/period/{period}/paket.zip", ARCHIVE_ONLY),  # built first (see _fill)
    ("/arkiv/period/{period}/paket/status.json", ARCHIVE_ONLY),
    ("/arkiv/bild/{snapshot}/", ACCOUNT_VIEW),
    ("/arkiv/bild/{snapshot}/pdf/", ACCOUNT_VIEW),
    ("/arkiv/bild/999999/", NOBODY),
    ("/arkiv/konto/{account_pk}/", ACCOUNT_VIEW),
    ("/register/avslutade/", PUBLIC),
    # The public face: open data, the feed, the embeddable list, and the
    # tillgänglighetsredogörelser, changed by the register's curators only.
    ("/register/avslutade.json", PUBLIC),
    ("/register.atom", PUBLIC),
    ("/register/openapi.json", PUBLIC),
    ("/register/lista.html", PUBLIC),
    ("/register/inbaddad/", PUBLIC),
    ("/datasets/dcat", PUBLIC),
    ("/tillganglighet/", PUBLIC),
    ("/tillganglighet/andra/", CURATORS_ONLY),
    ("/tillganglighet/intranat/", PUBLIC),
    ("/tillganglighet/intranat/andra/", CURATORS_ONLY),
    ("/konton/passivitet/", CURATORS_ONLY),
    ("/konton/aktivitet/{link}/", PUBLIC),  # the one-click link: no login, a GET shows a form
    ("/konton/aktivitet/forfalskad/", {role: 400 for role in ROLES}),
    ("/overlamning/{handover}/", HANDOVER_VIEW),
    ("/overlamning/999999/", NOBODY),
    ("/arkiv/informationshanteringsplan/", ARCHIVE_ONLY),
    ("/arkiv/informationshanteringsplan.csv", ARCHIVE_ONLY),
    ("/arkiv/informationshanteringsplan.pdf", ARCHIVE_ONLY),
    ("/arkiv/informationshanteringsplan/{record_type}/", PLAN_EDIT),
    ("/arkiv/informationshanteringsplan/ingen.sadan/", ARCHIVE_NOT_FOUND),
    ("/arkiv/gallring/", ARCHIVE_ONLY),
    ("/arkiv/gallring/{protocol}/", ARCHIVE_ONLY),
    ("/arkiv/gallring/{protocol}/protokoll.json", ARCHIVE_ONLY),
    ("/arkiv/gallring/999999/", ARCHIVE_NOT_FOUND),
    ("/arkiv/sparr/", ARCHIVE_ONLY),
    ("/arkiv/sparr/ny/", ARCHIVE_ONLY),
    ("/arkiv/sparr/{hold}/", ARCHIVE_ONLY),
    ("/arkiv/sparr/999999/", ARCHIVE_NOT_FOUND),
    ("/handlingar/", REQUESTS_VIEW),
    ("/handlingar/?state=granskas&q=oktober", REQUESTS_VIEW),
    ("/handlingar/ny/", REQUESTS_HANDLE),
    ("/handlingar/{disclosure}/", REQUESTS_VIEW),
    ("/handlingar/{disclosure}/sok/?text=ring", REQUESTS_VIEW),
    ("/handlingar/{disclosure}/handling/{covered}/", REQUESTS_VIEW),
    ("/handlingar/{disclosure}/beslut/{number}/", REQUESTS_VIEW),
    ("/handlingar/{disclosure}/beslut/{number}/beslut.pdf", REQUESTS_VIEW),
    ("/handlingar/{disclosure}/beslut/{number}/paket.zip", REQUESTS_VIEW),
    ("/handlingar/{disclosure}/beslut/9/", REQUESTS_NOT_FOUND),
    ("/handlingar/999999/", REQUESTS_NOT_FOUND),
    ("/dataskydd/", SIGNED_IN),
    ("/dataskydd/ny/", DP_WRITE),
    ("/dataskydd/{assessment}/", SIGNED_IN),
    ("/dataskydd/{assessment}/andra/", DP_WRITE),
    ("/dataskydd/999999/", NOBODY),
    ("/dataskydd/konto/{account_pk}/", ACCOUNT_VIEW),
    ("/dataskydd/konto/{account_pk}/ny/", DP_WRITE),
    ("/konton/efterlevnad/arsrapport/{year}/", PACK_READ),
    ("/konton/efterlevnad/arsrapport/{year}/{question}/", PACK_READ),
    ("/konton/efterlevnad/arsrapport/{year}.csv", PACK_READ),
    ("/konton/efterlevnad/arsrapport/{year}.pdf", PACK_NOT_MADE),  # none made yet
    ("/konton/efterlevnad/arsrapport/troskelvarden/", CURATORS_ONLY),
]

# POST-only URLs: (url, form data, expected answer to a POST).
POST_TABLE = [
    ("/planer/{draft}/skicka/", {}, DRAFT_APPLICANT_ACTS),
    (
        "/planer/{submitted}/beslut/",
        {"expected_state": "inskickad", "decision": "approve"},
        PLAN_CHEF_ONLY,
    ),
    ("/planer/{submitted}/aterkalla/", {}, PLAN_APPLICANT_ACTS),
    ("/planer/{established}/ny-version/", {}, PLAN_REDIRECT),
    ("/moderering/konto/{account_pk}/tillsyn/", {}, CHECK_IN),
    # Bulk triage of the user's own new comments: nothing chosen is the form again (400);
    # each comment is checked by the kernel (tests/test_meta_webhook.py).
    ("/moderering/sortera/", {}, BULK_TRIAGE),
    ("/moderering/nycklar/{token}/aterkalla/", {}, CURATORS_ACT),
    ("/arkiv/period/{period}/kvittens/", {"package": "{package}"}, RECEIPT),
    ("/arkiv/period/{period}/paket/bygg/", {}, ARCHIVE_ACTS),
    ("/arkiv/bild/{snapshot}/ny-version/", {}, SNAPSHOT_TAKE),
    ("/arkiv/konto/{account_pk}/ta/", {}, SNAPSHOT_TAKE),
    ("/konton/{account}/aktivitet/", {"activity_on": "2026-01-02"}, TEAM_ATTESTS),
    ("/konton/{account}/inloggning/", {}, TEAM_ATTESTS),
    # The yearly confirmation of the entry: its team, as the attestations.
    ("/konton/{account}/bekrafta/", {}, TEAM_ATTESTS),
    ("/konton/{account}/avslut/", {"reason": "Ingen aktivitet."}, CLOSURE_PROPOSE),
    ("/konton/avslut/{closure}/bekrafta/", {}, CLOSURE_CONFIRM),
    ("/konton/avslut/{closure}/steg/", {"step": "links"}, CLOSURE_STEP),
    ("/konton/avslut/{closure}/avbryt/", {}, CLOSURE_CANCEL),
    ("/arkiv/sparr/{hold}/hav/", {"reason": "Ärendet är avslutat."}, ARCHIVE_ACTS),
    ("/handlingar/{received}/{step}/", {"expected_state": "mottagen"}, REQUESTS_ACT),
    ("/dataskydd/{assessment}/{dp_submit}/", {}, DP_SUBMIT),
    ("/dataskydd/{submitted_assessment}/{dp_sign_off}/", {}, DP_SIGN_OFF),
    ("/konton/efterlevnad/arsrapport/{year}/bestall/", {}, PACK_ORDER),
]
PLACEHOLDERS = {
    "{account}": "<int:pk>",
    "{draft}": "<int:pk>",
    "{submitted}": "<int:pk>",
    "{established}": "<int:pk>",
    "{evaluation}": "<int:pk>",
    "{reference}": "<str:reference>",
    "{item}": "<int:pk>",
    "{action}": "<slug:action>",
    "{copy}": "<int:pk>",
    "{account_pk}": "<int:account_pk>",
    "{token}": "<int:pk>",
    "{period}": "<str:key>",
    "{snapshot}": "<int:pk>",
    "{closure}": "<int:pk>",
    "{link}": "<str:token>",
    "{handover}": "<int:pk>",
    "{record_type}": "<str:key>",
    "{protocol}": "<int:pk>",
    "{hold}": "<int:pk>",
    "{disclosure}": "<int:pk>",
    "{received}": "<int:pk>",
    "{covered}": "<int:covered_pk>",
    "{number}": "<int:number>",
    "{step}": "<slug:action>",
    "{scim_schema}": "<str:uri>",
    "{scim_type}": "<str:name>",
    "{scim_user}": "<str:pk>",
    "{scim_group}": "<str:pk>",
    "{scim_other}": "^(?P<rest>.*)$",
    "{assessment}": "<int:pk>",
    "{submitted_assessment}": "<int:pk>",
    "{dp_submit}": "<slug:action>",
    "{dp_sign_off}": "<slug:action>",
    "{year}": "<int:year>",
    "{question}": "<slug:key>",
}

CASES = [(url, role, expected[role]) for url, expected in TABLE for role in ROLES]
# The one page another site may frame (settings.KANALKOLL_EMBED_FRAME_ANCESTORS).
EMBEDDABLE = {"/register/inbaddad/": "*"}


def _fill(url, request, account):
    """Put the primary keys of the objects the URL names into it; plans are made only
    for the URLs that need them."""
    from activityplans.models import State

    from .factories import make_plan

    values = {"account": account.pk}
    for name, state in (
        ("draft", None),
        ("submitted", State.SUBMITTED),
        ("established", State.ESTABLISHED),
    ):
        if "{" + name + "}" in url:
            org = request.getfixturevalue("org")
            plan = make_plan(org.people.medarbetare, org.people.chef, state=state)
            values[name] = plan.pk
    if "{reference}" in url or "{evaluation}" in url:
        org = request.getfixturevalue("org")
        plan = make_plan(org.people.medarbetare, org.people.chef, state=State.ESTABLISHED)
        values["reference"] = plan.reference
        values["evaluation"] = plan.evaluations.get().pk
    if "{item}" in url or "{copy}" in url:
        from config.uploads import clean_screenshot
        from moderation import services

        from .test_moderation_views import image_bytes, upload

        request.getfixturevalue("settings").MEDIA_ROOT = request.getfixturevalue("tmp_path")
        people = request.getfixturevalue("org").people
        item, _ = services.create_item(
            None, account, {"kind": "fraga", "text": "Öppet?"}, now=timezone.now()
        )
        image = clean_screenshot(upload(image_bytes("PNG")))
        values |= {"item": item.pk, "action": "svara"}
        values["copy"] = services.preserve(
            people.medarbetare, item.pk, "", image, now=timezone.now()
        ).pk
    if "{token}" in url:
        from moderation import tokens

        curator = request.getfixturevalue("org").people.kommunikationsavdelningen
        values["token"] = tokens.issue(curator, account, "Bevakaren", now=timezone.now())[0].pk
    if "{snapshot}" in url or "{period}" in url:
        values |= {"snapshot": _sealed_snapshot(request, account).pk, "period": "2026-H1"}
    if url.endswith("/paket.zip"):  # a stored package: the download never builds one
        from archive import services as archive_services
        from archive.periods import Period

        archive_services.package_for_download(
            request.getfixturevalue("org").people.arkivarie,
            Period.from_key("2026-H1"),
            timezone.now(),
        )
    if "{closure}" in url or "{link}" in url or "{handover}" in url:
        values |= _lifecycle(request, account)
    if "{package}" in url:  # the period's package as the arkivarie downloaded it
        from archive import services as archive_services
        from archive.periods import Period

        arkivarie = request.getfixturevalue("org").people.arkivarie
        period = Period.from_key("2026-H1")
        values["package"] = archive_services.package_for_download(
            arkivarie, period, timezone.now()
        ).pk
    if "{record_type}" in url or "{protocol}" in url or "{hold}" in url:
        values |= _retention(request, account)
    if "{disclosure}" in url or "{received}" in url:
        values |= _disclosure(request, account)
    if "{scim_" in url:
        from identity.models import DirectoryGroup
        from identity.scim import CORE_USER

        group, _ = DirectoryGroup.objects.get_or_create(
            display_name="Alla", defaults={"scim_id": uuid.uuid4()}
        )
        values |= {
            "scim_schema": CORE_USER,
            "scim_type": "User",
            "scim_user": account.responsible_id,
            "scim_group": group.scim_id,
            "scim_other": "Finns/inte",
        }
    if "assessment}" in url:
        values |= _assessments(request)
    values |= {"year": 2025, "question": "plan", "dp_submit": "skicka", "dp_sign_off": "godkann"}
    values["account_pk"] = account.pk
    return url.format(**values)


def _assessments(request):
    """A draft and a submitted data-protection assessment of the X platform."""
    import datetime

    from dataprotection import services

    people = request.getfixturevalue("org").people
    fields = {
        "platform": "x",
        "channels": "Kommunens konto.",
        "personal_data": "Svar och profilnamn.",
        "legal_basis": "Allmänt intresse.",
        "necessity": "Invånarna finns där.",
        "transfer_basis": "EU–US Data Privacy Framework.",
        "review_on": datetime.date(2999, 1, 1),
    }
    writer = people.kommunikationsavdelningen
    draft = services.create_draft(writer, fields, now=timezone.now())
    submitted = services.create_draft(writer, fields, now=timezone.now())
    services.act(writer, submitted.pk, "submit", now=timezone.now())
    return {"assessment": draft.pk, "submitted_assessment": submitted.pk}


def _retention(request, account):
    """A protocol of one disposed check-in (under a recorded decision) and a spärr on the
    account."""
    import datetime

    from django.utils import timezone

    from moderation import services
    from retention import gallring, holds, plan

    people = request.getfixturevalue("org").people
    now = timezone.now()
    plan.record_entry(
        people.arkivarie,
        "moderation.checkin",
        {
            "process_code": "1.4",
            "process_name": "Moderering",
            "disposition": "gallras",
            "retention_months": 24,
            "decision_body": "Kommunstyrelsen",
            "decision_paragraph": "§ 45",
            "decision_date": datetime.date(2026, 3, 12),
        },
        now=now,
    )
    services.check_in(people.medarbetare, account, now=now - datetime.timedelta(days=4 * 365))
    (outcome,) = gallring.run(now=now, only=["moderation.checkin"])
    hold = holds.place_hold(
        people.arkivarie, reason="jo", description="JO granskar", account=account, now=now
    )
    return {"record_type": "moderation.checkin", "protocol": outcome.protocol.pk, "hold": hold.pk}


def _disclosure(request, account):
    """A request with one decision that masks an item and releases a sealed snapshot
    (decision document and bundle), and a request just received."""
    from core.workflow import perform
    from disclosure.models import Do

    from .disclosure_helpers import item, new_request, sealed_snapshot

    request.getfixturevalue("settings").MEDIA_ROOT = request.getfixturevalue("tmp_path")
    handler = request.getfixturevalue("org").people.kommunikationsavdelningen
    now = timezone.now()
    decided = new_request(handler, now)
    question, snapshot = item(account, now), sealed_snapshot(account, key="2025-H2")
    records = [("moderation.item", question.pk), ("archive.snapshot", snapshot.pk)]
    perform(handler, decided, Do.ATTACH, expected_state=None, now=now, records=records)
    first, second = decided.covered.all()
    perform(handler, decided, Do.REVIEW, expected_state=None, now=now, covered=first.pk,
            outcome="maskeras", masks=["070-123 45 67"], provision="OSL 21 kap. 7 §")  # fmt: skip
    perform(handler, decided, Do.REVIEW, expected_state=None, now=now, covered=second.pk,
            outcome="lamnas_ut")  # fmt: skip
    perform(handler, decided, Do.DECIDE, expected_state=None, now=now)
    received = new_request(handler, now)
    return {"disclosure": decided.pk, "covered": first.pk, "number": 1, "received": received.pk,
            "step": "start"}  # fmt: skip


def _lifecycle(request, account):
    """A closure proposed by medarbetare, medarbetare's one-click link, and the handover
    after someone who answered for another account of the library."""

    from accounts import lifecycle
    from organisation.services import deactivate_user

    from .factories import AccountFactory, UserFactory

    org = request.getfixturevalue("org")
    leaver = UserFactory(username="slutat", unit=org.bibliotek)
    AccountFactory(unit=org.bibliotek, responsible=leaver)
    deactivate_user(org.people.admin, leaver, timezone.now())
    return {
        "closure": lifecycle.propose_closure(
            org.people.medarbetare, account.pk, "Passivt.", now=timezone.now()
        ).pk,
        "link": lifecycle.activity_link(account, org.people.medarbetare).split("/")[-2],
        "handover": leaver.handovers.get().pk,
    }


def _sealed_snapshot(request, account):
    """A sealed 2026-H1 snapshot of the account, made as a row (rendering is tested in
    test_archive_pdf)."""
    from .disclosure_helpers import sealed_snapshot

    request.getfixturevalue("settings").MEDIA_ROOT = request.getfixturevalue("tmp_path")
    return sealed_snapshot(account, body=b"%PDF-1.7\n%%EOF\n")


@pytest.fixture
def no_pdf_rendering(monkeypatch):
    """Access is under test here, not rendering (test_plan_pdf renders for real)."""
    monkeypatch.setattr("activityplans.views.render_pdf", lambda *args, **kwargs: b"%PDF-")
    monkeypatch.setattr("disclosure.release.render_pdf", lambda *args, **kwargs: b"%PDF-")


@pytest.mark.parametrize(("url", "role", "expected"), CASES, ids=[f"{u} {r}" for u, r, _ in CASES])
def test_url_role_table(client, org, account, request, no_pdf_rendering, url, role, expected):
    url = _fill(url, request, account)
    if role != "anonymous":
        client.force_login(getattr(org.people, role))
    response = client.get(url)
    assert response.status_code == expected, response.content[:300]
    # Every answer, whatever its status, refuses framing but the embeddable page.
    assert_strict_csp(response, EMBEDDABLE.get(url, "'none'"))
    if url in EMBEDDABLE:
        assert "X-Frame-Options" not in response
    elif response.get("Content-Type", "").startswith("text/html"):
        assert response["X-Frame-Options"] == "DENY"
    assert_unique_ids(response)
    if expected == 302 and role == "anonymous":
        assert response["Location"].startswith(("/logga-in/", "/admin/login/"))


POST_CASES = [
    (url, data, role, expected[role]) for url, data, expected in POST_TABLE for role in ROLES
]


@pytest.mark.parametrize(
    ("url", "data", "role", "expected"),
    POST_CASES,
    ids=[f"POST {u} {r}" for u, _, r, _ in POST_CASES],
)
def test_post_url_role_table(
    client, org, account, request, no_pdf_rendering, url, data, role, expected
):
    from activityplans.models import Plan, PlanEvent

    url = _fill(url, request, account)
    data = {k: _fill(v, request, account) if "{" in str(v) else v for k, v in data.items()}
    if role != "anonymous":
        client.force_login(getattr(org.people, role))
        assert client.get(url).status_code == 405
    from accounts.models import Account, Attestation, Closure
    from archive.models import PackageBuild, Receipt, Snapshot
    from dataprotection.models import Assessment
    from disclosure.models import RequestEvent
    from internalcontrol.models import Pack
    from moderation.models import ApiToken, CheckIn
    from retention.models import Hold

    def counts():
        revoked = ApiToken.objects.filter(revoked_at__isnull=False).count()
        archive = Snapshot.objects.count(), Receipt.objects.count(), PackageBuild.objects.count()
        closures = list(Closure.objects.order_by("pk").values_list("state", "links_updated_at"))
        return (
            PlanEvent.objects.count(),
            Plan.objects.count(),
            CheckIn.objects.count(),
            revoked,
            archive,
            Attestation.objects.count(),
            closures,
            Hold.objects.filter(lifted_at__isnull=False).count(),
            list(Account.objects.order_by("pk").values_list("confirmed_on", flat=True)),
            RequestEvent.objects.count(),
            list(Assessment.objects.order_by("pk").values_list("state", flat=True)),
            Pack.objects.count(),
        )

    before = counts()
    response = client.post(url, data)
    assert response.status_code == expected, response.content[:300]
    if role == "anonymous":
        assert response["Location"].startswith("/logga-in/")
    changed = counts() != before
    assert changed == (role != "anonymous" and expected == 302)


def test_every_url_in_the_project_is_in_the_table():
    """A new URL must be added to the table above (or listed here as POST-only)."""
    from django.urls import get_resolver

    post_only = {
        "aviseringar/<int:pk>/oppna/",
        "aviseringar/lasta/",
        "franvaro/<int:pk>/aterkalla/",
        "logga-ut/",
        "sprak/",  # the language switch: set_language, tests/test_pages.py
        "",  # the root only redirects
    }
    urls = [url for url, _ in TABLE] + [url for url, _, _ in POST_TABLE]
    table = set()
    for url in urls:
        url = url.split("?")[0].lstrip("/")
        for placeholder, pattern in PLACEHOLDERS.items():
            url = url.replace(placeholder, pattern)
        table.add(url)

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
