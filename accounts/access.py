"""Who may see and change an account: the one place that answers it."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from organisation.deputies import Deputies
from organisation.models import REGISTER_CURATORS, Role

from .models import Account

FULL = "full"
DESCRIPTIVE = "descriptive"


def can_register(user):
    return user.is_authenticated and user.is_active and user.has_role(*REGISTER_CURATORS)


def edit_level(user, account):
    """FULL for the register's curators, DESCRIPTIVE for the account's responsible
    person and its förvaltningskommunikatör, otherwise None."""
    roles = user.roles_over(account.unit)
    if roles & REGISTER_CURATORS:
        return FULL
    if account.responsible_id == user.pk or Role.KOMMUNIKATOR in roles:
        return DESCRIPTIVE
    return None


def get_account_for_user(user, pk, queryset=None, deputies=None):
    """The account if the user may see it, also as someone's substitute today (the
    views' day unless `deputies` are given); 404 for everyone else."""
    qs = queryset if queryset is not None else Account.objects.all()
    deputies = deputies or Deputies.for_day(timezone.localdate())
    account = (
        qs.visible_to(user, deputies)
        .filter(pk=pk)
        .select_related("unit", "unit__forvaltning")
        .first()
    )
    if account is None:
        raise Http404(_("Kontot finns inte eller så saknar du behörighet att se det."))
    return account


def get_editable_account(user, pk):
    """The account and the user's edit level; 403 to those who may see but not change it."""
    account = get_account_for_user(user, pk)
    level = edit_level(user, account)
    if level is None:
        raise PermissionDenied(_("Du kan se kontot men inte ändra det."))
    return account, level
