from .access import may_use_archive


def navigation(request):
    """Whether the header shows "Arkiv" (kommunarkivet and the communications office)."""
    return {"show_archive": may_use_archive(getattr(request, "user", None))}
