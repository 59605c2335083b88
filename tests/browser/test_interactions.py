"""Every htmx interaction of the app, driven in Chromium as people would use it.

test_accessibility.py and test_journey.py drive the kanban's moves and filters, the score's
live preview, the inline milestone and benefit rows and "add another" on the business case.
This module drives the rest: two people saving the same inline row (the 409 conflict panel
inside the row), the lifecycle buttons on the initiative page (moves without input, the
out-of-band history, a button that asks for input, refusals), the approver's decision panel,
the filters of the users list (with the browser's Back button) and of the backlog, cancelling
inline benefit rows, the kanban's "Show more" lanes and on-demand Move menus, the score
preview refused once the initiative has moved on, the business case's row limit (out of
band), and the banner shown when a request fails or the network is down.

After each swap axe-core must find no WCAG A/AA violation on the page, keyboard focus must
be somewhere sensible (never lost to <body>) and no page may raise a JavaScript error or
get a server error.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from pmo_web.cases.forms import MAX_ROWS
from pmo_web.extensions import db
from pmo_web.gates import service as gates
from pmo_web.models import Benefit, CaseRisk, Initiative, Milestone, StrategicPriority, User
from pmo_web.triage.board import LANE_PAGE
from pmo_web.workflow import fire
from tests import factories
from tests.browser import axe
from tests.browser.test_accessibility import no_violations, settled, wait_for_focus_in

PMO, OTHER_PMO, APPROVER, ADMIN = ("pmo@example.test", "pmo2@example.test", "approver@example.test",
                                   "admin@example.test")
OTHER_PMO_NAME = "Dana Okafor"
PMO_NAME = "Pmo User"  # live_app names each demo user after their role


@dataclass(frozen=True)
class World:
    """Ids of the rows each test acts on (each test has its own, so they do not interfere)."""

    delivery: int
    milestone: int
    review: int
    benefit: int
    to_triage: int
    raced: int
    to_question: int
    draft: int
    failing: int
    scoring: int
    gate_review: int
    high: int
    case: int
    cancelled_benefit: int


@pytest.fixture(scope="module")
def world(live_app) -> World:
    with live_app.app_context():
        by_email = {user.email: user for user in db.session.scalars(db.select(User))}
        requester, pmo = by_email["requester@example.test"], by_email[PMO]
        factories.make_user(roles=("pmo",), email=OTHER_PMO, name=OTHER_PMO_NAME, department=requester.department)
        priority = db.session.scalar(db.select(StrategicPriority).order_by(StrategicPriority.id))

        def initiative(state: str, title: str, **fields) -> Initiative:
            return factories.make_initiative(owner=requester, state=state, title=title,
                                             strategic_priority=priority, **fields)

        delivery = initiative("delivery", "Custody records upgrade")
        milestone = factories.make_milestone(delivery, done=False, name="Supplier chosen")
        review = initiative("benefits_review", "Mobile data terminals")
        benefit = factories.make_benefit(review, name="Officer hours released", owner="Insp. Harris")
        cancelled_benefit = factories.make_benefit(review, name="Fewer repeat calls")
        gate_item = initiative("scoring", "Drone unit expansion")
        factories.make_score(gate_item, pmo, total=72, band="High")
        factories.make_score(initiative("scoring", "Station front counter kiosks"), pmo, total=30, band="Low")
        case = initiative("business_case", "Digital evidence management")
        # A business case two rows short of the limit on risks.
        factories.make_business_case(case, pmo).risks = [
            CaseRisk(description=f"Risk number {n}", mitigation="Watch it") for n in range(1, MAX_ROWS - 1)]
        for n in range(1, LANE_PAGE + 3):  # a lane with more cards than it shows at first
            initiative("on_hold", f"Paused work {n}")
        db.session.flush()
        gate_review = gates.request_review(gate_item, pmo, note="Ready for G1")
        world = World(
            delivery=delivery.id, milestone=milestone.id, review=review.id, benefit=benefit.id,
            to_triage=initiative("submitted", "Body-worn video refresh").id,
            raced=initiative("submitted", "Automatic number plate cameras").id,
            to_question=initiative("triage", "Victim updates by text message").id,
            draft=initiative("draft", "Half-written request", sponsor="", desired_outcome="").id,
            failing=initiative("submitted", "Firearms licensing portal").id,
            scoring=initiative("scoring", "Mobile fingerprint readers").id,
            gate_review=gate_review.id, high=gate_item.id, case=case.id,
            cancelled_benefit=cancelled_benefit.id)
        db.session.commit()
        return world


class People:
    """One browser context per person, signed in once for the module; each test opens its
    pages (tabs) in them. Every page has axe loaded and is watched for what must never
    happen: uncaught JavaScript exceptions and server errors."""

    def __init__(self, browser, live_app):
        self.browser, self.base_url = browser, live_app.config["LIVE_URL"]
        self.contexts = {}
        self.pages: list[Page] = []
        self.problems: list[str] = []

    def sign_in(self, email: str) -> Page:
        """A new tab of `email`'s browser (signing them in on first use)."""
        if email not in self.contexts:
            # CSP is bypassed only so that axe can be injected; test_csp.py runs the app under it.
            context = self.browser.new_context(base_url=self.base_url, bypass_csp=True)
            axe.install(context)
            self.contexts[email] = context
            page = self._watched(context)
            page.goto("/login")
            page.get_by_label("Email address").fill(email)
            page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page).not_to_have_url(re.compile(r"/login"))
            return page
        return self._watched(self.contexts[email])

    def _watched(self, context) -> Page:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught exception on {page.url}: {error}"))
        page.on("response", lambda response: response.status >= 500 and self.problems.append(
            f"{response.status} from {response.request.method} {response.url}"))
        self.pages.append(page)
        return page

    def close_pages(self) -> None:
        for page in self.pages:
            page.close()
        self.pages, self.problems = [], []


