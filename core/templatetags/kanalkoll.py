"""Filters every page uses: spans of time in words, and the machine-readable moment in
a <time datetime> attribute."""

import datetime

from django import template
from django.utils import timezone

from core import durations

register = template.Library()


@register.filter
def duration(span):
    """{{ span|duration }} → "5 dagar 3 timmar" (core/durations.py)."""
    if span in (None, ""):
        return ""
    return durations.describe(span)


@register.filter
def machine_time(value):
    """The value for <time datetime="…">: ISO 8601 in Stockholm time to the second
    (no microseconds, which the HTML standard's checker refuses), or a plain date."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
