import factory

from accounts.models import Account, Kind, Platform, Status
from organisation.models import Role, RoleAssignment, Unit, User


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"Enhet {n}")
    kind = Unit.Kind.ENHET


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Sequence(lambda n: f"Förnamn{n}")
    last_name = "Åström"
    email = factory.LazyAttribute(lambda u: f"{u.username}@kommun.example")
    password = factory.django.Password("test-password")


def give_role(user, role, unit):
    RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit)
    user.__dict__.pop("_assignments", None)
    return user


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    platform = Platform.FACEBOOK_PAGE
    display_name = factory.Sequence(lambda n: f"Konto {n}")
    handle = factory.Sequence(lambda n: f"@konto{n}")
    url = factory.Sequence(lambda n: f"https://www.facebook.com/konto{n}")
    url_key = factory.LazyAttribute(lambda a: __import__("accounts.urlkeys").urlkeys.url_key(a.url))
    kind = Kind.SERVICE
    purpose = "Berätta om verksamheten."
    audience = "Invånare"
    status = Status.ACTIVE
    gp_states_official = True
    gp_links_website = True
    gp_contact_phone = True


__all__ = ["AccountFactory", "Role", "UnitFactory", "UserFactory", "give_role"]
