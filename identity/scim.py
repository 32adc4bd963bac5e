"""SCIM 2.0 (RFC 7643/7644) for the kommun's directory: people (Users) and groups.

A small, strict implementation: only the attributes below are understood, and any other
attribute, a wrong type, or a manager or department that does not exist is answered with
a SCIM error document and changes nothing. Each request is one transaction.

- A User is an organisation.User; its SCIM id is the user's primary key. Break-glass
  accounts are not the directory's and are not shown.
- `active: false` and DELETE deactivate through organisation.services.deactivate_user
  (which opens the handover); nothing is deleted. `active: true` reactivates.
- A Group's members get the roles the group mappings (identity.GroupMapping) give the
  group, through the same service as a sign-in (identity.signin.apply_directory_groups,
  recorded in each person's history with the cause); a member removed (or the group
  deleted) loses the roles no other of their groups gives.
- The enterprise extension's `department` is the name of a unit: it becomes the
  person's unit. `manager` is the SCIM id of the person's chef: it is kept on the
  person's DirectoryEntry, and the manager is given the chef role in the person's unit
  (RoleAssignment marked with DIRECTORY_SOURCE), so plans waiting for the unit's chef
  route to them. When the manager changes, the old manager keeps that chef role only
  while someone else in the unit still names them.

Size: the whole protocol surface (discovery, Users, Groups, PATCH paths, filters, the
error documents) in one module, so that its strict parsing rules are read together.
"""

import json
import re
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from core import registry
from moderation.models import ApiToken
from moderation.tokens import MAX_KEY_LENGTH
from organisation.models import PersonEvent, Role, RoleAssignment, Unit, User
from organisation.services import DIRECTORY_SOURCE, deactivate_user, reactivate_user

from .models import DirectoryEntry, DirectoryGroup, ScimToken
from .signin import apply_directory_groups

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CONTENT_TYPE = "application/scim+json"
MAX_BODY = 256 * 1024
MAX_RESULTS = 200
MANAGER_SOURCE = DIRECTORY_SOURCE + "manager"


class ScimError(Exception):
    def __init__(self, status, detail, scim_type=None):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type


def scim_response(data, status=200, location=None):
    response = JsonResponse(data, status=status, content_type=CONTENT_TYPE)
    if location:
        response["Location"] = location
    return response


def error_response(error):
    body = {"schemas": [ERROR], "status": str(error.status), "detail": error.detail}
    if error.scim_type:
        body["scimType"] = error.scim_type
    return scim_response(body, status=error.status)


def invalid(detail, scim_type="invalidValue"):
    return ScimError(400, detail, scim_type)


# -- authentication -------------------------------------------------------------------


def authenticate(request, now):
    header = request.headers.get("Authorization", "")
    scheme, _sep, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key or len(key) > MAX_KEY_LENGTH or not key.isascii():
        raise ScimError(401, "A bearer token is required.")
    token = ScimToken.objects.filter(key_hash=ApiToken.hash(key)).first()
    if token is None or token.revoked_at is not None:
        raise ScimError(401, "Unknown or revoked token.")
    ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def endpoint(methods):
    """A SCIM view: bearer token, JSON body, errors as SCIM error documents, one
    transaction; the clock read once and passed down."""

    def wrap(view):
        @csrf_exempt
        def wrapped(request, *args, **kwargs):
            now = timezone.now()
            try:
                if request.method not in methods:
                    raise ScimError(405, f"{request.method} is not supported here.")
                authenticate(request, now)
                body = None
                if request.method in ("POST", "PUT", "PATCH"):
                    body = read_body(request)
                with transaction.atomic():
                    return view(request, *args, body=body, now=now, **kwargs)
            except ScimError as error:
                return error_response(error)
            except ValidationError as error:
                return error_response(invalid(" ".join(error.messages)))

        return wrapped

    return wrap


