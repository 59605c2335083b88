"""Highlight reports in Chromium: start a report (pre-filled from the records), correct a
refused draft, save it, issue it, and read it beside the previous report, with axe-core finding
no WCAG A/AA violation on any page on the way, and the print link and print layout working."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from pmo_web.extensions import db
from pmo_web.models import User
from tests import factories
from tests.browser.test_accessibility import no_violations as axe_finds_nothing
from tests.web.reports.world import PERIOD_START, make_report


def no_violations(page, after: str) -> None:
    """axe on the page once it has loaded (with its stylesheets) after a navigation."""
    page.wait_for_load_state("load")
    axe_finds_nothing(page, after)


@pytest.fixture(scope="module")
def initiative_id(live_app) -> int:
    """In delivery, outside its cost tolerance, with last month's report issued."""
    with live_app.app_context():
        requester = db.session.scalar(db.select(User).where(User.email == "requester@example.test"))
        pmo = db.session.scalar(db.select(User).where(User.email == "pmo@example.test"))
        initiative = factories.make_initiative(owner=requester, state="delivery", title="Fleet telematics",
                                               manager_id=pmo.id, budget_approved=Decimal("300000"),
                                               budget_forecast=Decimal("360000"), delivery_confidence="amber")
        factories.make_raid_item(initiative, title="Telematics supplier may deliver late", likelihood=4, impact=4)
        before = PERIOD_START - timedelta(days=1)
        make_report(initiative, pmo, issued=True, start=before.replace(day=1), end=before, rag_cost="amber_green")
        db.session.commit()
        return initiative.id


def test_write_and_issue_a_highlight_report(axe_page_as, initiative_id):
    page = axe_page_as("pmo")
    page.goto(f"/initiatives/{initiative_id}")
    expect(page.get_by_text("Outside tolerance: an exception report is needed.")).to_be_visible()
    page.get_by_role("link", name="Highlight reports").click()
    no_violations(page, "opening the reports page")

    page.get_by_role("button", name="Start a highlight report").click()
    no_violations(page, "opening the new report form")
    page.get_by_role("button", name="Start the report").click()
    expect(page.get_by_role("heading", name="Edit highlight report")).to_be_visible()
    expect(page.get_by_label("Key risks and issues")).to_contain_text("Telematics supplier may deliver late")
    no_violations(page, "starting a report")

    # Red needs a justification: refused with an error summary, nothing saved.
    page.get_by_role("group", name="Overall delivery confidence").get_by_label("Red", exact=True).check()
    page.get_by_label("Justification").fill("")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".govuk-error-summary[data-module]")).to_contain_text("Explain why overall confidence is Red")
    no_violations(page, "a refused draft")

    page.get_by_label("Justification").fill("The forecast is 20% over the approved budget.")
    for dimension, level in (("Time", "Amber"), ("Cost", "Red"), ("Scope", "Green"), ("Quality", "Green"),
                             ("Benefits", "Amber/Green"), ("Risk", "Amber")):
        page.get_by_role("group", name=dimension, exact=True).get_by_label(level, exact=True).check()
    page.get_by_label("Decisions needed").fill("Agree the extra £60,000 at the next board.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved")).to_be_visible()
    no_violations(page, "saving the draft")

    page.get_by_role("button", name="Issue this report").click()
    # Issuing cannot be undone: a page asks first.
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Issue the highlight report for .*\?$"))
    expect(page.get_by_text("An issued report cannot be changed or withdrawn.")).to_be_visible()
    axe_finds_nothing(page, "asking to confirm the issue")
    page.get_by_role("button", name="Yes, issue this report").click()
    expect(page.locator(".govuk-tag", has_text="Issued")).to_be_visible()
    cost_row = page.get_by_role("row", name="Cost")
    expect(cost_row).to_contain_text("Red")
    expect(cost_row).to_contain_text("Amber/Green")
    expect(cost_row).to_contain_text("Worse")
    expect(page.get_by_text("Agree the extra £60,000 at the next board.")).to_be_visible()
    no_violations(page, "issuing the report")

    # Printing: the marking heads the printed page; the screen-only controls are not printed.
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Print this report")).to_be_hidden()
    expect(page.get_by_role("link", name="Back to the reports")).to_be_hidden()
    expect(page.locator(".app-marking").first).to_be_visible()
    page.emulate_media(media="screen")
    page.evaluate("window.printed = false; window.print = () => { window.printed = true; }")
    page.get_by_role("link", name="Print this report").click()
    assert page.evaluate("window.printed") is True

    page.get_by_role("link", name="Back to the reports").click()
    expect(page.locator(".app-report-summary").first).to_contain_text(str(date.today().year))
    no_violations(page, "listing the issued reports")
