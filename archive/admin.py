from django.contrib import admin

from .models import Receipt, Snapshot


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    """Read-only: snapshots change only through capture and sealing, never deleted."""

    list_display = ["account", "period_key", "reason", "version", "state", "sealed_at"]
    list_filter = ["state", "reason", "period_key"]
    search_fields = ["account__display_name", "sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Receipt)
class ReceiptAdmin(admin.ModelAdmin):
    list_display = ["period_key", "received_by", "received_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
