from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from config.admin import ViewOnlyAdmin, events_of
from core import registry

from .models import Absence, Handover, HandoverEvent, PersonEvent, RoleAssignment, Unit, User
from .services import deactivate_user, reactivate_user, record_absence, record_role_changes


class RecordRoleChanges:
    """Roles edited on the admin's inline are recorded in each person's history, with
    who changed them here as the cause."""

    def save_formset(self, request, form, formset, change):
        if formset.model is not RoleAssignment:
            return super().save_formset(request, form, formset, change)

        def held():
            rows = RoleAssignment.objects.filter(**{formset.fk.name: formset.instance})
            return {(a.user_id, a.unit, a.role) for a in rows.select_related("unit")}

        with transaction.atomic():
            before = held() if formset.instance.pk else set()
            super().save_formset(request, form, formset, change)
            record_role_changes(
                before,
                held(),
                actor=request.user,
                now=timezone.now(),
                cause=gettext("ändrad i administrationen av %(user)s") % {"user": request.user},
            )


def _saved_for_the_register(self, request, obj, form, change):
    """ModelAdmin.save_model for units and people: the public register shows their names
    and addresses, so its version moves in the admin's transaction."""
    admin.ModelAdmin.save_model(self, request, obj, form, change)
    registry.public_register_changed(now=timezone.now())


class RoleInline(admin.StackedInline):
    """Stacked, with plain selects: each field has its label (a tabular inline's cells
    and the autocomplete widget have none, which axe-core reports)."""

    model = RoleAssignment
    extra = 1
    readonly_fields = ["sign_in_source"]


@admin.register(Unit)
class UnitAdmin(RecordRoleChanges, admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "contact_email"]
    list_filter = ["kind"]
    search_fields = ["name"]
    save_model = _saved_for_the_register
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
                    "oidc_unmapped",
                    "organisation_number",
                    "open_data_licence",
                    "privacy_url",
                ]
            },
        ),
    ]
    inlines = [RoleInline]


class PersonEventInline(events_of(PersonEvent)):
    """The person's history: roles and unit changed, and what caused each change."""

    fk_name = "person"


@admin.register(User)
class KanalkollUserAdmin(RecordRoleChanges, UserAdmin):
    """People are deactivated and reactivated only through the actions on the list
    (organisation.services), which open the handover of a departure; `is_active` is
    read-only on the change form."""

    list_display = ["username", "first_name", "last_name", "title", "unit", "is_active"]
    list_filter = ["is_active", "role_assignments__role"]
    # Plain, labelled widgets (axe-core): no autocomplete, no filter_horizontal with its
    # tooltip icons, and the sign-in times are shown, not edited.
    filter_horizontal = ()
    fieldsets = UserAdmin.fieldsets + (
        (_("I kommunen"), {"fields": ["unit", "title"]}),
        (_("Inloggning"), {"fields": ["is_break_glass", "oidc_subject"]}),
    )
    add_fieldsets = UserAdmin.add_fieldsets + (
        (_("I kommunen"), {"fields": ["first_name", "last_name", "email", "unit", "title"]}),
    )
    inlines = [RoleInline, PersonEventInline]
    actions = ["deactivate", "reactivate"]
    save_model = _saved_for_the_register

    def get_readonly_fields(self, request, obj=None):
        return [
            *super().get_readonly_fields(request, obj),
            "is_active",
            "oidc_subject",
            "last_login",
            "date_joined",
        ]

    def has_delete_permission(self, request, obj=None):
        return False  # people are deactivated, never deleted: records point at them

    def _each(self, request, queryset, service):
        """Call the service for each selected person, the admin user as actor; a refusal
        is shown and the others go on (each in its own transaction)."""
        now = timezone.now()
        results = []
        for user in queryset.order_by("pk"):
            try:
                results.append(service(request.user, user, now))
            except ValidationError as refused:
                self.message_user(request, " ".join(refused.messages), messages.WARNING)
        return results

    @admin.action(description=_("Avaktivera markerade personer"), permissions=["change"])
    def deactivate(self, request, queryset):
        handovers = self._each(request, queryset, deactivate_user)
        if not handovers:
            return
        opened = sum(h is not None for h in handovers)
        self.message_user(
            request,
            ngettext("%(n)s person avaktiverad.", "%(n)s personer avaktiverade.", len(handovers))
            % {"n": len(handovers)}
            + " "
            + ngettext(
                "%(n)s överlämning öppnad; kommunikatören ombeds utse efterträdare.",
                "%(n)s överlämningar öppnade; kommunikatören ombeds utse efterträdare.",
                opened,
            )
            % {"n": opened},
            messages.SUCCESS,
        )

    @admin.action(description=_("Återaktivera markerade personer"), permissions=["change"])
    def reactivate(self, request, queryset):
        done = len(self._each(request, queryset, reactivate_user))
        if done:
            self.message_user(
                request,
                ngettext("%(n)s person återaktiverad.", "%(n)s personer återaktiverade.", done)
                % {"n": done},
                messages.SUCCESS,
            )


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    """Organisation data the systemadministratör may record for someone: validated as on
    the absence page (organisation.services.record_absence, which also tells the
    substitute), never deleted; a recorded absence is withdrawn by its owner."""

    list_display = ["user", "starts_on", "ends_on", "substitute", "cancelled_at"]
    list_filter = ["starts_on"]
    autocomplete_fields = ["user", "substitute"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    fields = ["user", "starts_on", "ends_on", "substitute", "note", "created_at", "cancelled_at"]
    readonly_fields = ["created_at", "cancelled_at"]

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # As on the absence page: the substitute is someone still here.
        form.base_fields["substitute"].queryset = User.objects.filter(is_active=True)
        return form

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        saved = record_absence(
            obj.user, obj.starts_on, obj.ends_on, obj.substitute, obj.note, now=timezone.now()
        )
        obj.pk, obj.created_at, obj._state.adding = saved.pk, saved.created_at, False


@admin.register(Handover)
class HandoverAdmin(ViewOnlyAdmin):
    """Read-only: a handover opens when a user is deactivated (the user list's action)
    and is resolved on its page by the communicator, where the successor takes over."""

    list_display = ["user", "created_at", "created_by", "successor", "resolved_at"]
    inlines = [events_of(HandoverEvent)]
