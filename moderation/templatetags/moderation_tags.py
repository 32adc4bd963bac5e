from django import template

register = template.Library()


@register.simple_tag
def time_left(item, now):
    """The time until the item's deadline, or how late it is (`span`, shown with the
    `duration` filter), and its whole hours for the badge's colour; a new comment in
    triage has no deadline yet (`triage`)."""
    if item.due_at is None:
        return {"triage": True, "overdue": False, "hours": 0, "span": None}
    span = item.due_at - now
    seconds = abs(int(span.total_seconds()))
    return {"overdue": span.total_seconds() < 0, "hours": seconds // 3600, "span": abs(span)}


@register.filter
def get_item(mapping, key):
    return mapping[key]


@register.filter
def add_class_select(field):
    css = "form-select" if hasattr(field.field, "choices") else "form-control"
    return field.as_widget(attrs={"class": css})
