from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core import csvsafe, pages, registry

from . import access, lifecycle_views, services
from .credentials import looks_like_secret
from .forms import AccountDescriptionForm, AccountForm, RegisterFilterForm
from .history import timeline
from .models import Account, Platform, Problem, Status
from .register import PUBLIC_FIELDS, BadFilter, PublicRegister
from .urlkeys import InvalidAccountURL, url_key

# -- internal register ------------------------------------------------------------


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
            "query_string": _query_without_page(request),
        },
    )


@login_required
def account_detail(request, pk):
    account = access.get_account_for_user(request.user, pk, Account.objects.with_compliance())
    return render(
        request,
        "accounts/account_detail.html",
        {
            "account": account,
            "problems": account.problems(),
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
    return render(request, "accounts/account_form.html", {"form": form, "creating": True})


@login_required
def account_edit(request, pk):
    account, level = access.get_editable_account(request.user, pk)
    form_class = AccountForm if level == access.FULL else AccountDescriptionForm
    form = form_class(request.POST or None, instance=Account.objects.get(pk=account.pk))
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
                now=timezone.now(),
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
    )


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
        sections.append({"problem": problem, "accounts": accounts[:200], "count": accounts.count()})
    other_sections = []
    now = timezone.now()
    for source in registry.compliance_sources:
        other_sections.extend(source(request.user, now))
    return render(
        request,
        "accounts/compliance.html",
        {
            "sections": sections,
            "other_sections": other_sections,
            "can_set_rules": access.can_register(request.user),
            "open_count": visible.open().count(),
            "problem_count": visible.with_problem("any").count(),
        },
    )


def _query_without_page(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# -- the public register ------------------------------------------------------------


def _page_number(request):
    try:
        return pages.page_number(request.GET.get("page"))
    except pages.BadPage as exc:
        raise BadFilter(str(exc)) from exc


@require_GET
def public_register(request):
    register = PublicRegister()
    platform, unit = request.GET.get("platform", ""), request.GET.get("unit", "")
    error = None
    try:
        selection = register.select(platform=platform, unit=unit)
        number = _page_number(request)
    except BadFilter as exc:
        error, selection, number = str(exc), register.select(), 1
        platform = unit = ""
    size = settings.KANALKOLL_REGISTER_PAGE_SIZE
    rows, count, pages = register.page(selection, number, size)
    params = request.GET.copy()
    params.pop("page", None)
    response = render(
        request,
        "accounts/public_register.html",
        {
            "kommun": register.kommun,
            "rows": rows,
            "count": count,
            "number": number,
            "pages": pages,
            "platforms": Platform.choices,
            "units": register.forvaltningar(),
            "selected_platform": platform,
            "selected_unit": unit,
            "filter_error": error,
            "query_string": params.urlencode(),
        },
        status=400 if error else 200,
    )
    return response


@require_GET
def public_register_json(request):
    register = PublicRegister()
    try:
        selection = register.select(
            platform=request.GET.get("platform"), unit=request.GET.get("unit")
        )
        number = _page_number(request)
    except BadFilter as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    size = settings.KANALKOLL_REGISTER_PAGE_SIZE
    rows, count, pages = register.page(selection, number, size)

    def link(n):
        if n < 1 or n > pages:
            return None
        params = request.GET.copy()
        params["page"] = n
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    return JsonResponse(
        {
            "kommun": register.kommun.name if register.kommun else None,
            "count": count,
            "page": number,
            "pages": pages,
            "next": link(number + 1),
            "previous": link(number - 1),
            "results": rows,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
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
                [row[name] if row[name] is not None else "" for name in PUBLIC_FIELDS]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="officiella-konton.csv"'
    return response


@require_GET
def verify(request):
    raw = request.GET.get("url")
    if raw is None or not raw.strip():
        return JsonResponse(
            {"error": _("Ange adressen som ska kontrolleras i parametern url.")}, status=400
        )
    try:
        key = url_key(raw)
    except InvalidAccountURL as exc:
        return JsonResponse({"error": str(exc), "url": raw}, status=400)
    register = PublicRegister()
    row, status, closed_on = register.by_url_key(key) or (None, None, None)
    official = status == Status.ACTIVE
    body = {"url": raw, "normalised": key, "official": official, "account": None}
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
    else:
        body["message"] = _("Adressen finns inte bland kommunens officiella konton.")
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
