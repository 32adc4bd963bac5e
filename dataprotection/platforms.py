"""Which platforms an assessment can be about: the platform catalogue's slugs (what
Account.platform holds; accounts.platforms). Assessments store the slug as a plain
string, so a platform the systemadministratör adds gets its own assessment."""

from accounts import platforms


def platform_choices():
    """(slug, name) pairs, in the catalogue's order."""
    return platforms.choices()


def platform_label(slug):
    return platforms.name_of(slug)
