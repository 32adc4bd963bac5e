from django.contrib import admin

from config.admin import ViewOnlyAdmin, events_of

from .models import Receipt, Snapshot, SnapshotEvent


@admin.register(Snapshot)
class SnapshotAdmin(ViewOnlyAdmin):
    """Read-only: snapshots change only through capture and sealing, never deleted."""

    list_display = ["account", "period_key", "reason", "version", "state", "sealed_at"]
    list_filter = ["state", "reason", "period_key"]
    search_fields = ["account__display_name", "sha256"]
    inlines = [events_of(SnapshotEvent)]


@admin.register(Receipt)
class ReceiptAdmin(ViewOnlyAdmin):
    """Read-only: kommunarkivet gives its kvittens on the period's page, in its own name."""

    list_display = ["period_key", "received_by", "received_at"]
