"""Browser tests of the Aktivitetsplan: the whole approval flow in real Chromium, the
return-for-completion path, and WCAG 2.1 AA (axe-core) on the plan pages.

Fixtures and helpers come from tests/test_browser.py: the live server on plain http,
Debian's Chromium through Playwright, axe-core and sign-in. Each person works in a
browser context of their own, as on their own computer.
"""

import re

import pytest

from accounts import platforms
from accounts.models import Account, Status
from activityplans.models import Plan, State

from .factories import make_plan
from .test_browser import (  # noqa: F401 (fixtures used by name)
    TIMEOUT_MS,
    _allow_orm_beside_playwright,
    assert_accessible,
    browser,
    goto,
    page,
    sign_in,
    url,
)

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

TEXTS = {
    "Syfte och varför just den här kanalen": "Väcka läslust hos unga vuxna; "
    "Instagram är där de finns.",
    "Mätbara mål": "500 följare efter ett år.",
    "Målgrupp": "Unga vuxna 16–25 år i Testby",
    "Hur kanalen kompletterar webbplatsen och andra kanaler": "Inläggen länkar till "
    "evenemangskalendern på kommunens webbplats.",
    "Innehållsplan": "Boktips och evenemang enligt en innehållskalender.",
    "Publiceringsfrekvens": "3–4 inlägg i veckan",
    "Avsatt tid": "Fyra timmar i veckan; frågor besvaras inom 48 timmar.",
    "Kunskap om plattformen": "Har använt Instagram i flera år.",
    "Personuppgifter och bilder": "Bilder på besökare bara med skriftligt samtycke.",
    "Hur och när uppdraget utvärderas": "Följare och anmälningar följs upp varje kvartal.",
}
CONSENT = "Jag inhämtar skriftligt samtycke innan jag fotograferar eller namnger någon"
ANSWERS_48H = "Vi har tid att besvara frågor och ta bort olämpliga inlägg inom 48 timmar"


@pytest.fixture
def desk(request, live_server):
    """Opens a signed-in page for a person, in a browser context of its own, as on
    their own computer. `desk.public` is a page nobody has signed in on. (The `page`
    fixture also sets the cookie settings that plain http needs.)"""
    chromium = request.getfixturevalue("browser")
    public = request.getfixturevalue("page")
    contexts = []

    def open_as(username):
        context = chromium.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        person = context.new_page()
        sign_in(person, live_server, username)
        return person

    open_as.public = public
    yield open_as
    for context in contexts:
        context.close()


def status_message(tab, text):
    """The Django message (in the page's status region) that contains `text`."""
    return tab.get_by_role("status").filter(has_text=text)


def decide(tab, button, message):
    tab.get_by_role("button", name=button, exact=True).click()
    tab.wait_for_load_state()
    expect(status_message(tab, message)).to_be_visible()


def open_from_todo(tab, live_server, link_name):
    goto(tab, live_server, "/att-gora/")
    tab.get_by_role("link", name=link_name).click()
    tab.wait_for_url(re.compile(r".*/planer/\d+/$"))


# -- the whole flow ------------------------------------------------------------------


