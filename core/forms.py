"""Form fields that the apps' forms declare the same way."""

from functools import reduce
from operator import or_

from django import forms
from django.db.models import Q

# The most rows a searched choice field offers (offer_matching).
SEARCH_CHOICES = 50


def optional_text(label, *, rows=None, max_length=None, help_text=""):
    """An optional text field: a textarea of `rows` lines, or one line of at most
    `max_length` characters."""
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    return forms.CharField(
        label=label, required=False, max_length=max_length, widget=widget, help_text=help_text
    )


def offer_matching(form, name, search, *, lookups, label, describe):
    """Offer in the choice field `name` of `form` only the rows of its queryset that
    match `search` (the page's search box, answered by the server: any of the fields
    `lookups` contains it), at most SEARCH_CHOICES of them, never a whole table in one
    select; the one chosen in the bound data is kept among them, and any row of the
    queryset is accepted. `label(row)` is an option's text, `describe(matching)` the
    field's help text for how many match. Sets `form.matching` and `form.offered`."""
    field = form.fields[name]
    matches = field.queryset
    if search:
        matches = matches.filter(
            reduce(or_, (Q(**{f"{lookup}__icontains": search}) for lookup in lookups))
        )
    offered = list(matches[:SEARCH_CHOICES])
    chosen = form.data.get(form.add_prefix(name)) if form.is_bound else None
    if chosen and str(chosen).isdigit() and all(str(row.pk) != chosen for row in offered):
        offered += list(field.queryset.filter(pk=chosen))  # a choice is never dropped
    form.matching = matches.count()
    form.offered = len(offered)
    field.widget.choices = [("", field.empty_label)] + [(row.pk, label(row)) for row in offered]
    field.help_text = describe(form.matching)
