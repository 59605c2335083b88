"""The lessons log and library in Chromium: add (with a refusal first), edit, delete and undo
a lesson in place, then search the library as you type.

After each swap axe-core must find no WCAG A/AA violation, keyboard focus must be where the
user expects it (the form's first field, the error summary, the row again, the Undo button),
and the page must never reload.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from pmo_web.extensions import db
from pmo_web.models import Lesson, User
from tests import factories
from tests.browser.test_accessibility import no_violations, settled, wait_for_focus_in


@pytest.fixture(scope="module")
def initiative_id(live_app) -> int:
    with live_app.app_context():
        requester = db.session.scalar(db.select(User).where(User.email == "requester@example.test"))
        initiative = factories.make_initiative(owner=requester, state="delivery", title="Body-worn video refresh")
        factories.make_lesson(initiative, title="Engage the Federation early",
                              recommendation="Brief staff associations before the pilot.")
        other = factories.make_initiative(owner=requester, state="closed", title="Custody records upgrade")
        factories.make_lesson(other, title="Supplier onboarding took months",
                              recommendation="Start supplier onboarding at contract award.")
        factories.make_lesson(other, title="Training came late", cause="The training supplier had no trainers.")
        other.budget_actual = Decimal("200000")
        factories.make_benefit(other, category="cash_releasing", planned_value=Decimal("240000"),
                               realised_value=Decimal("260000"), target_date=date(2026, 3, 31), status="realised",
                               actual_date=date(2026, 4, 1), actual="£260,000 a year")
        factories.make_benefit(initiative, planned_value=Decimal("5000"), target_date=date(2027, 6, 30))
        db.session.commit()
        return initiative.id


def mark_page(page: Page) -> None:
    """Set a marker that a reload would lose: the test checks every step stayed in the page."""
    page.evaluate("window.lessonsMarker = 'same page'")


def still_same_page(page: Page) -> None:
    assert page.evaluate("window.lessonsMarker") == "same page", "the page reloaded"


def test_add_edit_delete_and_undo_a_lesson_inline(axe_page_as, live_app, initiative_id):
    page = axe_page_as("pmo")
    page.goto(f"/initiatives/{initiative_id}/lessons")
    page.wait_for_load_state("load")
    mark_page(page)
    no_violations(page, "opening the lessons log")

    # Add: a form row at the top, focus on its first field.
    page.get_by_role("button", name="Add a lesson").click()
    wait_for_focus_in(page, "#lesson-new")
    expect(page.get_by_label("Title")).to_be_focused()
    no_violations(page, "opening the new lesson row")
    page.get_by_label("Title").fill("Pilot the cameras on one shift")
    page.get_by_label("Dependencies").fill("None")
    # Owner left out: refused in the row, with focus on the error summary, nothing saved.
    page.get_by_role("button", name="Add lesson").click()
    wait_for_focus_in(page, "#lesson-new .govuk-error-summary")
    expect(page.locator("#lesson-new")).to_contain_text("Enter who owns the lesson")
    no_violations(page, "a refused new lesson")
    with live_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Lesson)
                                 .where(Lesson.title == "Pilot the cameras on one shift")) == 0
    page.get_by_label("Owner").fill("Insp. Patel")
    page.get_by_label("Recommendation").fill("Run a one-shift pilot before the full roll-out.")
    page.get_by_role("button", name="Add lesson").click()
    row = page.get_by_role("row", name=re.compile("Pilot the cameras on one shift"))
    expect(row).to_contain_text("Insp. Patel")
    expect(page.locator("#lesson-new")).to_have_count(0)
    wait_for_focus_in(page, "#lessons-body tr:first-child")
    expect(page.get_by_role("link", name="Edit Pilot the cameras on one shift")).to_be_focused()
    no_violations(page, "adding a lesson")
    with live_app.app_context():
        lesson_id = db.session.scalar(db.select(Lesson.id).where(Lesson.title == "Pilot the cameras on one shift"))
    row_selector = f"#lesson-{lesson_id}"

    # Edit in place; saving returns the row, with focus back on it.
    page.get_by_role("link", name="Edit Pilot the cameras on one shift").click()
    wait_for_focus_in(page, row_selector)
    expect(page.locator(row_selector).get_by_label("Title")).to_be_focused()
    no_violations(page, "editing a lesson")
    page.locator(row_selector).get_by_label("Owner").fill("Ch Insp. Patel")
    page.locator(row_selector).get_by_role("button", name="Save lesson").click()
    expect(page.locator(row_selector)).to_contain_text("Ch Insp. Patel")
    expect(page.locator(row_selector).get_by_role("button", name="Save lesson")).to_have_count(0)
    wait_for_focus_in(page, row_selector)
    no_violations(page, "saving a lesson")

    # Escape cancels an edit: the row comes back unchanged, focus on its Edit link.
    page.get_by_role("link", name="Edit Pilot the cameras on one shift").click()
    expect(page.locator(row_selector).get_by_label("Title")).to_be_focused()
    page.locator(row_selector).get_by_label("Title").fill("Not saved")
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Edit Pilot the cameras on one shift")).to_be_focused()
    expect(page.locator(row_selector)).not_to_contain_text("Not saved")

    # Delete asks in the row, then offers Undo (focused); Undo brings the row back.
    page.get_by_role("link", name="Delete Pilot the cameras on one shift").click()
    wait_for_focus_in(page, row_selector)
    expect(page.locator(row_selector)).to_contain_text("Delete the lesson ‘Pilot the cameras on one shift’?")
    no_violations(page, "asking to delete a lesson")
    page.get_by_role("button", name="Delete lesson").click()
    expect(page.locator(row_selector)).to_contain_text("deleted.")
    expect(page.get_by_role("button", name="Undo deleting Pilot the cameras on one shift")).to_be_focused()
    expect(page.locator("#deleted-lessons")).to_contain_text("Pilot the cameras on one shift")
    no_violations(page, "deleting a lesson")
    with live_app.app_context():
        assert db.session.get(Lesson, lesson_id).deleted_at is not None
    page.get_by_role("button", name="Undo deleting Pilot the cameras on one shift").click()
    expect(page.locator(row_selector)).to_contain_text("Ch Insp. Patel")
    wait_for_focus_in(page, row_selector)
    expect(page.get_by_role("link", name="Edit Pilot the cameras on one shift")).to_be_focused()
    expect(page.locator("#deleted-lessons")).not_to_contain_text("Pilot the cameras on one shift")
    no_violations(page, "undoing a delete")
    with live_app.app_context():
        assert db.session.get(Lesson, lesson_id).deleted_at is None

    # Deleted again, then restored from the deleted list rather than the row's Undo: the
    # "deleted / Undo" row goes, and the one row with the lesson's id is the lesson itself.
    page.get_by_role("link", name="Delete Pilot the cameras on one shift").click()
    page.get_by_role("button", name="Delete lesson").click()
    expect(page.get_by_role("button", name="Undo deleting Pilot the cameras on one shift")).to_be_focused()
    page.locator("#deleted-lessons").get_by_role("button", name="Restore Pilot the cameras on one shift").click()
    expect(page.locator("#deleted-lessons")).not_to_contain_text("Pilot the cameras on one shift")
    expect(page.locator(row_selector)).to_have_count(1)
    expect(page.locator(row_selector)).to_contain_text("Ch Insp. Patel")
    expect(page.locator(row_selector)).not_to_contain_text("deleted.")
    expect(page.get_by_role("button", name=re.compile(r"^Undo deleting"))).to_have_count(0)
    assert page.evaluate("[...document.querySelectorAll('[id]')].length === "
                         "new Set([...document.querySelectorAll('[id]')].map((e) => e.id)).size")  # ids unique
    no_violations(page, "restoring a lesson from the deleted list")
    still_same_page(page)


def test_search_the_library_as_you_type(axe_page_as, initiative_id):
    page = axe_page_as("viewer")
    page.goto("/lessons")
    page.wait_for_load_state("load")
    mark_page(page)
    no_violations(page, "opening the lessons library")
    search = page.get_by_label("Search lessons")
    search.fill("supplier")
    results = page.locator("#lessons-results h2")
    expect(results).to_have_count(2)
    settled(page)
    # Best match first: the lesson titled with the word, then the one that mentions it once.
    expect(results).to_have_text(["Supplier onboarding took months", "Training came late"])
    expect(page.locator("#lessons-results mark").first).to_have_text(re.compile("supplier", re.I))
    expect(page.locator("#lessons-count")).to_contain_text("2 lessons found for ‘supplier’")
    expect(search).to_be_focused()  # typing was never interrupted
    assert "q=supplier" in page.url  # the search can be bookmarked and shared
    no_violations(page, "searching the library")
    still_same_page(page)


def test_the_benefits_register(axe_page_as, initiative_id):
    page = axe_page_as("viewer")
    page.goto("/benefits")
    expect(page.get_by_role("heading", name="Benefits register")).to_be_visible()
    expect(page.get_by_role("table", name="By financial year")).to_contain_text("2026/27")
    expect(page.get_by_role("table", name="Initiatives with benefits: totals and return on investment")
           ).to_contain_text("30%")
    no_violations(page, "opening the benefits register")
    page.get_by_label("Financial year", exact=True).select_option(label="2027/28")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("table", name="By financial year")).not_to_contain_text("2026/27")
    no_violations(page, "filtering the benefits register")


def test_delete_and_undo_a_benefit_at_review(axe_page_as, live_app):
    from pmo_web.models import Benefit

    with live_app.app_context():
        requester = db.session.scalar(db.select(User).where(User.email == "requester@example.test"))
        reviewed = factories.make_initiative(owner=requester, state="benefits_review",
                                             title="Mobile fingerprint scanners")
        benefit_id = factories.make_benefit(reviewed, name="Fewer custody trips", planned_value=Decimal("30000")).id
        db.session.commit()
        initiative_id = reviewed.id
    page = axe_page_as("pmo")
    page.goto(f"/initiatives/{initiative_id}/benefits-review")
    page.wait_for_load_state("load")
    mark_page(page)
    row_selector = f"#benefit-{benefit_id}"
    summary = page.locator("#review-summary")
    expect(summary).to_contain_text("£30,000")

    # Escape cancels the question; focus goes back to the row.
    page.get_by_role("link", name="Delete Fewer custody trips").click()
    wait_for_focus_in(page, row_selector)
    expect(page.locator(row_selector)).to_contain_text("Delete the benefit ‘Fewer custody trips’?")
    no_violations(page, "asking to delete a benefit")
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Record actuals for Fewer custody trips")).to_be_focused()

    # Delete: the row offers Undo (focused), the totals and the deleted list follow.
    page.get_by_role("link", name="Delete Fewer custody trips").click()
    page.get_by_role("button", name="Delete benefit").click()
    expect(page.locator(row_selector)).to_contain_text("Benefit ‘Fewer custody trips’ deleted.")
    expect(page.get_by_role("button", name="Undo deleting Fewer custody trips")).to_be_focused()
    expect(summary).not_to_contain_text("£30,000")
    expect(page.locator("#deleted-benefits")).to_contain_text("Fewer custody trips")
    no_violations(page, "deleting a benefit")
    with live_app.app_context():
        assert db.session.get(Benefit, benefit_id).deleted_at is not None

    # Undo: the row, the totals and focus come back; the deleted list empties.
    page.get_by_role("button", name="Undo deleting Fewer custody trips").click()
    expect(page.locator(row_selector)).to_contain_text("£30,000")
    expect(page.get_by_role("link", name="Record actuals for Fewer custody trips")).to_be_focused()
    expect(summary).to_contain_text("£30,000")
    expect(page.locator("#deleted-benefits")).not_to_contain_text("Fewer custody trips")
    no_violations(page, "undoing a benefit delete")
    with live_app.app_context():
        assert db.session.get(Benefit, benefit_id).deleted_at is None
    still_same_page(page)


def test_a_lesson_added_at_review_completes_the_closure_criterion_in_place(axe_page_as, live_app):
    with live_app.app_context():
        requester = db.session.scalar(db.select(User).where(User.email == "requester@example.test"))
        reviewed = factories.make_initiative(owner=requester, state="benefits_review", title="Control room rota tool")
        db.session.commit()
        initiative_id = reviewed.id
    page = axe_page_as("pmo")
    page.goto(f"/initiatives/{initiative_id}/benefits-review")
    page.wait_for_load_state("load")
    mark_page(page)
    criterion = page.locator("#review-summary .govuk-summary-list__row", has_text="At least one lesson recorded")
    expect(criterion).to_contain_text("Not met")
    page.get_by_role("button", name="Add a lesson").click()
    wait_for_focus_in(page, "#lesson-new")
    page.get_by_label("Title").fill("Pilot the rota tool with one team")
    page.get_by_label("Owner").fill("Supt. Control Room")
    page.get_by_label("Dependencies").fill("None")
    page.get_by_role("button", name="Add lesson").click()
    expect(page.get_by_role("row", name=re.compile("Pilot the rota tool with one team"))).to_be_visible()
    # The readiness panel heard the change and fetched itself again; focus stayed on the new row.
    expect(criterion).to_contain_text("Met")
    expect(criterion).not_to_contain_text("Not met")
    wait_for_focus_in(page, "#lessons-body tr:first-child")
    no_violations(page, "a lesson added at review")
    still_same_page(page)
