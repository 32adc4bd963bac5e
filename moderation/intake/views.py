"""/api/v1/meta/webhook: Meta's verification handshake (GET) and its signed deliveries
(POST). The signature is checked on the raw body before anything is parsed; every
refusal is a 4xx with a JSON reason in Swedish. Without META_APP_SECRET and
META_VERIFY_TOKEN the endpoint is not configured and answers 404."""

import json
import logging

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from core import requestbody

from ..api import _json, error
from ..models import Received
from . import meta, services

logger = logging.getLogger(__name__)

MAX_BODY = 512 * 1024  # bytes; Meta batches at most 1,000 changes, far below this


@csrf_exempt
def meta_webhook(request):
    with translation.override("sv"):
        return _meta_webhook(request)


def _meta_webhook(request):
    if not (settings.META_APP_SECRET and settings.META_VERIFY_TOKEN):
        return error(404, _("Meta-kopplingen är inte inställd."))
    if request.method == "GET":
        challenge = meta.handshake(request.GET, settings.META_VERIFY_TOKEN)
        if challenge is None:
            return error(403, _("Verifieringen stämmer inte."))
        response = HttpResponse(challenge, content_type="text/plain; charset=utf-8")
        response["Cache-Control"] = "no-store"
        return response
    if request.method != "POST":
        return error(405, _("Använd GET eller POST."), Allow="GET, POST")
    now = timezone.now()
    try:
        body = requestbody.read_body(request, MAX_BODY)
    except requestbody.TooLarge:
        return error(413, _("Kroppen får vara högst %(n)d byte.") % {"n": MAX_BODY})
    except requestbody.BodyError:
        return error(400, _("Kroppen kunde inte läsas som den skickades."))
    signature = request.headers.get(meta.SIGNATURE_HEADER, "")
    if not signature:
        logger.warning("meta webhook: delivery without %s refused", meta.SIGNATURE_HEADER)
        return error(403, _("Signatur saknas (X-Hub-Signature-256)."))
    if not meta.verify_signature(body, signature, settings.META_APP_SECRET):
        logger.warning("meta webhook: delivery with a wrong signature refused")
        return error(403, _("Signaturen stämmer inte."))
    adapter = meta.MetaAdapter()
    try:
        events = adapter.events(json.loads(body.decode("utf-8")))
    except (ValueError, RecursionError, UnicodeDecodeError):
        return error(400, _("Kroppen är inte en leverans från Meta (JSON med object och entry)."))
    results = services.receive(adapter, events, signature=signature, signature_valid=True, now=now)
    unknown = sum(1 for r in results if r.outcome == Received.UNKNOWN_PAGE)
    body = {
        "received": len(results),
        "stored": sum(1 for r in results if r.stored),
        "items": sorted({r.item_id for r in results if r.item_id}),
        "unknown_page": unknown,
    }
    if results and unknown == len(results):
        # Stored and logged (services.receive), but refused: no account has the page.
        body["error"] = _("Ingen sida i leveransen hör till ett konto i registret.")
        body["fields"] = {}
        return _json(422, body)
    return _json(200, body)
