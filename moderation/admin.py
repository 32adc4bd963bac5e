from django.contrib import admin

from config.admin import ViewOnlyAdmin, ViewOnlyInline

from .models import ApiToken, CheckIn, Item, ItemEvent, PreservedCopy


class ItemEventInline(ViewOnlyInline):
    model = ItemEvent
    fields = ["at", "action", "actor", "comment", "link"]
    readonly_fields = fields


class PreservedCopyInline(ViewOnlyInline):
    model = PreservedCopy
    fields = ["created_at", "created_by", "text", "image", "sha256"]
    readonly_fields = fields


@admin.register(Item)
class ItemAdmin(ViewOnlyAdmin):
    """Read-only: items change only through the desk, and are never deleted."""

    list_display = ["id", "account", "kind", "due_at", "assignee", "resolved_at", "outcome"]
    list_filter = ["kind", "outcome", "crime_flagged"]
    search_fields = ["text", "author", "diarienummer"]
    inlines = [ItemEventInline, PreservedCopyInline]


@admin.register(CheckIn)
class CheckInAdmin(ViewOnlyAdmin):
    """Read-only: "tillsyn gjord" is recorded on the desk, by the person who did it, now."""

    list_display = ["account", "user", "at"]


@admin.register(ApiToken)
class ApiTokenAdmin(ViewOnlyAdmin):
    """Read-only: keys are issued and revoked on /moderering/nycklar/, where it is recorded."""

    list_display = ["account", "name", "prefix", "created_at", "revoked_at", "last_used_at"]
    readonly_fields = ["prefix", "key_hash", "created_by", "created_at", "last_used_at"]
