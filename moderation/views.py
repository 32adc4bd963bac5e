"""Thin views for the moderation desk: permission, form, one service call, redirect."""

import statistics

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Max
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe

from accounts.access import can_register, get_account_for_user
from accounts.models import Account, held_by_condition
from core.views import conflict_warned, errors_on
from core.workflow import Conflict, allowed, check
from core.worklist import SECTION_ROWS
from organisation.deputies import Deputies
from organisation.models import User

from . import services
from .forms import (
    AnswerForm,
    BulkTriageForm,
    ClassifyForm,
    CrimeForm,
    FilterForm,
    ItemForm,
    NoActionForm,
    PreserveForm,
    ReassignForm,
    ReferForm,
    RegisterForm,
    RemoveForm,
    Show,
)
from .models import Item, Kind, Outcome, PreservedCopy
from .workflow import BY_SLUG, SLUGS, Do

# The quick entry form's account search (`konto` is the list's filter).
ACCOUNT_SEARCH = "sok_konto"


def my_accounts(user, deputies):
    """Accounts whose moderation falls to the user on the deputies' day: those they
    are responsible for, substitute on or administer, and those of everyone whose
    work they do that day (organisation.deputies: down the whole chain of
    substitutes). Someone away keeps their own accounts in view; the desk shows who
    handles each item now."""
    return (
        Account.objects.open()
        .filter(held_by_condition(user) | deputies.q(user, "responsible"))
        .order_by("display_name", "id")
    )


def my_account_ids(user, deputies):
    """The ids of my_accounts(), read once: the item queries then filter by a list of
    ids whose length the planner knows (an index scan of each account's open items), not
    by a subquery it guesses at half the register (a walk over every open item)."""
    return list(my_accounts(user, deputies).order_by().values_list("pk", flat=True))


def get_item_for_user(user, pk, deputies):
    item = (
        Item.objects.visible_to(user, deputies)
        .filter(pk=pk)
        .select_related("account", "account__unit", "assignee")
        .first()
    )
    if item is None:
        raise Http404(_("Ärendet finns inte eller så saknar du behörighet att se det."))
    return item


def _triage(user, accounts, now, deputies):
    """The new comments on the user's accounts that they may mark "ingen åtgärd" now
    (the kernel's allowed(), per item), oldest first."""
    waiting = (
        Item.objects.filter(account__in=accounts, kind=Kind.NEW_COMMENT, resolved_at__isnull=True)
        .select_related("account", "account__unit", "assignee")
        .order_by("noticed_at", "id")[:TRIAGE_PAGE]
    )
    return [
        item for item in waiting if Do.NO_ACTION in allowed(user, item, now=now, deputies=deputies)
    ]


TRIAGE_PAGE = 200


@login_required
@require_POST
def bulk_triage(request):
    """Many new comments marked "ingen åtgärd" at once: one transition each (services.
    bulk_no_action), and a message per comment that could not be marked."""
    now = timezone.now()
    deputies = Deputies.at(now)
    accounts = my_accounts(request.user, deputies)
    chosen = Item.objects.filter(
        account__in=accounts, pk__in=[v for v in request.POST.getlist("items") if v.isdigit()]
    ).values_list("pk", flat=True)
    triage = BulkTriageForm(request.POST, choices=[(pk, pk) for pk in chosen])
    if not triage.is_valid():
        return item_list(request, triage=triage)
    results = services.bulk_no_action(
        request.user,
        triage.cleaned_data["items"],
        triage.cleaned_data["text"],
        now=now,
        deputies=deputies,
    )
    done = [pk for pk, problem in results if problem is None]
    if done:
        messages.success(
            request,
            ngettext(
                "%(n)d kommentar är markerad: ingen åtgärd behövs.",
                "%(n)d kommentarer är markerade: ingen åtgärd behövs.",
                len(done),
            )
            % {"n": len(done)},
        )
    for pk, problem in results:
        if problem is not None:
            messages.warning(
                request,
                _("Ärende %(pk)d markerades inte: %(reason)s") % {"pk": pk, "reason": problem},
            )
    return redirect("moderation:list")


