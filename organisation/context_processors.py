from .models import RoleAssignment


def signed_in(request):
    """Who is signed in and in which roles, for the header: ["Chef, Biblioteket", …].
    A callable, so that pages without a header (and anonymous visitors) run no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def roles():
        rows = (
            RoleAssignment.objects.filter(user=user)
            .select_related("unit")
            .order_by("role", "unit__name")
        )
        labels = [f"{row.get_role_display()}, {row.unit.name}" for row in rows]
        if not labels and user.is_superuser:
            from .models import Role

            labels = [str(Role.SYSTEMADMINISTRATOR.label)]
        return labels

    return {"signed_in_roles": roles}
