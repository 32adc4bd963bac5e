from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ViewOnly, ViewOnlyAdmin, events_of

from . import registerversion
from .models import Account, Attestation, Closure, ClosureEvent, PassiveRule, Platform


@admin.register(Account)
class AccountAdmin(ViewOnly, SimpleHistoryAdmin):
    """Read-only, with its history: the register changes through the account pages
    (accounts.services: validated, recorded, announced), and an account is closed
    through the closure flow, after its final snapshot."""

    list_display = ["display_name", "platform", "unit", "responsible", "status"]
    list_filter = ["platform", "status", "kind"]
    search_fields = ["display_name", "handle", "url"]

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """As simple_history's, but the administrators' rows of the whole page come from
        one query (accounts.history.m2m_rows), not two per record."""
        from simple_history.models import ModelChange

        from organisation.models import User

        from .history import m2m_rows

        records = list(historical_records)
        m2m = m2m_rows(records)
        names = [f.name for f in Account.history.model._history_m2m_fields]
        people = User.objects.in_bulk(
            {pk for fields in m2m.values() for pks in fields.values() for pk in pks}
        )
        for previous, current in zip(records, records[1:], strict=False):
            delta = previous.diff_against(
                current, excluded_fields=names, foreign_keys_are_objs=foreign_keys_are_objs
            )
            for name in names:
                old = m2m[current.history_id].get(name, [])
                new = m2m[previous.history_id].get(name, [])
                if old != new:
                    delta.changes.append(
                        ModelChange(
                            name,
                            [{"user": people[pk]} for pk in old if pk in people],
                            [{"user": people[pk]} for pk in new if pk in people],
                        )
                    )
            helper = self.get_historical_record_context_helper(request, previous)
            previous.history_delta_changes = helper.context_for_delta_changes(delta)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple_history saves a posted "revert" even when reverting is disabled.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    """The platform catalogue (accounts.platforms), kept by the systemadministratör: a
    new platform (its host names, other names, short links and feed) is added here and
    recognised by the register, its forms and /register/verify without a change of
    code. The slug of a platform in use is what the accounts hold: not changed here."""

    list_display = ["name", "slug", "position", "hosts"]
    search_fields = ["name", "slug", "hosts"]
    fields = ["name", "slug", "position", "hosts", "aliases", "short_links", "feed_template"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and Account.objects.filter(platform=obj.slug).exists():
            return ["slug"]
        return []

    def has_delete_permission(self, request, obj=None):
        return obj is None or not Account.objects.filter(platform=obj.slug).exists()

    def save_model(self, request, obj, form, change):
        """The public register names each account's platform: its version moves in the
        admin's transaction."""
        super().save_model(request, obj, form, change)
        registerversion.bump(now=timezone.now())

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "title": _("Plattformskatalogen: plattformar som förteckningen känner igen"),
        }
        return super().changelist_view(request, extra_context)


@admin.register(PassiveRule)
class PassiveRuleAdmin(admin.ModelAdmin):
    list_display = ["platform", "days"]


@admin.register(Closure)
class ClosureAdmin(ViewOnlyAdmin):
    """Read-only: closures change through the account page."""

    list_display = ["account", "state", "proposed_by", "proposed_at", "confirmed_by", "closed_at"]
    list_filter = ["state"]
    inlines = [events_of(ClosureEvent)]


@admin.register(Attestation)
class AttestationAdmin(ViewOnlyAdmin):
    """Read-only: the responsible person attests on the account page, in their own name."""

    list_display = ["account", "kind", "user", "at", "activity_on", "via_link"]
    list_filter = ["kind"]
