"""Thin views: permission, form, one service call, message, redirect.

Size: the plan's pages (list, form, detail with its steps and decision panel, PDF,
evaluation), each thin; what may be done comes from core.workflow.allowed."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from config.pdf import render_pdf
from core import pages
from core.views import conflict_warned, form_page, found, new_version_view, show_errors, took
from core.workflow import allowed, seen_state
from core.worklist import SECTION_ROWS
from organisation.deputies import Deputies
from organisation.models import Unit

from . import presentation, routing, services, validation
from .forms import DecisionForm, EvaluationForm, PlanForm, WithdrawForm
from .models import Evaluation, Plan, State
from .todo import plans_of, waiting_ids
from .workflow import Do

PAGE_SIZE = 50  # plans a page in "Planer i mina enheter"
WAITING_PAGE = "vantar"  # the page parameter of "Väntar på ditt beslut"
MINE_PAGE = "mina"  # and of "Mina planer" (50 a page)


def get_plan_for_user(user, pk):
    """The plan if the user may see it; 404 for everyone else."""
    plan = (
        Plan.objects.visible_to(user)
        .filter(pk=pk)
        .select_related(
            "applicant",
            "created_by",
            "unit",
            "unit__forvaltning",
            "account",
            "substitute",
            "previous",
        )
        .first()
    )
    return found(plan, _("Planen finns inte eller så saknar du behörighet att se den."))


@require_safe
@login_required
def plan_list(request):
    user = request.user
    rows = ("applicant", "unit", "unit__forvaltning", "account")
    mine = pages.get_page(
        Paginator(
            Plan.objects.filter(Q(applicant=user) | Q(created_by=user))
            .select_related(*rows)
            .order_by("-created_at", "-id"),
            PAGE_SIZE,
        ),
        request.GET.get(MINE_PAGE),
    )
    state = request.GET.get("status", "")
    others = (
        Plan.objects.visible_to(user)
        .exclude(Q(applicant=user) | Q(created_by=user))
        .select_related(*rows)
        .order_by("-state_changed_at", "-id")
    )
    if state in State.values:
        others = others.filter(state=state)
    page = pages.get_page(Paginator(others, PAGE_SIZE), request.GET.get("page"))
    waiting = pages.get_page(
        Paginator(waiting_ids(user, timezone.now()), SECTION_ROWS), request.GET.get(WAITING_PAGE)
    )
    return render(
        request,
        "activityplans/plan_list.html",
        {
            "mine": mine,
            "mine_param": MINE_PAGE,
            "mine_query_string": pages.query_without_page(request, MINE_PAGE),
            "others": page,
            "others_count": page.paginator.count,
            "query_string": pages.query_without_page(request),
            # The longest waiting first, SECTION_ROWS a page (as many as "Att göra" names).
            "waiting": plans_of([pk for pk, _since in waiting]),
            "waiting_page": waiting,
            "waiting_count": waiting.paginator.count,
            "waiting_param": WAITING_PAGE,
            "waiting_query_string": pages.query_without_page(request, WAITING_PAGE),
            "states": State.choices,
            "state": state,
        },
    )


# The edit page's query parameter after a "Skicka in" that saved the draft but could
# not submit it: the page shows what is missing (the redirect keeps a reload from saving
# the draft again).
CHECK_SUBMISSION = "skicka-in"


def _submission_errors_to_form(form, errors):
    form.cleaned_data = getattr(form, "cleaned_data", {})  # add_error needs it, bound or not
    for field, messages_ in errors.items():
        form.add_error(field if field in form.fields else None, messages_)


def _save_plan(request, form, plan=None):
    """Save the draft; on "Skicka in" also submit it. A draft that cannot be submitted
    is saved all the same, and its edit page shows what is missing."""
    now = timezone.now()
    data = dict(form.cleaned_data)
    administrators = data.pop("administrators")
    if plan is None:
        plan = services.create_draft(request.user, data, administrators, now=now)
    else:
        plan = services.save_draft(request.user, plan.pk, data, administrators, now=now)
    if request.POST.get("action") != "submit":
        messages.success(request, _("Utkastet är sparat."))
        return redirect("activityplans:detail", plan.pk)
    try:
        plan = services.submit(request.user, plan.pk, now=now)
    except ValidationError:
        messages.warning(
            request,
            _(
                "Utkastet är sparat men inte inskickat. Komplettera de markerade fälten och skicka in igen."
            ),
        )
        edit = reverse("activityplans:edit", args=[plan.pk])
        return redirect(f"{edit}?{CHECK_SUBMISSION}=1")
    if plan.state == State.NOTED:
        messages.success(request, _("Planen är anmäld. Din chef har fått besked."))
    else:
        messages.success(
            request,
            _("Planen är inskickad och väntar på beslut av %(person)s.")
            % {"person": routing.current_actor(plan, now) or _("chef")},
        )
    return redirect("activityplans:detail", plan.pk)


@login_required
def plan_create(request):
    form = PlanForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        return _save_plan(request, form)
    return form_page(request, "activityplans/plan_form.html", form, plan=None)


@login_required
def plan_edit(request, pk):
    plan = get_plan_for_user(request.user, pk)
    now = timezone.now()
    if Do.EDIT not in allowed(request.user, plan, now=now):
        if not plan.is_editable:
            messages.info(
                request,
                _("Planen är %(state)s och kan inte ändras.")
                % {"state": plan.get_state_display().lower()},
            )
            return redirect("activityplans:detail", plan.pk)
        raise PermissionDenied(_("Bara den sökande eller den som upprättade planen kan ändra den."))
    form = PlanForm(request.POST or None, instance=Plan.objects.get(pk=plan.pk), user=request.user)
    if request.method == "POST" and form.is_valid():
        return _save_plan(request, form, plan)
    if request.method != "POST" and request.GET.get(CHECK_SUBMISSION):
        # What submitting the saved draft refused, at its fields (a read: nothing changes).
        _submission_errors_to_form(
            form, validation.submission_errors(plan, timezone.localdate(now))
        )
    return render(
        request,
        "activityplans/plan_form.html",
        {"form": form, "plan": plan},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_safe
@login_required
def plan_detail(request, pk):
    return _render_detail(request, get_plan_for_user(request.user, pk))


def _render_detail(request, plan, decision_form=None, status=200):
    now = timezone.now()
    deputies = Deputies.at(now)
    actions = allowed(request.user, plan, now=now, deputies=deputies)
    decisions = [a for a in actions if a.action in services.DECISIONS]
    if decisions and decision_form is None:
        decision_form = DecisionForm(initial={"expected_state": plan.state, "decision": "approve"})
    last_step = plan.is_waiting and services.next_state(plan) == State.ESTABLISHED
    administrators = list(plan.administrators.all())
    return render(
        request,
        "activityplans/plan_detail.html",
        {
            "plan": plan,
            "events": plan.events.select_related("actor"),
            "sections": presentation.sections(plan, administrators),
            "steps": _steps(plan),
            "decision_notice": _decision_notice(plan),
            "actions": actions,
            "decisions": decisions,
            "decision_help": _decision_help(plan, last_step),
            "decision_form": decision_form,
            "needs_url": last_step and not plan.url and plan.account_id is None,
            # Why the last step cannot be taken yet (the approve transition's guard).
            "establish_blocked": validation.data_protection(plan, timezone.localdate(now))
            if last_step
            else None,
            "waiting_for": routing.current_actor(plan, deputies=deputies)
            if plan.is_waiting
            else None,
            "changes": services.changes_since_approved(plan),
            "evaluations": plan.evaluations.select_related("submitted_by"),
            "withdraw_form": WithdrawForm(),
        },
        status=status,
    )


STEP_LABELS = {
    State.DRAFT: gettext_lazy("Utkast"),
    State.SUBMITTED: gettext_lazy("Chef ger uppdraget"),
    State.CHEF_APPROVED: gettext_lazy("Förvaltningskommunikatör förankrar"),
    State.ANCHORED: gettext_lazy("Kommunikationschef fastställer"),
    State.ESTABLISHED: gettext_lazy("Fastställd, kontot förs in i registret"),
    State.NOTED: gettext_lazy("Anmäld till chef"),
}


def _steps(plan):
    """The plan's chain as steps; none for a plan that left it (rejected, withdrawn,
    superseded). The last step of an established plan or a notice is done."""
    if plan.state in (State.REJECTED, State.WITHDRAWN, State.SUPERSEDED):
        return []
    chain = plan.chain
    current = chain.index(plan.state) if plan.state in chain else -1
    if plan.state == State.RETURNED:
        current = 0
    finished = plan.state in (State.ESTABLISHED, State.NOTED)
    return [
        {
            "label": STEP_LABELS[state],
            "current": i == current,
            "done": i < current or (finished and i == current),
        }
        for i, state in enumerate(chain)
    ]


def _decision_notice(plan):
    """The decision that sent the plan back or rejected it, shown at the top."""
    if plan.state not in (State.RETURNED, State.REJECTED):
        return None
    return {"event": plan.events.last(), "returned": plan.state == State.RETURNED}


def _decision_help(plan, last_step):
    if last_step and plan.state == State.SUBMITTED:
        return _(
            "Som chef är ditt godkännande sista steget för en ambassadör på personligt konto. Kontot förs in i registret som ambassadör i tjänsten."
        )
    if last_step:
        return _(
            "När du fastställer planen förs kontot in i registret som aktivt, med den sökande som ansvarig."
        )
    if plan.state == State.SUBMITTED:
        return _(
            "Du ger uppdraget som chef. Planen går sedan vidare till förvaltningskommunikatören."
        )
    return _("Du förankrar planen. Den går sedan vidare till kommunikationschefen.")


@login_required
@require_POST
def plan_submit(request, pk):
    plan = get_plan_for_user(request.user, pk)
    expected_state = seen_state(request.POST, State.values)
    with conflict_warned(request):
        try:
            services.submit(
                request.user, plan.pk, now=timezone.now(), expected_state=expected_state
            )
        except ValidationError:
            messages.error(
                request,
                _("Planen är inte komplett. Komplettera de markerade fälten och skicka in igen."),
            )
            return redirect("activityplans:edit", plan.pk)
        messages.success(request, _("Planen är inskickad."))
    return redirect("activityplans:detail", plan.pk)


@login_required
@require_POST
def plan_decide(request, pk):
    plan = get_plan_for_user(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Beslutet kunde inte läsas. Försök igen."))
        return redirect("activityplans:detail", plan.pk)
    data = form.cleaned_data
    given = [data[name] for name in ("expected_state", "decision", "comment", "url")]
    try:
        with conflict_warned(request):
            plan = services.decide(request.user, plan.pk, *given, now=timezone.now())
            state = plan.get_state_display()
            messages.success(request, _("Beslutet är registrerat: %(state)s.") % {"state": state})
    except ValidationError as exc:
        # Shown at the field (a comment is required to return or reject), nothing changed.
        show_errors(form, exc)
        messages.error(request, _("Beslutet är inte registrerat. Se meddelandet vid formuläret."))
        return _render_detail(request, plan, decision_form=form, status=400)
    return redirect("activityplans:detail", plan.pk)


@login_required
@require_POST
def plan_withdraw(request, pk):
    plan = get_plan_for_user(request.user, pk)
    form = WithdrawForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment", "")
    expected_state = seen_state(request.POST, State.values)
    detail = redirect("activityplans:detail", plan.pk)
    return took(
        request,
        lambda: services.withdraw(
            request.user, plan.pk, comment, now=timezone.now(), expected_state=expected_state
        ),
        _("Planen är återkallad."),
        then=lambda _plan: detail,
        back=detail,
    )


plan_new_version = new_version_view(
    get_plan_for_user,
    services.start_new_version,
    gettext_lazy("En ny version är skapad som utkast. Ändra det som ska ändras och skicka in den."),
    then="activityplans:edit",
    back="activityplans:detail",
)


@require_safe
@login_required
def plan_by_reference(request, reference):
    """The established plan behind a register entry's reference."""
    plan = (
        Plan.objects.visible_to(request.user)
        .filter(reference=reference, state=State.ESTABLISHED)
        .order_by("-version")
        .first()
    )
    if plan is None:
        raise Http404(_("Planen finns inte eller så saknar du behörighet att se den."))
    return redirect("activityplans:detail", plan.pk)


