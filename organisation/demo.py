"""Demo organisation: an example kommun, its förvaltningar and units, and one user per role."""

from django.db import transaction
from django.utils.translation import ngettext

from .models import Role, RoleAssignment, Unit, User

DEMO_PASSWORD = "kanalkoll-demo"

KOMMUN = {
    "name": "Ekdala kommun",
    "website": "https://www.ekdala.example",
    "contact_phone": "0123-456 00",
    "archive_email": "kommunarkivet@ekdala.example",
    "contact_email": "kontaktcenter@ekdala.example",
    "privacy_url": "https://www.ekdala.example/personuppgifter/sociala-medier",
}

# förvaltning -> (its contact address, [enheter])
FORVALTNINGAR = {
    "Kommunledningsförvaltningen": (
        "kommunledning@ekdala.example",
        ["Kommunikationsavdelningen", "Kommunarkivet"],
    ),
    "Kultur- och fritidsförvaltningen": (
        "kulturfritid@ekdala.example",
        ["Biblioteket", "Fritidsgårdarna", "Kulturhuset"],
    ),
    "Utbildningsförvaltningen": ("utbildning@ekdala.example", ["Ekdalaskolan", "Förskolorna"]),
    "Samhällsbyggnadsförvaltningen": (
        "samhallsbyggnad@ekdala.example",
        ["Gata och park", "Räddningstjänsten"],
    ),
    "Vård- och omsorgsförvaltningen": ("omsorg@ekdala.example", ["Hemtjänsten", "Äldreboendena"]),
}

# username, first, last, title, unit, [(role, unit)]; unit None = the kommun
PEOPLE = [
    (
        "medarbetare",
        "Maja",
        "Medarbetare",
        "Bibliotekarie",
        "Biblioteket",
        [(Role.MEDARBETARE, "Biblioteket")],
    ),
    ("chef", "Chris", "Chef", "Bibliotekschef", "Biblioteket", [(Role.CHEF, "Biblioteket")]),
    (
        "kommunikator",
        "Kim",
        "Kommunikatör",
        "Förvaltningskommunikatör",
        "Kultur- och fritidsförvaltningen",
        [(Role.KOMMUNIKATOR, "Kultur- och fritidsförvaltningen")],
    ),
    (
        "kommunikationschef",
        "Karin",
        "Kommunikationschef",
        "Kommunikationschef",
        "Kommunikationsavdelningen",
        [(Role.KOMMUNIKATIONSCHEF, None)],
    ),
    (
        "kommunikationsavdelningen",
        "Kalle",
        "Webbredaktör",
        "Webbredaktör",
        "Kommunikationsavdelningen",
        [(Role.KOMMUNIKATIONSAVDELNINGEN, None)],
    ),
    ("arkivarie", "Aina", "Arkivarie", "Arkivarie", "Kommunarkivet", [(Role.ARKIVARIE, None)]),
    (
        "dataskyddsombud",
        "Dana",
        "Dataskyddsombud",
        "Dataskyddsombud",
        "Kommunledningsförvaltningen",
        [(Role.DATASKYDDSOMBUD, None)],
    ),
    (
        "registrator",
        "Rut",
        "Registrator",
        "Registrator",
        "Kommunledningsförvaltningen",
        [(Role.REGISTRATOR, None)],
    ),
    (
        "admin",
        "Adam",
        "Admin",
        "Systemadministratör",
        "Kommunledningsförvaltningen",
        [(Role.SYSTEMADMINISTRATOR, None)],
    ),
    # Colleagues who run accounts, substitute and serve the other förvaltningar.
    (
        "sara.lind",
        "Sara",
        "Lind",
        "Bibliotekarie",
        "Biblioteket",
        [(Role.MEDARBETARE, "Biblioteket")],
    ),
    (
        "omar.haddad",
        "Omar",
        "Haddad",
        "Fritidsledare",
        "Fritidsgårdarna",
        [(Role.MEDARBETARE, "Fritidsgårdarna")],
    ),
    (
        "eva.berg",
        "Eva",
        "Berg",
        "Kulturproducent",
        "Kulturhuset",
        [(Role.MEDARBETARE, "Kulturhuset")],
    ),
    ("jonas.ek", "Jonas", "Ek", "Fritidschef", "Fritidsgårdarna", [(Role.CHEF, "Fritidsgårdarna")]),
    (
        "lena.aberg",
        "Lena",
        "Åberg",
        "Förvaltningskommunikatör",
        "Utbildningsförvaltningen",
        [(Role.KOMMUNIKATOR, "Utbildningsförvaltningen")],
    ),
    (
        "peter.nystrom",
        "Peter",
        "Nyström",
        "Förvaltningskommunikatör",
        "Samhällsbyggnadsförvaltningen",
        [(Role.KOMMUNIKATOR, "Samhällsbyggnadsförvaltningen")],
    ),
    (
        "fatima.ali",
        "Fatima",
        "Ali",
        "Förvaltningskommunikatör",
        "Vård- och omsorgsförvaltningen",
        [(Role.KOMMUNIKATOR, "Vård- och omsorgsförvaltningen")],
    ),
    (
        "anders.holm",
        "Anders",
        "Holm",
        "Kommunikatör",
        "Kommunikationsavdelningen",
        [(Role.KOMMUNIKATOR, "Kommunledningsförvaltningen")],
    ),
    ("maria.sund", "Maria", "Sund", "Lärare", "Ekdalaskolan", [(Role.MEDARBETARE, "Ekdalaskolan")]),
    (
        "nils.strom",
        "Nils",
        "Ström",
        "Brandman",
        "Räddningstjänsten",
        [(Role.MEDARBETARE, "Räddningstjänsten")],
    ),
    (
        "ulla.karlsson",
        "Ulla",
        "Karlsson",
        "Enhetschef",
        "Hemtjänsten",
        [(Role.CHEF, "Hemtjänsten")],
    ),
    (
        "helena.vik",
        "Helena",
        "Vik",
        "Kultur- och fritidschef",
        "Kultur- och fritidsförvaltningen",
        [(Role.CHEF, "Kultur- och fritidsförvaltningen")],
    ),
    ("sofia.lund", "Sofia", "Lund", "Rektor", "Ekdalaskolan", [(Role.CHEF, "Ekdalaskolan")]),
    # Has left: accounts.demo deactivates him once his account is on the register, which
    # opens the handover the communicator is asked to resolve.
    (
        "johan.falk",
        "Johan",
        "Falk",
        "Kulturproducent",
        "Kulturhuset",
        [(Role.MEDARBETARE, "Kulturhuset")],
    ),
]