def test_plan_from_employee_to_register(desk, live_server, org, colleague):
    p = org.people
    applicant = desk("medarbetare")

    # Medarbetare finds the form from the plans page.
    applicant.get_by_role("link", name="Planer", exact=True).click()
    applicant.wait_for_url(url(live_server, "/planer/"))
    expect(applicant.get_by_text("Du har inga aktivitetsplaner än.")).to_be_visible()
    assert_accessible(applicant)
    applicant.get_by_role("link", name="Ny aktivitetsplan").click()
    applicant.wait_for_url(url(live_server, "/planer/ny/"))
    assert applicant.locator("h1").inner_text() == "Aktivitetsplan för sociala medier"
    assert_accessible(applicant)

    # Monitoring only asks for platform and purpose; the form hides the rest.
    applicant.get_by_label("Enbart omvärldsbevakning").check()
    expect(applicant.get_by_label("Mätbara mål")).to_be_hidden()
    expect(applicant.get_by_text("Det behövs inget godkännande")).to_be_visible()
    applicant.get_by_label("Starta ett nytt konto").check()
    expect(applicant.get_by_label("Mätbara mål")).to_be_visible()
    expect(applicant.get_by_label("Konto i registret som ska tas över")).to_be_hidden()

    applicant.get_by_label("Plattform", exact=True).select_option(platforms.INSTAGRAM)
    applicant.get_by_label("Kontots namn").fill("Biblioteket läser")
    applicant.get_by_label("Användarnamn").fill("@testbylaser")
    applicant.get_by_label("Adress (URL)").fill("https://www.instagram.com/testbylaser")
    for label, text in TEXTS.items():
        applicant.get_by_label(label, exact=True).fill(text)
    applicant.get_by_label(ANSWERS_48H).check()
    admins = applicant.get_by_role("group", name="Administratörer")
    admins.get_by_label(str(p.medarbetare)).check()
    admins.get_by_label(str(colleague)).check()
    applicant.get_by_label("Ersättare").select_option(str(colleague.pk))

    # Submitted without the consent: saved as a draft, and the summary says what is missing.
    applicant.get_by_role("button", name="Spara och skicka in").click()
    applicant.wait_for_load_state()
    summary = applicant.get_by_role("alert").filter(has_text="Planen behöver kompletteras")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link", name=CONSENT)).to_have_attribute(
        "href", "#id_consent_confirmed"
    )
    assert summary.locator("li").count() == 1
    expect(status_message(applicant, "Utkastet är sparat men inte inskickat")).to_be_visible()
    consent = applicant.get_by_label(CONSENT)
    expect(consent).to_have_attribute("aria-invalid", "true")
    assert_accessible(applicant)  # the form with its errors shown
    plan = Plan.objects.get()
    assert plan.state == State.DRAFT
    assert {a.pk for a in plan.administrators.all()} == {p.medarbetare.pk, colleague.pk}
    # The draft's edit page after a redirect: a reload shows the same, saves nothing again.
    assert f"/planer/{plan.pk}/andra/" in applicant.url
    applicant.reload()
    expect(summary).to_be_visible()
    expect(consent).to_have_attribute("aria-invalid", "true")
    assert Plan.objects.count() == 1

    consent.check()
    applicant.get_by_role("button", name="Spara och skicka in").click()
    applicant.wait_for_url(url(live_server, f"/planer/{plan.pk}/"))
    expect(status_message(applicant, f"väntar på beslut av {p.chef}")).to_be_visible()
    plan.refresh_from_db()
    assert plan.state == State.SUBMITTED

    # The chef finds it on Att göra, sees the plan and the decision panel, and approves.
    chef = desk("chef")
    open_from_todo(chef, live_server, "Beslut: Biblioteket läser")
    panel = chef.get_by_role("region", name="Ditt beslut")
    expect(panel).to_be_visible()
    expect(chef.get_by_text("Väntar på ditt beslut sedan")).to_be_visible()
    expect(chef.locator(".plan-steps [aria-current=step]")).to_have_text("Chef ger uppdraget")
    assert_accessible(chef)  # the plan page, waiting, with the decision panel
    decide(chef, "Godkänn uppdraget", "Uppdrag godkänt av chef, väntar på kommunikatör")
    expect(panel).to_have_count(0)

    # The förvaltningskommunikatör finds it among the plans waiting for them.
    communicator = desk("kommunikator")
    goto(communicator, live_server, "/planer/")
    waiting = communicator.get_by_role("region", name=re.compile("Väntar på ditt beslut"))
    waiting.get_by_role("link", name="Biblioteket läser").click()
    communicator.wait_for_url(url(live_server, f"/planer/{plan.pk}/"))
    decide(communicator, "Förankra planen", "Förankrad, väntar på kommunikationschef")

    # The kommunikationschef establishes it: the account goes on the register.
    director = desk("kommunikationschef")
    goto(director, live_server, "/planer/")
    assert_accessible(director)  # the list, with a plan waiting for this person
    open_from_todo(director, live_server, "Beslut: Biblioteket läser")
    expect(director.get_by_text("förs kontot in i registret som aktivt")).to_be_visible()
    decide(director, "Fastställ planen", "Beslutet är registrerat: Fastställd.")
    plan.refresh_from_db()
    assert plan.state == State.ESTABLISHED
    account = Account.objects.get(pk=plan.account_id)
    assert account.status == Status.ACTIVE
    assert account.responsible == p.medarbetare
    assert account.substitute == colleague
    assert account.plan_reference == plan.reference
    expect(director.locator(".plan-steps .step-done")).to_have_count(5)
    expect(director.get_by_role("link", name="Ladda ned PDF")).to_be_visible()
    timeline = director.locator("ol.timeline > li")
    expect(timeline).to_have_count(5)  # created, submitted and three decisions
    expect(timeline.last).to_contain_text("Fastställd")
    assert_accessible(director)  # the established plan

    # The public register shows the account to anyone.
    public = desk.public
    goto(public, live_server, "/register/")
    expect(public.get_by_role("link", name="Biblioteket läser")).to_be_visible()

    # The responsible person evaluates the assignment from the plan page.
    goto(applicant, live_server, f"/planer/{plan.pk}/")
    applicant.get_by_role("link", name="Fyll i utvärderingen").click()
    applicant.wait_for_url(re.compile(r".*/planer/utvardering/\d+/$"))
    assert_accessible(applicant)
    applicant.get_by_role("button", name="Lämna utvärderingen").click()
    applicant.wait_for_load_state()
    expect(applicant.get_by_role("alert").filter(has_text="Fyll i de markerade")).to_be_visible()
    assert_accessible(applicant)  # the evaluation form with its errors
    applicant.get_by_label("Har målen nåtts?").fill("Ja, 520 följare.")
    applicant.get_by_label("Räckvidd").fill("2 000 visningar i månaden.")
    applicant.get_by_label("Hur frågor har besvarats").fill("Alla inom ett dygn.")
    applicant.get_by_label("Fortsätta som i dag").check()
    applicant.get_by_role("button", name="Lämna utvärderingen").click()
    applicant.wait_for_url(url(live_server, f"/planer/{plan.pk}/"))
    expect(status_message(applicant, "Utvärderingen är lämnad")).to_be_visible()
    assert plan.evaluations.filter(submitted_by=p.medarbetare).count() == 1


