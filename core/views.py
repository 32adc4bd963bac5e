"""What every view does the same way with a form and a service call.

    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            account = services.register_account(request.user, ..., now=timezone.now())
            messages.success(request, _("Kontot är registrerat."))
            return redirect("accounts:detail", account.pk)
    return form_page(request, "accounts/account_form.html", form, creating=True)

`errors_on(form)` shows a service's ValidationError on the form and carries on to the
re-shown form (400); `conflict_warned(request)` shows a Conflict (the state moved on, a
double click) as a warning and carries on to the redirect. Nothing inside the block after
the failing call runs, so the success message is only given when the service succeeded.
"""

from contextlib import contextmanager

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .workflow import Conflict


def show_errors(form, exc):
    """A service's ValidationError on the form it came from, each reason at its field
    (a field the form does not have: the form's own errors)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@contextmanager
def errors_on(form):
    """Inside: the service call for a valid form. Its ValidationError is shown on the form
    (show_errors) instead of raised."""
    try:
        yield
    except ValidationError as exc:
        show_errors(form, exc)


@contextmanager
def conflict_warned(request):
    """Inside: a transition. Its Conflict is shown as a warning instead of raised."""
    try:
        yield
    except Conflict as exc:
        messages.warning(request, str(exc))


def took(request, take, message, *, then, back):
    """A button's POST that takes one transition: `take()` (the service call), `message`
    as its success and `then(result)`, the redirect to what it made or changed; on a
    Conflict, the warning and `back`, the redirect to the page it came from."""
    with conflict_warned(request):
        result = take()
        messages.success(request, message)
        return then(result)
    return back


def new_version_view(get, make, message, *, then, back):
    """The POST view of a record's "new version" button (a plan, a snapshot): the record
    the person may see (`get(user, pk)`, 404/403 as it decides), `make(user, pk, now=)`
    (the service), then the new version's page (URL name `then`), or on a Conflict the
    record's own page (URL name `back`)."""

    @login_required
    @require_POST
    def view(request, pk):
        record = get(request.user, pk)
        return took(
            request,
            lambda: make(request.user, record.pk, now=timezone.now()),
            message,
            then=lambda new: redirect(then, new.pk),
            back=redirect(back, record.pk),
        )

    return view


def form_page(request, template, form, **context):
    """The page of `form`: 400 when it holds errors (bad input is re-shown with the
    reason), 200 otherwise."""
    return render(request, template, {"form": form, **context}, status=400 if form.errors else 200)


def found(record, message):
    """`record` (a `.first()` that may have found nothing), or 404 with the Swedish
    `message`."""
    if record is None:
        raise Http404(message)
    return record
