"""Which platforms an assessment can be about: the slugs of Account.platform.

The one place the choices are taken from, so that moving the platforms into a
catalogue changes one line here. Assessments store the slug as a plain string."""


def platform_choices():
    """(slug, label) pairs, in the order the register lists them."""
    from accounts.models import Platform

    return [(value, str(label)) for value, label in Platform.choices]


def platform_label(slug):
    return dict(platform_choices()).get(slug, slug)
