from django.contrib import admin

from .models import Evaluation, Plan, PlanEvent


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PlanEventInline(ReadOnlyInline):
    model = PlanEvent
    fields = ["at", "action", "actor", "role", "from_state", "to_state", "comment"]
    readonly_fields = fields


class EvaluationInline(ReadOnlyInline):
    model = Evaluation
    fields = ["due_on", "submitted_at", "submitted_by", "outcome"]
    readonly_fields = fields


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    """Read-only: plans change only through the approval flow, and are never deleted."""

    list_display = [
        "reference",
        "version",
        "account_name",
        "applicant",
        "unit",
        "state",
        "state_changed_at",
    ]
    list_filter = ["state", "assignment", "platform"]
    search_fields = ["reference", "account_name", "applicant__username", "applicant__last_name"]
    inlines = [PlanEventInline, EvaluationInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