@pytest.fixture(scope="module")
def crowd(browser, live_app):
    everyone = People(browser, live_app)
    yield everyone
    for context in everyone.contexts.values():
        context.close()


@pytest.fixture
def people(crowd):
    yield crowd
    crowd.close_pages()


def visit(page: Page, path: str) -> None:
    """Open `path` and wait until its scripts ran (htmx ready), marking the document so a
    test can tell an htmx swap (same document) from a page load."""
    page.goto(path)
    page.wait_for_load_state("load")
    page.evaluate("window.sameDocument = true")


def same_document(page: Page) -> bool:
    return page.evaluate("window.sameDocument === true")


# ------------------------------------------------------------------ conflicts in inline rows


def test_two_people_saving_the_same_milestone_row(people, world, live_app):
    first, second = people.sign_in(PMO), people.sign_in(OTHER_PMO)
    row_id = f"#milestone-{world.milestone}"
    for page in (first, second):
        visit(page, f"/initiatives/{world.delivery}/delivery")
        page.locator(row_id).get_by_role("link", name=re.compile(r"^Edit")).click()
        expect(page.locator(f"{row_id} form")).to_be_visible()

    first.locator(row_id).get_by_label("Milestone", exact=True).fill("Supplier chosen after tender")
    first.locator(row_id).get_by_role("button", name="Save milestone").click()
    expect(first.locator(f"{row_id} form")).to_have_count(0)
    expect(first.locator(row_id)).to_contain_text("Supplier chosen after tender")

    row = second.locator(row_id)
    row.get_by_label("Milestone", exact=True).fill("Supplier chosen from the framework")
    with second.expect_response(re.compile(r"/milestones/\d+/edit$")) as refused:
        row.get_by_role("button", name="Save milestone").click()

    assert refused.value.status == 409
    panel = row.locator(".app-conflict")  # inside the row, above the form still holding their values
    expect(panel).to_be_visible()
    expect(panel.get_by_role("alert")).to_contain_text(f"{PMO_NAME} saved it")
    expect(panel.get_by_role("heading")).to_have_text("Someone else saved this milestone while you were editing it")
    expect(panel.locator("tbody tr")).to_have_count(1)
    expect(panel.locator("tbody tr").locator("th, td")).to_have_text(
        ["Milestone", "Supplier chosen after tender", "Supplier chosen from the framework"])
    expect(row.get_by_label("Milestone", exact=True)).to_have_value("Supplier chosen from the framework")
    wait_for_focus_in(second, f"{row_id} .app-conflict")
    no_violations(second, "a milestone conflict")
    assert same_document(second)

    # Having seen the other change, the second person saves theirs over it on purpose.
    row.get_by_role("button", name="Save milestone").click()
    expect(second.locator(f"{row_id} form")).to_have_count(0)
    expect(second.locator(row_id)).to_contain_text("Supplier chosen from the framework")
    wait_for_focus_in(second, row_id)
    no_violations(second, "saving a milestone again after a conflict")
    with live_app.app_context():
        assert db.session.get(Milestone, world.milestone).name == "Supplier chosen from the framework"
    assert people.problems == []