@transaction.atomic
def seed(*, now, stdout=None):
    kommun, _ = Unit.objects.get_or_create(
        kind=Unit.Kind.KOMMUN, parent=None, defaults={"name": KOMMUN["name"]}
    )
    for field, value in KOMMUN.items():
        if not getattr(kommun, field):
            setattr(kommun, field, value)
    kommun.save()
    units = {None: kommun}
    for name, (email, enheter) in FORVALTNINGAR.items():
        forvaltning, _ = Unit.objects.get_or_create(
            name=name,
            parent=kommun,
            defaults={"kind": Unit.Kind.FORVALTNING, "contact_email": email},
        )
        units[name] = forvaltning
        for enhet in enheter:
            units[enhet], _ = Unit.objects.get_or_create(
                name=enhet, parent=forvaltning, defaults={"kind": Unit.Kind.ENHET}
            )
    created = 0
    for username, first, last, title, unit, roles in PEOPLE:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                title=title,
                unit=units[unit],
                email=f"{username}@ekdala.example",
                is_superuser=username == "admin",
                is_staff=username == "admin",
                # The systemadministratör keeps a password if the kommun's sign-in is on.
                is_break_glass=username == "admin",
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            created += 1
        for role, role_unit in roles:
            RoleAssignment.objects.get_or_create(user=user, unit=units[role_unit], role=role)
    if stdout:
        stdout.write(
            ngettext(
                "Organisation: %(units)d enheter, %(count)d ny person",
                "Organisation: %(units)d enheter, %(count)d nya personer",
                created,
            )
            % {"units": len(units), "count": created}
        )
