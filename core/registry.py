"""The hook points where a lower app asks the apps above it for their part, and the one
mechanism that fills them: each app registers its hooks, by name, from its
`AppConfig.ready()`. Nothing here imports a domain app; the apps import this module.

A hook point that a legal or workflow invariant depends on names the hooks it requires
(`required`); core.checks fails `manage.py check` (and so every start) when one is
missing, instead of the invariant being lost in silence.
"""

from contextlib import contextmanager


class Registry:
    """Named hooks in registration order (the order of INSTALLED_APPS, as ready() runs)."""

    def __init__(self, name, doc, required=()):
        self.name = name
        self.__doc__ = doc
        self.required = tuple(required)
        self._hooks = {}

    def register(self, name, hook):
        """Register `hook` under `name` ("app.what"). Registering a name again replaces
        its hook in place, so a second ready() (a test that reloads the apps) is harmless."""
        self._hooks[name] = hook
        return hook

    def get(self, name, default=None):
        return self._hooks.get(name, default)

    def names(self):
        return list(self._hooks)

    def items(self):
        """(name, hook) pairs, in registration order."""
        return list(self._hooks.items())

    def missing(self):
        return [name for name in self.required if name not in self._hooks]

    def __iter__(self):
        return iter(list(self._hooks.values()))

    def __len__(self):
        return len(self._hooks)

    def __contains__(self, name):
        return name in self._hooks

    def __repr__(self):
        return f"<Registry {self.name}: {', '.join(self._hooks) or 'empty'}>"

    @contextmanager
    def without(self, *names):
        """For tests: the registry with these hooks taken out, restored afterwards."""
        saved = dict(self._hooks)
        for name in names:
            if name not in self._hooks:
                raise KeyError(f"{name} is not registered in {self.name}")
            del self._hooks[name]
        try:
            yield self
        finally:
            self._hooks = saved


close_checks = Registry(
    "close_checks",
    """What must be true before an account is closed: `check(account)` raises
    ValidationError with the reason (accounts.services.update_account calls them).""",
    required=["archive.final_snapshot_sealed"],
)
on_closure_confirmed = Registry(
    "on_closure_confirmed",
    """What happens when a closure is confirmed: `hook(actor, account, now=now)`, inside
    the confirming transaction (accounts.closures.apply_confirm).""",
    required=["archive.start_final_snapshot"],
)
responsibilities = Registry(
    "responsibilities",
    """What a person who left answered for, each app's part: `source(user)` returns
    [{"kind", "title", "url"}] (organisation.handovers). Registered under the app's label;
    each needs a `handovers` hook of the same name.""",
)
handovers = Registry(
    "handovers",
    """Who takes over what a person who left answered for: `hook(actor, old, successor,
    now=now)`, inside the handover's transaction (organisation.workflow.apply_resolve).""",
)
todo_sources = Registry(
    "todo_sources",
    """"Att göra": `source(user, now)` returns a list of core.worklist.TodoItem.""",
)
compliance_sources = Registry(
    "compliance_sources",
    """The compliance overview, beside the register's own problems: `source(user, now)`
    returns a list of core.worklist.ComplianceSection.""",
)
compliance_links = Registry(
    "compliance_links",
    """The links at the top of the compliance overview to the apps' own overviews:
    `link(user, now)` returns (label, url), or None when the user may not open the page
    (a link never leads to a refusal).""",
)
demo_seeders = Registry(
    "demo_seeders",
    """Demo data (manage.py seed_demo): `seed(now=now, stdout=...)`, `now` read once by
    the command; each app its own part, in the order of INSTALLED_APPS (organisation
    first, disclosure last).""",
)
notification_loaders = Registry(
    "notification_loaders",
    """Notifications written unrendered by a sweep, one name per notification kind:
    `load(contexts)` turns their stored contexts into template contexts, in the same
    order (notifications.rendering.render_pending).""",
)

