"""Sign-in and sign-out through the kommun's identity provider.

`start` sends the browser to the provider (state, nonce and a PKCE S256 challenge kept
in the session by mozilla-django-oidc); `callback` takes the answer: the state must be
this browser's, unused and younger than OIDC_STATE_MAX_AGE seconds, the code is
exchanged with the verifier, and the ID token is checked (identity.backends). Whatever
goes wrong ends on a Swedish page with a 4xx or 502, never a 500; the log gets the
reason, never a token, code or secret. `sign_out` ends the local session and, for a
person who signed in through the provider, the provider's too (its end_session_endpoint).
"""

import logging
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from . import provider
from .signin import SignInRefused

logger = logging.getLogger(__name__)

SIGNED_IN_WITH = "kanalkoll_signed_in_with"  # session key: "oidc" for the provider


def refused(request, message, status):
    return render(request, "identity/refused.html", {"message": message}, status=status)


class SignIn(auth_views.LoginView):
    """The break-glass password sign-in: a wrong name or password is shown again with
    400, as every form sent with errors is."""

    redirect_authenticated_user = True

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class Start(OIDCAuthenticationRequestView):
    """GET: off to the provider's sign-in, or 404 when none is configured."""

    def __init__(self, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request):
        if not provider.enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider.endpoints().authorization
        except provider.ProviderError as exc:
            logger.warning("OIDC discovery failed: %s", exc.detail)
            return refused(request, str(exc), 502)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


@require_GET
def callback(request):
    """The provider sends the browser back here with a GET (the code in the query); the
    used-up state makes a reload of it refused, so it never signs in twice."""
    if not provider.enabled():
        raise Http404
    now = timezone.now()
    state = request.GET.get("state", "")
    states = request.session.get("oidc_states")
    entry = states.pop(state, None) if isinstance(states, dict) and state else None
    if entry is not None:
        request.session.modified = True  # the state is used up, whatever follows
        request.session.save()
    if request.GET.get("error"):
        logger.info("OIDC provider answered error=%s", request.GET["error"][:100])
        return refused(request, _("Inloggningen avbröts hos kommunens inloggningstjänst."), 400)
    if entry is None or not request.GET.get("code"):
        logger.warning("OIDC callback refused: unknown or used state")
        return refused(
            request,
            _(
                "Svaret från kommunens inloggningstjänst hör inte till en inloggning som "
                "pågår i den här webbläsaren, eller så har det redan använts. Börja om."
            ),
            400,
        )
    if time.time() - entry.get("added_on", 0) > settings.OIDC_STATE_MAX_AGE:
        logger.warning("OIDC callback refused: state expired")
        return refused(request, _("Inloggningen tog för lång tid och har gått ut. Börja om."), 400)
    try:
        user = auth.authenticate(
            request, nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier"), now=now
        )
    except SignInRefused as refusal:
        logger.info("OIDC sign-in refused: %s", refusal)
        return refused(request, str(refusal), 403)
    except SuspiciousOperation as exc:
        logger.warning("OIDC sign-in refused: %s", exc)
        return refused(
            request,
            _("Svaret från kommunens inloggningstjänst kunde inte verifieras. Börja om."),
            400,
        )
    except provider.ProviderError as exc:
        logger.warning("OIDC sign-in failed: %s", exc.detail)
        return refused(request, str(exc), 502)
    except IntegrityError:
        # The same new person signing in twice at once: the other sign-in created them.
        logger.warning("OIDC sign-in collided with another for the same person")
        return refused(request, _("Inloggningen krockade med en annan inloggning. Börja om."), 409)
    if user is None or not user.is_active:
        return refused(request, _("Inloggningen med kommunens konto misslyckades."), 403)
    next_url = request.session.get("oidc_login_next")
    auth.login(request, user)
    request.session[SIGNED_IN_WITH] = "oidc"
    return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


@require_POST
def sign_out(request):
    via_provider = request.session.get(SIGNED_IN_WITH) == "oidc"
    auth.logout(request)
    target = resolve_url(settings.LOGOUT_REDIRECT_URL)
    if via_provider and provider.enabled():
        try:
            end_session = provider.endpoints().end_session
        except provider.ProviderError as exc:
            logger.warning("OIDC sign-out at the provider skipped: %s", exc.detail)
            end_session = ""
        if end_session:
            query = urlencode(
                {
                    "client_id": settings.OIDC_RP_CLIENT_ID,
                    "post_logout_redirect_uri": request.build_absolute_uri(target),
                }
            )
            return redirect(f"{end_session}{'&' if '?' in end_session else '?'}{query}")
    return redirect(target)
