"""The workflow kernel: every transition of every stateful record, in one shape.

Each stateful record (a plan, a moderation item, a closure, a snapshot, a handover) has
one `Workflow`: a declarative table of `Transition`s. A transition names its `action`
(a value of the workflow's TextChoices), the states it starts from (`sources`), the
state it leads to (`target`, for the reader and the tests; `apply` sets it), `may`
(who may take it: a predicate over the `Context`, i.e. the actor, the locked record,
the moment and the day's deputies), its `guards` (what else must hold, each with its
Swedish refusal) and `apply` (the change itself). The apps register their workflows in
`core.registry.workflows` from `AppConfig.ready()`.

Two functions read the tables, and nothing else decides:

- `perform(actor, record, action, *, expected_state, now, **data)`: in one
  `transaction.atomic()` it locks the row (`select_for_update`), re-checks the state
  (`expected_state`, the state the actor saw, or None for "whatever the transition starts
  from"; a mismatch or a state the action does not start from raises `Conflict`), re-checks
  `may` (`NotAllowed`, a PermissionDenied) and the guards, applies the transition, writes
  the workflow's event (core.events) and the notifications `apply` asked for. A refused
  request changes nothing.
- `allowed(actor, record, *, now)`: the actions the actor may take now (state, `may` and
  guards all hold), each with its label, URL and button style. Views and templates show
  these and never restate a rule.

Creating a record is a transition too: from the state `NEW` (no record yet; its
`sources` is `CREATE`) to the record's first state. `perform_create(actor, model,
action, *, now, parent=None, **data)` runs it in one transaction: it locks the parent
(the account, the applicant, the person who left: the transition's `lock`), checks
`may` and the guards on a Context whose `record` is None and whose `parent` is the
parent, calls `apply`, which creates and returns the record, and writes its first event
and the notifications. `allowed_create(actor, model, *, now, parent=None)` lists the
creations the actor may start, for the pages' "Ny plan"/"Nytt ärende" buttons. Every
registered workflow has at least one creation transition (a system one, `system=True`,
for what a sweep or a tool creates).

A sweep that creates records at scale (the half-year's snapshots) takes a creation
transition declared `bulk=True` through `perform_create_many(actor, model, action, *,
now, **data)`: in one transaction it takes the bulk creation's own lock (`serialise`,
an advisory lock named after the workflow and the action: one run at a time, so a
parallel run waits, then finds what the first one made), checks `may` and the guards
on a Context whose record and parent are None, calls `apply`, which returns the records
to make, unsaved, and bulk-creates them and one first event each (in batches: the
statements do not grow with the rows), then the notifications. A bulk transition is
taken only in bulk, and perform_create_many takes only a bulk transition.

Tables share their keywords through `Transition.maker(**defaults)` and declare the
system's steps with `Transition.by_system(...)`; a transition's label defaults to its
action's TextChoices label, and `Workflow(related=...)` is the default row lock.

The kernel imports no domain app: the day's deputies and the outbox come through
`core.registry.deputies` and `core.registry.notifier`, which organisation and
notifications fill.

Size: the kernel is one unit (the table's types, perform, perform_create,
perform_create_many, allowed, allowed_create); split, each part would import the others.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse

from . import registry

NEW = None  # the state of a record that does not exist yet
CREATE = frozenset({NEW})  # the sources of a creation transition


class Conflict(Exception):
    """The record is not (or no longer) in a state that allows the action: a double
    click, two tabs, two substitutes. Nothing changed; the message says why, in Swedish."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)

    @classmethod
    def of(cls, name, doc, module):
        """A workflow's own subclass (views catch Conflict itself)."""
        return type(name, (cls,), {"__doc__": doc, "__module__": module})


class NotAllowed(PermissionDenied):
    """The actor may not take the action on this record now."""


def _always(ctx):
    return True


def _text(value, ctx):
    return str(value(ctx) if callable(value) else value)


