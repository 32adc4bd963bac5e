from . import provider


def sign_in(request):
    """Whether the sign-in page offers the kommun's account (templates: kommun_sign_in)."""
    return {"kommun_sign_in": provider.enabled()}
