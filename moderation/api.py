"""The JSON API through which a monitoring tool pushes moderation items.

POST /api/v1/items with `Authorization: Bearer <key>`: the key (moderation.tokens)
decides the account. The tool's own id (`external_id`) makes a push idempotent: the
same id again answers 200 with the first item instead of 201 with a new one. Every
refusal is a 4xx with `{"error": "...", "fields": {...}}` in Swedish; nothing is saved
unless the whole body is valid. The OpenAPI 3.1 document below describes exactly this
and is served at GET /api/v1/openapi.json.
"""

import datetime
import json
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from accounts.models import Status
from core import requestbody

from . import services, tokens
from .models import CLASSIFIED_KINDS, Kind

MAX_BODY = 256 * 1024  # bytes
MAX_LENGTH = {"external_id": 200, "kind": 20, "text": 20_000, "post_url": 2000, "author": 200}
MAX_DATE_LENGTH = 40
FIELDS = ("external_id", "kind", "text", "post_url", "author", "posted_at", "noticed_at")
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
CLOCK_SKEW = datetime.timedelta(minutes=5)
MAX_REPORTED_FIELDS = 20
# A tool classifies what it pushes; "ny_kommentar" is the triage state of delivered comments.
API_KINDS = [value for value, _label in CLASSIFIED_KINDS]
JSON_TYPES = ("application/json",)


def _json(status, body, **headers):
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    response["Cache-Control"] = "no-store"
    return response


def error(status, message, fields=None, **headers):
    return _json(status, {"error": str(message), "fields": fields or {}}, **headers)


def _bearer(request):
    parts = request.headers.get("Authorization", "").split()
    if len(parts) == 2 and parts[0].lower() == "bearer":
        return parts[1]
    return ""


@csrf_exempt
def push_item(request):
    with translation.override("sv"):
        return _push_item(request)


def _push_item(request):
    if request.method != "POST":
        return error(405, _("Använd POST."), Allow="POST")
    now = timezone.now()
    try:
        token = tokens.authenticate(_bearer(request), now=now)
    except tokens.BadKey as exc:
        return error(401, exc, WWW_Authenticate='Bearer realm="kanalkoll"')

    if request.content_type.lower() not in JSON_TYPES or request.content_params.get(
        "charset", "utf-8"
    ).lower() not in ("utf-8", "utf8"):
        return error(415, _("Skicka kroppen som application/json i UTF-8."))
    try:
        body = requestbody.read_body(request, MAX_BODY)  # with Content-Length or chunked
    except requestbody.TooLarge:
        return error(413, _("Kroppen får vara högst %(n)d byte.") % {"n": MAX_BODY})
    except requestbody.BodyError:
        return error(400, _("Kroppen kunde inte läsas som den skickades."))
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return error(400, _("Kroppen är inte giltig JSON i UTF-8."))
    if not isinstance(data, dict):
        return error(400, _("Kroppen ska vara ett JSON-objekt."))

    cleaned, errors = validate(data, now)
    if errors:
        return error(400, _("Ärendet har fel och sparades inte."), errors)
    account = token.account
    if account.status == Status.CLOSED:
        return error(403, _("Kontot är avslutat och tar inte emot ärenden."))
    external_id = cleaned.pop("external_id")
    try:
        item, created = services.create_item(
            None, account, cleaned, source=token.name, external_id=external_id, now=now
        )
    except ValidationError as exc:
        return error(400, _("Ärendet har fel och sparades inte."), _messages(exc))
    url = request.build_absolute_uri(services.item_url(item))
    body = {
        "id": item.pk,
        "external_id": item.external_id,
        "kind": item.kind,
        "due_at": timezone.localtime(item.due_at).isoformat(),
        "url": url,
        "created": created,
    }
    return _json(201, body, Location=url) if created else _json(200, body)


def _no_constant(name):
    raise ValueError(name)


def _messages(exc):
    return {field: " ".join(messages) for field, messages in exc.message_dict.items()}


def _shown(name):
    """A field name from the request, safe to echo back (short, encodable)."""
    return name[:60].encode("utf-8", "backslashreplace").decode("utf-8")


# -- validation ----------------------------------------------------------------------


