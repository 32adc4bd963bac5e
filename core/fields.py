"""The project's two kinds of foreign key, declared once.

Every reference between records keeps what it names (`on_delete=PROTECT`: records are
not deleted, so nothing cascades), and a reference to a person who did something (who
proposed, decided, revoked, uploaded) has no reverse accessor on the user by default.
`optional=True` is the nullable, blankable form (nobody yet, or the system).

The options given here are the ones the migrations already hold: a model that switches
to these factories writes no migration (`makemigrations --check`).
"""

from django.conf import settings
from django.db import models


def protected_fk(to, verbose_name=None, *, optional=False, **options):
    """A foreign key to `to` that protects what it names."""
    if optional:
        options = {"null": True, "blank": True, **options}
    return models.ForeignKey(to, verbose_name=verbose_name, on_delete=models.PROTECT, **options)


def user_fk(verbose_name, *, optional=False, related_name="+", **options):
    """A person who did something (a user), kept: no reverse accessor unless named."""
    return protected_fk(
        settings.AUTH_USER_MODEL,
        verbose_name,
        optional=optional,
        related_name=related_name,
        **options,
    )
