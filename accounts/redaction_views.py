"""The account's full history, and removing suspected secrets from it (with a
confirmation step) for kommunikationsavdelningen and the kommunikationschef."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from . import access, redaction
from .history import timeline


class RedactForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Skäl"),
        max_length=300,
        help_text=gettext_lazy(
            "Sparas med borttagningen, till exempel ”Lösenord skrevs i fältet”."
        ),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "Jag har kontrollerat posterna och vill ersätta de misstänkta uppgifterna. "
            "Det går inte att ångra."
        )
    )


@require_safe
@login_required
def account_history(request, pk):
    account = access.get_account_for_user(request.user, pk)
    entries = timeline(account, limit=1000)
    return render(
        request,
        "accounts/account_history.html",
        {
            "account": account,
            "timeline": entries,
            "suspects": sum(1 for e in entries if e["suspect"]),
            "may_redact": redaction.may_redact(request.user),
            "redactions": account.redactions.select_related("redacted_by"),
        },
    )


@login_required
def redact_history(request, pk):
    account = access.get_account_for_user(request.user, pk)
    redaction.require_may_redact(request.user)
    suspects = [e for e in timeline(account, limit=1000) if e["suspect"]]
    form = RedactForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                record = redaction.redact_credentials_history(
                    request.user, account, timezone.now(), form.cleaned_data["reason"]
                )
            except redaction.NothingToRedact as exc:
                messages.warning(request, str(exc))
                return redirect("accounts:history", account.pk)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("%(n)s historikposter är rensade. Borttagningen är registrerad.")
                    % {"n": len(record.history_ids)},
                )
                return redirect("accounts:history", account.pk)
        status = 400
    return render(
        request,
        "accounts/redact_history.html",
        {"account": account, "suspects": suspects, "form": form},
        status=status,
    )
