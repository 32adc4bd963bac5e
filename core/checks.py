"""System checks on the wiring between the apps (run by `manage.py check`, and so by
runserver, migrate and every deployment)."""

from django.core.checks import Error

from . import registry


def check_hooks(app_configs=None, **kwargs):
    """kanalkoll.E001: a hook an invariant requires is not registered.
    kanalkoll.E002: an app lists what a departed person answered for but hands none of
    it over (or the other way round)."""
    errors = []
    for hook_point in registry.ALL:
        for name in hook_point.missing():
            errors.append(
                Error(
                    f"The required hook {name!r} is not registered in registry.{hook_point.name}.",
                    hint=(
                        f"Register it from its app's AppConfig.ready() with "
                        f"core.registry.{hook_point.name}.register({name!r}, ...)."
                    ),
                    obj=hook_point,
                    id="kanalkoll.E001",
                )
            )
    listed, handed = set(registry.responsibilities.names()), set(registry.handovers.names())
    for name in sorted(listed ^ handed):
        has, lacks = (
            ("responsibilities", "handovers")
            if name in listed
            else ("handovers", "responsibilities")
        )
        errors.append(
            Error(
                f"{name!r} is registered in registry.{has} but not in registry.{lacks}.",
                hint="What a departed person answered for must also be handed over.",
                obj=registry.handovers,
                id="kanalkoll.E002",
            )
        )
    return errors
