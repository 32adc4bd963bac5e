"""SCIM 2.0 for the kommun's directory (identity.scim): people, managers, deactivation,
bad input answered with SCIM error documents and nothing saved, and the bearer token."""

import json

import pytest
from django.utils import timezone

from activityplans import routing
from activityplans.models import State
from identity import tokens
from identity.models import DirectoryEntry, DirectoryGroup, ScimToken
from identity.scim import CORE_USER, ENTERPRISE, ERROR, PATCH_OP
from moderation.models import ApiToken
from organisation.models import Handover, PersonEvent, Role, RoleAssignment, User

from .factories import make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(org):
    return tokens.issue(org.people.admin, "Entra ID", now=timezone.now())[1]


@pytest.fixture
def scim(client, key):
    def call(method, path, body=None, token=key):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        data = json.dumps(body) if body is not None else ""
        response = getattr(client, method.lower())(
            "/scim/v2/" + path, data=data, content_type="application/scim+json", **headers
        )
        return response

    return call


def person(**extra):
    body = {
        "schemas": [CORE_USER, ENTERPRISE],
        "userName": "anna.andersson@testby.example",
        "externalId": "e-1",
        "name": {"givenName": "Anna", "familyName": "Andersson"},
        "emails": [{"value": "anna.andersson@testby.example", "type": "work", "primary": True}],
        "title": "Bibliotekarie",
        "active": True,
        ENTERPRISE: {"department": "Biblioteket"},
    }
    body.update(extra)
    return body


