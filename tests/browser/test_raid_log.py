"""The RAID log's inline rows in a real browser, by keyboard as far as a person would go.

Add a risk in place (a refused save first: 422 in the row), save with Enter, edit and cancel
with Escape, edit and save with Enter, remove and undo; after every swap axe-core finds no
WCAG 2.2 AA violation and keyboard focus is where the person is working, never lost to <body>.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from pmo_web.extensions import db
from pmo_web.models import RaidItem, User
from tests import factories
from tests.browser import axe
from tests.browser.test_accessibility import no_violations, settled, wait_for_focus_in

REVIEW = date.today() + timedelta(days=21)


@pytest.fixture
def initiative_id(live_app) -> int:
    """An initiative in delivery with an empty RAID log, of the requester's department."""
    with live_app.app_context():
        requester = db.session.scalar(select(User).where(User.email == "requester@example.test"))
        initiative = factories.make_initiative(owner=requester, state="delivery", title="Digital custody record")
        db.session.commit()
        return initiative.id


@pytest.fixture
def pmo_page(browser, live_app):
    """A page signed in as the PMO officer, with axe installed (the context bypasses CSP,
    which would rightly block the injected axe script)."""
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


def saved_items(live_app, initiative_id: int) -> list[RaidItem]:
    with live_app.app_context():
        return list(db.session.scalars(select(RaidItem).where(RaidItem.initiative_id == initiative_id)))


