"""Rendering a notification: subject, text and HTML from its kind's templates
notifications/email/<kind>.subject.txt, .txt and .html. One path for every notification:
notify() renders at once with the objects it is given; a sweep that writes many rows
at once stores only a `context` of ids and leaves them unrendered, and render_pending()
renders them, a batch at a time, before they are sent (notifications.jobs) and before
they are shown in the list (notifications.views).

An app that writes unrendered notifications registers a loader for each of their kinds
in core.registry.notification_loaders: a function that turns a list of stored contexts
into template contexts, loading what they refer to in bulk. notifications depends on no
other app; the other apps register there from their AppConfig.ready().
"""

from collections import defaultdict

from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from django.utils import translation

from core import registry

from .models import Notification


def render(kind, context, recipient, url):
    """(subject, text, html) of a notification to `recipient`, in the site's language."""
    context = {**context, "recipient": recipient, "url": url, "site_url": settings.SITE_URL}
    with translation.override(settings.LANGUAGE_CODE):
        subject, text, html = (
            render_to_string(f"notifications/email/{kind}.{ext}", context)
            for ext in ("subject.txt", "txt", "html")
        )
    return " ".join(subject.split())[:200], text.strip(), html.strip()


def loader(**sources):
    """A loader for contexts that store ids: each key of `sources` is a queryset whose
    ids in the stored contexts are replaced by its objects (one query per key), or a
    function of the stored value; other values pass as stored."""

    def load(contexts):
        found = {
            key: source.in_bulk({c[key] for c in contexts if c.get(key) is not None})
            for key, source in sources.items()
            if hasattr(source, "in_bulk")
        }
        loaded = []
        for context in contexts:
            context = dict(context)
            for key, source in sources.items():
                if key in context:
                    value = context[key]
                    context[key] = found[key].get(value) if key in found else source(value)
            loaded.append(context)
        return loaded

    return load


def render_pending(notifications, now):
    """Render the unrendered ones among `notifications` (their recipients loaded), in
    place, and store them: one loader call per kind and one UPDATE per 500 rows. Two
    callers rendering the same row at once write the same text; only the first UPDATE
    changes it."""
    todo = [n for n in notifications if n.rendered_at is None]
    if not todo:
        return 0
    by_kind = defaultdict(list)
    for notification in todo:
        by_kind[notification.kind].append(notification)
    for kind, group in by_kind.items():
        stored = [n.context for n in group]
        load = registry.notification_loaders.get(kind)
        for notification, context in zip(group, load(stored) if load else stored, strict=True):
            notification.subject, notification.body_text, notification.body_html = render(
                kind, context, notification.recipient, notification.url
            )
            notification.rendered_at = now
    _store(todo, now)
    return len(todo)


def _store(notifications, now, chunk=500):
    """UPDATE … FROM (VALUES …): one statement per 500 rows, on PostgreSQL and SQLite
    alike (bulk_update's CASE per row costs far more to build than to run)."""
    table = connection.ops.quote_name(Notification._meta.db_table)
    for start in range(0, len(notifications), chunk):
        part = notifications[start : start + chunk]
        values = ", ".join(["(%s, %s, %s, %s)"] * len(part))
        params = [now]
        for n in part:
            params += [n.pk, n.subject, n.body_text, n.body_html]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET rendered_at = %s, subject = v.column2, "
                "body_text = v.column3, body_html = v.column4 "
                f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1 "
                f"AND {table}.rendered_at IS NULL",
                params,
            )
