from django.contrib import admin

from config.admin import ViewOnlyAdmin, ViewOnlyInline

from .models import Evaluation, Plan, PlanEvent


class PlanEventInline(ViewOnlyInline):
    model = PlanEvent
    fields = ["at", "action", "actor", "role", "from_state", "to_state", "comment"]
    readonly_fields = fields


class EvaluationInline(ViewOnlyInline):
    model = Evaluation
    fields = ["due_on", "submitted_at", "submitted_by", "outcome"]
    readonly_fields = fields


@admin.register(Plan)
class PlanAdmin(ViewOnlyAdmin):
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
