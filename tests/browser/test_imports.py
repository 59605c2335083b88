"""Importing a tracker in Chromium: upload a small CSV, map its columns, preview, import;
axe-core finds no WCAG A/AA violation on any step, errors included."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from pmo_web.extensions import db
from pmo_web.models import AuditEvent, Initiative
from tests.browser.test_accessibility import no_violations

TRACKER = ("\ufeffProject;Status;Business unit;Rough cost;Notes\r\n"
           "Drone pilot;Delivery;Contact Management;£10,000 to £100,000;Two drones for search\r\n"
           "Radio refresh;triage;contact management;Under £10,000;\r\n").encode("utf-8")


def checked(page, after: str) -> None:
    """axe once the page has loaded in full (its stylesheet applied)."""
    page.wait_for_load_state("load")
    no_violations(page, after)


def test_upload_map_preview_and_import_a_csv(axe_page_as, live_app, tmp_path):
    tracker = tmp_path / "old-tracker.csv"
    tracker.write_bytes(TRACKER)
    page = axe_page_as("pmo")
    page.goto("/initiatives")
    page.get_by_role("link", name="Import initiatives from an existing tracker").click()
    expect(page.get_by_role("heading", name="Import a tracker")).to_be_visible()
    checked(page, "opening the import page")

    # Uploading without a file: the error summary, checked too.
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.locator(".govuk-error-summary[data-module]")).to_contain_text("Select a CSV or XLSX file")
    checked(page, "an upload without a file")

    page.get_by_label("Upload a file").set_input_files(str(tracker))
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.get_by_role("heading", name="Choose what each column holds")).to_be_visible()
    checked(page, "the mapping step")
    # "Project" is matched by name; the rest are chosen by hand.
    expect(page.get_by_label("Project")).to_have_value("title")
    page.get_by_label("Status").select_option("state")
    page.get_by_label("Business unit").select_option("department")
    page.get_by_label("Notes").select_option("description")
    page.get_by_role("button", name="Save and preview").click()

    expect(page.get_by_role("heading", name="Check the import")).to_be_visible()
    expect(page.locator("#import-ready")).to_contain_text("All 2 rows are ready to import")
    checked(page, "the preview")
    page.get_by_role("button", name="Import 2 initiatives").click()

    expect(page.get_by_role("heading", name="Tracker imported")).to_be_visible()
    checked(page, "the summary")
    page.locator("#imported-initiatives a", has_text="Drone pilot").click()
    expect(page.get_by_text("Imported from old-tracker.csv, row 2")).to_be_visible()

    with live_app.app_context():
        made = db.session.scalars(db.select(Initiative).where(Initiative.title.in_(["Drone pilot", "Radio refresh"]))
                                  .order_by(Initiative.id)).all()
        assert [(i.title, i.state, i.cost_band) for i in made] == [
            ("Drone pilot", "delivery", "10k_100k"), ("Radio refresh", "triage", "under_10k")]
        kinds = db.session.scalars(db.select(AuditEvent.kind).where(
            AuditEvent.initiative_id.in_([i.id for i in made]))).all()
        assert kinds == ["import", "import"]


def test_a_file_with_problems_shows_them_row_by_row(axe_page_as, live_app, tmp_path):
    tracker = tmp_path / "bad-tracker.csv"
    tracker.write_bytes(b"Title,State,Department\r\nNo such place,Triage,Narnia\r\n,Pending,Contact Management\r\n")
    page = axe_page_as("admin")
    page.goto("/import")
    page.get_by_label("Upload a file").set_input_files(str(tracker))
    page.get_by_role("button", name="Upload and continue").click()
    page.get_by_role("button", name="Save and preview").click()
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("Unknown department")
    expect(errors).to_contain_text("Title is missing")
    expect(page.get_by_role("button", name=re.compile("^Import"))).to_have_count(0)
    checked(page, "a preview with problems")
