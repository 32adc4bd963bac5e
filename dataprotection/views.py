"""Data-protection assessments: the platforms' list, one assessment, writing and the
dataskyddsombud's decision. Rules live in dataprotection.workflow."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.access import get_account_for_user
from core.views import conflict_warned, errors_on, form_page, found, show_errors
from core.workflow import Conflict, allowed, may_create, seen_state

from . import services
from .forms import TEXTS, AssessmentForm, DecisionForm
from .models import Assessment, State
from .platforms import platform_label
from .workflow import BY_SLUG, Do


def _assessment_or_404(pk):
    assessment = (
        Assessment.objects.select_related("account", "created_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    return found(assessment, _("Bedömningen finns inte."))


@login_required
@require_safe
def assessment_list(request):
    today = timezone.localdate()
    return render(
        request,
        "dataprotection/list.html",
        {
            "rows": services.overview(today),
            "additions": Assessment.objects.filter(account__isnull=False)
            .exclude(state=State.SUPERSEDED)
            .select_related("account"),
            "can_write_assessment": _may_create(request.user),
        },
    )


def _may_create(user, account=None):
    """Whether `user` may start an assessment (of a platform, or for `account`)."""
    return may_create(user, Assessment, Do.CREATE, now=timezone.now(), parent=account)


@login_required
def assessment_create(request, account_pk=None):
    if not _may_create(request.user):  # who writes, before the account is looked up
        raise PermissionDenied(_("Bara kommunikationsavdelningen skriver dataskyddsbedömningar."))
    account = get_account_for_user(request.user, account_pk) if account_pk else None
    initial = {"platform": request.GET.get("plattform", "")}
    form = AssessmentForm(request.POST or None, initial=initial, fixed_platform=account is not None)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            assessment = services.create_draft(
                request.user, form.cleaned_data, account=account, now=timezone.now()
            )
            messages.success(request, _("Utkastet är sparat."))
            return redirect("dataprotection:detail", assessment.pk)
    return form_page(request, "dataprotection/form.html", form, account=account, assessment=None)


@login_required
def assessment_edit(request, pk):
    assessment = _assessment_or_404(pk)
    if Do.EDIT not in allowed(request.user, assessment, now=timezone.now()):
        raise PermissionDenied(_("Bedömningen kan inte ändras av dig nu."))
    form = AssessmentForm(request.POST or None, instance=assessment, fixed_platform=True)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in (*TEXTS, "review_on")}
        expected_state = seen_state(request.POST, State.values)
        with errors_on(form):
            with conflict_warned(request):
                services.edit(
                    request.user,
                    assessment.pk,
                    fields,
                    now=timezone.now(),
                    expected_state=expected_state,
                )
                messages.success(request, _("Bedömningen är sparad."))
            return redirect("dataprotection:detail", assessment.pk)
    return form_page(
        request, "dataprotection/form.html", form, account=assessment.account, assessment=assessment
    )


def _detail(request, assessment, decision_form=None, status=200):
    now = timezone.now()
    actions = allowed(request.user, assessment, now=now)
    return render(
        request,
        "dataprotection/detail.html",
        {
            "assessment": assessment,
            "platform": platform_label(assessment.platform),
            "actions": [a for a in actions if a.action != Do.EDIT],
            "edit": actions.get(Do.EDIT),
            "decision_form": decision_form
            or DecisionForm(initial={"expected_state": assessment.state}),
            "events": assessment.events.select_related("actor"),
            "versions": Assessment.objects.filter(
                platform=assessment.platform, account=assessment.account
            )
            .exclude(pk=assessment.pk)
            .order_by("-version"),
            "additions": Assessment.objects.filter(
                platform=assessment.platform, account__isnull=False, state=State.SIGNED_OFF
            ).select_related("account")
            if assessment.account_id is None
            else [],
        },
        status=status,
    )


@login_required
@require_safe
def assessment_detail(request, pk):
    return _detail(request, _assessment_or_404(pk))


DONE = {
    Do.SUBMIT: gettext_lazy("Bedömningen är skickad till dataskyddsombudet."),
    Do.SIGN_OFF: gettext_lazy("Bedömningen är godkänd."),
    Do.RETURN: gettext_lazy("Bedömningen är skickad tillbaka till kommunikationsavdelningen."),
    Do.NEW_VERSION: gettext_lazy("En ny version är påbörjad."),
}


@login_required
@require_POST
def assessment_act(request, pk, action):
    assessment = _assessment_or_404(pk)
    do = BY_SLUG.get(action)
    if do is None:
        raise Http404(_("Det finns ingen sådan åtgärd."))
    form = DecisionForm(request.POST)
    form.is_valid()  # both fields are optional; the workflow checks the comment
    try:
        result = services.act(
            request.user,
            assessment.pk,
            do,
            now=timezone.now(),
            expected_state=seen_state(request.POST, State.values),
            comment=form.cleaned_data.get("comment", ""),
        )
    except Conflict as exc:
        messages.warning(request, str(exc))
    except ValidationError as exc:
        show_errors(form, exc)
        messages.error(request, _("Ingenting ändrades. Se meddelandet vid formuläret."))
        return _detail(request, assessment, decision_form=form, status=400)
    else:
        messages.success(request, str(DONE[do]))
        return redirect("dataprotection:detail", result.pk)
    return redirect("dataprotection:detail", assessment.pk)


@login_required
@require_safe
def account_assessments(request, account_pk):
    account = get_account_for_user(request.user, account_pk)
    inherited, additions = services.for_account(account, timezone.localdate())
    return render(
        request,
        "dataprotection/account.html",
        {
            "account": account,
            "platform": platform_label(account.platform),
            "inherited": inherited,
            "additions": additions,
            "can_write_assessment": _may_create(request.user, account),
        },
    )