def test_two_people_recording_actuals_on_the_same_benefit_row(people, world, live_app):
    first, second = people.sign_in(PMO), people.sign_in(OTHER_PMO)
    row_id = f"#benefit-{world.benefit}"
    for page in (first, second):
        visit(page, f"/initiatives/{world.review}/benefits-review")
        page.locator(row_id).get_by_role("link", name=re.compile(r"^Record actuals")).click()
        expect(page.locator(f"{row_id} form")).to_be_visible()

    first.locator(row_id).get_by_label("Actual value", exact=True).fill("350 hours a month")
    first.locator(row_id).get_by_role("button", name="Save benefit").click()
    expect(first.locator(f"{row_id} form")).to_have_count(0)
    expect(first.locator(row_id)).to_contain_text("350 hours a month")

    row = second.locator(row_id)
    row.get_by_label("Actual value", exact=True).fill("410 hours a month")
    with second.expect_response(re.compile(r"/benefits/\d+/edit$")) as refused:
        row.get_by_role("button", name="Save benefit").click()

    assert refused.value.status == 409
    panel = row.locator(".app-conflict")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("alert")).to_contain_text(f"{PMO_NAME} saved it")
    expect(panel.get_by_role("heading")).to_have_text("Someone else saved this benefit while you were editing it")
    expect(panel.locator("tbody tr")).to_have_count(1)
    expect(panel.locator("tbody tr").locator("th, td")).to_have_text(
        ["Actual value", "350 hours a month", "410 hours a month"])
    expect(row.get_by_label("Actual value", exact=True)).to_have_value("410 hours a month")
    wait_for_focus_in(second, f"{row_id} .app-conflict")
    no_violations(second, "a benefit conflict")

    row.get_by_role("button", name="Save benefit").click()
    expect(second.locator(f"{row_id} form")).to_have_count(0)
    expect(second.locator(row_id)).to_contain_text("410 hours a month")
    wait_for_focus_in(second, row_id)
    no_violations(second, "saving a benefit again after a conflict")
    assert same_document(second)
    with live_app.app_context():
        assert db.session.get(Benefit, world.benefit).actual_value == "410 hours a month"
    assert people.problems == []