@login_required
def item_list(request, triage=None):
    now = timezone.now()
    deputies = Deputies.at(now)
    accounts = my_accounts(request.user, deputies)
    search = request.GET.get(ACCOUNT_SEARCH, "").strip()[:100]
    form = ItemForm(
        request.POST if triage is None and request.POST else None,
        accounts=accounts,
        search=search,
    )
    if request.method == "POST" and triage is None and form.is_valid():
        data = dict(form.cleaned_data)
        account = data.pop("account")
        with errors_on(form):
            item, _created = services.create_item(request.user, account, data, now=now)
            messages.success(
                request,
                _("Ärendet är registrerat. Tidsfristen löper till %(due)s.")
                % {"due": timezone.localtime(item.due_at).strftime("%Y-%m-%d %H:%M")},
            )
            return redirect("moderation:detail", item.pk)
    filters = FilterForm(request.GET or None, accounts=accounts)
    account_ids = my_account_ids(request.user, deputies)
    items = Item.objects.filter(account__in=account_ids).select_related("account", "assignee")
    show = Show.OPEN
    if filters.is_valid():
        data = filters.cleaned_data
        show = data["visa"] or Show.OPEN
        if data["konto"]:
            items = items.filter(account=data["konto"])
        if data["typ"]:
            items = items.filter(kind=data["typ"])
    if show == Show.OPEN:  # new comments are listed for triage, above
        items = items.filter(resolved_at__isnull=True).exclude(kind=Kind.NEW_COMMENT)
    elif show == Show.HANDLED:
        items = items.filter(resolved_at__isnull=False)
    items = list(items.by_urgency()[:300])
    # Who works on each item today: whoever does the assignee's work.
    for item in items:
        item.handler = deputies.acting_for(item.assignee)
    new_comments = _triage(request.user, account_ids, now, deputies)
    for item in new_comments:
        item.handler = deputies.acting_for(item.assignee)
    # "Tillsyn": the accounts longest without one first (never first of all), as many as
    # a section names; checking one moves the next up, so every account comes round.
    watch = accounts.annotate(last_check=Max("check_ins__at")).order_by(
        F("last_check").asc(nulls_first=True), "display_name", "id"
    )
    return render(
        request,
        "moderation/item_list.html",
        {
            "form": form,
            "triage": triage or BulkTriageForm(choices=[]),
            "new_comments": new_comments,
            "filters": filters,
            "items": items,
            "now": now,
            "accounts_count": accounts.count(),
            "watch": watch[:SECTION_ROWS],
            "search": search,
            "search_param": ACCOUNT_SEARCH,
            "can_manage_tokens": can_register(request.user),
        },
        status=400 if request.method == "POST" else 200,  # a POST that got here failed
    )


# Each action's form, the service that takes it and the form's fields it is given (after
# the actor and the item), in the service's order.
ACTIONS = {
    Do.ANSWER: (AnswerForm, services.answer, ("text", "link")),
    Do.PRESERVE: (PreserveForm, services.preserve, ("text", "image")),
    Do.REMOVE: (RemoveForm, services.remove, ("reason", "removed_at", "comment")),
    Do.REGISTER: (RegisterForm, services.register, ("diarienummer", "forwarded_to")),
    Do.REFER: (ReferForm, services.refer, ("text",)),
    Do.CRIME: (CrimeForm, services.flag_crime, ("text",)),
    Do.NO_ACTION: (NoActionForm, services.no_action, ("text",)),
    Do.CLASSIFY: (ClassifyForm, services.classify, ("kind",)),
    Do.REASSIGN: (ReassignForm, services.reassign, ("assignee",)),
}
# The message when an action is done.
DONE = {
    Do.ANSWER: gettext_lazy("Svaret är registrerat."),
    Do.PRESERVE: gettext_lazy("Kopian är sparad."),
    Do.REMOVE: gettext_lazy("Borttagningen är registrerad."),
    Do.REGISTER: gettext_lazy("Diarieföringen är registrerad."),
    Do.REFER: gettext_lazy("Hänvisningen är registrerad."),
    Do.CRIME: gettext_lazy("Ärendet är flaggat och chefen har fått besked."),
    Do.NO_ACTION: gettext_lazy("Ärendet är avslutat utan åtgärd."),
    Do.CLASSIFY: gettext_lazy("Kommentaren är klassad. Tidsfristen löper från nu."),
    Do.REASSIGN: gettext_lazy("Ärendet är omfördelat."),
}


def _form(item, action, data=None, files=None):
    form_class = ACTIONS[action][0]
    prefix = SLUGS[action]
    if action == Do.REASSIGN:
        people = User.objects.filter(pk__in=services.team(item.account), is_active=True)
        initial = {} if data is not None else {"assignee": item.assignee_id}
        return form_class(data, prefix=prefix, people=people, initial=initial)
    return form_class(data, files, prefix=prefix)


