"""The internal register: the list, an account's page and forms, the compliance
overview."""

from functools import reduce
from operator import or_

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core import pages, registry
from core.views import errors_on, form_page
from core.worklist import SECTION_ROWS

from . import access, lifecycle_views, remedies, services
from .credentials import looks_like_secret
from .forms import AccountDescriptionForm, AccountForm, RegisterFilterForm
from .history import timeline
from .models import Account, Problem, Status

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
        with errors_on(form):
            account = services.register_account(request.user, data, admins, now=timezone.now())
            messages.success(request, _("Kontot är registrerat."))
            return redirect("accounts:detail", account.pk)
    return form_page(request, "accounts/account_form.html", form, creating=True)


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
        fields = services.FULL_FIELDS if level == access.FULL else services.DESCRIPTIVE_FIELDS
        confirm = bool(form.cleaned_data.get("confirm"))
        with errors_on(form):
            services.update_account(
                request.user,
                account.pk,
                data,
                administrators=admins,
                fields=fields,
                now=now,
                confirm=confirm,
            )
            messages.success(request, _("Ändringarna är sparade."))
            return redirect("accounts:detail", account.pk)
    return form_page(
        request, "accounts/account_form.html", form, account=account, level=level, creating=False
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
    # One definition: an open account with a problem is one that this page lists,
    # counted in SQL (the sections' ids as subqueries), not as sets of every id.
    listed = reduce(
        or_,
        (Q(pk__in=section.account_ids) for section in other_sections),
        visible.problem_condition("any"),
    )
    open_accounts = visible.open()
    counts = open_accounts.aggregate(
        open_count=Count("pk"), problem_count=Count("pk", filter=listed)
    )
    return render(
        request,
        "accounts/compliance.html",
        {
            "sections": sections,
            "other_sections": other_sections,
            "can_set_rules": access.can_register(request.user),
            "section_rows": SECTION_ROWS,
            **counts,
            "links": [
                link for hook in registry.compliance_links if (link := hook(request.user, now))
            ],
        },
    )