@dataclass(frozen=True)
class Guard:
    """A condition besides the state and the actor: `test(ctx)` true lets the action go
    ahead; otherwise the request is refused with `message` (a Conflict about the record,
    with `denies=True` a NotAllowed about the actor, with `field` a ValidationError on
    that field of the form)."""

    test: object
    message: object
    denies: bool = False
    field: str = ""

    def refuse(self, ctx):
        if self.field:
            raise ValidationError({self.field: _text(self.message, ctx)})
        error = NotAllowed if self.denies else ctx.workflow.conflict_type
        raise error(_text(self.message, ctx))


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    may: object
    apply: object
    refusal: object  # the Swedish reason when `may` is false
    target: object = None  # a state, or a short description when apply decides it
    guards: tuple = ()
    conflict: object = None  # the Swedish reason when the state does not allow it
    label: object = ""  # default: the action's TextChoices label
    url_name: str = ""
    url_args: object = None  # record -> args; default [record.pk]
    style: str = "primary"
    event: object = None  # the event's action; default `action`; False: apply writes its own
    system: bool = False  # taken by the system (a sweep, another workflow), never offered
    lock: object = None  # a creation's parent -> the parent locked for update
    bulk: bool = False  # a creation taken by perform_create_many: apply returns unsaved rows

    def __post_init__(self):
        if not self.label and hasattr(self.action, "label"):
            object.__setattr__(self, "label", self.action.label)  # the action's own name

    @classmethod
    def maker(cls, *, slugs=None, **defaults):
        """A maker of one table's transitions, `make(action, sources, **kwargs)`, with the
        table's shared keywords (`kwargs` override them). With `slugs` (action -> URL
        slug: a mapping or a function), each transition's URL takes the record's pk and
        its action's slug."""

        def make(action, sources, **kwargs):
            values = {**defaults, **kwargs}
            if slugs is not None and "url_args" not in values:
                slug = slugs(action) if callable(slugs) else slugs.get(action)
                if slug is not None:
                    values["url_args"] = lambda record: [record.pk, slug]
            return cls(action, frozenset(sources), **values)

        return make

    @classmethod
    def by_system(cls, action, sources, apply, **kwargs):
        """A step the system takes (a sweep, a tool, another workflow): never offered."""
        kwargs = {"may": _always, "refusal": "", "target": "(unchanged)", **kwargs}
        return cls(action, frozenset(sources), apply=apply, system=True, **kwargs)

    @property
    def creates(self):
        return NEW in self.sources

    def url(self, record):
        """The action's URL for `record` (for a creation, its parent, or None)."""
        if not self.url_name:
            return ""
        if self.url_args:
            args = self.url_args(record)
        else:
            args = [] if record is None else [record.pk]
        return reverse(self.url_name, args=args)


@dataclass
class Context:
    """What a predicate, a guard and an apply function see."""

    workflow: object
    actor: object
    record: object  # None while a creation transition decides and applies
    now: object
    data: dict = field(default_factory=dict)
    given_deputies: object = None
    parent: object = None  # a creation's parent record (the account, the applicant, …)
    # Filled by apply: the main event's comment, data and extra fields, the extra events
    # and the notifications, written by perform in the same transaction.
    comment: str = ""
    event_data: dict = field(default_factory=dict)
    event_fields: dict = field(default_factory=dict)
    from_state: object = None
    event_action: object = None  # when one transition records one of several actions
    notifications: list = field(default_factory=list)
    result: object = None

    @cached_property
    def deputies(self):
        return self.given_deputies or deputies_at(self.now)

    def notify(self, recipient, kind, context, url=""):
        """Write this notification after the event (`context` may be a callable, read
        then, e.g. to show the event just written)."""
        if recipient is not None:
            self.notifications.append((recipient, kind, context, url))


@dataclass(frozen=True)
class Allowed:
    """One action the actor may take now, as a view or template shows it."""

    action: str
    label: str
    url: str
    style: str
    transition: Transition


class Actions(list):
    """The allowed actions; `action in actions` and `actions[action]` by action value."""

    def __contains__(self, action):
        return any(a.action == action for a in self)

    def get(self, action, default=None):
        return next((a for a in self if a.action == action), default)

    def __getitem__(self, key):
        if isinstance(key, str):
            found = self.get(key)
            if found is None:
                raise KeyError(key)
            return found
        return super().__getitem__(key)


