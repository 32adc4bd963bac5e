"""Choosing people for an account or a plan: those near the account first.

`PeoplePicker` (administrators): checkboxes, the people of the account's unit first,
then its förvaltning, then everyone else (folded away); a filter box and a live list of
who is chosen come with static/js/people-picker.js. A click toggles one person only,
and filtering never drops a choice (hidden checkboxes are still sent). Without
JavaScript it is a plain list of checkboxes.

`GroupedPersonSelect` (substitute, responsible): a native select with the same groups
as optgroups, so the browser's own keyboard and type-ahead work.
"""

from django import forms
from django.utils.translation import gettext as _

NEAR, FORVALTNING, OTHERS = 0, 1, 2


def person_label(person):
    """A person as the pickers offer them: name, title and unit."""
    label = f"{person} – {person.title}" if person.title else str(person)
    return f"{label}, {person.unit.name}" if person.unit_id else label


def _rank(person, focus):
    unit = getattr(person, "unit", None)
    if focus is None or unit is None:
        return OTHERS
    if unit.pk == focus.pk or (unit.path or "").startswith(focus.path or "\0"):
        return NEAR
    if focus.forvaltning_id and unit.forvaltning_id == focus.forvaltning_id:
        return FORVALTNING
    return OTHERS


def _group_names(focus):
    if focus is None:
        return {NEAR: "", FORVALTNING: "", OTHERS: _("Alla i kommunen")}
    forvaltning = focus.forvaltning if focus.forvaltning_id else None
    return {
        NEAR: focus.name,
        FORVALTNING: forvaltning.name if forvaltning and forvaltning.pk != focus.pk else "",
        OTHERS: _("Övriga i kommunen"),
    }


class _Grouped:
    """optgroups() by closeness to `focus_unit` (set by the form), in name order."""

    focus_unit = None

    def optgroups(self, name, value, attrs=None):
        buckets = {NEAR: [], FORVALTNING: [], OTHERS: []}
        blank = []
        for index, (option_value, label) in enumerate(self.choices):
            option_value = "" if option_value is None else option_value
            selected = str(option_value) in value
            option = self.create_option(name, option_value, label, selected, index, attrs=attrs)
            instance = getattr(option_value, "instance", None)
            if instance is None:
                blank.append(option)
            else:
                buckets[_rank(instance, self.focus_unit)].append(option)
        names = _group_names(self.focus_unit)
        groups = [(None, blank, 0)] if blank else []
        for rank in (NEAR, FORVALTNING, OTHERS):
            if buckets[rank]:
                groups.append((names[rank] or None, buckets[rank], rank))
        return groups


class PeoplePicker(_Grouped, forms.widgets.ChoiceWidget):
    allow_multiple_selected = True
    input_type = "checkbox"
    template_name = "widgets/people_picker.html"
    option_template_name = "django/forms/widgets/checkbox_option.html"
    use_fieldset = True  # the label is the fieldset's legend (crispy renders it so)

    class Media:
        js = ["js/people-picker.js"]

    def get_context(self, name, value, attrs):
        attrs = {k: v for k, v in (attrs or {}).items() if k != "class"}
        context = super().get_context(name, value, attrs)
        for _group, options, _index in context["widget"]["optgroups"]:
            for option in options:
                option["attrs"]["class"] = "form-check-input"
        groups = context["widget"]["optgroups"]
        context["widget"]["others_open"] = (
            any(
                option["selected"]
                for group, options, rank in groups
                if rank == OTHERS
                for option in options
            )
            or len(groups) == 1
        )
        return context

    def id_for_label(self, id_, index=None):
        return f"{id_}_{index}" if id_ and index is not None else ""

    def value_from_datadict(self, data, files, name):
        try:
            getter = data.getlist
        except AttributeError:
            getter = data.get
        return getter(name)

    def value_omitted_from_data(self, data, files, name):
        return False  # an empty choice is sent as nothing at all


class GroupedPersonSelect(_Grouped, forms.Select):
    pass
