"""The allocation grid in Chromium: a cell saved from the keyboard updates the person's
totals and flags over-allocation in words, a bad value is refused in the cell, focus stays
in the grid, and axe finds nothing, before and after the swaps."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pmo_web.extensions import db
from pmo_web.models import Allocation, Assignment, Person, User
from pmo_web.resources import planning
from tests import factories
from tests.browser import axe

MONTHS = planning.months_of_year(planning.financial_year_of(date.today()))


@pytest.fixture(scope="module")
def booked(live_app):
    """The PMO officer booked 0.7 on one initiative in every month and on a second initiative
    with nothing booked yet: (person id, the second initiative's id)."""
    with live_app.app_context():
        pmo = db.session.scalar(select(User).where(User.email == "pmo@example.test"))
        requester = db.session.scalar(select(User).where(User.email == "requester@example.test"))
        person = db.session.scalar(select(Person).where(Person.user_id == pmo.id))
        first = factories.make_initiative(owner=requester, state="delivery", title="Custody CCTV upgrade")
        second = factories.make_initiative(owner=requester, state="delivery", title="Digital evidence sharing")
        db.session.add_all([Assignment(person_id=person.id, initiative_id=first.id),
                            Assignment(person_id=person.id, initiative_id=second.id)])
        db.session.add_all(Allocation(person_id=person.id, initiative_id=first.id, month=month, fte=Decimal("0.7"))
                           for month in MONTHS)
        db.session.commit()
        return person.id, second.id


@pytest.fixture
def grid_page(browser, live_app, booked):
    context = browser.new_context(base_url=live_app.config["LIVE_URL"], bypass_csp=True)
    axe.install(context)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/login")
    page.get_by_label("Email address").fill("pmo@example.test")
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    person_id, _initiative_id = booked
    page.goto(f"/resources?person={person_id}")
    yield page
    context.close()


def test_editing_a_cell_updates_the_totals_and_flags_over_allocation(grid_page, booked):
    page = grid_page
    person_id, initiative_id = booked
    assert axe.describe(page.url, axe.check(page)) == []
    key = planning.month_key(MONTHS[2])
    cell = page.locator(f"#a-{initiative_id}-{person_id}-{key} input[name=fte]")
    totals = page.locator(f"#totals-{person_id}")
    expect(totals).not_to_contain_text("Over by")

    # 0.7 + 0.5 = 1.2 in June: saved on Tab, the totals row says so in words.
    cell.fill("0.5")
    cell.press("Tab")
    expect(totals).to_contain_text("1.20")
    expect(totals).to_contain_text("Over by 0.20")
    expect(totals).to_contain_text("Over-allocated in 1 month")
    # Focus moved on to the next month's cell, and stays in the grid.
    next_key = planning.month_key(MONTHS[3])
    expect(page.locator(f"#a-{initiative_id}-{person_id}-{next_key} input[name=fte]")).to_be_focused()

    # A value above one FTE is refused in the cell; focus goes back to it; nothing changes.
    cell = page.locator(f"#a-{initiative_id}-{person_id}-{key} input[name=fte]")
    cell.fill("1.5")
    cell.press("Enter")
    refused = page.locator(f"#a-{initiative_id}-{person_id}-{key}")
    expect(refused).to_contain_text("cannot be more than 1.0")
    expect(refused.locator("input[name=fte]")).to_have_attribute("aria-invalid", "true")
    expect(refused.locator("input[name=fte]")).to_be_focused()
    expect(totals).to_contain_text("Over by 0.20")
    assert axe.describe(page.url, axe.check(page)) == []

    # Corrected with Enter: saved, the flag goes, focus stays in the same cell.
    cell = page.locator(f"#a-{initiative_id}-{person_id}-{key} input[name=fte]")
    cell.fill("0.3")
    cell.press("Enter")
    expect(totals).not_to_contain_text("Over by")
    expect(page.locator(f"#a-{initiative_id}-{person_id}-{key} input[name=fte]")).to_be_focused()
    expect(page.locator(f"#a-{initiative_id}-{person_id}-{key}")).not_to_contain_text("cannot")
    assert axe.describe(page.url, axe.check(page)) == []


def test_the_other_resource_pages_pass_axe(grid_page, booked):
    page = grid_page
    person_id, initiative_id = booked
    for url in ("/resources/people", f"/resources/people/{person_id}", "/resources/skills", "/resources/gaps",
                f"/initiatives/{initiative_id}/resources", f"/resources/people/{person_id}/edit"):
        page.goto(url)
        assert axe.describe(page.url, axe.check(page)) == [], url
