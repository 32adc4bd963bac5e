"""The error pages (400, 403, 404, 500 and a refused CSRF check) in Swedish, in the
site's layout, each with a way on: the start page, signing in and the public register.

The 500 page is rendered without the request, so no context processor runs: it needs
no database, which may be what failed.
"""

from django.http import (
    Http404,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.urls import Resolver404
from django.views.decorators.csrf import requires_csrf_token


def _message(exception):
    """The view's own Swedish reason (PermissionDenied, Http404), never a resolver's
    internals."""
    if exception is None or isinstance(exception, Resolver404):
        return ""
    args = getattr(exception, "args", ())
    return args[0] if args and isinstance(args[0], str) else ""


@requires_csrf_token
def bad_request(request, exception=None):
    body = loader.render_to_string("400.html", {}, request)
    return HttpResponseBadRequest(body)


@requires_csrf_token
def permission_denied(request, exception=None):
    body = loader.render_to_string("403.html", {"reason": _message(exception)}, request)
    return HttpResponseForbidden(body)


@requires_csrf_token
def page_not_found(request, exception=None):
    reason = _message(exception) if isinstance(exception, Http404) else ""
    body = loader.render_to_string("404.html", {"reason": reason}, request)
    return HttpResponseNotFound(body)


def server_error(request):
    return HttpResponseServerError(loader.render_to_string("500.html"))


def csrf_failure(request, reason=""):
    """Django's CSRF check refused a form (an old page, cookies off): say so and how to
    go on. Django's reason is for the log, not for the person."""
    body = loader.render_to_string("403_csrf.html", {}, request)
    return HttpResponseForbidden(body)
