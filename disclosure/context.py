from .access import may_view


def nav(request):
    return {"show_requests": may_view(getattr(request, "user", None))}
