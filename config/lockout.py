"""Sign-in throttling with django-axes: who the client is, and what a locked-out person
sees. The settings (config/settings.py, AXES_*) say how many failures lock out and for
how long."""

import datetime
import ipaddress

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from django.utils import dateformat, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def client_ip(request):
    """The client's address: the connection's, or, behind KANALKOLL_TRUSTED_PROXIES
    proxies that each append the address they were reached from to X-Forwarded-For, the
    entry that many places from the header's right end (the part the client cannot
    forge). A header too short or not an address falls back to the connection's."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.KANALKOLL_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote


def lockout_response(request, original_response=None, credentials=None):
    """The sign-in page again, with status 429 and a Swedish reason that says until when
    this user name is locked from this address. The cool-off runs from the last failed
    attempt, which is this one (axes restarts it on every failure during a lockout)."""
    cool_off = settings.AXES_COOLOFF_TIME
    attempted_at = getattr(request, "axes_attempt_time", None) or timezone.now()
    until = timezone.localtime(attempted_at + cool_off)
    minutes = max(1, round(cool_off / datetime.timedelta(minutes=1)))
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    message = " ".join(
        [
            _("För många misslyckade inloggningsförsök med användarnamnet ”%(username)s”.")
            % {"username": username},
            ngettext(
                "Inloggningen är spärrad från din adress i %(minutes)d minut, till klockan %(time)s.",
                "Inloggningen är spärrad från din adress i %(minutes)d minuter, till klockan %(time)s.",
                minutes,
            )
            % {"minutes": minutes, "time": dateformat.format(until, "H:i")},
            _("Försök igen efter det. Har du glömt lösenordet, kontakta kommunens IT-support."),
        ]
    )
    form = AuthenticationForm(request, initial={"username": username})
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    context = {"form": form, "lockout": message, "next": next_url}
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
