"""Governance in Chromium: open a held board meeting, minute a decision on a gate review (a
refusal first), see it linked to the approver's gate decision, and read the board pack.

axe-core must find no WCAG A/AA violation on the meeting page, the minute form (also with
its error summary) and the board pack.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from pmo_web.extensions import db
from pmo_web.models import AgendaItem, User
from tests import factories
from tests.browser import axe
from tests.browser.test_accessibility import no_violations as axe_on_page
from tests.web.governance.world import make_boards, make_decision, make_meeting, make_review


def no_violations(page: Page, after: str) -> None:
    """axe on the page as it is now (axe.check waits for the stylesheets to arrive)."""
    axe_on_page(page, after)


@pytest.fixture(scope="module")
def meeting_id(live_app) -> int:
    """A held Corporate Delivery Board whose frozen agenda has a gate review an approver decided."""
    with live_app.app_context():
        users = {role: db.session.scalar(db.select(User).where(User.email == f"{role}@example.test"))
                 for role in ("requester", "pmo", "approver")}
        _executive, corporate, _layer = make_boards()
        initiative = factories.make_initiative(owner=users["requester"], state="business_case",
                                               title="Mobile fingerprint scanners")
        review = make_review(initiative, users["pmo"])
        make_decision(review, users["approver"])
        meeting = make_meeting(corporate, days=-1, status="held")
        db.session.add(AgendaItem(meeting_id=meeting.id, position=1, kind="gate_review", gate_review_id=review.id,
                                  initiative_id=initiative.id,
                                  title=f"{initiative.reference} {initiative.title}: Gate 2"))
        db.session.commit()
        return meeting.id


@pytest.fixture
def pmo_page(browser, live_app):
    context = browser.new_context(base_url=live_app.config["LIVE_URL"], bypass_csp=True)
    axe.install(context)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/login")
    page.get_by_label("Email address").fill("pmo@example.test")
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    yield page
    context.close()


def test_minute_a_decision_on_a_gate_review(pmo_page: Page, meeting_id):
    page = pmo_page
    page.goto(f"/meetings/{meeting_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Meeting of")
    # Boards are a register: the menu's Registers link is the current one on a meeting's page.
    expect(page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Registers")).to_have_attribute(
        "aria-current", "page")
    no_violations(page, "opening the meeting")

    page.get_by_role("link", name=re.compile("Minute a decision or action")).click()
    expect(page.get_by_role("heading", name="Minute a decision or action")).to_be_visible()
    no_violations(page, "opening the minute form")

    page.get_by_role("button", name="Save minute").click()
    expect(page.locator(".govuk-error-summary[data-module]")).to_contain_text("Enter what was decided or is to be done")
    no_violations(page, "a refused minute")

    page.get_by_label("Minute").fill("The board supports the investment decision.")
    page.get_by_label("Gate decision").select_option(label="Approve by Approver User")
    page.get_by_role("button", name="Save minute").click()
    expect(page).to_have_url(re.compile(rf"/meetings/{meeting_id}"))
    minute = page.locator(".app-minute")
    expect(minute).to_contain_text("The board supports the investment decision.")
    expect(minute.get_by_role("link", name="Approve by Approver User")).to_be_visible()
    no_violations(page, "saving the minute")

    page.get_by_role("link", name="Board pack").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Corporate Delivery Board")
    expect(page.locator(".app-pack-item")).to_contain_text("Mobile fingerprint scanners")
    no_violations(page, "opening the board pack")


def test_the_secretarys_forms_have_no_violations(pmo_page: Page, meeting_id):
    """Every governance form, drawn and refused, for what the crawl of the demo may not reach."""
    page = pmo_page
    page.goto("/boards")
    no_violations(page, "opening the boards")
    page.get_by_role("link", name="Add a board").click()
    page.get_by_role("button", name="Save board").click()
    expect(page.locator(".govuk-error-summary[data-module]")).to_contain_text("Enter the board’s name")
    no_violations(page, "a refused board")
    page.goto("/boards")
    page.get_by_role("link", name="Corporate Delivery Board").click()
    no_violations(page, "opening a board")
    page.get_by_role("link", name="Change the board").click()
    no_violations(page, "changing a board")
    page.go_back()
    page.get_by_role("link", name="Schedule a meeting").click()
    page.get_by_label("Start time").fill("25:00")
    page.get_by_role("button", name="Save meeting").click()
    expect(page.locator(".govuk-error-summary[data-module]")).to_contain_text("Enter the date of the meeting")
    no_violations(page, "a refused meeting")
    page.goto(f"/meetings/{meeting_id}/items/new")
    no_violations(page, "adding an agenda item")
    page.goto(f"/meetings/{meeting_id}/edit")
    no_violations(page, "changing a meeting")
    page.goto(f"/meetings/{meeting_id}")
    page.get_by_role("link", name=re.compile("Escalate to the Chief Officer Group")).click()
    page.get_by_role("button", name="Escalate").click()
    expect(page.locator(".govuk-error-summary[data-module]")).to_contain_text("Enter a note for the board above")
    no_violations(page, "a refused escalation")