class Workflow:
    """The transition table of one model, `Workflow(model, transitions, …)`.

    `name` is the model's label ("archive.snapshot"); `lock(pk)` returns the row locked
    for update; `state_of(record)` its state (default the `state` field); `event_model`
    the core.events.Event subclass it writes (default: the model of the record's
    `events`), with `event_fields(ctx)` for its extra columns; `conflict(ctx)` the
    default Swedish reason when the state does not allow an action; `conflict_type` the
    workflow's subclass of Conflict (views catch Conflict itself)."""

    def __init__(
        self,
        model,
        transitions,
        *,
        event_model=None,
        lock=None,
        related=(),
        state_of=None,
        conflict=None,
        event_fields=None,
        conflict_type=Conflict,
    ):
        self.name = model._meta.label_lower
        self.model = model
        self.transitions = list(transitions)
        self._event_model = event_model
        self._lock = lock
        self.related = tuple(related)  # select_related of the default lock
        self._state_of = state_of
        self._conflict = conflict
        self._event_fields = event_fields
        self.conflict_type = conflict_type
        actions = {t.action for t in self.transitions}
        self.actions = sorted(actions)

    def __repr__(self):
        return f"<Workflow {self.name}>"

    @cached_property
    def event_model(self):
        """The record's event model (read once the models are loaded)."""
        return self._event_model or self.model._meta.get_field("events").related_model

    def lock(self, pk):
        if self._lock is not None:
            return self._lock(pk)
        # of=("self",): lock the record's row only, not the rows it names (shared).
        rows = self.model.objects.select_for_update(of=("self",))
        if self.related:
            rows = rows.select_related(*self.related)
        return rows.get(pk=pk)

    def state_of(self, record):
        if record is None:
            return NEW
        return self._state_of(record) if self._state_of else record.state

    def states(self):
        found = set()
        for transition in self.transitions:
            found |= set(transition.sources)
        return found - CREATE

    def creations(self):
        """The transitions that create a record (from NEW)."""
        return [t for t in self.transitions if t.creates]

    def transitions_for(self, action):
        found = [t for t in self.transitions if t.action == action]
        if not found:
            raise ValueError(f"{self.name} has no action {action!r}")
        return found

    def transition(self, ctx, action, expected_state):
        """The transition `action` takes from the record's state, or Conflict/NotAllowed."""
        candidates = self.transitions_for(action)
        state = self.state_of(ctx.record)
        chosen = next((t for t in candidates if state in t.sources), None)
        if chosen is None or (expected_state is not None and state != expected_state):
            reason = (chosen or candidates[0]).conflict or self._conflict
            raise self.conflict_type(_text(reason, ctx))
        if not chosen.may(ctx):
            raise NotAllowed(_text(chosen.refusal, ctx))
        for guard in chosen.guards:
            if not guard.test(ctx):
                guard.refuse(ctx)
        return chosen

    def permits(self, ctx, transition):
        state = self.state_of(ctx.record)
        return (
            state in transition.sources
            and transition.may(ctx)
            and all(guard.test(ctx) for guard in transition.guards)
        )

    def event_for(self, ctx, transition):
        """The event of the transition just applied to `ctx.record`, unsaved."""
        action = ctx.event_action or transition.event or transition.action
        fields = self._event_fields(ctx) if self._event_fields else {}
        fields.update(ctx.event_fields)
        return self.event_model.row(
            ctx.record,
            action,
            actor=ctx.actor,
            at=ctx.now,
            comment=ctx.comment,
            data=ctx.event_data,
            **fields,
        )

    def write_event(self, ctx, transition):
        event = self.event_for(ctx, transition)
        event.save(force_insert=True)
        return event


def deputies_at(now):
    """The day's deputies (organisation.deputies.Deputies.at, through the registry)."""
    return registry.deputies.get("organisation")(now)


def notify(recipient, kind, context, url="", *, now):
    """One notification through the outbox (notifications.services.notify)."""
    return registry.notifier.get("notifications")(recipient, kind, context, url=url, now=now)


def workflow_of(record):
    for workflow in registry.workflows:
        if isinstance(record, workflow.model):
            return workflow
    raise LookupError(f"No workflow is registered for {type(record).__name__}")


def workflow_for(model):
    """The workflow of a model class (or the workflow itself)."""
    if isinstance(model, Workflow):
        return model
    for workflow in registry.workflows:
        if workflow.model is model:
            return workflow
    raise LookupError(f"No workflow is registered for {model.__name__}")


def _announce(ctx):
    for recipient, kind, context, url in ctx.notifications:
        notify(recipient, kind, context() if callable(context) else context, url, now=ctx.now)


def _record_and_announce(ctx, transition):
    """The event and the notifications of a transition just applied (inside perform's
    transaction)."""
    if transition.event is not False:
        ctx.workflow.write_event(ctx, transition)
    _announce(ctx)


def _creation(workflow, action, *, bulk):
    creations = [t for t in workflow.creations() if t.action == action]
    if not creations:
        raise ValueError(f"{workflow.name} has no creation {action!r}")
    if creations[0].bulk != bulk:
        how = "perform_create_many" if creations[0].bulk else "perform_create"
        raise ValueError(f"{workflow.name}: {action} is taken by {how}")
    return creations[0]


def perform(actor, record, action, *, expected_state, now, deputies=None, **data):
    """Take `action` on `record` as `actor` at `now`; see the module's docstring.
    Returns what the transition's apply returns (by default the record, changed)."""
    workflow = workflow_of(record)
    with transaction.atomic():
        locked = workflow.lock(record.pk)
        ctx = Context(workflow, actor, locked, now, data, deputies)
        transition = workflow.transition(ctx, action, expected_state)
        ctx.from_state = workflow.state_of(locked)
        result = transition.apply(ctx)
        ctx.result = locked if result is None else result
        _record_and_announce(ctx, transition)
    return ctx.result


