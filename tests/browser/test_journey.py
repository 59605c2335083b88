"""One change request from submission to closure, in a real browser, as new users would do it.

Every step goes through the screens a person uses: the navigation, labelled fields, buttons
by their names, the kanban's keyboard menu and its drag and drop, the score's live preview
and the inline table rows. Along the way every page must stay free of JavaScript errors and
of server errors.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from pmo_web.extensions import db
from pmo_web.models import StrategicPriority, User
from tests import factories

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
        page = self._page_as(role)
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


def decide_gate(page: Page, decision: str, fill=None) -> None:
    """As the approver: the queue shows one review; open it, record `decision`."""
    page.goto("/")
    queue = page.get_by_role("link", name=re.compile(r"^Awaiting my decision"))
    expect(queue).to_have_accessible_name("Awaiting my decision 1")
    queue.click()
    page.get_by_role("link", name=re.compile(TITLE)).click()
    page.get_by_role("radio", name=decision, exact=True).check()
    if fill:
        fill(page)
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text(re.compile(r"Gate \d approved: the initiative moved to"))).to_be_visible()


def test_a_request_goes_from_submission_to_closure(users):
    requester, pmo, approver = users.sign_in("requester"), users.sign_in("pmo"), users.sign_in("approver")
    today = date.today()

    # 1. The requester writes the request from the navigation and submits it.
    requester.get_by_role("link", name="New request").click()
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
    go_to(pmo, "Triage board", re.compile(r"/triage$"))
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

    # 4. The approver finds it awaiting their decision and approves Gate 1.
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
    cost.get_by_label("What the cost is for").fill("Platform subscription")
    cost.get_by_label("Capital or revenue").select_option(label="Revenue")
    cost.get_by_label("One-off or recurring").select_option(label="Recurring (per year)")
    cost.get_by_label("Amount").fill("25,000")
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
    request_gate(pmo, initiative_id, 2)

    def one_condition(page: Page) -> None:
        condition = page.get_by_role("group", name="Condition 1")
        condition.get_by_label("Condition").fill("Agree the data-sharing terms")
        condition.get_by_label("Owner").fill("Head of Information Management")
        fill_date(condition, "Due by", today + timedelta(days=60))
        page.get_by_label("Comment").fill("Approved once data sharing is agreed.")

    decide_gate(approver, "Approve with conditions", one_condition)

    # 6. The PMO adds a met milestone inline, without leaving the page, and asks for Gate 3.
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
    request_gate(pmo, initiative_id, 3)
    decide_gate(approver, "Approve")

    # 7. Benefits review: record the actual inline, a lesson and satisfaction; then close at Gate 4.
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
    expect(pmo.locator("#review-summary")).not_to_contain_text("Outstanding")

    pmo.get_by_role("button", name="Add a lesson").click()  # the lessons log, inline on the review page
    pmo.get_by_label("Title").fill("Test the form with victims first")
    pmo.get_by_label("Owner").fill("Contact Management lead")
    pmo.get_by_label("Dependencies").fill("None")
    pmo.get_by_label("Recommendation").fill("Run user research before buying.")
    pmo.get_by_role("button", name="Add lesson").click()
    expect(pmo.get_by_role("row", name=re.compile("Test the form with victims first"))).to_be_visible()

    pmo.get_by_role("link", name="Record stakeholder satisfaction").click()
    pmo.get_by_role("radio", name="Satisfied", exact=True).check()
    pmo.get_by_label("Comment").fill("The sponsor and the call handlers are pleased.")
    pmo.get_by_role("button", name="Save satisfaction").click()
    expect(pmo.get_by_text("4 out of 5: Satisfied")).to_be_visible()
    pmo.get_by_role("button", name="Request the closure gate").click()
    expect(pmo.locator("#entry-criteria")).not_to_contain_text("Not met")
    pmo.get_by_role("button", name="Request gate review").click()
    expect(pmo.get_by_text("Gate 4 review requested")).to_be_visible()
    decide_gate(approver, "Approve")

    open_initiative(pmo, initiative_id)
    expect(status_heading(pmo, "Closed")).to_be_visible()
    history = pmo.get_by_role("region", name="History")
    expect(history.get_by_role("table", name="Time spent in each stage")).to_be_visible()
    titles = history.get_by_role("heading", level=3)
    expected = ["Submit", "Start triage", "Accept"]
    for gate in (1, 2, 3, 4):
        expected += [f"Gate G{gate} review requested", re.compile(rf"^Gate G{gate}: Approve")]
        expected.append("Close (gate decision)" if gate == 4 else "Advance (gate decision)")
    expect(titles).to_have_text(expected)
    pmo.screenshot(path="/tmp/journey-initiative.png", full_page=True)

    assert users.problems == []


def test_a_card_dropped_on_a_column_it_cannot_reach_says_why(users, live_app):
    with live_app.app_context():
        owner = db.session.scalar(db.select(User).where(User.email == "requester@example.test"))
        priority = db.session.scalar(db.select(StrategicPriority).limit(1))
        stuck = factories.make_initiative(owner=owner, state="triage", title="Replace the custody clocks",
                                          strategic_priority=priority)
        db.session.commit()
        stuck_id = stuck.id
    pmo = users.sign_in("pmo")
    go_to(pmo, "Triage board", re.compile(r"/triage$"))
    card = pmo.get_by_role("listitem").filter(has=pmo.get_by_role("link", name=re.compile("custody clocks")))
    moves = []
    pmo.on("request", lambda request: "/move" in request.url and moves.append(request.url))

    # Back to Request: no lifecycle move leads there, so nothing is posted and the card says so.
    pmo.drag_and_drop(f"#card-{stuck_id}", "[data-stage=request]")

    expect(card.get_by_role("alert")).to_have_text("No move from Triage to Request: use the Move menu")
    expect(pmo.get_by_role("region", name=re.compile(r"^Triage \(")).get_by_role(
        "link", name=re.compile("custody clocks"))).to_be_visible()
    assert moves == []
    assert users.problems == []
