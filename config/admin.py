from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class KanalkollAdminSite(admin.AdminSite):
    """Django admin for the systemadministratör role (and superusers)."""

    site_header = _("Kanalkoll – administration")
    site_title = _("Kanalkoll")
    index_title = _("Systemadministration")

    def has_permission(self, request):
        return request.user.is_active and getattr(request.user, "is_systemadmin", False)

    def login(self, request, extra_context=None):
        # One sign-in page for everyone; the admin is reached after signing in.
        if request.user.is_authenticated:
            return redirect("todo")
        return redirect(
            f"{reverse('login')}?next={request.GET.get('next', reverse('admin:index'))}"
        )


class ViewOnly:
    """For a record that changes only through its service, or never (see core.records):
    the admin lists and shows it, and nothing more. Works for ModelAdmins and inlines."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ViewOnlyAdmin(ViewOnly, admin.ModelAdmin):
    pass


class ViewOnlyInline(ViewOnly, admin.TabularInline):
    extra = 0
    can_delete = False


class EventInline(ViewOnlyInline):
    """A record's events (core.events.Event), shown with it."""

    fields = ["at", "action", "actor", "comment", "data"]
    readonly_fields = fields


def events_of(model):
    """The inline of one event model."""
    return type(f"{model.__name__}Inline", (EventInline,), {"model": model})


class KanalkollAdminConfig(AdminConfig):
    default_site = "config.admin.KanalkollAdminSite"
