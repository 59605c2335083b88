"""My work and "What happens next" in a real browser, on the demo portfolio (issue 14): each
demo role lands on My work; it and an initiative page after rework and after a deferral have
no WCAG violations and nothing scrolls sideways at 320 px; opening a notification marks it
read. Set PMO_SCREENSHOTS to a directory to keep screenshots at 1366x900 and 390x844."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from pmo_web.cli import DEMO_PASSWORD
from pmo_web.models import GateReview, Initiative
from tests.browser import axe
from tests.browser.conftest import sign_in

ROLES = ("requester", "pmo", "approver", "viewer", "admin")
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture(scope="module")
def open_as(browser, demo_app):
    contexts = []

    def open_page(role: str) -> Page:
        context = browser.new_context(base_url=demo_app.config["LIVE_URL"], bypass_csp=True)
        axe.install(context)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, f"{role}@demo.local", DEMO_PASSWORD)
        expect(page).not_to_have_url(re.compile(r"/login"))
        return page

    yield open_page
    for context in contexts:
        context.close()


def check_page(page: Page, name: str) -> None:
    """No axe violations; nothing wider than the screen at 320 px; screenshots if asked for."""
    violations = axe.check(page)
    assert not violations, axe.describe(page.url, violations)
    folder = os.environ.get("PMO_SCREENSHOTS")
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size({"width": 320, "height": 800})
    # The page's own content (the header's account links are the menu's, laid out elsewhere).
    wide = page.evaluate("Math.max(...[...document.querySelectorAll('main *')]"
                         ".map(e => e.getBoundingClientRect().right))")
    assert wide <= 320, f"{name} scrolls sideways at 320 px ({wide} px wide)"
    page.set_viewport_size({"width": 1366, "height": 900})


@pytest.mark.parametrize("role", ROLES)
def test_each_demo_role_lands_on_my_work(open_as, role):
    page = open_as(role)
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    total = page.locator("#my-work-total").inner_text()
    count = page.locator("#my-work-count").inner_text()
    assert (count == "0" and total.startswith("Nothing")) or total.startswith(f"{count} thing")
    check_page(page, f"my-work-{role}")


def _review_of(demo_app, outcome_state: tuple[str, str | None]) -> int:
    state, outcome = outcome_state
    with demo_app.app_context():
        from pmo_web.extensions import db
        from workflows.gate import GATES

        for review in db.session.scalars(select(GateReview).where(GateReview.state == state)
                                         .order_by(GateReview.id.desc())):
            latest = db.session.scalar(select(GateReview.id).where(
                GateReview.initiative_id == review.initiative_id).order_by(GateReview.id.desc()).limit(1))
            initiative = db.session.get(Initiative, review.initiative_id)
            if latest == review.id and (outcome is None or review.outcome == outcome) \
                    and initiative.state == GATES[review.gate].from_state:
                return review.initiative_id
    raise AssertionError(f"the demo has no gate {state} {outcome or ''} waiting: seed-demo should have one")


@pytest.mark.parametrize("name, situation", [("rework", ("decided", "returned")), ("deferral", ("deferred", None))])
def test_an_initiative_after_rework_or_deferral_says_what_happens_next(open_as, demo_app, name, situation):
    initiative_id = _review_of(demo_app, situation)
    page = open_as("pmo")
    page.goto(f"/initiatives/{initiative_id}")
    panel = page.locator("#next-steps")
    expect(panel.get_by_role("heading", name="What happens next")).to_be_visible()
    expect(panel.locator("#next-action")).to_contain_text("You")
    expect(panel.locator("#gate-outcome")).to_be_visible()
    expect(page.locator("#lifecycle-panel")).not_to_contain_text("nothing for you to do")
    check_page(page, f"initiative-after-{name}")


def test_opening_a_notification_marks_it_read_and_the_count_drops(open_as):
    page = open_as("pmo")
    page.goto("/notifications")
    unread = page.locator(".app-notification--unread")
    assert unread.count() > 0, "the demo PMO should have an unread notification"
    before = int(page.locator("#notifications-link .app-count").inner_text())
    unread.first.locator("button.app-notification__open").click()
    page.wait_for_load_state()
    assert "/notifications" not in page.url
    page.goto("/notifications")
    assert int(page.locator("#notifications-link .app-count").inner_text()) == before - 1