def perform_create(actor, model, action, *, now, parent=None, deputies=None, **data):
    """Create a record of `model` (a model class or its Workflow) by the creation
    transition `action`, as `actor` (None: the system) at `now`; see the module's
    docstring. Returns the new record (what apply returns)."""
    workflow = workflow_for(model)
    creation = _creation(workflow, action, bulk=False)
    with transaction.atomic():
        if parent is not None and creation.lock is not None:
            parent = creation.lock(parent)
        ctx = Context(workflow, actor, None, now, data, deputies, parent=parent)
        transition = workflow.transition(ctx, action, NEW)
        ctx.from_state = NEW
        ctx.record = transition.apply(ctx)
        if ctx.record is None:
            raise TypeError(f"{workflow.name}: {action} created no record")
        ctx.result = ctx.record
        _record_and_announce(ctx, transition)
    return ctx.result


def serialise(name):
    """One transaction at a time under `name`, until it ends (a PostgreSQL advisory lock;
    on SQLite every write transaction already holds the one write lock)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])


def perform_create_many(actor, model, action, *, now, deputies=None, batch_size=500, **data):
    """Create records of `model` (a model class or its Workflow) in bulk by the creation
    transition `action` (declared `bulk=True`), as `actor` (None: the system) at `now`;
    see the module's docstring. Refused (NotAllowed, Conflict) before anything is made.
    Returns the records made (none when apply finds nothing to make)."""
    workflow = workflow_for(model)
    creation = _creation(workflow, action, bulk=True)
    with transaction.atomic():
        serialise(f"workflow:{workflow.name}:{action}")
        ctx = Context(workflow, actor, None, now, data, deputies)
        transition = workflow.transition(ctx, action, NEW)
        ctx.from_state = NEW
        rows = list(creation.apply(ctx))
        if not rows:
            return []
        made = workflow.model.objects.bulk_create(rows, batch_size=batch_size)
        if transition.event is not False:
            events = []
            for record in made:
                ctx.record = record
                events.append(workflow.event_for(ctx, transition))
            workflow.event_model.objects.bulk_create(events, batch_size=batch_size)
        ctx.record = None
        ctx.result = made
        _announce(ctx)
    return made


def check(actor, record, action, *, now, expected_state=None, deputies=None, **data):
    """Raise what perform would refuse with (Conflict or NotAllowed), without locking or
    changing anything: for a view that checks before it validates a form."""
    workflow = workflow_of(record)
    ctx = Context(workflow, actor, record, now, data, deputies)
    return workflow.transition(ctx, action, expected_state)


def _offered(workflow, ctx, transitions, url_for):
    found = Actions()
    actor = ctx.actor
    if actor is None or not actor.is_authenticated:
        return found
    for transition in transitions:
        if transition.system or transition.action in found:
            continue
        if workflow.permits(ctx, transition):
            found.append(
                Allowed(
                    action=transition.action,
                    label=_text(transition.label, ctx),
                    url=transition.url(url_for),
                    style=transition.style,
                    transition=transition,
                )
            )
    return found


def allowed(actor, record, *, now, deputies=None):
    """The actions `actor` may take on `record` at `now`, in the table's order, one per
    action value."""
    workflow = workflow_of(record)
    ctx = Context(workflow, actor, record, now, {}, deputies)
    return _offered(workflow, ctx, workflow.transitions, record)


def allowed_create(actor, model, *, now, parent=None, deputies=None, **data):
    """The creations of `model` (a model class or its Workflow) that `actor` may start
    at `now` (under `parent`), one per action value; their URLs take the parent's pk."""
    workflow = workflow_for(model)
    ctx = Context(workflow, actor, None, now, data, deputies, parent=parent)
    return _offered(workflow, ctx, workflow.creations(), parent)


def may_create(actor, model, action, *, now, parent=None, deputies=None, **data):
    """Whether the creation `action` is among allowed_create(actor, model, …)."""
    return action in allowed_create(actor, model, now=now, parent=parent, deputies=deputies, **data)


def seen_state(data, states):
    """The state the page showed the actor, from its hidden `expected_state` field in
    `data` (a view's request.POST), or None if the form sent none or no state of
    `states`: perform() then takes whatever the transition starts from."""
    state = data.get("expected_state", "")
    return state if state in states else None


def may(actor, record, action, *, now, deputies=None):
    """Whether `action` is among allowed(actor, record, now=now)."""
    return action in allowed(actor, record, now=now, deputies=deputies)
