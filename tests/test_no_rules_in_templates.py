"""No view or template restates a permission or state rule the workflow kernel
(core.workflow) provides: templates show the actions `allowed()` lists, views put no
`can_*`/`may_*` booleans into their contexts. What remains is listed below, each with
why it is not a rule of a transition; anything new fails here."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "accounts",
    "activityplans",
    "archive",
    "config",
    "moderation",
    "notifications",
    "organisation",
    "core",
    "disclosure",
    "dataprotection",
    "internalcontrol",
)

# A condition inside {% if %} / {% elif %} that compares a state, asks for a role or for
# the staff flags.
PREDICATE = re.compile(
    r"\{%-?\s*(?:if|elif)\b[^%]*?"
    r"(?:\bstate\s*(?:==|!=)|\.state\s+(?:not\s+)?in\b|\bstatus\s*(?:==|!=)|is_staff|"
    r"is_superuser|has_role|(?<!event)\.roles?\b|\buser\.roles?\b)[^%]*%\}"
)

# (template, what the condition does), and why it is not a workflow rule.
ALLOWED_TEMPLATE_PREDICATES = {
    # The badge colour of a state: presentation of the state, not what may be done.
    "activityplans/templates/activityplans/_state.html": "badge colour",
    "archive/templates/archive/_state.html": "badge colour",
    "accounts/templates/accounts/_status.html": "badge colour",
    # The explanation shown while a snapshot waits for its capture or an upload.
    "archive/templates/archive/snapshot_detail.html": "state notice",
    # The register's account is not a record of a transition table: its attestation
    # forms and checklist are shown for open accounts (accounts.lifecycle).
    "accounts/templates/accounts/_lifecycle.html": "open account",
    "archive/templates/archive/account_snapshots.html": "open account",
}

# Context booleans that are rights to create something or to see a page, not actions on
# a record's state; each comes from the one access helper of its app.
ALLOWED_CONTEXT_FLAGS = {
    "can_register",  # accounts.access.can_register: the register's curators
    "can_set_rules",  # the same curators set the passivity rules
    "can_manage_tokens",  # the same curators issue the API keys
    "can_receive",  # archive.services.may_receive: kommunarkivet receipts a delivery
    # The kernel's creations (core.workflow.may_create), each a new record:
    "can_request",  # the snapshot's "request": a snapshot on demand
    "may_redact",  # accounts.redaction.may_redact: the curators clean the history
    "can_receive_requests",  # the request's "receive": a new request
    "can_write_assessment",  # the assessment's "create": kommunikationsavdelningen
}

# The predicates the kernel replaced must not come back under their old names.
RETIRED = (
    "can_withdraw",
    "can_evaluate",
    "can_confirm_closure",
    "can_cancel_closure",
    "can_retake",
    "can_upload",
    "can_handle",
    "can_decide",
    "can_edit",
)


def templates():
    for folder in [ROOT / "templates", *(ROOT / app / "templates" for app in APPS)]:
        if folder.exists():
            yield from folder.rglob("*.html")


def sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_templates_restate_no_state_or_permission_rule():
    found = []
    for path in templates():
        name = str(path.relative_to(ROOT))
        for match in PREDICATE.finditer(path.read_text()):
            if name not in ALLOWED_TEMPLATE_PREDICATES:
                found.append(f"{name}: {match.group(0)[:120]}")
    assert not found, "Use core.workflow.allowed() instead of:\n" + "\n".join(found)


def test_the_allowlist_lists_only_what_is_there():
    names = {str(p.relative_to(ROOT)) for p in templates() if PREDICATE.search(p.read_text())}
    assert set(ALLOWED_TEMPLATE_PREDICATES) <= names


def test_views_put_no_rule_booleans_into_contexts():
    flag = re.compile(r"""["'](?P<name>(?:can|may)_[a-z_]+)["']\s*:""")
    found = []
    for path in sources():
        for match in flag.finditer(path.read_text()):
            if match.group("name") not in ALLOWED_CONTEXT_FLAGS:
                found.append(f"{path.relative_to(ROOT)}: {match.group('name')}")
    assert not found, "Put core.workflow.allowed() into the context instead:\n" + "\n".join(found)


def test_the_retired_predicates_are_gone():
    found = []
    for path in [*templates(), *sources()]:
        text = path.read_text()
        found += [f"{path.relative_to(ROOT)}: {name}" for name in RETIRED if name in text]
    assert not found