def focused_text(page: Page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.textContent.trim() : ''")


def test_add_edit_cancel_remove_and_undo_a_risk_inline(pmo_page, live_app, initiative_id):
    page = pmo_page
    page.goto(f"/initiatives/{initiative_id}/raid")
    page.wait_for_load_state("load")  # htmx ready: a click before then would load a whole page
    no_violations(page, "opening the RAID log")
    add = page.get_by_role("button", name="Add item")
    kinds = page.get_by_role("navigation", name="Kinds of item")
    expect(kinds).to_contain_text("All items (0)")
    expect(page.locator("#raid-log caption")).to_have_text("0 items")

    # A new risk row opens at the top, focus in its first field.
    page.get_by_label("Add to the log").select_option("risk")
    add.click()
    new_row = page.locator("#raid-item-new")
    expect(new_row).to_be_visible()
    wait_for_focus_in(page, "#raid-item-new")
    expect(new_row.get_by_label("Risk", exact=True)).to_be_focused()
    no_violations(page, "adding a risk row")

    # Escape on the new row takes it away and goes back to the add button.
    page.keyboard.press("Escape")
    expect(new_row).to_have_count(0)
    expect(add).to_be_focused()

    # Saving an empty row: 422, the error summary in the row takes focus, nothing saved.
    add.click()
    wait_for_focus_in(page, "#raid-item-new")
    with page.expect_response(re.compile(r"/raid/new")) as invalid:
        new_row.get_by_role("button", name="Save risk").click()
    assert invalid.value.status == 422
    expect(new_row.locator(".govuk-error-summary")).to_contain_text("Enter the risk")
    wait_for_focus_in(page, "#raid-item-new .govuk-error-summary")
    no_violations(page, "an invalid risk row")
    assert saved_items(live_app, initiative_id) == []

    # Fill it in and press Enter in a one-line field: saved in place, focus on the new row.
    new_row.get_by_label("Likelihood").select_option("4")
    new_row.get_by_label("Impact").select_option("5")
    page.locator("#raid-item-new-review_date-day").fill(str(REVIEW.day))
    page.locator("#raid-item-new-review_date-month").fill(str(REVIEW.month))
    page.locator("#raid-item-new-review_date-year").fill(str(REVIEW.year))
    title = new_row.get_by_label("Risk", exact=True)
    title.fill("Custody suite network fails at go-live")
    with page.expect_response(re.compile(r"/raid/new")) as saved:
        title.press("Enter")
    assert saved.value.status == 200
    expect(new_row).to_have_count(0)
    [item] = saved_items(live_app, initiative_id)
    row_id = f"raid-item-{item.id}"
    row = page.locator(f"#{row_id}")
    expect(row).to_contain_text("Custody suite network fails at go-live")
    expect(row).to_contain_text("Very high")  # 4 x 5 = 20, worked out, not typed
    wait_for_focus_in(page, f"#{row_id}")
    assert focused_text(page).startswith("Edit")
    # The counts follow without a reload (out of band), and the empty log's line has gone.
    expect(kinds).to_contain_text("All items (1)")
    expect(kinds).to_contain_text("Risks (1)")
    expect(page.locator("#raid-log caption")).to_have_text("1 item")
    expect(page.get_by_text("Nothing has been logged yet.")).to_have_count(0)
    no_violations(page, "saving a new risk")

    # Edit, change the title, then Escape: the row as it was, focus back on its Edit link.
    row.get_by_role("link", name=re.compile(r"^Edit")).click()
    expect(row.locator("form")).to_be_visible()
    wait_for_focus_in(page, f"#{row_id}")
    editing_title = row.get_by_label("Risk", exact=True)
    expect(editing_title).to_be_focused()
    no_violations(page, "editing a risk row")
    editing_title.fill("Changed my mind")
    page.keyboard.press("Escape")
    expect(row.locator("form")).to_have_count(0)
    expect(row).to_contain_text("Custody suite network fails at go-live")
    wait_for_focus_in(page, f"#{row_id}")
    assert focused_text(page).startswith("Edit")
    no_violations(page, "cancelling a risk edit")

    # Edit again and save with Enter.
    row.get_by_role("link", name=re.compile(r"^Edit")).click()
    wait_for_focus_in(page, f"#{row_id}")
    row.get_by_label("Risk", exact=True).fill("Custody network fails at go-live")
    row.get_by_label("Risk", exact=True).press("Enter")
    expect(row.locator("form")).to_have_count(0)
    expect(row).to_contain_text("Custody network fails at go-live")
    wait_for_focus_in(page, f"#{row_id}")
    no_violations(page, "saving a risk edit with Enter")
    assert saved_items(live_app, initiative_id)[0].title == "Custody network fails at go-live"

    # Remove: confirm in the row, then Undo (focused) puts it back.
    row.get_by_role("link", name=re.compile(r"^Remove")).click()
    expect(row).to_contain_text("from the log?")
    wait_for_focus_in(page, f"#{row_id}")
    no_violations(page, "asking to confirm a removal")
    row.get_by_role("button", name="Yes, remove it").click()
    expect(row).to_contain_text("has been removed from the log")
    undo = row.get_by_role("button", name=re.compile(r"^Undo"))
    expect(undo).to_be_focused()
    expect(page.locator("#raid-removed")).to_contain_text("Custody network fails at go-live")
    no_violations(page, "removing a risk")
    assert saved_items(live_app, initiative_id)[0].deleted_at is not None

    undo.click()
    expect(row).to_contain_text("Very high")
    wait_for_focus_in(page, f"#{row_id}")
    assert focused_text(page).startswith("Edit")
    expect(page.locator("#raid-removed")).to_contain_text("No items have been removed")
    no_violations(page, "undoing a removal")
    assert saved_items(live_app, initiative_id)[0].deleted_at is None


def test_an_invalid_edit_stays_in_the_row_with_its_errors(pmo_page, live_app, initiative_id):
    with live_app.app_context():
        factories.make_raid_item(db.session.get(factories.Initiative, initiative_id), "issue",
                                 title="Cells short of staff")
        db.session.commit()
    page = pmo_page
    page.goto(f"/initiatives/{initiative_id}/raid")
    page.wait_for_load_state("load")
    row = page.locator("#raid-items-body tr").first
    row_id = row.get_attribute("id")
    row.get_by_role("link", name=re.compile(r"^Edit")).click()
    wait_for_focus_in(page, f"#{row_id}")
    row.get_by_label("Issue", exact=True).fill("")
    with page.expect_response(re.compile(r"/edit$")) as invalid:
        row.get_by_label("Issue", exact=True).press("Enter")
    assert invalid.value.status == 422
    wait_for_focus_in(page, f"#{row_id} .govuk-error-summary")
    expect(row.locator(".govuk-error-summary")).to_contain_text("Enter the issue")
    no_violations(page, "an invalid issue edit")
    settled(page)
    assert saved_items(live_app, initiative_id)[0].title == "Cells short of staff"


def test_escalating_in_place_and_every_whole_page_has_no_violations(pmo_page, live_app, initiative_id):
    with live_app.app_context():
        initiative = db.session.get(factories.Initiative, initiative_id)
        risk = factories.make_raid_item(initiative, "risk", title="Supplier insolvency",
                                        review_date=date.today() - timedelta(days=2))
        dependency = factories.make_raid_item(initiative, "dependency", title="Needs the new network")
        gone = factories.make_raid_item(initiative, "assumption", title="Funding continues")
        gone.deleted_at = gone.created_at
        db.session.commit()
        risk_id, dependency_id, gone_id = risk.id, dependency.id, gone.id
    page = pmo_page
    base = f"/initiatives/{initiative_id}/raid"
    page.goto(base)
    page.wait_for_load_state("load")
    row = page.locator(f"#raid-item-{risk_id}")
    expect(row).to_contain_text("Overdue")

    row.get_by_role("link", name=re.compile(r"^Escalate")).click()
    wait_for_focus_in(page, f"#raid-item-{risk_id}")
    expect(row.get_by_label("Board", exact=True)).to_be_focused()
    no_violations(page, "opening an escalation")
    row.get_by_label("Board", exact=True).select_option("Corporate Delivery Board")
    row.get_by_label("Note for the board").fill("Decide whether to fund a second supplier")
    row.get_by_role("button", name="Escalate").click()
    expect(row).to_contain_text("Escalated to the Corporate Delivery Board")
    wait_for_focus_in(page, f"#raid-item-{risk_id}")
    no_violations(page, "escalating a risk")

    # Without htmx every URL is a whole page: each must pass too.
    for path in (f"{base}?kind=risk&due=overdue&sort=score", f"{base}/new?kind=dependency",
                 f"{base}/{dependency_id}/edit", f"{base}/{risk_id}/escalation", f"{base}/{risk_id}/remove",
                 f"{base}?removed={gone_id}"):
        response = page.goto(path)
        assert response.status == 200, path
        no_violations(page, f"loading {path}")
