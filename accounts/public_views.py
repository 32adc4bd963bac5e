"""The register's public face beside the register itself: the change feed, the
DCAT-AP-SE catalogue and the OpenAPI description, the embeddable list, and the
tillgänglighetsredogörelser."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from organisation.models import Unit

from . import access, changes, dcat, statements
from .conditional import on_register_version
from .models import AccessibilityStatement
from .openapi import OPENAPI
from .register import BadFilter, PublicRegister

# -- the change feed ------------------------------------------------------------------


@require_GET
@on_register_version("atom")
def register_atom(request):
    """New, changed and closed accounts, newest first (Atom 1.0)."""
    kommun = Unit.objects.kommun()
    name = kommun.name if kommun else _("kommunen")
    site = dcat.site()
    feed = Atom1Feed(
        title=_("Ändringar bland officiella konton i sociala medier – %(kommun)s")
        % {"kommun": name},
        link=site + reverse("public_register"),
        description=_("Nya, ändrade och avslutade konton i kommunens förteckning."),
        feed_url=site + reverse("public_register_atom"),
        feed_guid=site + reverse("public_register_atom"),
        author_name=name,
        language="sv",
    )
    for change in changes.public_changes():
        row = change.row
        parts = [
            f"{_('Plattform')}: {row['platform_name']}",
            f"{_('Verksamhet')}: {row['unit']}",
            f"{_('Syfte')}: {row['purpose']}",
            f"{_('Målgrupp')}: {row['audience']}",
        ]
        feed.add_item(
            title=str(changes.TITLES[change.kind]) % {"name": row["display_name"]},
            link=row["url"],
            description="".join(f"<p>{escape(part)}</p>" for part in parts),
            unique_id=f"{site}{reverse('public_register')}#andring-{change.version_id}",
            unique_id_is_permalink=False,
            pubdate=change.at,
            updateddate=change.at,
            categories=[change.kind],
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response


# -- DCAT-AP-SE and OpenAPI -------------------------------------------------------------


@require_GET
@on_register_version("dcat")
def open_data_dcat(request):
    graph = dcat.catalogue(Unit.objects.kommun(), changes.last_changed())
    return HttpResponse(
        graph.serialize(format="xml"), content_type="application/rdf+xml; charset=utf-8"
    )


def _allow_origin(request, response, origins):
    """CORS for a simple GET: the asking origin, if it is one of `origins` ("*": any)."""
    origin = request.headers.get("Origin", "")
    if "*" in origins:
        response["Access-Control-Allow-Origin"] = "*"
    elif origin in origins:
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    return response


def register_openapi(request):
    """Read-only: GET and HEAD, OPTIONS for a CORS preflight; any other method gets a JSON
    405 with the reason, as the API's other refusals do."""
    if request.method == "OPTIONS":  # a preflight, should a harvester send one
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response["Access-Control-Max-Age"] = "86400"
    elif request.method in ("GET", "HEAD"):
        response = JsonResponse(OPENAPI, json_dumps_params={"ensure_ascii": False, "indent": 2})
    else:
        response = JsonResponse({"error": _("Använd GET.")}, status=405)
        response["Allow"] = "GET, HEAD, OPTIONS"
    return _allow_origin(request, response, settings.KANALKOLL_OPENAPI_CORS_ORIGINS)


# -- the embeddable list ----------------------------------------------------------------


def _embed_context(request):
    register = PublicRegister()
    try:
        selection = register.select_by(request.GET)
    except BadFilter as exc:
        return None, str(exc)
    rows = list(register.rows(selection))
    return {"rows": rows, "kommun": register.kommun, "site": dcat.site()}, None


def _any_origin(view):
    """CORS for any origin on every answer of `view`, its 304s included."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return _allow_origin(request, view(request, *args, **kwargs), ("*",))

    return wrapped


@require_GET
@_any_origin
@on_register_version("embed-fragment")
def embed_fragment(request):
    """An HTML fragment for the kommun's website to include (server side or fetched)."""
    context, error = _embed_context(request)
    if error:
        return JsonResponse({"error": error}, status=400)
    return render(request, "accounts/embed_list.html", context)


@require_GET
@xframe_options_exempt
@on_register_version("embed-page")
def embed_page(request):
    """A small script-free page to put in an iframe: the only page that may be framed."""
    context, error = _embed_context(request)
    if error:
        return JsonResponse({"error": error}, status=400)
    response = render(request, "accounts/embed_page.html", context)
    response._csp_replace = {"frame-ancestors": list(settings.KANALKOLL_EMBED_FRAME_ANCESTORS)}
    return response


# -- tillgänglighetsredogörelser -----------------------------------------------------------


@require_GET
def accessibility_statement(request, service):
    statement = statements.statement_for(service)
    versions = (
        statement.history.order_by("-history_date", "-history_id")[:50] if statement.pk else []
    )
    return render(
        request,
        "accounts/accessibility_statement.html",
        {
            "statement": statement,
            "versions": versions,
            "can_register": access.can_register(request.user),
            "edit_url": reverse(_EDIT_URLS[service]),
            "other_url": reverse(_OTHER_URLS[service]),
        },
    )


@login_required
def accessibility_statement_edit(request, service):
    if not access.can_register(request.user):
        raise PermissionDenied(
            _("Bara kommunikationsavdelningen och kommunikationschefen ändrar redogörelsen.")
        )
    current = statements.statement_for(service)
    form = statements.StatementForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            statements.save_statement(request.user, service, form.cleaned_data, now=timezone.now())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Tillgänglighetsredogörelsen är publicerad."))
            return redirect(_VIEW_URLS[service])
    return render(
        request,
        "accounts/accessibility_statement_form.html",
        {"form": form, "statement": current, "view_url": reverse(_VIEW_URLS[service])},
        status=400 if form.errors else 200,
    )


Service = AccessibilityStatement.Service
_VIEW_URLS = {
    Service.REGISTER: "accessibility_register",
    Service.INTRANET: "accessibility_intranet",
}
_EDIT_URLS = {
    Service.REGISTER: "accessibility_register_edit",
    Service.INTRANET: "accessibility_intranet_edit",
}
_OTHER_URLS = {
    Service.REGISTER: "accessibility_intranet",
    Service.INTRANET: "accessibility_register",
}