@require_safe
@login_required
def plan_pdf(request, pk):
    plan = get_plan_for_user(request.user, pk)
    if not plan.has_pdf:
        raise Http404(_("Det finns en PDF först när planen är fastställd."))
    # The record is in the kommun's language, whatever language the requester reads.
    with translation.override(settings.LANGUAGE_CODE):
        pdf = render_pdf(
            "activityplans/plan_pdf.html",
            {
                "plan": plan,
                "events": plan.events.select_related("actor"),
                "sections": presentation.sections(plan, list(plan.administrators.all())),
                "kommun": Unit.objects.kommun(),
                "generated_at": timezone.now(),
            },
            title=_("Aktivitetsplan %(reference)s") % {"reference": plan.reference},
            author=str(plan.applicant),
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"{plan.reference}-v{plan.version}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def evaluation_form(request, pk):
    evaluation = Evaluation.objects.filter(pk=pk).select_related("plan").first()
    if evaluation is None:
        raise Http404(_("Utvärderingen finns inte."))
    plan = get_plan_for_user(request.user, evaluation.plan_id)
    if evaluation.submitted_at is None and Do.EVALUATE not in allowed(
        request.user, plan, now=timezone.now()
    ):
        raise PermissionDenied(_("Bara den ansvarige kan lämna utvärderingen."))
    form = EvaluationForm(request.POST or None, instance=evaluation)
    if evaluation.submitted_at is not None:
        form = None
    elif request.method == "POST" and form.is_valid():
        with conflict_warned(request):
            services.submit_evaluation(
                request.user, evaluation.pk, form.cleaned_data, now=timezone.now()
            )
            messages.success(
                request, _("Utvärderingen är lämnad och skickad till förvaltningskommunikatören.")
            )
        return redirect("activityplans:detail", plan.pk)
    return render(
        request,
        "activityplans/evaluation_form.html",
        {
            "evaluation": evaluation,
            "plan": plan,
            "form": form,
            "plan_url": reverse("activityplans:detail", args=[plan.pk]),
        },
        status=400 if form is not None and form.errors else 200,
    )