def validate(data, now):
    """(cleaned data for services.create_item, errors by field)."""
    errors, cleaned = {}, {}
    unknown = [name for name in data if name not in FIELDS]
    for name in unknown[:MAX_REPORTED_FIELDS]:
        errors[_shown(name)] = _("Okänt fält.")

    for name, required, one_line in (
        ("external_id", True, True),
        ("kind", True, True),
        ("post_url", False, True),
        ("author", False, True),
        ("text", False, False),
    ):
        value, problem = _string(data.get(name), MAX_LENGTH[name], required, one_line)
        if problem:
            errors[name] = problem
        else:
            cleaned[name] = value

    if "kind" in cleaned and cleaned["kind"] not in API_KINDS:
        errors["kind"] = _("Okänd typ. Tillåtna värden: %(values)s.") % {
            "values": ", ".join(API_KINDS)
        }
    if cleaned.get("post_url"):
        try:
            URLValidator(schemes=["http", "https"])(cleaned["post_url"])
        except (ValidationError, ValueError, UnicodeError):
            errors["post_url"] = _("Ange en fullständig adress som börjar med https://.")
    if "text" in cleaned and "post_url" in cleaned:
        if not cleaned["text"] and not cleaned["post_url"]:
            errors["text"] = _("Ange text eller post_url (gärna båda).")

    for name in ("posted_at", "noticed_at"):
        value, problem = _moment(data.get(name), now)
        if problem:
            errors[name] = problem
        elif value is not None:
            cleaned[name] = value
    posted, noticed = cleaned.get("posted_at"), cleaned.get("noticed_at")
    if posted and noticed and noticed < posted:
        errors["noticed_at"] = _("Kan inte ligga före posted_at.")
    return cleaned, errors


def _string(value, max_length, required, one_line):
    """(the stripped string, None) or (None, what is wrong)."""
    if value is None:
        return (None, _("Fältet krävs.")) if required else ("", None)
    if not isinstance(value, str):
        return None, _("Ska vara en sträng.")
    value = value.strip()
    if required and not value:
        return None, _("Fältet krävs.")
    if len(value) > max_length:
        return None, _("Får vara högst %(n)d tecken.") % {"n": max_length}
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None, _("Innehåller ogiltiga tecken.")
    allowed = "" if one_line else "\t\n\r"
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in value):
        return None, _("Innehåller styrtecken.")
    return value, None


def _moment(value, now):
    """(an aware datetime, None), (None, None) when absent, or (None, what is wrong)."""
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, _("Ska vara en tidpunkt i ISO 8601 som sträng.")
    wrong = _("Ange tidpunkten i ISO 8601 med tidszon, t.ex. 2026-05-04T13:45:00+02:00.")
    if len(value) > MAX_DATE_LENGTH:
        return None, wrong
    try:
        moment = datetime.datetime.fromisoformat(value)
        if moment.utcoffset() is None:
            return None, wrong
        moment = moment.astimezone(datetime.UTC)
    except (ValueError, OverflowError):
        return None, wrong
    if moment < EARLIEST:
        return None, _("Tidpunkten ligger för långt tillbaka.")
    if moment > now + CLOCK_SKEW:
        return None, _("Tidpunkten kan inte ligga i framtiden.")
    return moment, None


# -- the OpenAPI document ------------------------------------------------------------

_ERROR = {"$ref": "#/components/schemas/Error"}


def _error_response(description):
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


def _kinds():
    with translation.override("sv"):
        return "; ".join(f"{value}: {label}" for value, label in CLASSIFIED_KINDS)


_MOMENT = {
    "type": ["string", "null"],
    "format": "date-time",
    "maxLength": MAX_DATE_LENGTH,
}

