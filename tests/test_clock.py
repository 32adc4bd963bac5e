"""The clock is read by the caller: no model field, service or job reads it.

Views, Celery tasks and management commands read the clock once (`timezone.now()`) and
pass that `now` down; every service takes it as a required keyword and every timestamp
it writes is that `now`. A model field never defaults to the wall clock, so that a test
pinned to one day, a sweep and the row it writes always agree (the suite must pass
on any day). These checks fail when a module breaks the rule.
"""

import ast
import datetime
import importlib
import inspect
from fnmatch import fnmatch
from pathlib import Path

from django.apps import apps
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent

CLOCK_DEFAULTS = {
    timezone.now,
    timezone.localdate,
    timezone.localtime,
    datetime.datetime.now,
    datetime.datetime.today,
    datetime.datetime.utcnow,
    datetime.date.today,
}

# Fields that Django's own abstract models declare; no service of ours writes them.
INHERITED = {
    ("organisation.User", "date_joined"): "django.contrib.auth's AbstractUser; users are "
    "made by createsuperuser, the admin and seed_demo, not by a service with a now",
}

# The modules that may read the clock, each with its reason. Everything else in the
# project's packages takes `now` (or a day, or a Deputies) from its caller.
READS_THE_CLOCK = {
    "*/views.py": "a view reads the clock once per request and passes it down",
    "*_views.py": "a view reads the clock once per request and passes it down",
    "*/tasks.py": "a Celery task reads the clock once per run and passes it down",
    "*/management/commands/*.py": "a command reads the clock once per run",
    "*/admin.py": "admin pages are views: they read the clock once and call the services",
    "moderation/api.py": "the monitoring tools' API view: once per request",
    "moderation/diarium.py": "the diarium's page and exports are views: once per request, "
    "for the default period",
    "identity/scim.py": "the SCIM endpoint is the directory's view: it reads the clock once "
    "per request and passes it to the services",
    "core/importing.py": "import_view and run_command are the import pages' view and the "
    "import commands' body: they read the clock once per request or run",
    "config/lockout.py": "django-axes' lockout page (a view) when axes gives no attempt time",
    "accounts/access.py": "the views' access helpers: without a Deputies from the view they "
    "answer for the request's day; they write nothing",
    "activityplans/models.py": "Plan.objects.visible_to() without a day or Deputies answers "
    "for the request's day (its callers are views); it writes nothing",
    "archive/models.py": "Snapshot.state_label and is_capturing are read by templates, which "
    "cannot pass a now; they write nothing",
}


def _project_models():
    for config in apps.get_app_configs():
        if Path(config.path).parent == ROOT:
            yield from config.get_models()


def _modules():
    """The Python modules of the project's packages (its apps and config), without
    migrations, as paths relative to the checkout."""
    folders = {Path(c.path) for c in apps.get_app_configs() if Path(c.path).parent == ROOT}
    folders.add(ROOT / "config")
    for folder in sorted(folders):
        for path in sorted(folder.rglob("*.py")):
            if "migrations" not in path.relative_to(folder).parts:
                yield path.relative_to(ROOT).as_posix()


def _reads_the_clock(module):
    return next(
        (reason for pattern, reason in READS_THE_CLOCK.items() if fnmatch(module, pattern)), None
    )


def test_no_model_field_defaults_to_the_clock():
    found = []
    for model in _project_models():
        for field in model._meta.concrete_fields:
            key = (model._meta.label, field.name)
            if key in INHERITED:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                found.append(f"{key[0]}.{key[1]}: auto_now/auto_now_add")
            elif field.has_default() and field.default in CLOCK_DEFAULTS:
                found.append(f"{key[0]}.{key[1]}: default={field.default.__qualname__}")
    assert not found, "Set these from the caller's now: " + ", ".join(found)


def test_the_check_sees_a_field_that_defaults_to_the_clock():
    from django.db import models

    field = models.DateTimeField(default=timezone.now)
    assert field.has_default() and field.default in CLOCK_DEFAULTS
    assert models.DateTimeField(auto_now=True).auto_now


def _functions(module):
    """Functions and methods defined in `module` (not imported into it)."""
    for _name, value in inspect.getmembers(module):
        if inspect.isfunction(value) and value.__module__ == module.__name__:
            yield value.__qualname__, value
        elif inspect.isclass(value) and value.__module__ == module.__name__:
            for name, member in vars(value).items():
                member = getattr(member, "__func__", member)  # class and static methods
                if inspect.isfunction(member):
                    yield f"{value.__qualname__}.{name}", member


def test_every_service_takes_now_from_its_caller():
    """No function of a service module (services, jobs, lifecycle, tokens, handovers,
    routing, demo seeders, …: every module but the models) gives `now` or `today` a
    default: the caller always passes it."""
    found = []
    for path in _modules():
        if path.endswith("/models.py"):
            continue  # model methods read by templates; services never call them without a now
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        for qualname, function in _functions(module):
            for parameter in inspect.signature(function).parameters.values():
                if parameter.name in ("now", "today") and parameter.default is not parameter.empty:
                    found.append(f"{module.__name__}.{qualname}({parameter.name}=…)")
    assert not found, "Make these required (`*, now`): " + ", ".join(found)


CLOCK_CALLS = {"now", "utcnow", "today"}
DATETIME_NAMES = {"datetime", "date", "dt", "datetime.datetime", "datetime.date", "timezone"}
CONVERTS_WITH_ARGUMENT = {"localdate", "localtime"}  # read the clock only without one


def clock_calls(source):
    """The line numbers where `source` reads the wall clock: timezone.now(),
    timezone.localdate() / localtime() without an argument, datetime.now(),
    datetime.utcnow(), date.today(), and those names imported from django.utils.timezone."""
    tree = ast.parse(source)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.timezone":
            imported |= {
                a.asname or a.name
                for a in node.names
                if a.name in {"now", "localdate", "localtime"}
            }
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Attribute):
            owner = ast.unparse(function.value)
            if owner in DATETIME_NAMES and function.attr in CLOCK_CALLS:
                lines.append(node.lineno)
            elif owner == "timezone" and function.attr in CONVERTS_WITH_ARGUMENT:
                if not node.args and not node.keywords:
                    lines.append(node.lineno)
        elif isinstance(function, ast.Name) and function.id in imported:
            if function.id == "now" or not (node.args or node.keywords):
                lines.append(node.lineno)
    return lines


def test_the_clock_check_sees_every_way_of_reading_the_clock():
    source = (
        "import datetime\nfrom django.utils import timezone\n"
        "from django.utils.timezone import now\n"
        "a = timezone.now()\nb = timezone.localdate()\nc = datetime.datetime.now()\n"
        "d = datetime.date.today()\ne = now()\n"
        "f = timezone.localdate(a)\ng = timezone.localtime(a)\nh = a.date()\n"
    )
    assert clock_calls(source) == [4, 5, 6, 7, 8]


def test_only_views_tasks_and_commands_read_the_clock():
    found = []
    for path in _modules():
        if _reads_the_clock(path):
            continue
        for line in clock_calls((ROOT / path).read_text(encoding="utf-8")):
            found.append(f"{path}:{line}")
    assert not found, (
        "These read the clock; take `now` from the caller instead (or add the module to "
        "READS_THE_CLOCK with its reason, if it is an entry point): " + ", ".join(found)
    )


def test_every_module_allowed_to_read_the_clock_exists():
    modules = list(_modules())
    stale = [p for p in READS_THE_CLOCK if not any(fnmatch(m, p) for m in modules)]
    assert not stale, f"READS_THE_CLOCK names what is not there: {stale}"
