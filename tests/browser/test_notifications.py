"""Notifications in Chromium: open the list, mark one read in place (htmx), the header count
follows, focus stays on the item, and axe-core finds no WCAG A/AA violation before or after."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from pmo_web.extensions import db
from pmo_web.models import Notification, User
from tests import factories
from tests.browser import axe
from tests.browser.test_accessibility import no_violations, wait_for_focus_in


@pytest.fixture(scope="module")
def notification_ids(live_app) -> list[int]:
    with live_app.app_context():
        viewer = db.session.scalar(db.select(User).where(User.email == "viewer@example.test"))
        rows = [Notification(user_id=viewer.id, kind=kind, headline=headline, link="/notifications")
                for kind, headline in (("gate_decision", "Gate 1 on CR-0001 Body-worn video: approved"),
                                       ("raid_assigned", "A RAID item on CR-0002 Custody refit is assigned to you"))]
        db.session.add_all(rows)
        db.session.commit()
        return [row.id for row in rows]


@pytest.fixture
def viewer_page(browser, live_app):
    context = browser.new_context(base_url=live_app.config["LIVE_URL"], bypass_csp=True)
    axe.install(context)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/login")
    page.get_by_label("Email address").fill("viewer@example.test")
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    yield page
    context.close()


def test_open_the_list_and_mark_one_read_in_place(viewer_page: Page, live_app, notification_ids):
    page = viewer_page
    page.get_by_role("link", name=re.compile(r"^Notifications 2")).click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    page.wait_for_load_state("load")
    page.evaluate("window.notificationsMarker = 'same page'")
    no_violations(page, "opening the notifications")

    newest = f"#notification-{notification_ids[-1]}"
    page.locator(newest).get_by_role("button", name=re.compile("Mark as read")).click()
    wait_for_focus_in(page, newest)
    expect(page.locator(newest)).not_to_contain_text("Unread")
    expect(page.locator("#notifications-link")).to_contain_text("Notifications 1")
    assert page.evaluate("window.notificationsMarker") == "same page", "the page reloaded"
    no_violations(page, "marking one read")
    with live_app.app_context():
        assert db.session.get(Notification, notification_ids[-1]).read_at is not None
        assert db.session.get(Notification, notification_ids[0]).read_at is None

    page.goto("/notifications/preferences")
    no_violations(page, "opening the notification settings")
