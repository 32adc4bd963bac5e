"""Every type of record Kanalkoll stores, with Kanalkoll's proposal for the kommun's
informationshanteringsplan and, where Kanalkoll can gallra the type, how.

One entry per concrete model of the project's apps (its key is the model's lower-case
label; tests/test_retention.py fails on a model without one), plus parts of a model that
are classified on their own (the commenter's personal data in a moderation item). The
proposals are Kanalkoll's, not the kommun's: until the kommun records its decision
(nämnd, paragraf, datum) a type is "förslag, inget beslut" and gallring refuses it.

Arkivlagen (1990:782) 6 § and the kommun's arkivreglemente ask for a plan that names,
for each kind of record, the process it belongs to, whether it is kept or disposed of and
after how long; gallring needs the nämnd's decision (Riksarkivet; SKR, "Bevara eller
gallra"). The process codes below are a proposal shaped like a process-based
klassificeringsstruktur; the kommun replaces them with its own.

Size: a data table (its entries repeat one shape by design: duplicates' rows within it
are the table's rows), one entry per record type of every app, read as a whole by the
archivist and the tests; split by app it would hide a type that has none.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

DELETE, BLANK = "delete", "blank"

ORG = ("1.1", _("Organisera och administrera verksamheten"))
REGISTER = ("1.2", _("Kommunicera i sociala medier: förteckning över konton"))
PLANS = ("1.3", _("Kommunicera i sociala medier: uppdrag och aktivitetsplaner"))
MODERATION = ("1.4", _("Kommunicera i sociala medier: moderering och tillsyn"))
ARCHIVE = ("1.5", _("Arkivera: ögonblicksbilder och leveranser"))
RECORDS = ("1.6", _("Informationshantering: plan, gallring och spärrar"))
DISCLOSURE = ("1.7", _("Informationshantering: utlämnande av allmänna handlingar"))


@dataclass(frozen=True)
class Rule:
    """How the gallring job disposes of a type: delete its rows, or blank `blank` (field:
    empty value) on the kept row. The period counts from `date_field`; a spärr on a
    period looks at `period_field`, one on an account at `account_path`, one on single
    records at the row itself and at the records in `via` ((model key, path), …)."""

    action: str
    date_field: str
    period_field: str = ""
    account_path: str = ""
    via: tuple = ()
    blank: tuple = ()  # ((field, empty value), …)
    files: tuple = ()  # file fields removed with a deleted row
    eligible: dict = field(default_factory=dict)  # extra filter() of eligible rows
    unfinished: dict = field(default_factory=dict)  # exclude(): still in use
    min_months: int = 0

    @property
    def period(self):
        return self.period_field or self.date_field


@dataclass(frozen=True)
class RecordType:
    key: str
    model: str  # the model's lower-case label
    name: str
    process: tuple
    disposition: str = "bevaras"
    months: int | None = None
    counted_from: str = "handlingen"
    note: str = ""
    rule: Rule | None = None
    # Kept whatever a plan says (the register, sealed snapshots, the plan itself).
    always_kept: bool = False

    @property
    def is_part(self):
        return self.key != self.model


def _t(key, name, process, **kwargs):
    return RecordType(key=key, model=kwargs.pop("model", key), name=name, process=process, **kwargs)


KEEP_NOTE = _("Kanalkoll behåller handlingen; andra handlingar hänvisar till den.")
RUNNING = _("Tas bort i den löpande driften när den inte längre behövs.")

TYPES = [
    # -- organisation ------------------------------------------------------------------
    _t("organisation.unit", _("Organisatoriska enheter"), ORG, always_kept=True, note=KEEP_NOTE),
    _t("organisation.user", _("Användare"), ORG, always_kept=True, note=KEEP_NOTE),
    _t(
        "organisation.roleassignment",
        _("Roller i enheter"),
        ORG,
        disposition="gallras",
        note=RUNNING,
    ),
    _t(
        "organisation.absence",
        _("Frånvaro och ersättare"),
        ORG,
        disposition="gallras",
        months=24,
        counted_from="arets_utgang",
        rule=Rule(DELETE, "ends_on"),
    ),
    _t("organisation.handover", _("Överlämningar när någon slutat"), ORG, always_kept=True),
    _t("organisation.handoverevent", _("Överlämningarnas händelser"), ORG, always_kept=True),
    _t(
        "organisation.personevent",
        _("Personers historik: roller och enheter"),
        ORG,
        always_kept=True,
        note=_("Visar vem som hade vilken roll när; andra handlingar hänvisar till den."),
    ),
    _t(
        "identity.scimtoken",
        _("Nycklar för katalogens SCIM-anslutning"),
        ORG,
        always_kept=True,
        note=_("Vem som utfärdade och återkallade nyckeln; bara dess kontrollvärde sparas."),
    ),
    _t(
        "identity.directoryentry",
        _("Katalogens uppgifter om personer (chef, extern id)"),
        ORG,
        disposition="gallras",
        note=RUNNING,
    ),
    _t(
        "identity.directorygroup",
        _("Grupper från kommunens katalog"),
        ORG,
        disposition="gallras",
        note=RUNNING,
    ),
    _t(
        "identity.groupmapping",
        _("Koppling från grupper i kommunens inloggning till roller"),
        ORG,
        disposition="gallras",
        note=RUNNING,
    ),
    # -- notifications -----------------------------------------------------------------
    _t(
        "notifications.notification",
        _("Aviseringar till enskilda"),
        ORG,
        disposition="gallras",
        months=12,
        rule=Rule(DELETE, "created_at", unfinished={"sent_at": None, "read_at": None}),
    ),
    _t(
        "notifications.reminder",
        _("Nycklar för skickade påminnelser"),
        ORG,
        note=_("Hindrar att en påminnelse skickas två gånger så länge ärendet finns."),
    ),
    # -- the register ------------------------------------------------------------------
    _t("accounts.account", _("Förteckningen över officiella konton"), REGISTER, always_kept=True),
    _t("accounts.historicalaccount", _("Förteckningens historik"), REGISTER, always_kept=True),
    _t(
        "accounts.historicalaccount_administrators",
        _("Historik över kontonas administratörer"),
        REGISTER,
        always_kept=True,
    ),
    _t("accounts.passiverule", _("Regler för passiva konton"), REGISTER),
    _t(
        "accounts.platform",
        _("Plattformskatalogen"),
        REGISTER,
        note=_("Systemadministratörens inställning; kontona anger sin plattform med kortnamnet."),
    ),
    _t(
        "accounts.registerversion",
        _("Förteckningens versionsnummer"),
        REGISTER,
        note=_("En räknare som visar när den publika förteckningen senast ändrades."),
    ),
    _t("accounts.attestation", _("Intyganden om aktivitet och inloggning"), REGISTER),
    _t(
        "accounts.usedlink",
        _("Använda engångslänkar"),
        REGISTER,
        disposition="gallras",
        months=3,
        note=_("En länk gäller i 14 dagar; fristen är minst en månad."),
        rule=Rule(DELETE, "used_at", min_months=1),
    ),
    _t("accounts.closure", _("Avslut av konton"), REGISTER, always_kept=True),
    _t("accounts.closureevent", _("Avslutens händelser"), REGISTER, always_kept=True),
    _t(
        "accounts.credentialsredaction",
        _("Rensningar av inloggningsuppgifter i historiken"),
        REGISTER,
        always_kept=True,
    ),
    _t(
        "accounts.accessibilitystatement",
        _("Tillgänglighetsredogörelser"),
        REGISTER,
        always_kept=True,
        note=_("En publicerad redogörelse; varje version finns i historiken."),
    ),
    _t(
        "accounts.historicalaccessibilitystatement",
        _("Tillgänglighetsredogörelsernas versioner"),
        REGISTER,
        always_kept=True,
    ),
    # -- data protection ---------------------------------------------------------------
    _t(
        "dataprotection.assessment",
        _("Dataskyddsbedömningar per plattform"),
        PLANS,
        always_kept=True,
        note=_("Visar på vilken grund kommunen behandlade personuppgifter på plattformen."),
    ),
    _t(
        "dataprotection.assessmentevent",
        _("Dataskyddsombudets beslut om bedömningarna"),
        PLANS,
        always_kept=True,
    ),
    # -- plans -------------------------------------------------------------------------
    _t("activityplans.plan", _("Aktivitetsplaner"), PLANS, always_kept=True),
    _t("activityplans.planevent", _("Beslut om aktivitetsplaner"), PLANS, always_kept=True),
    _t("activityplans.evaluation", _("Utvärderingar av uppdrag"), PLANS),
    # -- moderation --------------------------------------------------------------------
    _t(
        "moderation.item",
        _("Modereringsärenden"),
        MODERATION,
        always_kept=True,
        note=_("Ärendet bevaras; kommentatorns personuppgifter är en egen typ."),
    ),
    _t(
        "moderation.item.personuppgifter",
        _("Kommentatorers personuppgifter i modereringsärenden"),
        MODERATION,
        model="moderation.item",
        disposition="gallras",
        months=12,
        note=_(
            "Avsändare, text och länk töms när fristen gått ut, räknat från att ärendet "
            "hanterades; ärendet själv finns kvar."
        ),
        rule=Rule(
            BLANK,
            "resolved_at",
            period_field="created_at",
            account_path="account",
            blank=(("author", ""), ("text", ""), ("post_url", "")),
            eligible={"resolved_at__isnull": False},
        ),
    ),
    _t("moderation.itemevent", _("Åtgärder i modereringsärenden"), MODERATION),
    _t(
        "moderation.preservedcopy",
        _("Bevarade kopior av borttagna inlägg"),
        MODERATION,
        disposition="gallras",
        months=24,
        rule=Rule(
            DELETE,
            "created_at",
            account_path="item__account",
            via=(("moderation.item", "item_id"),),
            files=("image",),
        ),
    ),
    # The raw events and the versions hold the commenters' personal data (names, texts):
    # gallras like the personal data in the item itself, 12 months after the item was
    # handled (never while it is open); an event that made no item counts from receipt.
    _t(
        "moderation.platformevent",
        _("Händelser från plattformarna om kommentarer (som de togs emot)"),
        MODERATION,
        disposition="gallras",
        months=12,
        rule=Rule(
            DELETE,
            "received_at",
            account_path="account",
            via=(("moderation.item", "item_id"),),
            unfinished={"item__isnull": False, "item__resolved_at": None},
        ),
    ),
    _t(
        "moderation.commentversion",
        _("Versioner av kommentarer från plattformarna"),
        MODERATION,
        disposition="gallras",
        months=12,
        rule=Rule(
            DELETE,
            "received_at",
            account_path="item__account",
            via=(("moderation.item", "item_id"),),
            unfinished={"item__resolved_at": None},
        ),
    ),
    _t(
        "moderation.checkin",
        _("Tillsyn gjord"),
        MODERATION,
        disposition="gallras",
        months=24,
        counted_from="arets_utgang",
        rule=Rule(DELETE, "at", account_path="account"),
    ),
    _t("moderation.apitoken", _("API-nycklar för bevakningsverktyg"), MODERATION),
    _t(
        "moderation.pendingreminder",
        _("Kommande påminnelser"),
        MODERATION,
        disposition="gallras",
        note=RUNNING,
    ),
    _t(
        "moderation.reminderbatch",
        _("Omgångar av skickade påminnelser"),
        MODERATION,
        disposition="gallras",
        months=3,
        rule=Rule(DELETE, "claimed_at", unfinished={"sent_at": None}),
    ),
    # -- archive -----------------------------------------------------------------------
    _t("archive.snapshot", _("Ögonblicksbilder av kontonas startsidor"), ARCHIVE, always_kept=True),
    _t("archive.snapshotevent", _("Ögonblicksbildernas händelser"), ARCHIVE, always_kept=True),
    _t("archive.package", _("Leveranspaket till kommunarkivet"), ARCHIVE, always_kept=True),
    _t(
        "archive.packagebuild",
        _("Beställda byggen av leveranspaket"),
        ARCHIVE,
        note=_("Vem som beställde ett paket, när, och hur långt bygget kom."),
    ),
    _t("archive.receipt", _("Kommunarkivets kvittenser"), ARCHIVE, always_kept=True),
    # -- internal control --------------------------------------------------------------
    _t(
        "internalcontrol.pack",
        _("Internkontrollens årsrapporter (PDF/A och CSV)"),
        ORG,
        always_kept=True,
        note=_("Underlaget till revisorernas granskning av sociala medier."),
    ),
    _t(
        "internalcontrol.threshold",
        _("Tröskelvärden för internkontrollens trafikljus"),
        ORG,
        disposition="gallras",
        note=RUNNING,
    ),
    # -- this plan ---------------------------------------------------------------------
    _t(
        "retention.planentry",
        _("Informationshanteringsplanens versioner"),
        RECORDS,
        always_kept=True,
    ),
    _t("retention.protocol", _("Gallringsprotokoll"), RECORDS, always_kept=True),
    _t("retention.hold", _("Spärrar mot gallring"), RECORDS, always_kept=True),
    _t("retention.heldrecord", _("Spärrade enskilda handlingar"), RECORDS, always_kept=True),
    _t("retention.holdevent", _("Spärrarnas händelser"), RECORDS, always_kept=True),
    # -- utlämnande --------------------------------------------------------------------
    _t(
        "disclosure.request",
        _("Begäranden om allmänna handlingar"),
        DISCLOSURE,
        always_kept=True,
        note=_("Registret över begäranden; beslut och det utlämnade hänvisar till den."),
    ),
    _t(
        "disclosure.coveredrecord",
        _("Handlingar som en begäran omfattar"),
        DISCLOSURE,
        always_kept=True,
    ),
    _t("disclosure.review", _("Sekretessprövningar"), DISCLOSURE, always_kept=True),
    _t(
        "disclosure.decision",
        _("Beslut om utlämnande och det som lämnats ut"),
        DISCLOSURE,
        always_kept=True,
        note=_("Beslutet, besvärshänvisningen och paketet med kontrollsummor."),
    ),
    _t("disclosure.requestevent", _("Begärandenas händelser"), DISCLOSURE, always_kept=True),
]

BY_KEY = {t.key: t for t in TYPES}


def get(key):
    return BY_KEY.get(key)


def with_rules():
    """The types the gallring job can dispose of, in the plan's order."""
    return [t for t in TYPES if t.rule is not None]


def model_types():
    """The whole-model types (one per model), for a spärr on single records."""
    return [t for t in TYPES if not t.is_part]
