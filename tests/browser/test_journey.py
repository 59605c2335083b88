"""One change request from submission to closure, in a real browser, as new users would do it.

Every step goes through the screens a person uses: the navigation, labelled fields, buttons
by their names, the kanban's keyboard menu and its drag and drop, the score's live preview
and the inline table rows. Along the way every page must stay free of JavaScript errors and
of server errors. The gates do what docs/rules.md 9 says: Gate 1 is deferred, listed, told to the
PMO on its date and asked for again; Gate 2 is returned for rework (the comment stays on the
initiative), then needs two approvals because the case has capital costs, and sets a
condition that holds Gate 3 back until it is met; Gate 3 sets one that holds Gate 4 back
until an approver waives it. axe checks the screens these add.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from playwright.sync_api import Page, expect

from pmo_web.extensions import db
from pmo_web.models import GateSetting, StrategicPriority, User
from tests import factories
from tests.browser import axe
from tests.browser.conftest import sign_in

TITLE = "Online crime reporting for hate crime"
BENEFIT = "Call handler hours released"
MILESTONE = "Pilot live in the contact centre"


class Users:
    """Signed-in pages, one per role, each watched for what must never happen on any page:
    console errors, uncaught exceptions and server errors (5xx)."""

    def __init__(self, page_as):
        self._page_as = page_as
        self.problems: list[str] = []

    def sign_in(self, role: str) -> Page:
        """A page signed in as <role>@example.test (a role, or another user such as approver2)."""
        return self._watch(self._page_as(role))

    def _watch(self, page: Page) -> Page:
        page.set_default_timeout(10_000)
        page.on("console", lambda message: message.type == "error" and self.problems.append(
            f"console error on {page.url}: {message.text}"))
        page.on("pageerror", lambda error: self.problems.append(f"uncaught exception on {page.url}: {error}"))
        page.on("response", lambda response: response.status >= 500 and self.problems.append(
            f"{response.status} from {response.request.method} {response.url}"))
        return page


@pytest.fixture
def users(page_as):
    return Users(page_as)


class Axe:
    """Pages for axe, one per role, in browser contexts that let its script in (CSP bypassed:
    the journey's own pages keep the CSP). Each check's violations are collected."""

    def __init__(self, browser, live_app):
        self.browser, self.live_app = browser, live_app
        self.contexts, self.pages, self.problems, self.checked = [], {}, [], []

    def page(self, role: str) -> Page:
        if role not in self.pages:
            context = self.browser.new_context(base_url=self.live_app.config["LIVE_URL"], bypass_csp=True)
            axe.install(context)
            self.contexts.append(context)
            page = sign_in(context.new_page(), f"{role}@example.test")
            page.set_default_timeout(10_000)
            expect(page).not_to_have_url(re.compile(r"/login"))
            self.pages[role] = page
        return self.pages[role]

    def check(self, role: str, url: str | None = None) -> Page:
        """axe on `url` as `role` (or on the role's page as it is now, after an htmx swap)."""
        page = self.page(role)
        if url is not None:
            page.goto(url)
        self.checked.append(page.url)
        self.problems += axe.describe(page.url, axe.check(page))
        return page

    def sign_in_again(self) -> None:
        """After the clock moves on a day, the sessions have ended."""
        for context in self.contexts:
            context.close()
        self.contexts, self.pages = [], {}


@pytest.fixture
def axe_pages(browser, live_app):
    checker = Axe(browser, live_app)
    yield checker
    for context in checker.contexts:
        context.close()


def go_to(page: Page, link_name: str | re.Pattern, url: str | re.Pattern) -> None:
    """Follow a link and wait until its page has run its scripts, so htmx is ready before the
    test acts on it (a click before then takes the no-JavaScript route instead)."""
    page.get_by_role("link", name=link_name).click()
    expect(page).to_have_url(url)
    page.wait_for_load_state("load")


def fill_date(page: Page, legend: str | re.Pattern, day: date) -> None:
    """Type a date into a GOV.UK date input (day, month and year boxes in one fieldset)."""
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def status_heading(page: Page, state: str):
    return page.get_by_role("heading", name=f"Status: {state}", exact=True)


def open_initiative(page: Page, initiative_id: int) -> None:
    page.goto(f"/initiatives/{initiative_id}")


def request_gate(page: Page, initiative_id: int, gate: int) -> None:
    """From the initiative page: open the next gate's request, check every criterion is met, ask."""
    open_initiative(page, initiative_id)
    page.get_by_role("link", name=re.compile(rf"^Request the gate G{gate} review")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Request Gate {gate}")
    criteria = page.locator("#entry-criteria")
    expect(criteria).to_contain_text("Met:")
    expect(criteria).not_to_contain_text("Not met")
    page.get_by_role("button", name="Request gate review").click()
    expect(page.get_by_text(f"Gate {gate} review requested")).to_be_visible()


def decide_gate(page: Page, decision: str, fill=None,
                outcome: str | re.Pattern = re.compile(r"Gate \d approved: the initiative moved to")) -> None:
    """As an approver: the queue shows one review; open it, record `decision`, see `outcome`."""
    page.goto("/")
    queue = page.get_by_role("link", name=re.compile(r"^Awaiting my decision"))
    expect(queue).to_have_accessible_name("Awaiting my decision 1")
    queue.click()
    page.get_by_role("link", name=re.compile(TITLE)).click()
    page.get_by_role("radio", name=decision, exact=True).check()
    if fill:
        fill(page)
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text(outcome)).to_be_visible()


def commented(text: str):
    """Fill the decision's comment (for every decision but approve)."""
    return lambda page: page.get_by_label("Comment").fill(text)


def one_condition(text: str, owner: str, due: date, comment: str):
    """An approval's first condition, owned by someone without an account, and the comment."""
    def fill(page: Page) -> None:
        condition = page.get_by_role("group", name="Condition 1")
        condition.get_by_label("Condition", exact=True).fill(text)
        condition.get_by_label("Owner's name or role, if not listed").fill(owner)
        fill_date(condition, "Due by", due)
        page.get_by_label("Comment").fill(comment)
    return fill


def entry_criterion(page: Page, name: str, met: bool):
    """The entry criteria checklist's line for `name`, said to be met or not met."""
    return expect(page.locator("#entry-criteria")).to_contain_text(f"{'Met' if met else 'Not met'}: {name}")


CONDITIONS_MET = "Conditions set at earlier gates met or waived"
DEFERRAL = "Wait for the force's spending review before funding a business case."
REWORK = "The economic case needs a do-minimum option with its costs."


def test_a_request_goes_from_submission_to_closure(users, axe_pages, live_app, test_clock):
    with live_app.app_context():
        # Gate 2 needs two approvals for capital-funded work; a second approver to give them.
        db.session.merge(GateSetting(code="G2", approver_role="approver", quorum=1, capital_quorum=2))
        department = db.session.scalar(db.select(User).where(User.email == "approver@example.test")).department
        factories.make_user(roles=("approver",), email="approver2@example.test", department=department,
                            name="Second Approver")
        db.session.commit()
    requester, pmo, approver = users.sign_in("requester"), users.sign_in("pmo"), users.sign_in("approver")
    today = date.today()

    # 1. The requester writes the request from the navigation (Requests) and submits it.
    requester.get_by_role("navigation", name="Main menu").get_by_role("link", name="Requests").click()
    requester.get_by_role("link", name="Make a new change request").click()
    requester.get_by_label("Title", exact=True).fill(TITLE)
    requester.get_by_label("Description", exact=True).fill("Victims report hate crime online, any time.")
    requester.get_by_label("Problem to solve").fill("Victims wait on 101 and many give up.")
    requester.get_by_label("Department").select_option(label="Contact Management")
    requester.get_by_label("Sponsor").fill("Ch Supt A. Example")
    requester.get_by_label("Desired outcome").fill("More reports, fewer abandoned calls.")
    requester.get_by_label("Deadline driver (optional)").fill("The 101 contract ends next March.")
    requester.get_by_role("radio", name="£10,000 to £100,000").check()
    requester.get_by_role("radio", name="Leveraging technology").check()
    requester.get_by_role("button", name="Submit request").click()
    expect(requester).to_have_url(re.compile(r"/initiatives/\d+$"))
    expect(status_heading(requester, "Submitted")).to_be_visible()
    initiative_id = int(requester.url.rsplit("/", 1)[1])

    # 2. The PMO starts triage from the card's Move menu with the keyboard, then drags it to Scoring.
    go_to(pmo, re.compile(r"^Triage board$"), re.compile(r"/triage$"))  # the menu, not My work's link
    pmo.evaluate("window.journeyMarker = 'same board'")
    column = {stage: pmo.get_by_role("region", name=re.compile(rf"^{stage} \("))
              for stage in ("Request", "Triage", "Scoring")}
    card = pmo.get_by_role("listitem").filter(has=pmo.get_by_role("link", name=re.compile(TITLE)))
    expect(column["Request"].get_by_role("link", name=re.compile(TITLE))).to_be_visible()
    card.get_by_role("link", name=re.compile(r"^Move")).focus()
    pmo.keyboard.press("Enter")  # fetches the card's Move menu and puts focus on its first move
    start_triage = card.get_by_role("button", name=re.compile(r"^Start triage"))
    expect(start_triage).to_be_visible()
    expect(start_triage).to_be_focused()
    pmo.keyboard.press("Enter")
    expect(column["Triage"].get_by_role("link", name=re.compile(TITLE))).to_be_visible()
    expect(pmo.get_by_role("alert").filter(has_text="is now at Triage")).to_be_visible()
    expect(card).to_be_focused()  # the moved card takes focus, so keyboard users keep their place

    pmo.drag_and_drop(f"#card-{initiative_id}", "[data-stage=scoring]")
    # Accepting cannot be undone, so the drop asks first, in the card.
    confirmation = card.get_by_role("group", name=re.compile(r"^Accept .*\?$"))
    expect(confirmation).to_contain_text("It cannot be undone.")
    confirmation.get_by_role("button", name=re.compile(r"^Yes, accept")).click()
    expect(column["Scoring"].get_by_role("link", name=re.compile(TITLE))).to_be_visible()
    expect(column["Triage"].get_by_role("link", name=re.compile(TITLE))).to_have_count(0)
    assert pmo.evaluate("window.journeyMarker") == "same board"  # both moves were htmx swaps
    pmo.screenshot(path="/tmp/journey-kanban.png", full_page=True)

    open_initiative(pmo, initiative_id)
    expect(status_heading(pmo, "Scoring")).to_be_visible()
    history = pmo.get_by_role("region", name="History")
    expect(history).to_contain_text("From Submitted to Triage")
    expect(history).to_contain_text("From Triage to Scoring")

    # 3. The PMO scores it; the live preview updates without taking focus from the radio.
    go_to(pmo, re.compile(r"^Score this initiative"), re.compile(r"/score$"))
    preview = pmo.locator("#score-preview")
    expect(preview).to_contain_text("Choose a value for every factor to see the score")
    pmo.get_by_label("Enhancing service and standards").select_option(label="2 – Some")
    pmo.get_by_label("Leveraging technology").select_option(label="4 – Strong")
    pmo.get_by_role("group", name="Urgency").get_by_role("radio", name=re.compile("Within 12 months")).check()
    pmo.get_by_role("group", name="Complexity").get_by_role("radio", name=re.compile("Moderate")).check()
    last_choice = pmo.get_by_role("group", name="Desirability").get_by_role("radio", name=re.compile("Significant"))
    last_choice.check()
    expect(preview).to_contain_text(re.compile(r"\d+ out of 100"))
    expect(preview).to_contain_text(re.compile(r"Band: (High|Medium|Low)"))
    expect(last_choice).to_be_focused()
    first_total = re.search(r"(\d+) out of 100", preview.inner_text()).group(1)
    # A keyboard user changes their mind with an arrow key: the score follows, focus stays put.
    pmo.keyboard.press("ArrowDown")
    changed_choice = pmo.get_by_role("group", name="Desirability").get_by_role("radio", name=re.compile("Large"))
    expect(changed_choice).to_be_checked()
    expect(preview).not_to_contain_text(f"{first_total} out of 100")
    expect(preview).to_contain_text(re.compile(r"\d+ out of 100"))
    expect(changed_choice).to_be_focused()
    assert pmo.evaluate("document.activeElement.name") == "desirability"
    pmo.get_by_label("Rationale").fill("Statutory reporting pressure and a clear benefit for victims.")
    pmo.get_by_role("button", name="Save score").click()
    expect(pmo.get_by_text(re.compile(r"scored \d+ out of 100"))).to_be_visible()
    request_gate(pmo, initiative_id, 1)

    # 4. The approver defers Gate 1 to tomorrow. The deferred review stays open and is listed
    # with its date; tomorrow the PMO is told (the daily digest) and asks again in one step.
    tomorrow = today + timedelta(days=1)

    def come_back_tomorrow(page: Page) -> None:
        fill_date(page, re.compile(r"^Come back to this gate on"), tomorrow)
        page.get_by_label("Comment").fill(DEFERRAL)

    decide_gate(approver, "Defer", come_back_tomorrow, outcome=re.compile(r"Gate 1 deferred: to be looked at again"))
    pmo.goto("/gates")
    deferred = pmo.locator("#deferred-" + re.search(r"/gates/(\d+)", approver.url)[1])
    expect(deferred).to_contain_text(TITLE)
    expect(deferred).to_contain_text(f"{tomorrow.day} {tomorrow:%B %Y}")
    axe_pages.check("pmo", "/gates")
    axe_pages.check("pmo", approver.url)  # the deferred review, with its request-again button
    open_initiative(pmo, initiative_id)
    expect(pmo.locator("#gate-outcome")).to_contain_text(DEFERRAL)

    test_clock.move_to(datetime.combine(tomorrow, time(8, 0), tzinfo=UTC))
    result = live_app.test_cli_runner().invoke(args=["send-digest", "--day", tomorrow.isoformat()])
    assert result.exit_code == 0, result.output
    axe_pages.sign_in_again()
    pmo, approver = users.sign_in("pmo"), users.sign_in("approver")  # yesterday's sessions have ended
    pmo.goto("/notifications")
    # An unread notification opens through a button that marks it read (issue 14).
    pmo.get_by_role("button", name=re.compile(rf"^Gate 1 on CR-\d+ {TITLE} is due to be looked at again")).click()
    axe_pages.check("pmo", "/notifications")
    pmo.get_by_role("button", name="Request Gate 1 again").click()
    expect(pmo.get_by_text("Gate 1 requested again: the approvers have it in their queue.")).to_be_visible()
    decide_gate(approver, "Approve")
    open_initiative(approver, initiative_id)
    expect(status_heading(approver, "Business case")).to_be_visible()

    # 5. The PMO writes the business case (adding a second risk row with htmx) and asks for Gate 2.
    open_initiative(pmo, initiative_id)
    go_to(pmo, re.compile(r"^Business case for"), re.compile(r"/business-case$"))
    case_url = pmo.url
    pmo.evaluate("window.journeyMarker = 'same page'")
    for case in ("Strategic", "Economic", "Commercial", "Financial", "Management"):
        pmo.get_by_label(f"{case} case").fill(f"The {case.lower()} case for online reporting.")
    option = pmo.get_by_role("group", name="Option 1")
    option.get_by_label("Option name").fill("Buy the national online reporting service")
    option.get_by_label("Description").fill("Join the national platform used by other forces.")
    option.get_by_label("This is the preferred option").check()
    cost = pmo.get_by_role("group", name="Cost 1")
    cost.get_by_label("What the cost is for").fill("Reporting platform and integration")
    cost.get_by_label("Capital or revenue").select_option(label="Capital")
    cost.get_by_label("One-off or recurring").select_option(label="One-off")
    cost.get_by_label("Financial year").select_option(label="2026/27")
    cost.get_by_label("Amount").fill("180,000")
    benefit = pmo.get_by_role("group", name="Benefit 1")
    benefit.get_by_label("Benefit", exact=True).fill(BENEFIT)
    benefit.get_by_label("Category").select_option(label="Non-cash-releasing (e.g. officer hours released)")
    benefit.get_by_label("How it will be measured").fill("Call handler hours per month")
    benefit.get_by_label("Target").fill("400 hours a month")
    benefit.get_by_label("Financial value per year (optional)").fill("30,000")
    pmo.get_by_role("group", name="Risk 1").get_by_label("Risk", exact=True).fill("Victims may not find the form.")
    pmo.get_by_role("button", name="Add another risk").click()
    second_risk = pmo.get_by_role("group", name="Risk 2")
    expect(second_risk.get_by_label("Risk", exact=True)).to_be_focused()  # straight into the new row
    assert (pmo.url, pmo.evaluate("window.journeyMarker")) == (case_url, "same page")  # htmx, not a reload
    second_risk.get_by_label("Risk", exact=True).fill("The supplier may raise prices.")
    second_risk.get_by_label("Mitigation").fill("Fix the price for three years.")
    pmo.get_by_role("button", name=re.compile(r"^Save as version 1")).click()
    expect(pmo.get_by_text("Business case version 1 saved.")).to_be_visible()
    # GBP 180,000 of capital costs: capital-funded, so Gate 2 needs its capital quorum.
    expect(pmo.locator("#funding-type")).to_contain_text("Capital-funded")
    expect(pmo.locator("#funding-type")).to_contain_text("Gate 2 needs 2 approvals from different approvers")
    axe_pages.check("pmo", case_url)
    request_gate(pmo, initiative_id, 2)

    # 6. Returned for rework: the comment stays on the initiative until the PMO asks again.
    decide_gate(approver, "Return for rework", commented(REWORK),
                outcome="Gate 2 returned for rework: the PMO can request the gate again when it is ready")
    open_initiative(pmo, initiative_id)
    expect(pmo.locator("#gate-outcome")).to_contain_text("Gate 2 returned for rework")
    expect(pmo.locator("#rework-comment")).to_have_text(REWORK)
    axe_pages.check("pmo", f"/initiatives/{initiative_id}")
    # ... and on the PMO's My work, under what was returned, with the way on.
    go_to(pmo, re.compile(r"^My work"), re.compile(r"/$"))
    returned = pmo.locator("#work-rework")
    expect(returned).to_contain_text("Gate 2 returned for rework")
    expect(returned).to_contain_text(REWORK)
    expect(returned.get_by_role("link", name=re.compile(r"^Request Gate 2 again"))).to_be_visible()
    open_initiative(pmo, initiative_id)
    go_to(pmo, re.compile(r"^Business case for"), re.compile(r"/business-case$"))
    expect(pmo.locator("#rework-comment")).to_have_text(REWORK)
    pmo.get_by_role("button", name="Add another option").click()
    option = pmo.get_by_role("group", name="Option 2")
    option.get_by_label("Option name").fill("Do minimum: extend the 101 contract")
    pmo.get_by_role("button", name=re.compile(r"^Save as version 2")).click()
    expect(pmo.get_by_text("Business case version 2 saved.")).to_be_visible()
    request_gate(pmo, initiative_id, 2)
    open_initiative(pmo, initiative_id)
    expect(pmo.locator("#gate-outcome")).to_have_count(0)

    # 7. Two approvals: the first with a condition, the second moves it to delivery.
    decide_gate(approver, "Approve with conditions",
                one_condition("Agree the data-sharing terms", "Head of Information Management",
                              today + timedelta(days=60), "Approved once data sharing is agreed."),
                outcome="Approve with conditions: 1 of 2 approvals recorded")
    open_initiative(approver, initiative_id)
    expect(status_heading(approver, "Business case")).to_be_visible()
    second = users.sign_in("approver2")
    decide_gate(second, "Approve", outcome="Gate 2 approved: the initiative moved to Delivery")

    # 8. The PMO adds a met milestone inline, without leaving the page, and asks for Gate 3.
    open_initiative(pmo, initiative_id)
    expect(status_heading(pmo, "Delivery")).to_be_visible()
    go_to(pmo, re.compile(r"^Delivery for"), re.compile(r"/delivery$"))
    delivery_url = pmo.url
    pmo.evaluate("window.journeyMarker = 'same page'")
    pmo.get_by_role("button", name="Add a milestone").click()
    expect(pmo.get_by_label("Milestone", exact=True)).to_be_focused()  # the new row takes focus
    pmo.get_by_label("Milestone", exact=True).fill(MILESTONE)
    fill_date(pmo, "Baseline date", today - timedelta(days=20))
    fill_date(pmo, re.compile(r"^Actual date"), today - timedelta(days=3))
    pmo.get_by_role("button", name="Save milestone").click()
    saved_row = pmo.get_by_role("row", name=re.compile(MILESTONE))
    expect(saved_row).to_contain_text("Complete")
    expect(pmo.get_by_role("button", name="Save milestone")).to_have_count(0)
    assert pmo.url == delivery_url
    assert pmo.evaluate("window.journeyMarker") == "same page"
    # Gate 3 waits for Gate 2's condition: the entry criteria say so, and there is no button.
    open_initiative(pmo, initiative_id)
    pmo.get_by_role("link", name=re.compile(r"^Request the gate G3 review")).click()
    entry_criterion(pmo, CONDITIONS_MET, met=False)
    expect(pmo.locator("#entry-criteria")).to_contain_text("Agree the data-sharing terms (Gate 2)")
    expect(pmo.get_by_role("button", name="Request gate review")).to_have_count(0)
    axe_pages.check("pmo", pmo.url)
    # The PMO marks it met on the delivery page, in place.
    delivery = axe_pages.check("pmo", delivery_url)
    row = delivery.locator("#conditions tbody tr").filter(has_text="Agree the data-sharing terms")
    row.get_by_role("link", name=re.compile(r"^Mark as met")).click()
    evidence = delivery.get_by_label("Evidence that the condition is met")
    expect(evidence).to_be_focused()
    axe_pages.check("pmo")
    evidence.fill("Data-sharing agreement signed with the national service on 2 June.")
    delivery.get_by_role("button", name="Mark as met").click()
    expect(row).to_contain_text("Met")
    expect(row).to_contain_text("Data-sharing agreement signed")
    axe_pages.check("pmo")
    request_gate(pmo, initiative_id, 3)
    decide_gate(approver, "Approve with conditions",
                one_condition("Hand the service to the contact centre's business-as-usual team",
                              "Head of Contact Management", today + timedelta(days=30),
                              "Approved; hand over before closure."))

    # 9. Benefits review: record the actual inline, a lesson and satisfaction; then close at Gate 4.
    open_initiative(pmo, initiative_id)
    expect(status_heading(pmo, "Benefits review")).to_be_visible()
    go_to(pmo, re.compile(r"^Benefits review for"), re.compile(r"/benefits-review$"))
    pmo.get_by_role("link", name=f"Record actuals for {BENEFIT}").click()
    expect(pmo.get_by_label("Benefit owner")).to_be_focused()  # the row turned into its form
    pmo.get_by_label("Actual value", exact=True).fill("420 hours a month")
    pmo.get_by_role("radio", name="Realised", exact=True).check()
    pmo.get_by_role("button", name="Save benefit").click()
    benefit_row = pmo.get_by_role("row", name=re.compile(BENEFIT))
    expect(benefit_row).to_contain_text("420 hours a month")
    expect(benefit_row).not_to_contain_text("Not measured")
    expect(pmo.get_by_role("button", name="Save benefit")).to_have_count(0)
    # The closure readiness came back with the row (out of band): the benefits criterion is met.
    expect(pmo.locator("#review-summary")).not_to_contain_text(f"Outstanding: {BENEFIT}")

    pmo.get_by_role("button", name="Add a lesson").click()  # the lessons log, inline on the review page
    pmo.get_by_label("Title").fill("Test the form with victims first")
    pmo.get_by_label("Owner", exact=True).fill("Contact Management lead")
    pmo.get_by_label("Dependencies").fill("None")
    pmo.get_by_label("Recommendation").fill("Run user research before buying.")
    pmo.get_by_role("button", name="Add lesson").click()
    expect(pmo.get_by_role("row", name=re.compile("Test the form with victims first"))).to_be_visible()

    pmo.get_by_role("link", name="Record stakeholder satisfaction").click()
    pmo.get_by_role("radio", name="Satisfied", exact=True).check()
    pmo.get_by_label("Comment").fill("The sponsor and the call handlers are pleased.")
    pmo.get_by_role("button", name="Save satisfaction").click()
    expect(pmo.get_by_text("4 out of 5: Satisfied")).to_be_visible()
    # Gate 4 is refused while Gate 3's condition is open: no closure button, the criterion not met.
    expect(pmo.get_by_role("button", name="Request the closure gate")).to_have_count(0)
    expect(pmo.locator("#review-summary")).to_contain_text(CONDITIONS_MET)
    pmo.goto(f"/initiatives/{initiative_id}/gates/request")
    entry_criterion(pmo, CONDITIONS_MET, met=False)
    expect(pmo.get_by_role("button", name="Request gate review")).to_have_count(0)
    # An approver waives it, in place on the benefits review, with the reason.
    review_page = axe_pages.check("approver", f"/initiatives/{initiative_id}/benefits-review")
    row = review_page.locator("#conditions tbody tr").filter(has_text="business-as-usual team")
    row.get_by_role("link", name=re.compile(r"^Waive")).click()
    review_page.get_by_label("Why the condition is waived").fill("Handover moved into the national service.")
    review_page.get_by_role("button", name="Waive condition").click()
    expect(row).to_contain_text("Waived")
    axe_pages.check("approver")
    pmo.goto(f"/initiatives/{initiative_id}/benefits-review")
    pmo.get_by_role("button", name="Request the closure gate").click()
    expect(pmo.locator("#entry-criteria")).not_to_contain_text("Not met")
    entry_criterion(pmo, CONDITIONS_MET, met=True)
    pmo.get_by_role("button", name="Request gate review").click()
    expect(pmo.get_by_text("Gate 4 review requested")).to_be_visible()
    decide_gate(approver, "Approve")

    open_initiative(pmo, initiative_id)
    expect(status_heading(pmo, "Closed")).to_be_visible()
    history = pmo.get_by_role("region", name="History")
    expect(history.get_by_role("table", name="Time spent in each stage")).to_be_visible()
    titles = history.get_by_role("heading", level=3)
    expected = ["Submit", "Start triage", "Accept",
                "Gate G1 review requested", "Gate G1: Defer", "Gate G1 review requested", "Gate G1: Approve",
                "Advance (gate decision)",
                "Gate G2 review requested", "Gate G2: Return for rework", "Gate G2 review requested",
                "Gate G2: Approve with conditions", "Gate G2: Approve", "Advance (gate decision)",
                "Gate G3 review requested", "Gate G3: Approve with conditions", "Advance (gate decision)",
                "Gate G4 review requested", "Gate G4: Approve", "Close (gate decision)"]
    expect(titles).to_have_text(expected)
    pmo.screenshot(path="/tmp/journey-initiative.png", full_page=True)

    assert users.problems == []
    assert axe_pages.problems == [], "\n".join(axe_pages.problems)
    assert len(axe_pages.checked) >= 11  # every new screen, and the inline condition rows after each swap


def test_a_card_dropped_on_a_column_it_cannot_reach_says_why(users, live_app):
    with live_app.app_context():
        owner = db.session.scalar(db.select(User).where(User.email == "requester@example.test"))
        priority = db.session.scalar(db.select(StrategicPriority).limit(1))
        stuck = factories.make_initiative(owner=owner, state="triage", title="Replace the custody clocks",
                                          strategic_priority=priority)
        db.session.commit()
        stuck_id = stuck.id
    pmo = users.sign_in("pmo")
    go_to(pmo, re.compile(r"^Triage board$"), re.compile(r"/triage$"))  # the menu, not My work's link
    card = pmo.get_by_role("listitem").filter(has=pmo.get_by_role("link", name=re.compile("custody clocks")))
    moves = []
    pmo.on("request", lambda request: "/move" in request.url and moves.append(request.url))

    # Back to Request: no lifecycle move leads there, so nothing is posted and the card says so.
    pmo.drag_and_drop(f"#card-{stuck_id}", "[data-stage=request]")

    expect(card.get_by_role("alert")).to_have_text(re.compile(r"^\S+ cannot move from Triage to Request\.$"))
    expect(card.get_by_role("alert").get_by_role("link")).to_have_count(0)  # no way there to offer
    expect(pmo.get_by_role("region", name=re.compile(r"^Triage \(")).get_by_role(
        "link", name=re.compile("custody clocks"))).to_be_visible()
    assert moves == []
    assert users.problems == []
