from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Account, Attestation, Closure, PassiveRule


@admin.register(Account)
class AccountAdmin(SimpleHistoryAdmin):
    list_display = ["display_name", "platform", "unit", "responsible", "status"]
    list_filter = ["platform", "status", "kind"]
    search_fields = ["display_name", "handle", "url"]
    autocomplete_fields = ["unit", "responsible", "substitute", "administrators"]
    readonly_fields = ["url_key"]

    def has_delete_permission(self, request, obj=None):
        return False  # records are closed, never deleted

    def save_model(self, request, obj, form, change):
        from .urlkeys import url_key

        obj.url_key = url_key(obj.url)
        super().save_model(request, obj, form, change)


@admin.register(PassiveRule)
class PassiveRuleAdmin(admin.ModelAdmin):
    list_display = ["platform", "days"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    """Read-only: closures change through the account page."""

    list_display = ["account", "state", "proposed_by", "proposed_at", "confirmed_by", "closed_at"]
    list_filter = ["state"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attestation)
class AttestationAdmin(admin.ModelAdmin):
    list_display = ["account", "kind", "user", "at", "activity_on", "via_link"]
    list_filter = ["kind"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
