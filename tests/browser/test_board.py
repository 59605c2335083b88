"""The triage board in Chromium: the Move menu closes on Escape and gives focus back to its link,
an irreversible move is confirmed in place, the moved card takes focus in GOV.UK's focus style,
a refused drop names and links the real way, and on a phone the board says it scrolls sideways
without widening the page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from pmo_web.extensions import db
from pmo_web.models import StrategicPriority, User
from tests import factories
from tests.browser.test_accessibility import no_violations, settled, wait_for_focus_in


@pytest.fixture(scope="module")
def cards(live_app) -> dict[str, int]:
    with live_app.app_context():
        owner = db.session.scalar(db.select(User).where(User.email == "requester@example.test"))
        priority = db.session.scalar(db.select(StrategicPriority).limit(1))
        made = {}
        # The card dropped comes first in its lane: Playwright's drag of the second of two cards
        # stacked in a lane started on the first (a drag by mouse position, not by element).
        for key, state, title in (("dropped", "triage", "Body-worn video docking"),
                                  ("triage", "triage", "Replace the custody clocks"),
                                  ("scoring", "scoring", "Drone unit expansion"),
                                  ("delivery", "delivery", "Control room headsets")):
            made[key] = factories.make_initiative(owner=owner, state=state, title=title,
                                                  strategic_priority=priority,
                                                  delivery_confidence="amber" if state == "delivery" else None)
        db.session.commit()
        return {key: initiative.id for key, initiative in made.items()}


def open_board(page: Page) -> None:
    page.goto("/triage")
    page.wait_for_load_state("load")


def test_escape_closes_the_move_menu_and_focus_returns_to_its_link(axe_page_as, cards):
    page = axe_page_as("pmo")
    open_board(page)
    card = page.locator(f"#card-{cards['triage']}")
    link = card.get_by_role("link", name=re.compile(r"^Move"))
    link.click()
    menu = card.get_by_role("group", name=re.compile(r"^Moves for "))
    expect(menu).to_be_visible()
    wait_for_focus_in(page, f"#moves-{cards['triage']}")
    expect(link).to_have_attribute("aria-expanded", "true")
    no_violations(page, "opening a Move menu")

    page.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    expect(link).to_be_focused()
    expect(link).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")  # and it opens again from the keyboard
    expect(card.get_by_role("group", name=re.compile(r"^Moves for "))).to_be_visible()


def test_accept_is_confirmed_in_place_and_the_moved_card_takes_govuk_focus(axe_page_as, cards):
    page = axe_page_as("pmo")
    open_board(page)
    card = page.locator(f"#card-{cards['triage']}")
    card.get_by_role("link", name=re.compile(r"^Move")).click()
    card.get_by_role("link", name=re.compile(r"^Accept .*asks you to confirm")).click()
    confirm = card.get_by_role("group", name=re.compile(r"^Accept .*\?$"))
    expect(confirm).to_contain_text("It cannot be undone.")
    wait_for_focus_in(page, f"#moves-{cards['triage']}")
    no_violations(page, "asking to confirm an accept")

    page.keyboard.press("Escape")  # Escape leaves the confirmation too, nothing moved
    expect(confirm).to_have_count(0)
    expect(card.get_by_role("link", name=re.compile(r"^Move"))).to_be_focused()
    card.get_by_role("link", name=re.compile(r"^Move")).click()
    card.get_by_role("link", name=re.compile(r"^Accept .*asks you to confirm")).click()
    card.get_by_role("button", name=re.compile(r"^Yes, accept")).click()

    moved = page.get_by_role("region", name=re.compile(r"^Scoring \(")).locator(f"#card-{cards['triage']}")
    expect(moved).to_be_visible()
    settled(page)
    expect(moved).to_be_focused()
    style = moved.evaluate("(card) => { const s = getComputedStyle(card); "
                           "return {shadow: s.boxShadow, outline: s.outlineStyle + ' ' + s.outlineColor}; }")
    assert "rgb(255, 221, 0)" in style["shadow"], style  # GOV.UK yellow
    assert "rgb(11, 12, 12)" in style["shadow"], style
    assert style["outline"] != "auto" and "rgb(16, 16, 16)" not in style["outline"], style  # not the browser ring
    page.screenshot(path="/tmp/board-moved-card.png")
    no_violations(page, "a confirmed move")


def test_a_drop_on_a_gated_column_names_and_links_the_gate_and_delivery_shows_confidence(axe_page_as, cards):
    page = axe_page_as("pmo")
    open_board(page)
    moves = []
    page.on("request", lambda request: "/move" in request.url and moves.append(request.url))
    page.drag_and_drop(f"#card-{cards['scoring']}", "[data-stage=business_case]")
    card = page.locator(f"#card-{cards['scoring']}")
    alert = card.get_by_role("alert")
    expect(alert).to_contain_text("cannot be dropped on Business case. To move it there:")
    expect(alert.get_by_role("link", name="Request gate 1: Approve to develop a business case")).to_have_attribute(
        "href", f"/initiatives/{cards['scoring']}/gates/request")
    assert moves == []
    expect(page.locator(f"#card-{cards['delivery']}")).to_contain_text("Delivery confidence: Amber")
    no_violations(page, "a refused drop")



def test_a_drop_of_an_irreversible_move_asks_to_confirm(axe_page_as, cards):
    page = axe_page_as("pmo")
    open_board(page)
    page.drag_and_drop(f"#card-{cards['dropped']}", "[data-stage=scoring]")
    card = page.locator(f"#card-{cards['dropped']}")
    expect(card.get_by_role("group", name=re.compile(r"^Accept .*\?$"))).to_contain_text("It cannot be undone.")
    expect(page.get_by_role("region", name=re.compile(r"^Triage \("))
           .locator(f"#card-{cards['dropped']}")).to_be_visible()
    wait_for_focus_in(page, f"#moves-{cards['dropped']}")
    card.get_by_role("link", name=re.compile(r"^Cancel")).click()
    expect(card.get_by_role("link", name=re.compile(r"^Move"))).to_be_focused()
@pytest.mark.parametrize("width", [320, 390])
def test_on_a_phone_the_board_says_it_scrolls_and_the_page_does_not(axe_page_as, cards, width):
    page = axe_page_as("pmo")
    page.set_viewport_size({"width": width, "height": 844})
    open_board(page)
    board = page.locator(".app-board")
    assert board.evaluate("(b) => b.scrollWidth > b.clientWidth")  # the columns do scroll sideways
    hint = page.locator(".app-board__hint")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("Scroll sideways")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), \
        page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    hint.scroll_into_view_if_needed()
    page.screenshot(path=f"/tmp/board-{width}.png")
    page.set_viewport_size({"width": 1366, "height": 900})
    expect(hint).to_be_hidden()  # room for every column: no hint
    page.screenshot(path="/tmp/board-1366.png")
