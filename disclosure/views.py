"""Thin views of the request register (/handlingar/): the list, receiving, the request
with its records, the search that chooses them, the secrecy review of each, the steps
of disclosure.workflow, and the decisions and bundles as handed out."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core import pages
from core.views import conflict_warned, errors_on, form_page, found, show_errors
from core.workflow import Conflict, allowed, check, may_create, perform, seen_state

from . import sources
from .access import may_view
from .forms import CloseForm, FilterForm, ReassignForm, ReceiveForm, ReviewForm, SearchForm
from .models import CoveredRecord, Decision, Do, Request, State
from .services import receive


def _require_view(user):
    if not may_view(user):
        raise PermissionDenied(
            _(
                "Registret över begäranden är till för registrator, kommunikationsavdelningen och kommunarkivet."
            )
        )


def _request_or_404(user, pk):
    _require_view(user)
    found = Request.objects.filter(pk=pk).select_related("handler", "created_by").first()
    if found is None:
        raise Http404(_("Begäran finns inte."))
    return found


def _states():
    return set(State.values)


@require_safe
@login_required
def request_list(request):
    _require_view(request.user)
    form = FilterForm(request.GET or None)
    rows = Request.objects.select_related("handler").order_by("-received_at", "-id")
    if form.is_valid():
        data = form.cleaned_data
        if data["state"]:
            rows = rows.filter(state=data["state"])
        if data["handler"]:
            rows = rows.filter(handler=data["handler"])
        for word in data["q"].split():
            rows = rows.filter(
                Q(reference__icontains=word)
                | Q(description__icontains=word)
                | Q(requester_name__icontains=word)
            )
    page = pages.get_page(Paginator(rows, 50), request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "disclosure/request_list.html",
        {"form": form, "page": page, "rows": page.object_list, "query_string": query.urlencode(),
         "can_receive_requests": may_create(request.user, Request, Do.RECEIVE, now=timezone.now())},
    )  # fmt: skip


@login_required
def request_new(request):
    _require_view(request.user)
    now = timezone.now()
    if not may_create(request.user, Request, Do.RECEIVE, now=now):
        raise PermissionDenied(
            _("Begäranden registreras av registrator och kommunikationsavdelningen.")
        )
    if request.method == "POST":
        form = ReceiveForm(request.POST)
        if form.is_valid():
            with errors_on(form):
                created = receive(request.user, form.cleaned_data, now=now)
                messages.success(
                    request, _("Begäran %(ref)s är registrerad.") % {"ref": created.reference}
                )
                return redirect("disclosure:detail", created.pk)
    else:
        form = ReceiveForm(
            initial={
                "received_at": timezone.localtime(now).replace(second=0, microsecond=0),
                "handler": request.user,
            }
        )
    return form_page(request, "disclosure/request_form.html", form)


def _detail(request, obj, *, status=200, **forms):
    now = timezone.now()
    actions = allowed(request.user, obj, now=now)
    covered = list(obj.covered.select_related("decision").prefetch_related("reviews"))
    context = {
        "obj": obj,
        "actions": actions,
        "covered": covered,
        "decisions": obj.decisions.select_related("decided_by"),
        "events": obj.events.select_related("actor"),
        "reassign_form": forms.get("reassign_form")
        or ReassignForm(initial={"handler": obj.handler}),
        "close_form": forms.get("close_form") or CloseForm(),
        "now": now,
    }
    return render(request, "disclosure/request_detail.html", context, status=status)


@require_safe
@login_required
def request_detail(request, pk):
    return _detail(request, _request_or_404(request.user, pk))


FORMS = {Do.REASSIGN: ("reassign_form", ReassignForm), Do.CLOSE: ("close_form", CloseForm)}
DONE = {
    Do.START: _("Handläggningen är påbörjad."),
    Do.DECIDE: _("Beslutet är fattat."),
    Do.REASSIGN: _("Handläggaren är bytt."),
    Do.CLOSE: _("Begäran är avslutad."),
}


@require_POST
@login_required
def request_act(request, pk, action):
    obj = _request_or_404(request.user, pk)
    if action not in DONE:
        raise Http404(_("Det steget finns inte."))
    data = {}
    name, form_class = FORMS.get(action, (None, None))
    form = form_class(request.POST) if form_class else None
    now = timezone.now()
    try:
        check(request.user, obj, action, now=now)
        if form is not None:
            if not form.is_valid():
                return _detail(request, obj, status=400, **{name: form})
            data = form.cleaned_data
        result = perform(
            request.user,
            obj,
            action,
            expected_state=seen_state(request.POST, _states()),
            now=now,
            **data,
        )
    except Conflict as exc:
        messages.warning(request, str(exc))
    except ValidationError as exc:
        show_errors(form, exc)
        return _detail(request, obj, status=400, **{name: form})
    else:
        messages.success(request, DONE[action])
        if action == Do.DECIDE:
            return redirect("disclosure:decision", obj.pk, result.number)
    return redirect("disclosure:detail", obj.pk)


@login_required
def request_search(request, pk):
    """GET: search; POST: attach the chosen records (the search's criteria come back in
    the query string)."""
    obj = _request_or_404(request.user, pk)
    now = timezone.now()
    form = SearchForm(request.GET or None)
    results, status = [], 200
    if request.method == "POST":
        chosen = []
        for value in request.POST.getlist("records"):
            kind, _sep, object_id = value.rpartition(":")
            if sources.get(kind) and object_id.isdigit():
                chosen.append((kind, int(object_id)))
        try:
            perform(request.user, obj, Do.ATTACH, expected_state=None, now=now, records=chosen)
        except Conflict as exc:
            messages.warning(request, str(exc))
            return redirect("disclosure:detail", obj.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 400
        else:
            messages.success(request, _("Handlingarna är valda och spärrade mot gallring."))
            return redirect("disclosure:detail", obj.pk)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        results = sources.search(
            kinds=data["kinds"], account=data["account"], starts_on=data["starts_on"],
            ends_on=data["ends_on"], text=data["text"],
        )  # fmt: skip
    elif form.is_bound:
        status = 400
    covered = {(c.kind, c.object_id) for c in obj.covered.all()}
    rows = [
        (source, [(r, source.label(r), (source.key, r.pk) in covered) for r in records])
        for source, records in results
    ]
    return render(
        request,
        "disclosure/search.html",
        {"obj": obj, "form": form, "results": rows, "searched": form.is_bound,
         "actions": allowed(request.user, obj, now=now)},
        status=status,
    )  # fmt: skip


def _covered_or_404(obj, covered_pk):
    covered = (
        CoveredRecord.objects.filter(request=obj, pk=covered_pk)
        .select_related("decision")
        .prefetch_related("reviews__reviewed_by")
        .first()
    )
    return found(covered, _("Handlingen hör inte till begäran."))


@login_required
def covered_review(request, pk, covered_pk):
    obj = _request_or_404(request.user, pk)
    covered = _covered_or_404(obj, covered_pk)
    source = sources.get(covered.kind)
    record = sources.load(covered.kind, covered.object_id)
    now = timezone.now()
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            with errors_on(form):
                with conflict_warned(request):
                    perform(
                        request.user, obj, Do.REVIEW, now=now,
                        expected_state=seen_state(request.POST, _states()), covered=covered.pk,
                        outcome=data["outcome"], masks=data["masks"], provision=data["provision"],
                        reason=data["reason"],
                    )  # fmt: skip
                    messages.success(
                        request,
                        _("Prövningen av %(record)s är sparad.") % {"record": covered.label},
                    )
                return redirect("disclosure:detail", obj.pk)
    else:
        review = covered.review
        initial = {}
        if review is not None:
            provision = review.provision
            known = {p for p, _label in ReviewForm.base_fields["provision"].choices}
            initial = {
                "outcome": review.outcome,
                "masks": "\n".join(review.masks),
                "provision": provision if provision in known or not provision else "annan",
                "provision_text": "" if provision in known else provision,
                "reason": review.reason,
            }
        form = ReviewForm(initial=initial)
    return form_page(
        request,
        "disclosure/review.html",
        form,
        obj=obj,
        covered=covered,
        source=source,
        texts=source.texts(record) if record is not None else [],
        record=record,
        actions=allowed(request.user, obj, now=now) if covered.decision_id is None else [],
        reviews=covered.reviews.all(),
    )


def _decision_or_404(request, pk, number):
    """The request (as the user may see it) and its decision `number`."""
    obj = _request_or_404(request.user, pk)
    decisions = Decision.objects.filter(request=obj, number=number).select_related("decided_by")
    return obj, found(decisions.first(), _("Beslutet finns inte."))


@require_safe
@login_required
def decision_detail(request, pk, number):
    obj, decision = _decision_or_404(request, pk, number)
    return render(request, "disclosure/decision.html", {"obj": obj, "decision": decision})


def _file(field, filename, content_type):
    if not field:
        raise Http404(_("Filen finns inte."))
    response = FileResponse(
        field.open("rb"), content_type=content_type, as_attachment=True, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
@login_required
def decision_pdf(request, pk, number):
    obj, decision = _decision_or_404(request, pk, number)
    return _file(decision.document, f"{obj.reference}-beslut-{number}.pdf", "application/pdf")


@require_safe
@login_required
def decision_bundle(request, pk, number):
    obj, decision = _decision_or_404(request, pk, number)
    return _file(decision.bundle, f"{obj.reference}-{number}.zip", "application/zip")
