"""The public register (förteckningen) for citizens: the page with its search and
filters, the JSON and CSV, and the check of an address (/register/verify and its form).
The answers are cached per filter and language by the register's version
(accounts.registerversion) and answer conditional requests (accounts.conditional)."""

import datetime
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core import csvsafe, pages
from organisation.models import Unit

from . import platforms
from .conditional import Representation, on_register_version
from .models import Kind, Status
from .register import PUBLIC_FIELDS, BadFilter, PublicRegister
from .urlkeys import InvalidAccountURL, url_key


def _page_number(value):
    try:
        return pages.page_number(value)
    except pages.BadPage as exc:
        raise BadFilter(str(exc)) from exc


# The parameters the public register's page and JSON understand; others are ignored
# (and are not part of the cache key).
PAGE_PARAMETERS = ("q", "platform", "unit", "page")
JSON_PARAMETERS = ("platform", "unit", "page")


def _parameters(request, names):
    return {name: request.GET[name] for name in names if name in request.GET}


@require_GET
def public_register(request):
    """The register's page: its body cached per version and filter, the site's header
    (who is signed in, the language form) rendered per request."""
    parameters = _parameters(request, PAGE_PARAMETERS)
    representation = Representation(request, "page", sorted(parameters.items()), personal=True)
    answer = representation.not_modified()
    if answer is not None:
        return answer
    body, status = representation.cached(lambda: _register_body(parameters))
    response = render(request, "accounts/public_register.html", {"body": body}, status=status)
    return representation.mark(response)


def _register_body(parameters):
    """The page's content, rendered without the request: (html, status)."""
    register = PublicRegister()
    platform, unit = parameters.get("platform", ""), parameters.get("unit", "")
    text = parameters.get("q", "").strip()
    error = None
    try:
        selection = register.select(platform=platform, unit=unit, text=text)
        number = _page_number(parameters.get("page"))
    except BadFilter as exc:
        error, selection, number = str(exc), register.select(), 1
        platform = unit = text = ""
    size = settings.KANALKOLL_REGISTER_PAGE_SIZE
    rows, count, pages = register.page(selection, number, size)
    query = QueryDict(mutable=True)
    query.update({k: v for k, v in parameters.items() if k != "page"})
    html = render_to_string(
        "accounts/_public_register_body.html",
        {
            "kommun": register.kommun,
            "rows": rows,
            "count": count,
            "number": number,
            "pages": pages,
            "platforms": platforms.choices(),
            "units": register.forvaltningar(),
            "selected_platform": platform,
            "selected_unit": unit,
            "search_text": text,
            "filter_error": error,
            "query_string": query.urlencode(),
            "ambassador": Kind.AMBASSADOR,
            "mastodon": platforms.MASTODON,
        },
    )
    return html, 400 if error else 200


@require_GET
def public_register_json(request):
    return _register_json(request, "json", lambda: PublicRegister(), (Status.ACTIVE,))


@require_GET
def closed_register_json(request):
    """The closed accounts, in the shape of /register.json (each row also has closed_on)."""
    return _register_json(
        request, "closed-json", lambda: PublicRegister(closed=True), (Status.CLOSED,)
    )


def _register_json(request, kind, make_register, statuses):
    """A page of the register as JSON, cached per version, filter and address."""
    parameters = _parameters(request, JSON_PARAMETERS)
    base = request.build_absolute_uri(request.path)
    representation = Representation(request, kind, base, sorted(parameters.items()))
    answer = representation.not_modified()
    if answer is not None:
        return answer
    body, status = representation.cached(
        lambda: _register_json_body(base, parameters, make_register(), statuses)
    )
    response = HttpResponse(body, content_type="application/json", status=status)
    return representation.mark(response)


