def navigation(request):
    """Whether the header shows "Arkiv" (kommunarkivet and the communications office)."""
    from .views import ARCHIVE_ROLES

    user = getattr(request, "user", None)
    return {"show_archive": bool(user and user.is_authenticated and user.has_role(*ARCHIVE_ROLES))}
