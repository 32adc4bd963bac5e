import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from core import csvsafe, pages, registry
from core.worklist import SECTION_ROWS
from organisation.models import Unit

from . import access, lifecycle_views, platforms, remedies, services
from .conditional import Representation, on_register_version
from .credentials import looks_like_secret
from .forms import AccountDescriptionForm, AccountForm, RegisterFilterForm
from .history import timeline
from .models import Account, Kind, Problem, Status
from .register import PUBLIC_FIELDS, BadFilter, PublicRegister
from .urlkeys import InvalidAccountURL, url_key

# -- internal register ------------------------------------------------------------


@require_safe
@login_required
def register_list(request):
    form = RegisterFilterForm(request.GET or None)
    qs = form.filter(Account.objects.visible_to(request.user).with_compliance())
    qs = qs.select_related("unit", "unit__forvaltning", "responsible", "substitute")
    page = pages.get_page(Paginator(qs.order_by("display_name", "id"), 50), request.GET.get("page"))
    return render(
        request,
        "accounts/register_list.html",
        {
            "form": form,
            "page": page,
            "can_register": access.can_register(request.user),
            "query_string": pages.query_without_page(request),
        },
    )


@require_safe
@login_required
def account_detail(request, pk):
    account = access.get_account_for_user(request.user, pk, Account.objects.with_compliance())
    return render(
        request,
        "accounts/account_detail.html",
        {
            "account": account,
            "problems": remedies.for_account(request.user, account, account.problems()),
            "administrators": account.administrators.select_related("unit"),
            "edit_level": access.edit_level(request.user, account),
            "timeline": timeline(account),
            "credentials_hidden": looks_like_secret(account.credentials_location),
            **lifecycle_views.detail_context(request.user, account, timezone.now()),
        },
    )


@login_required
def account_create(request):
    if not access.can_register(request.user):
        raise PermissionDenied(
            _("Bara kommunikationsavdelningen och kommunikationschefen registrerar konton.")
        )
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        admins = data.pop("administrators")
        try:
            account = services.register_account(request.user, data, admins, now=timezone.now())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Kontot är registrerat."))
            return redirect("accounts:detail", account.pk)
    return render(
        request,
        "accounts/account_form.html",
        {"form": form, "creating": True},
        status=400 if form.errors else 200,
    )


@login_required
def account_edit(request, pk):
    account, level = access.get_editable_account(request.user, pk)
    form_class = AccountForm if level == access.FULL else AccountDescriptionForm
    form = form_class(request.POST or None, instance=Account.objects.get(pk=account.pk))
    now = timezone.now()
    if account.status != Status.CLOSED and lifecycle_views.may_confirm(now)(request.user, account):
        # The yearly confirmation, given with the changes ("ändra och bekräfta").
        form.fields["confirm"] = forms.BooleanField(
            label=_("Uppgifterna stämmer när ändringarna är sparade – bekräfta dem för ett år"),
            required=False,
            initial=request.GET.get("bekrafta") == "1",
        )
    if request.method == "POST" and form.is_valid():
        data = {
            name: form.cleaned_data[name]
            for name in form_class.Meta.fields
            if name != "administrators"
        }
        admins = form.cleaned_data.get("administrators") if level == access.FULL else None
        try:
            services.update_account(
                request.user,
                account.pk,
                data,
                administrators=admins,
                fields=services.FULL_FIELDS
                if level == access.FULL
                else services.DESCRIPTIVE_FIELDS,
                now=now,
                confirm=bool(form.cleaned_data.get("confirm")),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Ändringarna är sparade."))
            return redirect("accounts:detail", account.pk)
    return render(
        request,
        "accounts/account_form.html",
        {"form": form, "account": account, "level": level, "creating": False},
        status=400 if form.errors else 200,
    )


@require_safe
@login_required
def compliance_overview(request):
    visible = Account.objects.visible_to(request.user)
    sections = []
    for problem in Problem:
        accounts = (
            visible.with_problem(problem)
            .select_related("unit", "unit__forvaltning", "responsible")
            .order_by("display_name", "id")
        )
        shown = list(accounts[:SECTION_ROWS])
        for account in shown:  # the action next to it, or who can act
            account.remedy = remedies.for_problem(request.user, account, problem)
        sections.append({"problem": problem, "accounts": shown, "count": accounts.count()})
    other_sections = []
    now = timezone.now()
    for source in registry.compliance_sources:
        other_sections.extend(source(request.user, now))
    # One definition: an open account with a problem is one that this page lists.
    open_ids = set(visible.open().values_list("pk", flat=True))
    listed = set(visible.with_problem("any").values_list("pk", flat=True))
    for section in other_sections:
        listed |= section.account_ids
    return render(
        request,
        "accounts/compliance.html",
        {
            "sections": sections,
            "other_sections": other_sections,
            "can_set_rules": access.can_register(request.user),
            "section_rows": SECTION_ROWS,
            "open_count": len(open_ids),
            "problem_count": len(listed & open_ids),
            "this_year": timezone.localdate(now).year,
        },
    )


# -- the public register ------------------------------------------------------------


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
        selection = register.select(
            platform=parameters.get("platform"), unit=parameters.get("unit"), statuses=statuses
        )
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
        selection = register.select(
            platform=request.GET.get("platform"), unit=request.GET.get("unit")
        )
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
    return render(
        request,
        "accounts/verify.html",
        {"url": raw or "", "result": body, "kommun": Unit.objects.kommun()},
        status=status or 200,
    )
