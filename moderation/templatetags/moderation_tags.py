from django import template

register = template.Library()


@register.simple_tag
def time_left(item, now):
    """Hours and minutes until the item's deadline, or how late it is."""
    seconds = int((item.due_at - now).total_seconds())
    overdue = seconds < 0
    seconds = abs(seconds)
    return {"overdue": overdue, "hours": seconds // 3600, "minutes": seconds % 3600 // 60}


@register.filter
def get_item(mapping, key):
    return mapping[key]


@register.filter
def add_class_select(field):
    css = "form-select" if hasattr(field.field, "choices") else "form-control"
    return field.as_widget(attrs={"class": css})
