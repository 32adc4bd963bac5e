from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import tokens
from .models import DirectoryGroup, GroupMapping, ScimToken


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


class IssueScimTokenForm(forms.Form):
    name = forms.CharField(label=_("Katalog"), max_length=100)


@admin.register(ScimToken)
class ScimTokenAdmin(admin.ModelAdmin):
    """The kommun's directory's keys to /scim/v2/: issued on a page of their own (the
    key is shown once), revoked with the action; never edited or deleted."""

    list_display = ["name", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = ["revoke"]
    change_list_template = "identity/admin/scimtoken_change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # issued and revoked through identity.tokens, never edited

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        issue = self.admin_site.admin_view(self.issue_view)
        return [
            path("utfarda/", issue, name="identity_scimtoken_issue"),
            *super().get_urls(),
        ]

    def issue_view(self, request):
        form = IssueScimTokenForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            _token, key = tokens.issue(request.user, form.cleaned_data["name"], now=timezone.now())
            messages.warning(
                request,
                _("Nyckeln visas bara nu. Klistra in den som hemlig token i katalogen: %(key)s")
                % {"key": key},
            )
            return redirect("admin:identity_scimtoken_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Utfärda SCIM-nyckel"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "identity/admin/issue_scim_token.html", context)

    @admin.action(description=_("Återkalla markerade SCIM-nycklar"))
    def revoke(self, request, queryset):
        now = timezone.now()
        count = sum(
            tokens.revoke(request.user, pk, now=now) for pk in queryset.values_list("pk", flat=True)
        )
        messages.success(request, _("%(count)s nycklar återkallades.") % {"count": count})


@admin.register(DirectoryGroup)
class DirectoryGroupAdmin(admin.ModelAdmin):
    """Groups as the directory sends them over SCIM; read only here."""

    list_display = ["display_name", "external_id", "scim_id"]
    search_fields = ["display_name", "external_id"]
    readonly_fields = ["display_name", "external_id", "scim_id", "members"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
