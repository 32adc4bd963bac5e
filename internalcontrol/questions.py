"""The questions of the yearly internal-control pack, with the kommun's default
thresholds (grön from `green_at` percent, gul from `yellow_at`) until it sets its own."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Question:
    key: str
    label: str
    explanation: str
    green_at: int = 95
    yellow_at: int = 80


QUESTIONS = [
    Question(
        "plan",
        _("Konton med fastställd aktivitetsplan"),
        _("Konton i registret under året som har en fastställd plan."),
    ),
    Question(
        "evaluation",
        _("Konton vars utvärdering lämnats"),
        _("Konton med en utvärdering som skulle lämnas under året: lämnad före årets slut."),
        90,
        70,
    ),
    Question(
        "checkins",
        _("Veckor med tillsyn"),
        _("Kontoveckor (från veckan kontot registrerades) med minst en ”tillsyn gjord”."),
        90,
        70,
    ),
    Question(
        "questions",
        _("Frågor besvarade inom tidsfristen"),
        _("Frågor som kom in under året och hanterades senast vid tidsfristen."),
    ),
    Question(
        "removals",
        _("Borttagningar inom tidsfristen"),
        _("Inlägg som togs bort under året senast vid tidsfristen."),
    ),
    Question(
        "preserved",
        _("Borttagna inlägg med bevarad kopia"),
        _("Borttagningar där en kopia sparades innan inlägget togs bort."),
        100,
        95,
    ),
    Question(
        "snapshots",
        _("Ögonblicksbilder levererade i tid"),
        _("Ögonblicksbilder vid halvårsskiftena under året: förseglade senast när de förföll."),
    ),
    Question(
        "administrators",
        _("Konton med två administratörer och kommunikatören"),
        _(
            "Öppna konton med minst två administratörer utöver förvaltningskommunikatören, "
            "som också är administratör."
        ),
    ),
    Question(
        "register",
        _("Bekräftade registeruppgifter"),
        _(
            "Öppna konton vars registeruppgifter bekräftats under året (den årliga bekräftelsen, eller registreringen under året)."
        ),
        90,
        70,
    ),
    Question(
        "dataprotection",
        _("Konton med gällande dataskyddsbedömning"),
        _("Öppna konton vars plattform har en godkänd bedömning som gäller vid årets slut."),
        100,
        90,
    ),
]
BY_KEY = {q.key: q for q in QUESTIONS}
