"""The interface language: Swedish for everyone unless they chose another.

The choice is made with Django's `set_language` (the switch in the header, POST to
/sprak/) and kept in the language cookie; for a signed-in person it is also kept on
their user (`User.language`), so that it follows them to every browser they sign in
from. What the browser asks for (Accept-Language) is never consulted: a kommun's
intranet speaks Swedish to an English-language browser too.
"""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language


def _valid(code):
    return code if code in dict(settings.LANGUAGES) else None


def chosen_language(request):
    """The signed-in person's choice, else this browser's, else the default."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and _valid(user.language):
        return user.language
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return _valid(cookie) or settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Activates chosen_language() for the request (in place of LocaleMiddleware, which
    would follow Accept-Language). After AuthenticationMiddleware: it reads the user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        code = chosen_language(request)
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", code)
        return response


@require_POST
def set_language(request):
    """Django's set_language (cookie and redirect to `next`), and for a signed-in
    person the choice saved on their user."""
    response = django_set_language(request)
    code = _valid(request.POST.get("language"))
    if code and isinstance(response, HttpResponseRedirect) and request.user.is_authenticated:
        request.user.language = code
        request.user.save(update_fields=["language"])
    return response