def _register_json_body(base, parameters, register, statuses):
    try:
        selection = register.select_by(parameters, statuses=statuses)
        number = _page_number(parameters.get("page"))
    except BadFilter as exc:
        return _json({"error": str(exc)}), 400
    size = settings.KANALKOLL_REGISTER_PAGE_SIZE
    rows, count, pages = register.page(selection, number, size)

    def link(n):
        if n < 1 or n > pages:
            return None
        query = QueryDict(mutable=True)
        query.update({**parameters, "page": n})
        return f"{base}?{query.urlencode()}"

    body = {
        "kommun": register.kommun.name if register.kommun else None,
        "count": count,
        "page": number,
        "pages": pages,
        "next": link(number + 1),
        "previous": link(number - 1),
        "results": rows,
    }
    return _json(body), 200


def _json(body):
    return json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False).encode()


@require_GET
@on_register_version("csv")
def public_register_csv(request):
    register = PublicRegister()
    try:
        selection = register.select_by(request.GET)
    except BadFilter as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    writer = csvsafe.writer(csvsafe.Echo())

    def lines():
        yield "\ufeff"  # so that spreadsheet programs read å, ä and ö right
        yield writer.writerow(PUBLIC_FIELDS)
        for row in register.rows(selection):
            yield writer.writerow(
                [
                    ""
                    if row[name] is None
                    else csvsafe.handle(row[name])
                    if name == "handle"
                    else row[name]
                    for name in PUBLIC_FIELDS
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="officiella-konton.csv"'
    return response


def _verification(raw):
    """Whether `raw` is the address of one of the kommun's official accounts: (body,
    status) as /register/verify answers it, the same for the HTML page."""
    if raw is None or not raw.strip():
        return {"error": _("Ange adressen som ska kontrolleras i parametern url.")}, 400
    try:
        key = url_key(raw)
    except InvalidAccountURL as exc:
        return {"error": str(exc), "url": raw}, 400
    register = PublicRegister()
    row, status, closed_on = register.by_url_key(key) or (None, None, None)
    official = status == Status.ACTIVE
    entry = platforms.recognise(key)
    body = {
        "url": raw,
        "normalised": key,
        "official": official,
        "account": None,
        # The platform the address belongs to, as the platform catalogue knows it.
        "platform": {"slug": entry.slug, "name": entry.name} if entry else None,
    }
    if row:
        body["account"] = {**row, "status": status, "closed_on": closed_on}
        if official:
            body["message"] = _("Kontot är ett officiellt konto för %(kommun)s.") % {
                "kommun": register.kommun.name if register.kommun else _("kommunen")
            }
        elif status == Status.CLOSED:
            body["message"] = _("Kontot har varit kommunens men är avslutat.")
        else:
            body["message"] = _("Kontot är kommunens men är inte aktivt just nu.")
    elif entry:
        body["message"] = _(
            "Adressen är ett konto på %(platform)s, men det finns inte bland kommunens "
            "officiella konton."
        ) % {"platform": entry.name}
    else:
        body["message"] = _("Adressen finns inte bland kommunens officiella konton.")
    return body, 200


@require_GET
def verify(request):
    body, status = _verification(request.GET.get("url"))
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


@require_GET
def verify_page(request):
    """ "Är det här ett officiellt konto?": the verification as a page, in plain Swedish."""
    raw = request.GET.get("url")
    body = status = None
    if raw is not None:
        if not raw.strip():
            body, status = {"error": _("Skriv in adressen till kontot du vill kontrollera.")}, 400
        else:
            body, status = _verification(raw)
    context = {"url": raw or "", "result": body, "kommun": Unit.objects.kommun()}
    if body and not body.get("error"):
        context.update(_answer(body))
    return render(request, "accounts/verify.html", context, status=status or 200)


def _answer(body):
    """Which of the page's four answers the verification gives, and the dates it names
    (the JSON carries them as ISO strings)."""
    account = body["account"]
    if account is None:
        return {"answer": "unknown"}
    dates = {
        name: datetime.date.fromisoformat(account[name]) if account.get(name) else None
        for name in ("closed_on", "confirmed_on")
    }
    if body["official"]:
        return {"answer": "official", **dates}
    if account["status"] == Status.CLOSED:
        return {"answer": "closed", **dates}
    return {"answer": "inactive", "status_label": Status(account["status"]).label, **dates}
