"""Who acts for whom on a given day: the one deputies resolver.

Every "whose work is this now", "whose work is on my desk", "may this person act for
that one" and every recipient list asks a `Deputies` for the day. It is set-based: the
day's absences are loaded once, in one query, and everything else is answered from
memory, so a sweep over a thousand items or a desk query costs that one query.

Contract (`d = Deputies.for_day(day)`, or `Deputies.at(now)` for the local date of an
aware datetime, Europe/Stockholm; the caller passes the day, the resolver never reads
the clock; a DST day is an ordinary date):

- `d.is_away(user)`: the user has a recorded, not cancelled absence covering the day.
  Of two overlapping absences the one that started last decides the substitute.
- `d.chain(user)`: the user, then their substitute if they are away, that person's
  substitute if they are away too, and so on, until someone present. The chain stops
  before a substitute who has left (deactivated) and before anyone already in it (a
  cycle: A away with B, B away with A).
- `d.acting_for(user)`: who does the user's work that day: the last of the chain if that
  person is present; if the chain reaches nobody present (a cycle of people who are all
  away, or a substitute who has left), the work stays with the user themselves, never
  with an arbitrary person in the loop.
- `d.represented_by(user)`: the ids of the people whose work `user` does that day,
  transitively: the inverse of `acting_for` (it includes the user unless their own work
  goes to someone else). This is what a desk shows as "yours".
- `d.acts_as(user)`: the ids of the people `user` may act as that day: the user and
  everyone whose work they do (`represented_by`). A person away may still act on what
  is theirs (they are not locked out), but a substitute who is away too is skipped: A
  away with B, B away with C, then C acts for A and for B, and B acts only as B, not
  as A's substitute. The right to act follows the work, so whoever is shown the work
  (`acting_for`, the desk, the e-mail) is exactly who may do it.
- `d.q(user, *fields)`: a Q filter "field is one of represented_by(user)" for querysets,
  OR-ed over the fields, so desks stay one SQL query; `d.q_acts_as` likewise.

A person away still sees their own things (their own querysets do not change); the
desk shows who handles them now (`acting_for`).
"""

import datetime
from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils import timezone

from .models import Absence, RoleAssignment


def _pk(user):
    return user if user is None or isinstance(user, int) else user.pk


class Deputies:
    """The substitutes of one day; see the module's docstring for the contract."""

    def __init__(self, day, absences):
        self.day = day
        # user id -> (substitute id, substitute user or None, substitute is active)
        self._away = {}
        self._users = {}
        for absence in absences:
            if absence.user_id in self._away:
                continue  # ordered newest start first: that absence decides
            sub = absence.substitute
            self._away[absence.user_id] = sub.pk if sub.is_active else None
            self._users[sub.pk] = sub
        self._acting = {}

    @classmethod
    def for_day(cls, day):
        """The day's absences, loaded once (one query, with the substitutes)."""
        if isinstance(day, datetime.datetime):
            raise TypeError("Deputies.for_day takes a date; use Deputies.at(now) for a time")
        absences = Absence.objects.on(day).select_related("substitute").order_by("-starts_on", "pk")
        return cls(day, list(absences))

    @classmethod
    def at(cls, now):
        """The deputies of the local date (Europe/Stockholm) of the aware datetime `now`."""
        return cls.for_day(timezone.localdate(now))

    @classmethod
    def given(cls, deputies, at):
        """The caller's `deputies`, else those of the day of `at` (the caller's now); a
        caller that gives neither is an error, never today by the machine's clock."""
        if deputies is not None:
            return deputies
        if at is None:
            raise TypeError("pass `at` (the caller's now) or `deputies`")
        return cls.at(at)

    # -- single people ---------------------------------------------------------------

    def is_away(self, user):
        return _pk(user) in self._away

    def chain_ids(self, user):
        pk = _pk(user)
        if pk is None:
            return []
        chain = [pk]
        while chain[-1] in self._away:
            substitute = self._away[chain[-1]]
            if substitute is None or substitute in chain:
                break
            chain.append(substitute)
        return chain

    def chained_to(self, user):
        """Ids of the people whose chain of substitutes today passes through `user`,
        `user` included: everyone whose work may come to them, whoever is away."""
        pk = _pk(user)
        return {pk} | {other for other in self._away if pk in self.chain_ids(other)}

    def chain(self, user):
        """As chain_ids, as users (the substitutes come with the day's one query)."""
        if user is None:
            return []
        return [user] + [self._users[pk] for pk in self.chain_ids(user)[1:]]

    def acting_for_id(self, user):
        pk = _pk(user)
        if pk is None:
            return None
        if pk not in self._acting:
            last = self.chain_ids(pk)[-1]
            self._acting[pk] = pk if last in self._away else last
        return self._acting[pk]

    def acting_for(self, user):
        """The user who does `user`'s work today (a User for a User)."""
        pk = self.acting_for_id(user)
        if user is None or pk == user.pk:
            return user
        return self._users[pk]

    # -- sets ------------------------------------------------------------------------

    def represented_by(self, user):
        """Ids of the people whose work `user` does today, `user` included unless their
        own work goes to someone else."""
        pk = _pk(user)
        found = {other for other in self._away if self.acting_for_id(other) == pk}
        if self.acting_for_id(pk) == pk:
            found.add(pk)
        return found

    def acts_as(self, user):
        """Ids of the people `user` may act as today: themselves and everyone whose work
        they do (never as someone's substitute while away themselves)."""
        pk = _pk(user)
        return {pk} | {other for other in self._away if self.acting_for_id(other) == pk}

    def others_acted_for(self, user):
        """acts_as without the user: whom they stand in for (empty on most days)."""
        return self.acts_as(user) - {_pk(user)}

    def may_act_for(self, actor, owner):
        """`actor` is `owner`, or does `owner`'s work today."""
        return _pk(actor) in (_pk(owner), self.acting_for_id(owner))

    def roles_over(self, user, unit):
        """The roles `user` holds over `unit`, and those of everyone they stand in for
        today. No query unless they stand in for someone."""
        roles = user.roles_over(unit)
        others = self.others_acted_for(user)
        if others and unit is not None:
            for role, path in RoleAssignment.objects.filter(
                user__in=others, user__is_active=True
            ).values_list("role", "unit__path"):
                if unit.path.startswith(path):
                    roles.add(role)
        return roles

    # -- queryset filters ------------------------------------------------------------

    def q(self, user, *fields):
        """Q: any of `fields` is a person whose work `user` does today."""
        ids = self.represented_by(user)
        return reduce(or_, (Q(**{f"{field}__in": ids}) for field in fields))

    def q_acts_as(self, user, *fields):
        """Q: any of `fields` is a person `user` may act as today."""
        ids = self.acts_as(user)
        return reduce(or_, (Q(**{f"{field}__in": ids}) for field in fields))
