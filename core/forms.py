"""Form fields that the apps' forms declare the same way."""

from django import forms


def optional_text(label, *, rows=None, max_length=None, help_text=""):
    """An optional text field: a textarea of `rows` lines, or one line of at most
    `max_length` characters."""
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    return forms.CharField(
        label=label, required=False, max_length=max_length, widget=widget, help_text=help_text
    )