def read_body(request):
    if len(request.body) > MAX_BODY:
        raise ScimError(413, "The request is too large.", "tooLarge")
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise invalid("The body is not JSON.", "invalidSyntax") from error
    if not isinstance(body, dict):
        raise invalid("The body must be a JSON object.", "invalidSyntax")
    return body


# -- values ---------------------------------------------------------------------------


def _string(value, name, *, max_length=255, required=False):
    if value is None:
        if required:
            raise invalid(f"{name} is required.")
        return ""
    if not isinstance(value, str):
        raise invalid(f"{name} must be a string.")
    value = value.strip()
    if required and not value:
        raise invalid(f"{name} is required.")
    if len(value) > max_length:
        raise invalid(f"{name} is longer than {max_length} characters.")
    return value


def _bool(value, name):
    if not isinstance(value, bool):
        raise invalid(f"{name} must be true or false.")
    return value


def _lower_keys(data, name):
    if not isinstance(data, dict):
        raise invalid(f"{name} must be an object.")
    return {key.lower(): value for key, value in data.items()}


def _check_schemas(body, allowed, required):
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or not all(isinstance(s, str) for s in schemas):
        raise invalid("schemas must be a list of schema URIs.", "invalidSyntax")
    unknown = [s for s in schemas if s not in allowed]
    if unknown or required not in schemas:
        raise invalid(f"schemas must include {required}; unknown: {unknown}.", "invalidSyntax")


# -- Users ----------------------------------------------------------------------------

USER_FIELDS = {
    "username",
    "externalid",
    "name",
    "displayname",
    "emails",
    "title",
    "active",
}
IGNORED = {"schemas", "id", "meta"}  # read-only or structural, sent back by some clients
NAME_FIELDS = {"givenname", "familyname", "formatted"}
ENTERPRISE_FIELDS = {"department", "manager"}


def user_state(user):
    entry = DirectoryEntry.objects.filter(user=user).first()
    return {
        "username": user.username,
        "externalid": entry.external_id if entry else "",
        "givenname": user.first_name,
        "familyname": user.last_name,
        "email": user.email,
        "title": user.title,
        "active": user.is_active,
        "department": entry.department if entry else (user.unit.name if user.unit else ""),
        "manager": entry.manager_id if entry else None,
        "displayname": entry.display_name if entry else "",
        "emailtype": entry.email_type if entry else "",
    }


EMPTY_USER = {
    "username": "",
    "externalid": "",
    "givenname": "",
    "familyname": "",
    "email": "",
    "title": "",
    "active": True,
    "department": "",
    "manager": None,
    "displayname": "",
    "emailtype": "",
}


def _email(value):
    """(address, type) of the primary (or first) address."""
    if not isinstance(value, list):
        raise invalid("emails must be a list.")
    chosen, kind = "", ""
    for item in value:
        item = _lower_keys(item, "emails[]")
        unknown = set(item) - {"value", "primary", "type", "display"}
        if unknown:
            raise invalid(f"Unknown attribute in emails: {sorted(unknown)}.", "invalidSyntax")
        address = _string(item.get("value"), "emails.value", max_length=254)
        if "primary" in item:
            _bool(item["primary"], "emails.primary")
        if not chosen or item.get("primary") is True:
            chosen, kind = address, _string(item.get("type"), "emails.type", max_length=40)
    return chosen, kind


def _manager(value):
    if isinstance(value, dict):
        value = _lower_keys(value, "manager")
        unknown = set(value) - {"value", "$ref", "displayname"}
        if unknown:
            raise invalid(f"Unknown attribute in manager: {sorted(unknown)}.", "invalidSyntax")
        value = value.get("value")
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not value.isdigit():
        raise invalid("manager.value must be the SCIM id of a User.")
    if not _users().filter(pk=int(value)).exists():
        raise invalid(f"The manager {value} does not exist.")
    return int(value)


