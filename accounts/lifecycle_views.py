"""Views for the account's life: attesting activity and logins, closure, passivity rules,
and the public list of closed accounts."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from core.views import conflict_warned
from core.workflow import allowed, allowed_create, seen_state
from organisation.deputies import Deputies

from . import access, lifecycle, platforms, services
from .closures import Do
from .conditional import on_register_version
from .models import (
    PASSIVE_DAYS_MAX,
    PASSIVE_DAYS_MIN,
    Account,
    Attestation,
    Closure,
    PassiveRule,
    Status,
)


class ActivityForm(forms.Form):
    activity_on = forms.DateField(
        label=gettext_lazy("Senaste inlägg"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Datumet då något senast publicerades på kontot."),
    )


class ClosureForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Varför ska kontot avslutas?"), widget=forms.Textarea(attrs={"rows": 2})
    )


def detail_context(user, account, now):
    """What the account page shows about activity, logins and closure; what the user may
    do to the closure comes from its workflow (core.workflow.allowed)."""
    today = timezone.localdate(now)
    deputies = Deputies.for_day(today)
    closure = (
        account.closures.exclude(state=Closure.State.CANCELLED).order_by("-proposed_at").first()
    )
    last_credentials = account.attestations.filter(kind=Attestation.Kind.CREDENTIALS).first()
    days = (today - lifecycle.activity_date(account)).days
    return {
        "activity_form": ActivityForm(initial={"activity_on": today}),
        "closure_form": ClosureForm(),
        "closure": closure,
        "closure_events": closure.events.select_related("actor") if closure else [],
        "closure_actions": allowed(user, closure, now=now, deputies=deputies) if closure else [],
        "is_team": lifecycle.is_team(user, account, deputies),
        "closure_proposable": Do.PROPOSE
        in allowed_create(user, Closure, now=now, parent=account, deputies=deputies),
        "last_credentials": last_credentials,
        "credentials_lapsed": last_credentials is None
        or last_credentials.at < now - lifecycle.CREDENTIALS_VALID,
        "confirmation_lapsed": account.confirmation_due_at is not None
        and account.confirmation_due_at <= now,
        "days_since_activity": days,
        "passive_limit": lifecycle.passive_days(account.platform),
    }


def _back(account):
    return redirect("accounts:detail", account.pk)


def _errors(request, exc):
    for errors in exc.message_dict.values():
        for error in errors:
            messages.error(request, error)


@login_required
@require_POST
def attest_activity(request, pk):
    account = access.get_account_for_user(request.user, pk)
    form = ActivityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Ange ett giltigt datum."))
        return _back(account)
    try:
        lifecycle.attest_activity(
            request.user, account.pk, form.cleaned_data["activity_on"], now=timezone.now()
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Senaste aktivitet är registrerad."))
    return _back(account)


def may_confirm(now):
    """Who confirms an account's entry: its team (the responsible person, the
    substitute, the administrators), and whoever stands in for one of them today."""
    deputies = Deputies.at(now)
    return lambda user, account: lifecycle.is_team(user, account, deputies)


@login_required
@require_POST
def confirm(request, pk):
    """The yearly "bekräfta uppgifterna": one click on the account page or in "Att göra"
    (which it returns to)."""
    account = access.get_account_for_user(request.user, pk)
    now = timezone.now()
    try:
        services.confirm_account(request.user, account.pk, now=now, may_confirm=may_confirm(now))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("Tack! Uppgifterna om %(account)s är bekräftade för ett år.")
            % {"account": account.display_name},
        )
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return _back(account)


@login_required
@require_POST
def attest_credentials(request, pk):
    account = access.get_account_for_user(request.user, pk)
    lifecycle.attest_credentials(request.user, account.pk, now=timezone.now())
    messages.success(request, _("Kontrollen av inloggning och lösenordsförvaring är registrerad."))
    return _back(account)


_ATTESTED_LINK = "accounts.attested_link"  # the link this session just used


def attest_link(request, token):
    """The one-click link from the reminder e-mail. Opening it changes nothing (mail
    scanners open links); the button on the page records the date, once, and redirects
    back to the link, which then thanks this browser (and only it) instead of saying the
    link is used: a reload records nothing."""
    done = request.session.get(_ATTESTED_LINK)
    if request.method == "GET" and done and done.get("token") == token:
        account = Account.objects.filter(pk=done["account"]).first()
        return render(request, "accounts/attest_link.html", {"account": account, "done": True})
    try:
        account, user, _nonce = lifecycle.read_activity_link(token)
    except lifecycle.LinkInvalid as exc:
        return render(request, "accounts/attest_link.html", {"error": str(exc)}, status=400)
    form = ActivityForm(request.POST or None, initial={"activity_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.attest_by_link(token, form.cleaned_data["activity_on"], now=timezone.now())
        except lifecycle.LinkInvalid as exc:
            return render(request, "accounts/attest_link.html", {"error": str(exc)}, status=400)
        except PermissionDenied as exc:  # no longer on the account's team
            return render(request, "accounts/attest_link.html", {"error": str(exc)}, status=403)
        except ValidationError as exc:
            form.add_error("activity_on", exc.messages)
        else:
            request.session[_ATTESTED_LINK] = {"token": token, "account": account.pk}
            return redirect(request.path)
    return render(
        request,
        "accounts/attest_link.html",
        {"account": account, "person": user, "form": form},
        status=400 if request.method == "POST" else 200,  # a POST that got here failed
    )


@login_required
@require_POST
def closure_propose(request, pk):
    account = access.get_account_for_user(request.user, pk)
    form = ClosureForm(request.POST)
    form.is_valid()
    try:
        lifecycle.propose_closure(
            request.user, account.pk, form.cleaned_data.get("reason", ""), now=timezone.now()
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("Avslutet är föreslaget. Kommunikatören eller kommunikationschefen bekräftar det."),
        )
    return _back(account)


def _closure_for(request, pk):
    closure = Closure.objects.filter(pk=pk).select_related("account").first()
    if closure is None:
        raise Http404(_("Avslutet finns inte."))
    access.get_account_for_user(request.user, closure.account_id)
    return closure


def _closure_view(service, success, *, step=False):
    """The view of one closure step from the account page: the service says whether it
    may be taken; a conflict or a refusal is a message, and the page is shown again
    either way. `step`: the step recorded is posted (otherwise the state the page
    showed, for the kernel's re-check)."""

    @login_required
    @require_POST
    def view(request, pk):
        closure = _closure_for(request, pk)
        if step:
            data = {"step": request.POST.get("step", "")}
        else:
            data = {"expected_state": seen_state(request.POST, Closure.State.values)}
        with conflict_warned(request):
            try:
                service(request.user, closure.pk, now=timezone.now(), **data)
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, success)
        return _back(closure.account)

    return view


