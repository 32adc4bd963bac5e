from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ViewOnly, ViewOnlyAdmin, events_of

from .models import Account, Attestation, Closure, ClosureEvent, PassiveRule


@admin.register(Account)
class AccountAdmin(ViewOnly, SimpleHistoryAdmin):
    """Read-only, with its history: the register changes through the account pages
    (accounts.services: validated, recorded, announced), and an account is closed
    through the closure flow, after its final snapshot."""

    list_display = ["display_name", "platform", "unit", "responsible", "status"]
    list_filter = ["platform", "status", "kind"]
    search_fields = ["display_name", "handle", "url"]

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple_history saves a posted "revert" even when reverting is disabled.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(PassiveRule)
class PassiveRuleAdmin(admin.ModelAdmin):
    list_display = ["platform", "days"]


@admin.register(Closure)
class ClosureAdmin(ViewOnlyAdmin):
    """Read-only: closures change through the account page."""

    list_display = ["account", "state", "proposed_by", "proposed_at", "confirmed_by", "closed_at"]
    list_filter = ["state"]
    inlines = [events_of(ClosureEvent)]


@admin.register(Attestation)
class AttestationAdmin(ViewOnlyAdmin):
    """Read-only: the responsible person attests on the account page, in their own name."""

    list_display = ["account", "kind", "user", "at", "activity_on", "via_link"]
    list_filter = ["kind"]
