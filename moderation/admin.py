from django.contrib import admin

from .models import ApiToken, CheckIn, Item, ItemEvent, PreservedCopy


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ItemEventInline(ReadOnlyInline):
    model = ItemEvent
    fields = ["at", "action", "actor", "text", "link"]
    readonly_fields = fields


class PreservedCopyInline(ReadOnlyInline):
    model = PreservedCopy
    fields = ["created_at", "created_by", "text", "image", "sha256"]
    readonly_fields = fields


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    """Read-only: items change only through the desk, and are never deleted."""

    list_display = ["id", "account", "kind", "due_at", "assignee", "resolved_at", "outcome"]
    list_filter = ["kind", "outcome", "crime_flagged"]
    search_fields = ["text", "author", "diarienummer"]
    inlines = [ItemEventInline, PreservedCopyInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["account", "user", "at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: keys are issued and revoked on /moderering/nycklar/, where it is recorded."""

    list_display = ["account", "name", "prefix", "created_at", "revoked_at", "last_used_at"]
    readonly_fields = ["prefix", "key_hash", "created_by", "created_at", "last_used_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