closure_confirm = _closure_view(
    lifecycle.confirm_closure,
    gettext_lazy(
        "Avslutet är bekräftat. Kontot avslutas när den slutliga ögonblicksbilden är förseglad."
    ),
)
closure_step = _closure_view(
    lifecycle.record_closure_step, gettext_lazy("Steget är registrerat."), step=True
)
closure_cancel = _closure_view(lifecycle.cancel_closure, gettext_lazy("Avslutet är avbrutet."))


@login_required
def passive_rules(request):
    """Kommunikationsavdelningen sets after how many days an account on each platform
    counts as passive."""
    if not access.can_register(request.user):
        raise PermissionDenied(_("Bara kommunikationsavdelningen ändrar reglerna."))
    rules = dict(PassiveRule.objects.values_list("platform", "days"))
    fields = {
        platform: forms.IntegerField(
            label=label,
            min_value=PASSIVE_DAYS_MIN,
            max_value=PASSIVE_DAYS_MAX,
            initial=rules.get(platform, lifecycle.DEFAULT_PASSIVE_DAYS),
        )
        for platform, label in platforms.choices()
    }
    form = type("PassiveRulesForm", (forms.Form,), fields)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for platform, days in form.cleaned_data.items():
            PassiveRule.objects.update_or_create(platform=platform, defaults={"days": days})
        messages.success(request, _("Reglerna är sparade."))
        return redirect("accounts:passive_rules")
    return render(
        request,
        "accounts/passive_rules.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_safe
@on_register_version("closed-page", personal=True)
def closed_accounts(request):
    """Public: the accounts that have been closed, with their dates; they stay on record."""
    accounts = (
        Account.objects.filter(status=Status.CLOSED)
        .select_related("unit", "unit__forvaltning")
        .order_by("-closed_on", "display_name")
    )
    return render(request, "accounts/closed_accounts.html", {"accounts": accounts[:1000]})