def set_attribute(state, key, value, sub=None):
    """Set one (lower-cased) attribute of `state` from a SCIM value."""
    if key == "username":
        state["username"] = _string(value, "userName", max_length=150, required=True)
    elif key == "externalid":
        state["externalid"] = _string(value, "externalId")
    elif key == "displayname":
        state["displayname"] = _string(value, "displayName")
    elif key == "title":
        state["title"] = _string(value, "title", max_length=120)
    elif key == "active":
        state["active"] = _bool(value, "active")
    elif key == "emails":
        state["email"], state["emailtype"] = _email(value)
    elif key == "name" and sub is None:
        value = _lower_keys(value, "name")
        unknown = set(value) - NAME_FIELDS
        if unknown:
            raise invalid(f"Unknown attribute in name: {sorted(unknown)}.", "invalidSyntax")
        for part in NAME_FIELDS & set(value):
            set_attribute(state, "name", value[part], part)
    elif key == "name" and sub in NAME_FIELDS:
        text = _string(value, f"name.{sub}", max_length=150)
        if sub != "formatted":
            state[sub] = text
    elif key == "department":
        state["department"] = _string(value, "department")
    elif key == "manager":
        state["manager"] = _manager(value)
    elif key == ENTERPRISE.lower() and sub is None:
        value = _lower_keys(value, ENTERPRISE)
        value.pop("schemas", None)
        unknown = set(value) - ENTERPRISE_FIELDS
        if unknown:
            raise invalid(f"Unknown enterprise attribute: {sorted(unknown)}.", "invalidSyntax")
        for part, part_value in value.items():
            set_attribute(state, part, part_value)
    else:
        raise invalid(f"Unknown attribute: {key}{'.' + sub if sub else ''}.", "invalidSyntax")


def apply_resource(state, body):
    """Set every attribute of a User resource (POST, PUT, PATCH without a path)."""
    for key, value in body.items():
        key = key.lower()
        if key in IGNORED:
            continue
        if key not in USER_FIELDS | {ENTERPRISE.lower()}:
            raise invalid(f"Unknown attribute: {key}.", "invalidSyntax")
        set_attribute(state, key, value)


def _users():
    """The people the directory sees: not break-glass accounts, not people it deleted."""
    return User.objects.filter(is_break_glass=False, is_superuser=False).exclude(
        directory_entry__deprovisioned=True
    )


def _unit_named(name):
    if not name:
        return None
    units = list(Unit.objects.filter(name__iexact=name)[:2])
    if not units:
        raise invalid(f"No unit is named {name!r} (department).")
    if len(units) > 1:
        raise invalid(f"More than one unit is named {name!r} (department).")
    return units[0]


def save_user(user, state, *, now):
    """Write `state` to `user` (a new, unsaved one or a stored one): fields, unit,
    directory entry, manager's chef role, and active last (deactivation opens the
    handover). Inside the request's transaction."""
    unit = _unit_named(state["department"])
    if state["manager"] is not None and state["manager"] == user.pk:
        raise invalid("A person cannot be their own manager.")
    clash = User.objects.filter(username__iexact=state["username"]).exclude(pk=user.pk)
    if clash.exists():
        raise ScimError(409, f"userName {state['username']!r} is taken.", "uniqueness")
    created = user.pk is None
    before_unit = user.unit
    shown = (user.first_name, user.last_name, user.title)
    user.username = state["username"]
    user.first_name, user.last_name = state["givenname"], state["familyname"]
    user.email, user.title = state["email"], state["title"]
    user.unit = unit
    if created:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise ScimError(409, f"userName {state['username']!r} is taken.", "uniqueness") from error
    if not created and shown != (user.first_name, user.last_name, user.title):
        registry.public_register_changed(now=now)  # the register shows whom it names
    if created or (before_unit and before_unit.pk) != (unit and unit.pk):
        PersonEvent.write(
            user,
            PersonEvent.Action.UNIT_CHANGED,
            actor=None,
            at=now,
            comment="katalogen (SCIM), avdelning",
            data={
                "from": before_unit.name if before_unit and not created else None,
                "unit": unit.pk if unit else None,
                "unit_name": unit.name if unit else None,
            },
        )
    entry, _new = DirectoryEntry.objects.get_or_create(user=user)
    old_manager, old_unit = entry.manager_id, before_unit if not created else None
    entry.external_id, entry.department = state["externalid"], state["department"]
    entry.manager_id = state["manager"]
    entry.display_name, entry.email_type = state["displayname"], state["emailtype"]
    entry.deprovisioned = False
    entry.save()
    if old_unit is not None and old_manager is not None:
        _release_chef(old_manager, old_unit, now)
    if unit is not None and state["manager"] is not None:
        _grant_chef(state["manager"], unit, now)
    if user.is_active and not state["active"] and not created:
        deactivate_user(None, user, now, reason="katalogen (SCIM): active false")
    elif not user.is_active and state["active"]:
        reactivate_user(None, user, now)
    elif created and not state["active"]:
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
    return user