sender_names = Registry(
    "sender_names",
    """The display name of the e-mail sender when DEFAULT_FROM_EMAIL has none:
    `name()` returns the kommun's name or None; the first that answers is used
    ("Ekdala kommun – Kanalkoll <kanalkoll@…>", notifications.jobs.sender).""",
)
workflows = Registry(
    "workflows",
    """The transition table of each stateful record (core.workflow.Workflow), one per
    model: perform() and allowed() find a record's workflow here.""",
    required=[
        "activityplans.plan",
        "moderation.item",
        "accounts.closure",
        "archive.snapshot",
        "organisation.handover",
        "disclosure.request",
        "dataprotection.assessment",
    ],
)
deputies = Registry(
    "deputies",
    """The one deputies resolver: `at(now)` returns the day's organisation.deputies.Deputies
    (core.workflow asks it for every "who may act"). Registered by organisation.""",
    required=["organisation"],
)
notifier = Registry(
    "notifier",
    """The outbox: `notify(recipient, kind, context, url=..., now=...)`
    (notifications.services.notify); core.workflow writes a transition's notifications
    through it.""",
    required=["notifications"],
)

public_register_changes = Registry(
    "public_register_changes",
    """A change of what the public register shows, made below the register (a unit's name
    or address, the kommun's settings, a person's name or title): `hook(now=now)` inside
    the change's transaction (accounts.registerversion.bump). Call through
    public_register_changed().""",
    required=["accounts"],
)


def public_register_changed(*, now):
    """Tell the register that what it shows changed at `now` (inside the transaction)."""
    for hook in public_register_changes:
        hook(now=now)


ALL = [
    workflows,
    deputies,
    notifier,
    close_checks,
    on_closure_confirmed,
    responsibilities,
    handovers,
    todo_sources,
    compliance_sources,
    compliance_links,
    demo_seeders,
    notification_loaders,
    sender_names,
    public_register_changes,
]
BY_NAME = {hook_point.name: hook_point for hook_point in ALL}


def register(name, **hooks):
    """Register one app's hooks under `name`, one keyword per hook point:
    `register("accounts", todo_sources=todo.items, handovers=lifecycle.hand_over)`."""
    unknown = set(hooks) - set(BY_NAME)
    if unknown:
        raise TypeError(f"No such hook point: {', '.join(sorted(unknown))}")
    for point, hook in hooks.items():
        BY_NAME[point].register(name, hook)


# An app's conventional hook modules, by their name in the app, and what each gives:
# {module name: {hook point: attribute}}. An app's `workflow` module gives its WORKFLOW.
MODULE_HOOKS = {
    "todo": {"todo_sources": "items"},
    "compliance": {"compliance_sources": "sections"},
    "demo": {"demo_seeders": "seed"},
}


def declare(name, modules=(), *, workflow=None, handover=None, loaders=None, **hooks):
    """The one declaration an app's AppConfig.ready() makes of what it gives the hook
    points, e.g. `declare("moderation", (todo, compliance, demo, workflow),
    handover=services, loaders={kind: load})`:

    - `modules`: the app's conventional hook modules (MODULE_HOOKS), each filling its
      hook point under `name` (`todo.items` a todo source, `demo.seed` a demo seeder);
      its `workflow` module's WORKFLOW is registered under the workflow's own name;
    - `workflow`: a transition table kept in a module of another name;
    - `handover`: the module whose `responsibilities(user)` lists what a person who left
      answered for and whose `hand_over(...)` hands it on (registered as a pair);
    - `loaders`: {notification kind: load} for the notifications a sweep writes unrendered;
    - any other keyword is a hook point by name, as register() takes it."""
    for module in modules:
        kind = module.__name__.rpartition(".")[2]
        if kind == "workflow":
            workflow = module.WORKFLOW
            continue
        convention = MODULE_HOOKS[kind]
        hooks.update({point: getattr(module, attr) for point, attr in convention.items()})
    if handover is not None:
        hooks.update(responsibilities=handover.responsibilities, handovers=handover.hand_over)
    register(name, **hooks)
    if workflow is not None:
        workflows.register(workflow.name, workflow)
    for kind, load in (loaders or {}).items():
        notification_loaders.register(kind, load)
