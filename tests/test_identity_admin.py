"""The systemadministratör's side of signing in with the kommun's account: group
mappings, the kommun's setting for people without a mapped group, nödkonton, and roles
edited in the admin recorded in the person's history."""

import pytest

from identity.models import GroupMapping
from organisation.models import PersonEvent, Role, UnmappedSignIn


@pytest.fixture
def admin_client(client, org):
    client.force_login(org.people.admin)
    return client


def test_a_group_mapping_is_added_in_the_admin_and_validated(admin_client, org):
    page = admin_client.get("/admin/identity/groupmapping/add/")
    assert page.status_code == 200
    data = {"group": " 0f4c-guid ", "note": "Chefer", "role": Role.CHEF, "unit": org.bibliotek.pk}
    assert admin_client.post("/admin/identity/groupmapping/add/", data).status_code == 302
    mapping = GroupMapping.objects.get()
    assert (mapping.group, mapping.role, mapping.unit) == ("0f4c-guid", Role.CHEF, org.bibliotek)
    again = admin_client.post("/admin/identity/groupmapping/add/", {**data, "group": "0F4C-GUID"})
    assert again.status_code == 200
    assert "Den här gruppen ger redan den rollen i den enheten." in again.content.decode()
    blank = admin_client.post("/admin/identity/groupmapping/add/", {**data, "group": "  "})
    assert blank.status_code == 200 and GroupMapping.objects.count() == 1


def test_others_do_not_reach_the_group_mappings(client, org):
    client.force_login(org.people.kommunikationschef)
    assert client.get("/admin/identity/groupmapping/").status_code == 302


def unit_form(unit, **extra):
    data = {
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent_id or "",
        "contact_email": unit.contact_email,
        "website": unit.website,
        "contact_phone": unit.contact_phone,
        "archive_email": unit.archive_email,
        "oidc_unmapped": unit.oidc_unmapped,
        "organisation_number": unit.organisation_number,
        "open_data_licence": unit.open_data_licence,
        "privacy_url": unit.privacy_url,
        "role_assignments-TOTAL_FORMS": "0",
        "role_assignments-INITIAL_FORMS": "0",
        "role_assignments-MIN_NUM_FORMS": "0",
        "role_assignments-MAX_NUM_FORMS": "1000",
    }
    data.update(extra)
    return data


def role_rows(unit):
    """The unit's role inline as the admin's form posts it back unchanged."""
    held = list(unit.role_assignments.order_by("pk"))
    rows = {
        "role_assignments-TOTAL_FORMS": str(len(held)),
        "role_assignments-INITIAL_FORMS": str(len(held)),
    }
    for i, assignment in enumerate(held):
        rows |= {
            f"role_assignments-{i}-id": assignment.pk,
            f"role_assignments-{i}-unit": unit.pk,
            f"role_assignments-{i}-user": assignment.user_id,
            f"role_assignments-{i}-role": assignment.role,
        }
    return held, rows


def test_the_kommun_sets_what_happens_without_a_mapped_group(admin_client, org):
    kommun = org.kommun
    assert kommun.oidc_unmapped == UnmappedSignIn.REFUSE
    _held, rows = role_rows(kommun)
    answer = admin_client.post(
        f"/admin/organisation/unit/{kommun.pk}/change/",
        unit_form(kommun, oidc_unmapped=UnmappedSignIn.MEDARBETARE, **rows),
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    kommun.refresh_from_db()
    assert kommun.oidc_unmapped == UnmappedSignIn.MEDARBETARE
    assert not PersonEvent.objects.exists()  # no role changed


def test_roles_edited_in_the_admin_are_recorded_in_the_persons_history(admin_client, org):
    bibliotek = org.bibliotek
    held, rows = role_rows(bibliotek)
    chef = org.people.chef
    chef_row = next(i for i, a in enumerate(held) if a.user_id == chef.pk)
    rows[f"role_assignments-{chef_row}-DELETE"] = "on"
    n = len(held)
    rows |= {
        f"role_assignments-{n}-unit": bibliotek.pk,
        f"role_assignments-{n}-user": org.people.outsider.pk,
        f"role_assignments-{n}-role": Role.CHEF,
        "role_assignments-TOTAL_FORMS": str(n + 1),
        "role_assignments-INITIAL_FORMS": str(n),
    }
    answer = admin_client.post(
        f"/admin/organisation/unit/{bibliotek.pk}/change/", unit_form(bibliotek, **rows)
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    events = {(e.person.username, e.action, e.comment) for e in PersonEvent.objects.all()}
    cause = "ändrad i administrationen av Förnamn"
    assert {(u, a) for u, a, _c in events} == {
        ("chef", PersonEvent.Action.ROLE_REMOVED),
        ("outsider", PersonEvent.Action.ROLE_GRANTED),
    }
    assert all(c.startswith(cause) for _u, _a, c in events)
    page = admin_client.get(f"/admin/organisation/user/{chef.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Roll borttagen" in html and "Nödkonto" in html
