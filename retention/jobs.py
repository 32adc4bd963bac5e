"""The gallring sweep (config/sweeps.py): once a day, everything the plan says is due."""

from . import gallring


def gallra(now):
    outcomes = gallring.run(now=now)
    disposed = sum(o.count for o in outcomes)
    refused = [o.rtype.key for o in outcomes if o.status == gallring.REFUSED]
    return {"gallrade": disposed, "vagrade": refused}