@login_required
def item_detail(request, pk, action=None):
    now = timezone.now()
    deputies = Deputies.at(now)
    item = get_item_for_user(request.user, pk, deputies)
    chosen = BY_SLUG.get(action) if action else None
    if action and chosen is None:
        raise Http404(_("Okänd åtgärd."))
    bound = None
    if request.method == "POST" and chosen is None:
        # The page's own address, posted to without an action (a stale or hand-made
        # form): nothing to do; the page again, with what to do instead.
        messages.error(request, _("Välj en åtgärd under Åtgärder och skicka formuläret där."))
    elif request.method == "POST":
        try:
            check(request.user, item, chosen, now=now, deputies=deputies)  # 403 or conflict
        except Conflict as exc:
            messages.warning(request, str(exc))
            return redirect("moderation:detail", item.pk)
        bound = _form(item, chosen, request.POST, request.FILES)
        if bound.is_valid():
            _form_class, service, fields = ACTIONS[chosen]
            given = [bound.cleaned_data[name] for name in fields]
            with errors_on(bound):
                with conflict_warned(request):
                    service(request.user, item.pk, *given, now=now)
                    messages.success(request, DONE[chosen])
                return redirect("moderation:detail", item.pk)
        messages.error(
            request, _("Åtgärden kunde inte registreras. Se felmeddelandet vid formuläret.")
        )
    actions = allowed(request.user, item, now=now, deputies=deputies)
    panels = [
        {
            "action": a,
            "key": SLUGS[a.action],
            "form": bound if a.action == chosen and bound is not None else _form(item, a.action),
        }
        for a in actions
    ]
    return render(
        request,
        "moderation/item_detail.html",
        {
            "item": item,
            "events": item.events.select_related("actor"),
            "copies": item.copies.select_related("created_by"),
            "versions": item.versions.all(),
            "handler": services.handler(item, deputies=deputies),
            "actions": actions,
            "panels": panels,
            "open_action": action,
            "now": now,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_safe
@login_required
def copy_image(request, pk):
    copy = PreservedCopy.objects.filter(pk=pk).select_related("item").first()
    if copy is None or not copy.image:
        raise Http404(_("Bilden finns inte."))
    get_item_for_user(request.user, copy.item_id, Deputies.at(timezone.now()))
    response = FileResponse(copy.image.open("rb"), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="kopia-{copy.item_id}-{copy.pk}.png"'
    return response


@login_required
@require_POST
def check_in(request, account_pk):
    now = timezone.now()
    deputies = Deputies.at(now)
    account = get_account_for_user(request.user, account_pk, deputies=deputies)
    if not services.may_check_in(request.user, account, deputies):
        raise PermissionDenied(_("Bara den som bevakar kontot kan registrera tillsyn."))
    services.check_in(request.user, account, now=now)
    messages.success(
        request, _("Tillsyn registrerad för %(account)s.") % {"account": account.display_name}
    )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "moderation:list"  # never back to another site (an open redirect)
    return redirect(target)


def _median_hours(pairs):
    values = [(end - start).total_seconds() / 3600 for start, end in pairs if start and end]
    return round(statistics.median(values), 1) if values else None


@require_safe
@login_required
def account_stats(request, account_pk):
    account = get_account_for_user(request.user, account_pk)
    now = timezone.now()
    periods = []
    for days in (30, 180):
        since = now - timezone.timedelta(days=days)
        items = Item.objects.filter(account=account, created_at__gte=since)
        resolved = list(
            items.filter(resolved_at__isnull=False).values_list(
                "posted_at", "noticed_at", "resolved_at", "removed_at", "due_at", "outcome"
            )
        )
        answered = [(p or n, r) for p, n, r, _rm, _d, o in resolved if o == Outcome.ANSWERED]
        removed = [(p or n, rm or r) for p, n, r, rm, _d, o in resolved if o == Outcome.REMOVED]
        # A comment closed in triage had no deadline: it counts as handled in time.
        within = sum(1 for _p, _n, r, rm, d, _o in resolved if d is None or (rm or r) <= d)
        by_kind = dict(items.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
        periods.append(
            {
                "days": days,
                "by_kind": [(label, by_kind.get(value, 0)) for value, label in Kind.choices],
                "total": sum(by_kind.values()),
                "median_answer": _median_hours(answered),
                "median_remove": _median_hours(removed),
                "within_share": round(100 * within / len(resolved)) if resolved else None,
            }
        )
    overdue = Item.objects.filter(account=account, resolved_at__isnull=True, due_at__lt=now).count()
    return render(
        request,
        "moderation/account_stats.html",
        {"account": account, "periods": periods, "overdue": overdue},
    )
