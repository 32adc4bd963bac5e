from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Account


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