def _grant_chef(manager_id, unit, now):
    _assignment, created = RoleAssignment.objects.get_or_create(
        user_id=manager_id,
        unit=unit,
        role=Role.CHEF,
        defaults={"sign_in_source": MANAGER_SOURCE},
    )
    if created:
        PersonEvent.write(
            User.objects.get(pk=manager_id),
            PersonEvent.Action.ROLE_GRANTED,
            actor=None,
            at=now,
            comment="katalogen (SCIM): chef för en person i enheten",
            data={"role": Role.CHEF, "unit": unit.pk, "unit_name": unit.name},
        )


def _release_chef(manager_id, unit, now):
    """The directory's chef role of `manager_id` in `unit` goes when nobody in the unit
    names them as manager any more; a chef role given by hand stays."""
    if DirectoryEntry.objects.filter(manager_id=manager_id, user__unit=unit).exists():
        return
    removed, _rows = RoleAssignment.objects.filter(
        user_id=manager_id, unit=unit, role=Role.CHEF, sign_in_source=MANAGER_SOURCE
    ).delete()
    if removed:
        PersonEvent.write(
            User.objects.get(pk=manager_id),
            PersonEvent.Action.ROLE_REMOVED,
            actor=None,
            at=now,
            comment="katalogen (SCIM): inte längre chef för någon i enheten",
            data={"role": Role.CHEF, "unit": unit.pk, "unit_name": unit.name},
        )


def user_resource(request, user):
    state = user_state(user)
    location = request.build_absolute_uri(reverse("scim_user", args=[user.pk]))
    resource = {
        "schemas": [CORE_USER, ENTERPRISE],
        "id": str(user.pk),
        "userName": user.username,
        "name": {
            "givenName": user.first_name,
            "familyName": user.last_name,
        },
        "displayName": state["displayname"] or str(user),
        "active": user.is_active,
        "meta": {"resourceType": "User", "location": location},
        ENTERPRISE: {},
    }
    if state["externalid"]:
        resource["externalId"] = state["externalid"]
    if user.email:
        resource["emails"] = [
            {"value": user.email, "type": state["emailtype"] or "work", "primary": True}
        ]
    if user.title:
        resource["title"] = user.title
    if state["department"]:
        resource[ENTERPRISE]["department"] = state["department"]
    if state["manager"] is not None:
        resource[ENTERPRISE]["manager"] = {
            "value": str(state["manager"]),
            "$ref": request.build_absolute_uri(reverse("scim_user", args=[state["manager"]])),
        }
    return resource


def _get_user(pk, *, lock=False):
    users = _users().select_related("unit")
    if lock:
        users = users.select_for_update(of=("self",))
    if not str(pk).isdigit() or not (user := users.filter(pk=int(pk)).first()):
        raise ScimError(404, f"No User {pk}.")
    return user


