from django.contrib import admin

from config.admin import ViewOnlyAdmin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(ViewOnlyAdmin):
    """Read-only: notifications are written with the change that caused them and
    delivered by the outbox."""

    list_display = ["subject", "recipient", "created_at", "sent_at", "attempts", "read_at"]
    list_filter = ["kind", "sent_at"]
    search_fields = ["subject", "recipient__username"]
