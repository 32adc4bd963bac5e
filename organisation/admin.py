from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Absence, Handover, RoleAssignment, Unit, User


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1
    autocomplete_fields = ["unit"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "contact_email"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "parent", "contact_email"]}),
        (
            _("Kommunens uppgifter (bara för kommunen)"),
            {
                "fields": [
                    "website",
                    "contact_phone",
                    "archive_email",
                    "publish_person_names",
                    "moderation_working_days",
                ]
            },
        ),
    ]
    inlines = [RoleInline]


@admin.register(User)
class KanalkollUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "title", "unit", "is_active"]
    list_filter = ["is_active", "role_assignments__role"]
    autocomplete_fields = ["unit"]
    fieldsets = UserAdmin.fieldsets + ((_("I kommunen"), {"fields": ["unit", "title"]}),)
    add_fieldsets = UserAdmin.add_fieldsets + (
        (_("I kommunen"), {"fields": ["first_name", "last_name", "email", "unit", "title"]}),
    )
    inlines = [RoleInline]


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ["user", "starts_on", "ends_on", "substitute", "cancelled_at"]
    list_filter = ["starts_on"]
    autocomplete_fields = ["user", "substitute"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "successor", "resolved_at"]
    readonly_fields = ["user", "created_at", "successor", "resolved_at", "resolved_by"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