FILTER = re.compile(r'^\s*(\w+)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)


def parse_filter(text, attributes):
    """Only `attribute eq "value"` is supported (what provisioning clients send)."""
    match = FILTER.match(text)
    if not match or match.group(1).lower() not in attributes:
        raise invalid(f"Unsupported filter: {text}.", "invalidFilter")
    return attributes[match.group(1).lower()], json.loads(f'"{match.group(2)}"')


def paginate(request, queryset, render):
    try:
        start = max(int(request.GET.get("startIndex", 1)), 1)
        count = min(max(int(request.GET.get("count", MAX_RESULTS)), 0), MAX_RESULTS)
    except ValueError as error:
        raise invalid("startIndex and count must be integers.") from error
    total = queryset.count()
    items = [render(item) for item in queryset[start - 1 : start - 1 + count]]
    return scim_response(
        {
            "schemas": [LIST],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": len(items),
            "Resources": items,
        }
    )


def _filtered_page(request, queryset, filters, render):
    """A collection's GET: the page asked for, of the rows its `filter` names (one of
    `filters`: attribute -> lookup), each rendered by `render`."""
    if "filter" in request.GET:
        field, value = parse_filter(request.GET["filter"], filters)
        queryset = queryset.filter(**{field: value})
    return paginate(request, queryset, render)


def _created(resource):
    """A collection's POST: the new resource, 201, at its location."""
    return scim_response(resource, status=201, location=resource["meta"]["location"])


@endpoint({"GET", "POST"})
def users(request, *, body, now):
    if request.method == "GET":
        return _filtered_page(
            request,
            _users().select_related("unit").order_by("pk"),
            {"username": "username__iexact", "externalid": "directory_entry__external_id"},
            lambda user: user_resource(request, user),
        )
    _check_schemas(body, {CORE_USER, ENTERPRISE}, CORE_USER)
    state = dict(EMPTY_USER)
    apply_resource(state, body)
    if not state["username"]:
        raise invalid("userName is required.")
    # A person the directory deleted earlier comes back as the same user.
    returning = User.objects.filter(
        username__iexact=state["username"], directory_entry__deprovisioned=True
    ).first()
    user = save_user(returning or User(), state, now=now)
    return _created(user_resource(request, user))


@endpoint({"GET", "PUT", "PATCH", "DELETE"})
def user(request, pk, *, body, now):
    if request.method == "GET":
        return scim_response(user_resource(request, _get_user(pk)))
    target = _get_user(pk, lock=True)
    if request.method == "DELETE":
        if target.is_active:
            deactivate_user(None, target, now, reason="katalogen (SCIM): borttagen")
        DirectoryEntry.objects.update_or_create(user=target, defaults={"deprovisioned": True})
        return HttpResponse(status=204)
    if request.method == "PUT":
        _check_schemas(body, {CORE_USER, ENTERPRISE}, CORE_USER)
        state = dict(EMPTY_USER)
        apply_resource(state, body)
        if not state["username"]:
            raise invalid("userName is required.")
    else:
        state = user_state(target)
        patch_user(state, body)
    save_user(target, state, now=now)
    return scim_response(user_resource(request, _get_user(pk)))


def _operations(body):
    _check_schemas(body, {PATCH_OP}, PATCH_OP)
    operations = body.get("Operations", body.get("operations"))
    if not isinstance(operations, list) or not operations:
        raise invalid("Operations must be a non-empty list.", "invalidSyntax")
    for operation in operations:
        operation = _lower_keys(operation, "Operations[]")
        if set(operation) - {"op", "path", "value"}:
            raise invalid("An operation has only op, path and value.", "invalidSyntax")
        op = operation.get("op")
        if not isinstance(op, str) or op.lower() not in ("add", "replace", "remove"):
            raise invalid("op must be add, replace or remove.", "invalidSyntax")
        path = operation.get("path")
        if path is not None and not isinstance(path, str):
            raise invalid("path must be a string.", "invalidPath")
        yield op.lower(), path, operation.get("value")


EMAIL_PATH = re.compile(r'^emails\[type eq "work"\]\.value$', re.IGNORECASE)


def _user_path(path):
    """(key, sub) of a PATCH path."""
    lowered = path.lower()
    enterprise = ENTERPRISE.lower() + ":"
    if lowered.startswith(enterprise):
        key = lowered[len(enterprise) :]
        if key not in ENTERPRISE_FIELDS:
            raise invalid(f"Unknown path: {path}.", "invalidPath")
        return key, None
    if lowered == ENTERPRISE.lower():
        return lowered, None
    if EMAIL_PATH.match(path):
        return "email", None
    key, _dot, sub = lowered.partition(".")
    if key not in USER_FIELDS or (sub and key != "name") or (sub and sub not in NAME_FIELDS):
        raise invalid(f"Unknown path: {path}.", "invalidPath")
    return key, sub or None


def patch_user(state, body):
    for op, path, value in _operations(body):
        if path is None:
            if op == "remove":
                raise invalid("remove needs a path.", "noTarget")
            apply_resource(state, _lower_keys(value, "value"))
            continue
        key, sub = _user_path(path)
        if op == "remove":
            if key == "username":
                raise invalid("userName cannot be removed.", "mutability")
            if key == "name" and sub:
                state[sub] = ""
            elif key == "name":
                state["givenname"] = state["familyname"] = ""
            elif key == "active":
                raise invalid("active cannot be removed.", "mutability")
            elif key == "emails":
                state["email"] = state["emailtype"] = ""
            elif key == ENTERPRISE.lower():
                state["department"], state["manager"] = "", None
            else:
                state[key] = None if key == "manager" else ""
        elif key == "email":
            state["email"] = _string(value, "emails.value", max_length=254)
        else:
            set_attribute(state, key, value, sub)


# -- Groups ---------------------------------------------------------------------------


def group_resource(request, group):
    location = request.build_absolute_uri(reverse("scim_group", args=[group.scim_id]))
    resource = {
        "schemas": [CORE_GROUP],
        "id": str(group.scim_id),
        "displayName": group.display_name,
        "members": [
            {"value": str(member.pk), "display": str(member)}
            for member in group.members.order_by("pk")
        ],
        "meta": {"resourceType": "Group", "location": location},
    }
    if group.external_id:
        resource["externalId"] = group.external_id
    return resource


def _member_ids(value):
    if not isinstance(value, list):
        raise invalid("members must be a list.")
    ids = []
    for item in value:
        item = _lower_keys(item, "members[]")
        if set(item) - {"value", "display", "$ref", "type"}:
            raise invalid("A member has only value, display, $ref and type.", "invalidSyntax")
        pk = item.get("value")
        if not isinstance(pk, str) or not pk.isdigit():
            raise invalid("members.value must be the SCIM id of a User.")
        ids.append(int(pk))
    found = set(_users().filter(pk__in=ids).values_list("pk", flat=True))
    missing = sorted(set(ids) - found)
    if missing:
        raise invalid(f"No User {missing[0]} (members).")
    return ids


def _group_state(body, state):
    for key, value in body.items():
        key = key.lower()
        if key in IGNORED:
            continue
        if key == "displayname":
            state["displayname"] = _string(value, "displayName", max_length=256, required=True)
        elif key == "externalid":
            state["externalid"] = _string(value, "externalId")
        elif key == "members":
            state["members"] = _member_ids(value)
        else:
            raise invalid(f"Unknown attribute: {key}.", "invalidSyntax")
    return state


def save_group(group, state, *, now):
    if not state.get("displayname"):
        raise invalid("displayName is required.")
    clash = DirectoryGroup.objects.filter(display_name__iexact=state["displayname"])
    if clash.exclude(pk=group.pk).exists():
        raise ScimError(409, f"displayName {state['displayname']!r} is taken.", "uniqueness")
    group.display_name, group.external_id = state["displayname"], state["externalid"]
    if group.scim_id is None:
        group.scim_id = uuid.uuid4()
    before = set(group.members.values_list("pk", flat=True)) if group.pk else set()
    group.save()
    group.members.set(state["members"])
    # Everyone in it before or now: a renamed group may match another mapping.
    _apply_group_roles(before | set(state["members"]), now)
    return group


def _apply_group_roles(user_ids, now):
    """The roles of the people who joined or left a group follow the group mappings
    (identity.signin.apply_directory_groups), in the request's transaction."""
    for person in User.objects.filter(pk__in=user_ids).order_by("pk"):
        apply_directory_groups(person, now=now)


def _get_group(pk, *, lock=False):
    try:
        scim_id = uuid.UUID(str(pk))
    except ValueError as error:
        raise ScimError(404, f"No Group {pk}.") from error
    groups = DirectoryGroup.objects.select_for_update() if lock else DirectoryGroup.objects
    group = groups.filter(scim_id=scim_id).first()
    if group is None:
        raise ScimError(404, f"No Group {pk}.")
    return group


@endpoint({"GET", "POST"})
def groups(request, *, body, now):
    if request.method == "GET":
        return _filtered_page(
            request,
            DirectoryGroup.objects.prefetch_related("members").order_by("pk"),
            {"displayname": "display_name__iexact", "externalid": "external_id"},
            lambda group: group_resource(request, group),
        )
    _check_schemas(body, {CORE_GROUP}, CORE_GROUP)
    state = _group_state(body, {"displayname": "", "externalid": "", "members": []})
    group = save_group(DirectoryGroup(), state, now=now)
    return _created(group_resource(request, group))


@endpoint({"GET", "PUT", "PATCH", "DELETE"})
def group(request, pk, *, body, now):
    if request.method == "GET":
        return scim_response(group_resource(request, _get_group(pk)))
    target = _get_group(pk, lock=True)
    if request.method == "DELETE":
        former = set(target.members.values_list("pk", flat=True))
        target.members.clear()
        target.delete()
        _apply_group_roles(former, now)
        return HttpResponse(status=204)
    state = {
        "displayname": target.display_name,
        "externalid": target.external_id,
        "members": list(target.members.values_list("pk", flat=True)),
    }
    if request.method == "PUT":
        _check_schemas(body, {CORE_GROUP}, CORE_GROUP)
        state = _group_state(body, {"displayname": "", "externalid": "", "members": []})
    else:
        patch_group(state, body)
    save_group(target, state, now=now)
    return scim_response(group_resource(request, _get_group(pk)))


MEMBER_PATH = re.compile(r'^members\[value eq "(\d+)"\]$', re.IGNORECASE)


def patch_group(state, body):
    for op, path, value in _operations(body):
        lowered = (path or "").lower()
        member = MEMBER_PATH.match(path or "")
        if path is None:
            if op == "remove":
                raise invalid("remove needs a path.", "noTarget")
            value = _lower_keys(value, "value")
            if op == "add" and "members" in value:
                state["members"] = state["members"] + _member_ids(value.pop("members"))
            _group_state(value, state)
        elif lowered == "members":
            if op == "remove":
                removed = set(_member_ids(value)) if value is not None else set(state["members"])
                state["members"] = [pk for pk in state["members"] if pk not in removed]
            elif op == "add":
                state["members"] = state["members"] + _member_ids(value)
            else:
                state["members"] = _member_ids(value)
        elif member and op == "remove":
            state["members"] = [pk for pk in state["members"] if pk != int(member.group(1))]
        elif lowered in ("displayname", "externalid") and op != "remove":
            _group_state({lowered: value}, state)
        elif lowered == "externalid":
            state["externalid"] = ""
        else:
            raise invalid(f"Unsupported path: {path}.", "invalidPath")
    state["members"] = list(dict.fromkeys(state["members"]))


# -- discovery ------------------------------------------------------------------------


@endpoint({"GET"})
def service_provider_config(request, *, body, now):
    return scim_response(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": request.build_absolute_uri("/"),
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": MAX_RESULTS},
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": False},
            "authenticationSchemes": [
                {
                    "type": "oauthbearertoken",
                    "name": "Bearer token",
                    "description": "A key issued by the systemadministratör (SCIM-nycklar).",
                    "primary": True,
                }
            ],
            "meta": {"resourceType": "ServiceProviderConfig"},
        }
    )


