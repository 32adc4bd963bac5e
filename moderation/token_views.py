"""Pages for the API keys of monitoring tools: the list, issuing a key, revoking one.
The keys themselves are made and revoked in tokens.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.access import can_register

from . import tokens
from .forms import TokenForm
from .models import ApiToken


def _curators_only(user):
    if not can_register(user):
        raise PermissionDenied(
            _("Bara kommunikationsavdelningen och kommunikationschefen hanterar API-nycklar.")
        )


# The session key under which a newly issued key waits for the one page that shows it.
_NEW_KEY = "moderation.new_api_key"


@login_required
@never_cache
def token_list(request):
    """Keys for monitoring tools: the list, and a form to issue one. Issuing redirects
    back here (a reload issues nothing); the new key travels in the session and is shown
    on the next page only, then removed from the session. It is not stored."""
    _curators_only(request.user)
    search = request.GET.get("konto", "").strip()[:100]
    form = TokenForm(request.POST or None, search=search)
    if request.method == "POST" and form.is_valid():
        try:
            issued, key = tokens.issue(
                request.user,
                form.cleaned_data["account"],
                form.cleaned_data["name"],
                now=timezone.now(),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            request.session[_NEW_KEY] = {"pk": issued.pk, "key": key}
            return redirect("moderation:tokens")
    issued = key = None
    pending = request.session.pop(_NEW_KEY, None) if request.method == "GET" else None
    if pending:
        issued = ApiToken.objects.filter(pk=pending["pk"]).select_related("account").first()
        key = pending["key"] if issued is not None else None
    return render(
        request,
        "moderation/token_list.html",
        {
            "form": form,
            "issued": issued,
            "key": key,
            "search": search,
            "tokens": ApiToken.objects.select_related("account", "created_by", "revoked_by"),
            "api_url": request.build_absolute_uri(reverse("api:items")),
            "schema_url": reverse("api:openapi"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def token_revoke(request, pk):
    _curators_only(request.user)
    if not ApiToken.objects.filter(pk=pk).exists():
        raise Http404(_("Nyckeln finns inte."))
    try:
        token = tokens.revoke(request.user, pk, now=timezone.now())
    except tokens.TokenConflict as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(
            request,
            _("Nyckeln %(prefix)s… för %(name)s är återkallad.")
            % {"prefix": token.prefix, "name": token.name},
        )
    return redirect("moderation:tokens")