OPENAPI = {
    "openapi": "3.1.0",
    "info": {
        "title": "Kanalkoll: API för bevakningsverktyg",
        "version": "1",
        "description": (
            "Ett bevakningsverktyg lämnar modereringsärenden (frågor, olämpliga inlägg, "
            "saklig kritik …) för ett officiellt konto. Nyckeln utfärdas per konto av "
            "kommunikationsavdelningen på /moderering/nycklar/ och avgör vilket konto "
            "ärendet hör till. Tidsfristen (48 timmar) räknas från posted_at om den anges, "
            "annars från noticed_at, annars från när ärendet tas emot. Fel ger 4xx med "
            "en förklaring på svenska; ingenting sparas om kroppen har fel."
        ),
    },
    "servers": [{"url": "/"}],
    "security": [{"nyckel": []}],
    "paths": {
        "/api/v1/items": {
            "post": {
                "operationId": "pushItem",
                "summary": "Lämna ett modereringsärende",
                "description": (
                    "Idempotent på external_id: samma id för samma konto och verktyg "
                    "svarar 200 med det först registrerade ärendet, oförändrat."
                ),
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ItemIn"}}
                    },
                },
                "responses": {
                    "201": {
                        "description": "Ärendet är registrerat.",
                        "headers": {
                            "Location": {
                                "description": "Ärendets sida i Kanalkoll.",
                                "schema": {"type": "string", "format": "uri"},
                            }
                        },
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/ItemOut"}}
                        },
                    },
                    "200": {
                        "description": "Samma external_id har redan lämnats; det ärendet.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/ItemOut"}}
                        },
                    },
                    "400": _error_response(
                        "Kroppen är inte giltig JSON, inte ett objekt, eller har fel i fälten "
                        "(fields anger vilka)."
                    ),
                    "401": _error_response("Nyckel saknas, är okänd eller återkallad."),
                    "403": _error_response("Kontot är avslutat."),
                    "405": _error_response("Bara POST."),
                    "413": _error_response(f"Kroppen är större än {MAX_BODY} byte."),
                    "415": _error_response("Kroppen är inte application/json i UTF-8."),
                },
            }
        }
    },
    "components": {
        "securitySchemes": {
            "nyckel": {
                "type": "http",
                "scheme": "bearer",
                "description": "Authorization: Bearer kk_…",
            }
        },
        "schemas": {
            "ItemIn": {
                "type": "object",
                "additionalProperties": False,
                "required": ["external_id", "kind"],
                "properties": {
                    "external_id": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": MAX_LENGTH["external_id"],
                        "description": "Verktygets eget id för inlägget eller kommentaren.",
                    },
                    "kind": {
                        "type": "string",
                        "enum": API_KINDS,
                        "description": _kinds(),
                    },
                    "text": {
                        "type": ["string", "null"],
                        "maxLength": MAX_LENGTH["text"],
                        "description": "Inläggets text. text eller post_url krävs.",
                    },
                    "post_url": {
                        "type": ["string", "null"],
                        "format": "uri",
                        "maxLength": MAX_LENGTH["post_url"],
                        "description": "Länk till inlägget eller kommentaren (http/https).",
                    },
                    "author": {
                        "type": ["string", "null"],
                        "maxLength": MAX_LENGTH["author"],
                        "description": "Avsändaren som den visas på plattformen.",
                    },
                    "posted_at": _MOMENT
                    | {
                        "description": (
                            "När inlägget publicerades, ISO 8601 med tidszon; inte i "
                            "framtiden, inte före år 2000."
                        )
                    },
                    "noticed_at": _MOMENT
                    | {
                        "description": (
                            "När verktyget upptäckte det (standard: nu); inte före posted_at."
                        )
                    },
                },
            },
            "ItemOut": {
                "type": "object",
                "required": ["id", "external_id", "kind", "due_at", "url", "created"],
                "properties": {
                    "id": {"type": "integer"},
                    "external_id": {"type": "string"},
                    "kind": {"type": "string", "enum": list(Kind.values)},
                    "due_at": {
                        "type": "string",
                        "format": "date-time",
                        "description": "Ska hanteras senast (svensk tid, med tidszon).",
                    },
                    "url": {"type": "string", "format": "uri"},
                    "created": {
                        "type": "boolean",
                        "description": "true om ärendet skapades nu, false om det fanns.",
                    },
                },
            },
            "Error": {
                "type": "object",
                "required": ["error", "fields"],
                "properties": {
                    "error": {"type": "string"},
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": "Fel per fält, med fältets namn som nyckel.",
                    },
                },
            },
        },
    },
}


def openapi(request):
    if request.method not in ("GET", "HEAD"):
        return error(405, "Använd GET.", Allow="GET, HEAD")
    return JsonResponse(OPENAPI, json_dumps_params={"ensure_ascii": False, "indent": 2})