def _attribute(name, kind="string", **extra):
    return {
        "name": name,
        "type": kind,
        "multiValued": extra.pop("multi", False),
        "required": extra.pop("required", False),
        "caseExact": False,
        "mutability": extra.pop("mutability", "readWrite"),
        "returned": "default",
        "uniqueness": extra.pop("uniqueness", "none"),
        **extra,
    }


SCHEMAS = {
    CORE_USER: {
        "name": "User",
        "attributes": [
            _attribute("userName", required=True, uniqueness="server"),
            _attribute("externalId"),
            _attribute(
                "name",
                "complex",
                subAttributes=[_attribute("givenName"), _attribute("familyName")],
            ),
            _attribute("displayName"),
            _attribute("title"),
            _attribute("active", "boolean"),
            _attribute(
                "emails",
                "complex",
                multi=True,
                subAttributes=[
                    _attribute("value"),
                    _attribute("type"),
                    _attribute("primary", "boolean"),
                ],
            ),
        ],
    },
    ENTERPRISE: {
        "name": "EnterpriseUser",
        "attributes": [
            _attribute("department"),
            _attribute("manager", "complex", subAttributes=[_attribute("value")]),
        ],
    },
    CORE_GROUP: {
        "name": "Group",
        "attributes": [
            _attribute("displayName", required=True, uniqueness="server"),
            _attribute("externalId"),
            _attribute("members", "complex", multi=True, subAttributes=[_attribute("value")]),
        ],
    },
}