def assert_error(response, status, scim_type=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    if scim_type:
        assert body["scimType"] == scim_type


def snapshot():
    return (
        list(User.objects.order_by("pk").values()),
        list(DirectoryEntry.objects.values()),
        list(RoleAssignment.objects.order_by("pk").values()),
        PersonEvent.objects.count(),
        Handover.objects.count(),
    )


def test_discovery(scim):
    config = scim("GET", "ServiceProviderConfig").json()
    assert config["patch"]["supported"] is True
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    schemas = scim("GET", "Schemas").json()
    assert {s["id"] for s in schemas["Resources"]} >= {CORE_USER, ENTERPRISE}
    types = scim("GET", "ResourceTypes").json()["Resources"]
    assert {t["name"] for t in types} == {"User", "Group"}
    assert scim("GET", f"Schemas/{ENTERPRISE}").json()["name"] == "EnterpriseUser"
    assert scim("GET", "ResourceTypes/User").json()["endpoint"] == "/Users"


def test_create_get_and_filter(scim, org):
    response = scim(
        "POST",
        "Users",
        person(
            **{
                ENTERPRISE: {
                    "department": "Biblioteket",
                    "manager": {"value": str(org.people.chef.pk)},
                }
            }
        ),
    )
    assert response.status_code == 201, response.content
    created = response.json()
    user = User.objects.get(pk=created["id"])
    assert (user.first_name, user.unit, user.title) == ("Anna", org.bibliotek, "Bibliotekarie")
    assert not user.has_usable_password()
    assert response["Location"].endswith(f"/scim/v2/Users/{user.pk}")
    assert created[ENTERPRISE]["manager"]["value"] == str(org.people.chef.pk)
    assert user.chef() == org.people.chef
    found = scim("GET", 'Users?filter=userName eq "ANNA.andersson@testby.example"').json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == str(user.pk)
    assert scim("GET", 'Users?filter=userName eq "nobody"').json()["totalResults"] == 0
    assert scim("GET", 'Users?filter=externalId eq "e-1"').json()["totalResults"] == 1
    assert scim("GET", f"Users/{user.pk}").json()["userName"] == user.username
    assert_error(scim("POST", "Users", person()), 409, "uniqueness")


def test_patch_and_replace(scim, org):
    pk = scim("POST", "Users", person()).json()["id"]
    response = scim(
        "PATCH",
        f"Users/{pk}",
        {
            "schemas": [PATCH_OP],
            "Operations": [
                {"op": "replace", "path": "name.familyName", "value": "Berg"},
                {"op": "replace", "path": "title", "value": "Chefsbibliotekarie"},
                {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Skolan"},
                {"op": "add", "value": {"externalId": "e-2"}},
            ],
        },
    )
    assert response.status_code == 200, response.content
    user = User.objects.get(pk=pk)
    assert (user.last_name, user.title, user.unit) == ("Berg", "Chefsbibliotekarie", org.skolan)
    assert (
        PersonEvent.objects.filter(person=user, action=PersonEvent.Action.UNIT_CHANGED).count() == 2
    )
    replaced = scim("PUT", f"Users/{pk}", person(userName="anna.berg@testby.example"))
    assert replaced.status_code == 200, replaced.content
    user.refresh_from_db()
    assert (user.username, user.last_name, user.unit) == (
        "anna.berg@testby.example",
        "Andersson",
        org.bibliotek,
    )


def test_active_false_and_delete_deactivate_through_the_service(scim, org, account):
    medarbetare = org.people.medarbetare  # answers for the account: a handover opens
    response = scim(
        "PATCH",
        f"Users/{medarbetare.pk}",
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    medarbetare.refresh_from_db()
    assert not medarbetare.is_active
    assert Handover.objects.filter(user=medarbetare).count() == 1
    assert (
        scim(
            "PATCH",
            f"Users/{medarbetare.pk}",
            {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": True}}]},
        ).json()["active"]
        is True
    )
    assert scim("DELETE", f"Users/{medarbetare.pk}").status_code == 204
    medarbetare.refresh_from_db()
    assert not medarbetare.is_active and User.objects.filter(pk=medarbetare.pk).exists()
    assert Handover.objects.filter(user=medarbetare).count() == 1  # still the open one
    # Deleted from the directory: no longer a SCIM resource; provisioned again, the
    # same person comes back.
    assert_error(scim("GET", f"Users/{medarbetare.pk}"), 404)
    again = scim("POST", "Users", person(userName=medarbetare.username))
    assert again.status_code == 201, again.content
    assert again.json()["id"] == str(medarbetare.pk) and again.json()["active"] is True


def test_manager_change_moves_waiting_plans_to_the_new_chef(scim, org, colleague):
    """The directory names the chef of the people in Biblioteket: the plan waiting for
    the old chef waits for the new one."""
    plan = make_plan(org.people.medarbetare, colleague, state=State.SUBMITTED)
    RoleAssignment.objects.filter(user=org.people.chef, role=Role.CHEF).delete()
    old = scim(
        "POST",
        "Users",
        person(
            userName="gammal", **{ENTERPRISE: {"department": "Kultur- och fritidsförvaltningen"}}
        ),
    ).json()["id"]
    new = scim(
        "POST",
        "Users",
        person(
            userName="ny",
            externalId="e-9",
            **{ENTERPRISE: {"department": "Kultur- och fritidsförvaltningen"}},
        ),
    ).json()["id"]
    manager = f"{ENTERPRISE}:manager"
    for who in (org.people.medarbetare, colleague):
        response = scim(
            "PATCH",
            f"Users/{who.pk}",
            {
                "schemas": [PATCH_OP],
                "Operations": [{"op": "add", "path": manager, "value": {"value": old}}],
            },
        )
        assert response.status_code == 200, response.content
    assert routing.designated(plan).pk == int(old)
    for who in (org.people.medarbetare, colleague):
        scim(
            "PATCH",
            f"Users/{who.pk}",
            {
                "schemas": [PATCH_OP],
                "Operations": [{"op": "replace", "path": manager, "value": new}],
            },
        )
    assert routing.designated(plan).pk == int(new)
    assert not RoleAssignment.objects.filter(user_id=old, role=Role.CHEF).exists()
    events = PersonEvent.objects.filter(person_id=old).values_list("action", flat=True)
    assert PersonEvent.Action.ROLE_REMOVED in events


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        (person(nickName="Anna"), "invalidSyntax"),  # an attribute we do not know
        (person(active="yes"), "invalidValue"),  # a wrong type
        (person(userName=42), "invalidValue"),
        (person(name={"givenName": "A", "middle": "B"}), "invalidSyntax"),
        (person(**{ENTERPRISE: {"manager": {"value": "999999"}}}), "invalidValue"),
        (person(**{ENTERPRISE: {"department": "Finns inte"}}), "invalidValue"),
        (person(**{ENTERPRISE: {"costCenter": "1"}}), "invalidSyntax"),
        (person(schemas=["urn:example:other"]), "invalidSyntax"),
    ],
)
def test_bad_create_saves_nothing(scim, org, body, scim_type):
    before = snapshot()
    assert_error(scim("POST", "Users", body), 400, scim_type)
    assert snapshot() == before


def test_bad_patch_saves_nothing(scim, org, client, key):
    pk = org.people.medarbetare.pk
    before = snapshot()
    ops = [
        [
            {"op": "replace", "path": "title", "value": "Ny"},
            {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": "999999"},
        ],
        [
            {"op": "replace", "path": "title", "value": "Ny"},
            {"op": "replace", "path": "active", "value": "False"},
        ],
        [{"op": "replace", "path": "nickName", "value": "x"}],
        [{"op": "move", "path": "title", "value": "x"}],
        [{"op": "replace", "path": f"{ENTERPRISE}:manager", "value": str(pk)}],
    ]
    for operations in ops:
        response = scim("PATCH", f"Users/{pk}", {"schemas": [PATCH_OP], "Operations": operations})
        assert response.status_code == 400, (operations, response.content)
        assert response.json()["schemas"] == [ERROR]
    response = client.generic(
        "POST",
        "/scim/v2/Users",
        b"{not json",
        content_type="application/scim+json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert_error(response, 400, "invalidSyntax")
    assert_error(scim("GET", "Users/999999"), 404)
    assert_error(scim("GET", 'Users?filter=userName co "a"'), 400, "invalidFilter")
    assert snapshot() == before


def test_break_glass_is_not_the_directorys(scim, org):
    admin = org.people.admin
    User.objects.filter(pk=admin.pk).update(is_break_glass=True)
    assert_error(scim("DELETE", f"Users/{admin.pk}"), 404)
    assert User.objects.get(pk=admin.pk).is_active


def test_groups(scim, org):
    response = scim(
        "POST",
        "Groups",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Kommunikatörer",
            "members": [{"value": str(org.people.kommunikator.pk)}],
        },
    )
    assert response.status_code == 201, response.content
    gid = response.json()["id"]
    scim(
        "PATCH",
        f"Groups/{gid}",
        {
            "schemas": [PATCH_OP],
            "Operations": [
                {"op": "add", "path": "members", "value": [{"value": str(org.people.chef.pk)}]},
                {"op": "remove", "path": f'members[value eq "{org.people.kommunikator.pk}"]'},
            ],
        },
    )
    group = DirectoryGroup.objects.get(scim_id=gid)
    assert list(group.members.all()) == [org.people.chef]
    assert scim("GET", 'Groups?filter=displayName eq "kommunikatörer"').json()["totalResults"] == 1
    assert_error(
        scim(
            "PATCH",
            f"Groups/{gid}",
            {
                "schemas": [PATCH_OP],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": "999999"}]}],
            },
        ),
        400,
    )
    assert list(group.members.all()) == [org.people.chef]
    assert scim("DELETE", f"Groups/{gid}").status_code == 204
    assert not DirectoryGroup.objects.exists()


def test_missing_wrong_and_revoked_tokens_are_401(scim, org, key):
    assert_error(scim("GET", "Users", token=None), 401)
    assert_error(scim("GET", "Users", token="kk_wrong"), 401)
    assert scim("GET", "Users").status_code == 200
    assert ScimToken.objects.get().last_used_at is not None
    assert tokens.revoke(org.people.admin, ScimToken.objects.get().pk, now=timezone.now())
    assert_error(scim("GET", "Users"), 401)
    assert_error(scim("POST", "Users", person()), 401)
    assert not User.objects.filter(username="anna.andersson@testby.example").exists()


def test_admin_issues_and_revokes_a_token(client, org):
    client.force_login(org.people.admin)
    response = client.post("/admin/identity/scimtoken/utfarda/", {"name": "Entra ID"}, follow=True)
    assert response.status_code == 200
    token = ScimToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    key = next(word for m in shown for word in m.split() if word.startswith("kk_"))
    assert token.key_hash == ApiToken.hash(key) and key not in token.key_hash
    client.logout()
    assert client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    client.force_login(org.people.admin)
    client.post("/admin/identity/scimtoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    assert client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_scim2_tester_compliance(live_server, org):
    """The scim2-tester compliance checker (discovery, create, read, replace, patch,
    delete of Users and Groups) against the endpoint served by a live server."""
    from httpx2 import Client
    from scim2_client.engines.httpx2 import SyncSCIMClient
    from scim2_tester import Status, check_server

    key = tokens.issue(org.people.admin, "Entra ID", now=timezone.now())[1]
    http = Client(base_url=f"{live_server.url}/scim/v2", headers={"Authorization": f"Bearer {key}"})
    results = check_server(SyncSCIMClient(http))
    # The checker fills every attribute with random text; a manager, a department or a
    # group member that does not exist is refused on purpose (see the bad-input tests).
    # A person has one e-mail address here: of several, the primary one is kept.
    strict = ("must be the SCIM id of a User", "No unit is named", "value for 'emails'")
    failures = [
        (result.title, result.status.name, result.reason)
        for result in results
        if result.status in (Status.ERROR, Status.CRITICAL)
        and not any(reason in (result.reason or "") for reason in strict)
    ]
    checked = {result.title for result in results if result.status == Status.SUCCESS}
    assert {"object_creation", "object_deletion", "check_replace_attribute"} <= checked
    assert results and not failures, failures


GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def _roles(user):
    return set(user.role_assignments.values_list("unit__name", "role"))


def test_group_membership_grants_and_removes_the_mapped_role(scim, org):
    """A SCIM Group's members get the role its GroupMapping gives, through the sign-in's
    service and with the cause in the person's history; a member removed, or the group
    deleted, loses it; roles given by hand stay."""
    from identity.models import GroupMapping

    p = org.people
    GroupMapping.objects.create(
        group="obj-kommunikatorer", role=Role.KOMMUNIKATOR, unit=org.utbildning, note="Komm"
    )
    GroupMapping.objects.create(group="Bibliotekschefer", role=Role.CHEF, unit=org.bibliotek)
    before = _roles(p.medarbetare)
    response = scim(
        "POST",
        "Groups",
        {
            "schemas": [GROUP],
            "displayName": "Kommunikatörer i Utbildning",
            "externalId": "OBJ-kommunikatorer",  # the mapping names the object id
            "members": [{"value": str(p.medarbetare.pk)}, {"value": str(p.outsider.pk)}],
        },
    )
    assert response.status_code == 201, response.content
    gid = response.json()["id"]
    assert _roles(p.medarbetare) == before | {("Utbildningsförvaltningen", Role.KOMMUNIKATOR)}
    held = p.medarbetare.role_assignments.get(role=Role.KOMMUNIKATOR)
    assert held.sign_in_source == "obj-kommunikatorer (Komm)"
    event = PersonEvent.objects.filter(person=p.medarbetare).latest("pk")
    assert event.action == PersonEvent.Action.ROLE_GRANTED
    assert "katalogen (SCIM)" in event.comment and "obj-kommunikatorer" in event.comment
    assert event.data["role"] == Role.KOMMUNIKATOR
    # A second identical PUT changes nothing and records nothing.
    events = PersonEvent.objects.count()
    scim(
        "PUT",
        f"Groups/{gid}",
        {
            "schemas": [GROUP],
            "displayName": "Kommunikatörer i Utbildning",
            "externalId": "OBJ-kommunikatorer",
            "members": [{"value": str(p.medarbetare.pk)}, {"value": str(p.outsider.pk)}],
        },
    )
    assert PersonEvent.objects.count() == events
    # Removing a member removes the role, with the cause.
    response = scim(
        "PATCH",
        f"Groups/{gid}",
        {
            "schemas": [PATCH_OP],
            "Operations": [
                {"op": "remove", "path": f'members[value eq "{p.medarbetare.pk}"]'},
            ],
        },
    )
    assert response.status_code == 200, response.content
    assert _roles(p.medarbetare) == before
    event = PersonEvent.objects.filter(person=p.medarbetare).latest("pk")
    assert event.action == PersonEvent.Action.ROLE_REMOVED
    assert "inte längre med i grupp" in event.comment
    assert ("Utbildningsförvaltningen", Role.KOMMUNIKATOR) in _roles(p.outsider)
    # Deleting the group removes it from the rest.
    assert scim("DELETE", f"Groups/{gid}").status_code == 204
    assert ("Utbildningsförvaltningen", Role.KOMMUNIKATOR) not in _roles(p.outsider)
    assert ("Skolan", Role.MEDARBETARE) in _roles(p.outsider)  # given by hand: kept


def test_a_group_named_by_its_display_name_and_a_bad_member_saves_nothing(scim, org):
    from identity.models import GroupMapping

    p = org.people
    GroupMapping.objects.create(group="bibliotekschefer", role=Role.CHEF, unit=org.bibliotek)
    response = scim(
        "POST",
        "Groups",
        {"schemas": [GROUP], "displayName": "Bibliotekschefer", "members": []},
    )
    gid = response.json()["id"]
    state = snapshot()
    assert_error(
        scim(
            "PATCH",
            f"Groups/{gid}",
            {
                "schemas": [PATCH_OP],
                "Operations": [
                    {
                        "op": "add",
                        "path": "members",
                        "value": [{"value": str(p.outsider.pk)}, {"value": "999999"}],
                    }
                ],
            },
        ),
        400,
    )
    assert snapshot() == state
    scim(
        "PATCH",
        f"Groups/{gid}",
        {
            "schemas": [PATCH_OP],
            "Operations": [
                {"op": "add", "path": "members", "value": [{"value": str(p.outsider.pk)}]}
            ],
        },
    )
    assert ("Biblioteket", Role.CHEF) in _roles(p.outsider)