# -- returned for completion -----------------------------------------------------------


def test_chef_returns_plan_and_applicant_completes_it(desk, live_server, org, colleague):
    plan = make_plan(
        org.people.medarbetare, colleague, account_name="Sagostunden", state=State.SUBMITTED
    )
    chef = desk("chef")
    goto(chef, live_server, f"/planer/{plan.pk}/")

    # Returning needs a comment; without one, nothing changes and the chef is told.
    chef.get_by_role("button", name="Skicka tillbaka för komplettering").click()
    chef.wait_for_load_state()
    # The page comes back with the reason at the comment field.
    expect(chef.locator("#id_comment_error")).to_have_text("Skriv vad som behöver kompletteras.")
    expect(chef.get_by_label("Kommentar")).to_have_attribute("aria-invalid", "true")
    plan.refresh_from_db()
    assert plan.state == State.SUBMITTED
    chef.get_by_label("Kommentar").fill("Målen behöver siffror: hur många följare?")
    decide(chef, "Skicka tillbaka för komplettering", "Återsänd för komplettering")

    # The applicant finds it on Att göra and reads the chef's comment on the plan page.
    applicant = desk("medarbetare")
    open_from_todo(applicant, live_server, "Komplettera och skicka in: Sagostunden")
    notice = applicant.locator(".decision-comment")
    expect(notice).to_contain_text(f"{org.people.chef} skickade tillbaka planen")
    expect(notice).to_contain_text("Målen behöver siffror: hur många följare?")
    assert_accessible(applicant)

    applicant.get_by_role("link", name="Ändra", exact=True).click()
    applicant.wait_for_url(url(live_server, f"/planer/{plan.pk}/andra/"))
    applicant.get_by_label("Mätbara mål").fill("300 följare efter ett halvår.")
    applicant.get_by_role("button", name="Spara och skicka in").click()
    applicant.wait_for_url(url(live_server, f"/planer/{plan.pk}/"))
    expect(status_message(applicant, "Planen är inskickad")).to_be_visible()
    expect(applicant.locator("ol.timeline > li").last).to_contain_text(
        "Inskickad igen efter komplettering."
    )
    plan.refresh_from_db()
    assert plan.state == State.SUBMITTED
    assert plan.goals == "300 följare efter ett halvår."

    # The flow restarts at the chef.
    open_from_todo(chef, live_server, "Beslut: Sagostunden")
    expect(chef.get_by_role("button", name="Godkänn uppdraget")).to_be_visible()
