from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import GroupMapping


@admin.register(GroupMapping)
class GroupMappingAdmin(admin.ModelAdmin):
    """Which group in the kommun's directory gives which role in which unit. Applied at
    each person's next sign-in with the kommun's account (identity.signin)."""

    list_display = ["group", "note", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["group", "note", "unit__name"]
    autocomplete_fields = ["unit"]
    fields = ["group", "note", "role", "unit"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["group"].widget.attrs["autocomplete"] = "off"
        return form

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "title": _("Gruppmappningar: vilken grupp som ger vilken roll"),
        }
        return super().changelist_view(request, extra_context)