def test_cancelling_inline_benefit_rows(people, world):
    page = people.sign_in(PMO)
    visit(page, f"/initiatives/{world.review}/benefits-review")
    row_id = f"#benefit-{world.cancelled_benefit}"
    page.locator(row_id).get_by_role("link", name=re.compile(r"^Record actuals")).click()
    expect(page.locator(f"{row_id} form")).to_be_visible()
    page.locator(row_id).get_by_label("Actual value", exact=True).fill("Typed, then thought better of")

    page.locator(row_id).get_by_role("link", name=re.compile(r"^Cancel")).click()
    expect(page.locator(f"{row_id} form")).to_have_count(0)
    expect(page.locator(row_id)).to_contain_text("Not measured")
    wait_for_focus_in(page, row_id)
    expect(page.locator(row_id).get_by_role("link", name=re.compile(r"^Record actuals"))).to_be_focused()
    no_violations(page, "cancelling a benefit's actuals")

    add = page.get_by_role("button", name="Add a benefit found at review")
    add.click()
    expect(page.locator("#benefit-new")).to_be_visible()
    add.click()  # a second press goes back to the open row instead of adding another
    expect(page.locator("#benefit-new")).to_have_count(1)
    expect(page.locator("#benefit-new").get_by_label("Benefit", exact=True)).to_be_focused()
    page.locator("#benefit-new").get_by_role("link", name=re.compile(r"^Cancel")).click()
    expect(page.locator("#benefit-new")).to_have_count(0)
    expect(add).to_be_focused()
    no_violations(page, "cancelling a new benefit")
    assert same_document(page)
    assert people.problems == []


# ------------------------------------------------------------------ the lifecycle panel


def test_lifecycle_buttons_move_the_initiative_in_place_and_update_its_history(people, world):
    page = people.sign_in(PMO)
    visit(page, f"/initiatives/{world.to_triage}")
    panel, timeline = page.locator("#lifecycle-panel"), page.locator("#timeline")
    expect(timeline).to_contain_text("Nothing has happened to this initiative yet.")

    with page.expect_response(re.compile(r"/transitions/start_triage$")) as moved:
        panel.get_by_role("button", name="Start triage", exact=True).click()
    assert moved.value.status == 200
    expect(panel.get_by_role("status")).to_contain_text("is now at Triage")
    expect(page.get_by_role("heading", name="Status: Triage", exact=True)).to_be_visible()
    # The history beside the panel came with it, out of band.
    expect(timeline.get_by_role("heading", level=3)).to_have_text(["Start triage"])
    expect(timeline).to_contain_text(f"{PMO_NAME}, ")
    expect(timeline).to_contain_text("From Submitted to Triage")
    wait_for_focus_in(page, "#lifecycle-panel .govuk-notification-banner")
    no_violations(page, "starting triage")

    panel.get_by_role("button", name="Accept", exact=True).click()
    expect(page.get_by_role("heading", name="Status: Scoring", exact=True)).to_be_visible()
    expect(panel.get_by_role("status")).to_contain_text("is now at Scoring")
    expect(timeline.get_by_role("heading", level=3)).to_have_text(["Start triage", "Accept"])
    expect(timeline).to_contain_text("From Triage to Scoring")
    expect(panel.get_by_role("link", name=re.compile(r"^Score this initiative"))).to_be_visible()
    wait_for_focus_in(page, "#lifecycle-panel .govuk-notification-banner")
    no_violations(page, "accepting into scoring")
    assert same_document(page)  # both moves were swaps, not page loads
    assert people.problems == []


