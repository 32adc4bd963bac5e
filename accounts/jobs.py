"""The register's sweeps: feeds, passive accounts, administration coverage."""

from . import feeds, lifecycle


def read_feeds(now):
    return feeds.read_feeds(now)


def remind_passive(now):
    return lifecycle.remind_passive(now)


def remind_coverage(now):
    return lifecycle.remind_coverage(now)