def schema_resource(request, uri):
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": uri,
        **SCHEMAS[uri],
        "meta": {
            "resourceType": "Schema",
            "location": request.build_absolute_uri(reverse("scim_schema", args=[uri])),
        },
    }


RESOURCE_TYPES = {
    "User": {"endpoint": "/Users", "schema": CORE_USER, "extensions": [ENTERPRISE]},
    "Group": {"endpoint": "/Groups", "schema": CORE_GROUP, "extensions": []},
}


def resource_type(request, name):
    kind = RESOURCE_TYPES[name]
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": name,
        "name": name,
        "endpoint": kind["endpoint"],
        "schema": kind["schema"],
        "schemaExtensions": [{"schema": uri, "required": False} for uri in kind["extensions"]],
        "meta": {
            "resourceType": "ResourceType",
            "location": request.build_absolute_uri(reverse("scim_resource_type", args=[name])),
        },
    }


def _listing(items):
    return scim_response(
        {
            "schemas": [LIST],
            "totalResults": len(items),
            "startIndex": 1,
            "itemsPerPage": len(items),
            "Resources": items,
        }
    )


@endpoint({"GET"})
def schemas(request, *, body, now):
    return _listing([schema_resource(request, uri) for uri in SCHEMAS])


@endpoint({"GET"})
def schema(request, uri, *, body, now):
    if uri not in SCHEMAS:
        raise ScimError(404, f"No schema {uri}.")
    return scim_response(schema_resource(request, uri))


@endpoint({"GET"})
def resource_types(request, *, body, now):
    return _listing([resource_type(request, name) for name in RESOURCE_TYPES])


@endpoint({"GET"})
def resource_type_view(request, name, *, body, now):
    if name not in RESOURCE_TYPES:
        raise ScimError(404, f"No resource type {name}.")
    return scim_response(resource_type(request, name))


@endpoint({"GET", "POST", "PUT", "PATCH", "DELETE"})
def not_found(request, rest, *, body=None, now):
    raise ScimError(404, "No such SCIM endpoint.")