def test_a_button_that_needs_input_asks_for_it_then_moves(people, world):
    page = people.sign_in(PMO)
    visit(page, f"/initiatives/{world.to_question}")
    page.locator("#lifecycle-panel").get_by_role("button", name="Request information").click()

    expect(page).to_have_url(re.compile(rf"/initiatives/{world.to_question}/transitions/request_info$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Request information")
    no_violations(page, "opening the request for information")
    with page.expect_response(re.compile(r"/transitions/request_info$")) as invalid:
        page.get_by_role("button", name="Request information").click()  # nothing asked yet
    assert invalid.value.status == 422
    summary = page.locator(".govuk-error-summary").filter(has_text="There is a problem")
    expect(summary).to_contain_text("Enter your question")
    expect(summary).to_be_focused()  # GOV.UK Frontend focuses the summary of a page with errors
    no_violations(page, "asking without a question")

    question = "Which contact centres would use the text service first?"
    page.get_by_label("What does the requester need to tell you?").fill(question)
    page.get_by_role("button", name="Request information").click()
    expect(page).to_have_url(re.compile(rf"/initiatives/{world.to_question}$"))
    banner = page.get_by_role("alert").filter(has_text="is now at")
    expect(banner).to_contain_text("Info requested")
    expect(banner).to_be_focused()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("From Triage to Info requested")
    expect(timeline).to_contain_text(f"Question: {question}")
    no_violations(page, "requesting information")
    assert people.problems == []


def test_a_button_pressed_after_someone_else_moved_the_initiative_is_refused(people, world):
    page, colleague = people.sign_in(PMO), people.sign_in(OTHER_PMO)
    for each in (page, colleague):
        visit(each, f"/initiatives/{world.raced}")
    colleague.locator("#lifecycle-panel").get_by_role("button", name="Start triage", exact=True).click()
    expect(colleague.get_by_role("heading", name="Status: Triage", exact=True)).to_be_visible()

    panel = page.locator("#lifecycle-panel")  # still showing Submitted and its Start triage button
    with page.expect_response(re.compile(r"/transitions/start_triage$")) as refused:
        panel.get_by_role("button", name="Start triage", exact=True).click()

    assert refused.value.status == 409
    refusal = panel.locator(".app-refusal")
    expect(refusal).to_have_attribute("role", "alert")  # read out as soon as it appears
    expect(refusal).to_contain_text("Start triage is not possible from Triage")
    wait_for_focus_in(page, "#lifecycle-panel .app-refusal")
    # The panel and the history now show where the initiative really is, and who moved it.
    expect(page.get_by_role("heading", name="Status: Triage", exact=True)).to_be_visible()
    expect(panel.get_by_role("button", name="Accept", exact=True)).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text(f"{OTHER_PMO_NAME}, ")
    no_violations(page, "a refused lifecycle button")
    assert same_document(page)
    assert people.problems == []


def test_submitting_an_incomplete_draft_says_what_is_missing(people, world, live_app):
    page = people.sign_in("requester@example.test")
    visit(page, f"/initiatives/{world.draft}")
    panel = page.locator("#lifecycle-panel")
    with page.expect_response(re.compile(r"/transitions/submit$")) as refused:
        panel.get_by_role("button", name="Submit", exact=True).click()

    assert refused.value.status == 422
    refusal = panel.locator(".app-refusal")
    expect(refusal).to_contain_text(re.compile(r"Required field missing: .*sponsor", re.IGNORECASE))
    wait_for_focus_in(page, "#lifecycle-panel .app-refusal")
    expect(page.get_by_role("heading", name="Status: Draft", exact=True)).to_be_visible()
    expect(panel.get_by_role("button", name="Edit draft")).to_be_visible()
    no_violations(page, "a refused submission")
    with live_app.app_context():
        assert db.session.get(Initiative, world.draft).state == "draft"
    assert people.problems == []


def test_a_failed_request_is_announced_in_the_error_banner(people, world, live_app):
    page = people.sign_in(PMO)
    visit(page, f"/initiatives/{world.failing}")
    # The server breaks down on this button press (htmx does not swap a 5xx: htmx:responseError).
    page.route(re.compile(r"/transitions/start_triage$"),
               lambda route: route.fulfill(status=500, content_type="text/html", body="<p>Internal error</p>"))
    page.locator("#lifecycle-panel").get_by_role("button", name="Start triage", exact=True).click()

    banner = page.locator("#app-error-banner")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("role", "alert")
    expect(banner).to_contain_text("Sorry, that did not work. Reload the page and try again.")
    expect(banner).to_be_focused()
    expect(page.get_by_role("heading", name="Status: Submitted", exact=True)).to_be_visible()
    no_violations(page, "a failed request")

    # Then the network goes (htmx:sendError): the banner says so instead.
    page.unroute(re.compile(r"/transitions/start_triage$"))
    page.route(re.compile(r"/transitions/start_triage$"), lambda route: route.abort("connectionrefused"))
    button = page.locator("#lifecycle-panel").get_by_role("button", name="Start triage", exact=True)
    page.wait_for_timeout(1_000)  # GOV.UK's preventDoubleClick ignores a second press within a second
    button.click()
    expect(banner).to_contain_text("The service could not be reached. Check your connection and try again.")
    expect(banner).to_be_focused()
    with live_app.app_context():
        assert db.session.get(Initiative, world.failing).state == "submitted"
    assert [problem for problem in people.problems if "/transitions/start_triage" not in problem] == []


# ------------------------------------------------------------------ the approver's decision panel


def test_the_decision_panel_answers_errors_and_refusals_in_place(people, world, live_app):
    page, other_tab = people.sign_in(APPROVER), people.sign_in(APPROVER)  # two tabs
    for each in (page, other_tab):
        visit(each, f"/gates/{world.gate_review}")
    panel = page.locator("#gate-decision")

    with page.expect_response(re.compile(rf"/gates/{world.gate_review}/decision$")) as invalid:
        panel.get_by_role("button", name="Record decision").click()  # no decision chosen
    assert invalid.value.status == 422
    expect(panel.locator(".govuk-error-summary")).to_be_visible()
    wait_for_focus_in(page, "#gate-decision .govuk-error-summary")
    no_violations(page, "a decision without a choice")
    assert same_document(page)

    # The same approver decides in another tab first.
    other_tab.get_by_role("radio", name="Approve", exact=True).check()
    other_tab.get_by_role("button", name="Record decision").click()
    expect(other_tab.get_by_text(re.compile(r"Gate 1 approved: the initiative moved to"))).to_be_visible()

    panel.get_by_role("radio", name="Approve", exact=True).check()
    with page.expect_response(re.compile(rf"/gates/{world.gate_review}/decision$")) as refused:
        panel.get_by_role("button", name="Record decision").click()
    assert refused.value.status == 409
    expect(panel.locator(".app-refusal")).to_be_visible()
    expect(panel.get_by_role("button", name="Record decision")).to_have_count(0)  # nothing left to decide
    wait_for_focus_in(page, "#gate-decision .app-refusal")
    no_violations(page, "a decision refused after the gate was decided")
    with live_app.app_context():
        assert db.session.get(Initiative, world.high).state == "business_case"
    assert people.problems == []


# ------------------------------------------------------------------ list filters


def test_filtering_users_by_role_swaps_the_table_and_back_restores_it(people, world):
    page = people.sign_in(ADMIN)
    visit(page, "/admin/users")
    table = page.locator("#users-table")
    expect(table.locator("caption")).to_contain_text(re.compile(r"^\s*\d+ users\s*$"))
    everyone = table.locator("tbody tr").count()
    role = page.get_by_label("Role", exact=True)
    role.focus()
    with page.expect_response(re.compile(r"/admin/users\?")):
        role.select_option(label="PMO")

    expect(table.locator("caption")).to_contain_text("2 users match the filter")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text(OTHER_PMO)
    expect(table).not_to_contain_text(APPROVER)
    expect(page).to_have_url(re.compile(r"[?&]role=pmo"))
    settled(page)
    expect(role).to_be_focused()  # the filter sits outside the swapped table
    no_violations(page, "filtering users")
    assert same_document(page)

    page.go_back()  # the address htmx pushed is a real history entry
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    expect(table.locator("tbody tr")).to_have_count(everyone)
    assert people.problems == []


def test_filtering_the_backlog_by_band(people, world):
    page = people.sign_in(PMO)
    visit(page, "/backlog")
    table = page.locator("#backlog-table")
    expect(table).to_contain_text("Drone unit expansion")
    expect(table).to_contain_text("Station front counter kiosks")
    page.get_by_label("Band", exact=True).select_option(label="Low")
    apply = page.get_by_role("button", name="Apply filters")
    with page.expect_response(re.compile(r"/backlog\?")):
        apply.click()

    expect(table.locator("caption")).to_have_text("1 initiative ranked by current score")
    expect(table).to_contain_text("Station front counter kiosks")
    expect(table).not_to_contain_text("Drone unit expansion")
    expect(page).to_have_url(re.compile(r"[?&]band=Low"))
    settled(page)
    expect(apply).to_be_focused()
    no_violations(page, "filtering the backlog")
    assert same_document(page)
    assert people.problems == []


# ------------------------------------------------------------------ the kanban's long lanes


def test_show_more_cards_in_a_lane_then_open_a_card_move_menu(people, world):
    page = people.sign_in(PMO)
    visit(page, "/triage")
    lane = page.locator("#lane-on_hold")
    cards = lane.locator("li.app-card")
    expect(lane.get_by_role("heading")).to_have_text(f"On hold ({LANE_PAGE + 2})")
    expect(cards).to_have_count(LANE_PAGE)
    more = lane.get_by_role("link", name="Show 2 more in On hold")
    expect(lane).to_contain_text(f"{LANE_PAGE} of {LANE_PAGE + 2} shown")

    with page.expect_response(re.compile(r"/triage/lanes/on_hold\?")):
        more.click()
    expect(cards).to_have_count(LANE_PAGE + 2)
    expect(lane.get_by_role("link", name=re.compile(r"^Show \d+ more"))).to_have_count(0)
    settled(page)
    expect(cards.nth(LANE_PAGE)).to_be_focused()  # the first card that was not shown before
    no_violations(page, "showing more cards in a lane")

    card = cards.nth(LANE_PAGE + 1)
    with page.expect_response(re.compile(r"/triage/\d+/moves")):
        card.get_by_role("link", name=re.compile(r"^Move")).click()
    menu = card.get_by_role("group", name=re.compile(r"^Moves for "))
    expect(menu.get_by_role("link", name=re.compile(r"^Resume .*\(asks for details\)$"))).to_be_focused()
    no_violations(page, "opening a card's Move menu")
    assert same_document(page)
    assert people.problems == []


# ------------------------------------------------------------------ score preview and business case


def test_the_score_preview_says_so_when_the_initiative_has_moved_on(people, world, live_app):
    page = people.sign_in(PMO)
    visit(page, f"/initiatives/{world.scoring}/score")
    with live_app.app_context():  # meanwhile someone rejects it
        pmo = db.session.scalar(db.select(User).where(User.email == OTHER_PMO))
        fire(db.session.get(Initiative, world.scoring), "reject", pmo, reason="Covered by the national programme")
        db.session.commit()

    with page.expect_response(re.compile(r"/score/preview$")) as refused:
        page.get_by_role("group", name="Urgency").get_by_role("radio").first.check()
    assert refused.value.status == 409
    refusal = page.locator("#score-preview .app-refusal")
    expect(refusal).to_contain_text("Rejected")
    wait_for_focus_in(page, "#score-preview .app-refusal")
    no_violations(page, "a refused score preview")
    assert people.problems == []


def test_adding_business_case_rows_up_to_the_limit(people, world):
    page = people.sign_in(PMO)
    visit(page, f"/initiatives/{world.case}/business-case")
    risks = page.get_by_role("group", name=re.compile(r"^Risk \d+$"))
    expect(risks).to_have_count(MAX_ROWS - 2)
    add = page.locator("#add-risks")

    add.click()  # the button comes back, out of band, numbered for the next row
    expect(risks).to_have_count(MAX_ROWS - 1)
    expect(page.get_by_role("group", name=f"Risk {MAX_ROWS - 1}").get_by_label("Risk", exact=True)).to_be_focused()
    expect(add).to_have_attribute("hx-get", re.compile(rf"/rows/risks/{MAX_ROWS - 1}$"))

    add.click()  # the last row allowed: the button gives way to the reason there is no button
    expect(risks).to_have_count(MAX_ROWS)
    expect(add).to_have_text(f"You have reached the limit of {MAX_ROWS} rows.")
    expect(page.get_by_role("button", name="Add another risk")).to_have_count(0)
    wait_for_focus_in(page, "#risks-rows")
    expect(page.get_by_role("group", name=f"Risk {MAX_ROWS}").get_by_label("Risk", exact=True)).to_be_focused()
    no_violations(page, "adding the last risk row")
    assert same_document(page)
    assert people.problems == []
