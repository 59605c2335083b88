"""Duplicate detection in a real browser, on the demo portfolio: typing a near-copy of an
existing title lists that work first, while focus stays in the field being typed in and a
screen reader is told how many were found; the PMO's Merge button opens the merge form with
the duplicate's target chosen. axe-core finds no WCAG A/AA violation after either."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from pmo_web.cli import DEMO_PASSWORD
from pmo_web.extensions import db
from pmo_web.models import Initiative, User
from tests import factories
from tests.browser import axe


@pytest.fixture
def demo_page(browser, demo_app):
    """demo_page(role) -> a page signed in as the demo `role`, with axe loaded (CSP bypassed
    for the injected axe script only)."""
    contexts = []

    def open_as(role: str) -> Page:
        context = browser.new_context(base_url=demo_app.config["LIVE_URL"], bypass_csp=True)
        axe.install(context)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto("/login")
        page.get_by_label("Email address").fill(f"{role}@demo.local")
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).not_to_have_url(re.compile(r"/login"))
        return page

    yield open_as
    for context in contexts:
        context.close()


def _initiative(demo_app, title: str) -> tuple[int, str]:
    with demo_app.app_context():
        initiative = db.session.scalars(select(Initiative).where(Initiative.title == title)).one()
        return initiative.id, initiative.reference


def test_typing_a_near_copy_shows_the_original_first_and_keeps_focus(demo_page, demo_app):
    webchat_id, webchat_ref = _initiative(demo_app, "Webchat for non-emergency contact")
    page = demo_page("requester")
    page.goto("/requests/new")
    title = page.get_by_label("Title", exact=True)
    title.click()
    title.press_sequentially("Webchat for non emergency contacts", delay=20)
    first = page.locator("#similar-requests li").first
    expect(first).to_contain_text(f"{webchat_ref}: Webchat for non-emergency contact", timeout=15_000)
    expect(first.get_by_role("link")).to_have_attribute("href", f"/initiatives/{webchat_id}")
    expect(first).to_contain_text(re.compile(r"Shares: [a-z, ]*webchat"))
    expect(page.locator("#similar-requests-status")).to_have_text(re.compile(r"^\d+ similar requests? found"))
    # The look-up never takes focus from the field being typed in, nor reloads the page.
    assert page.evaluate("document.activeElement && document.activeElement.id") == "title"
    assert page.url.endswith("/requests/new")
    title.press_sequentially(" via the website", delay=20)
    assert page.evaluate("document.activeElement.id") == "title"
    assert axe.describe(page.url, axe.check(page)) == []


def test_the_pmo_merges_a_duplicate_from_its_page(demo_page, demo_app):
    survivor_id, survivor_ref = _initiative(demo_app, "Webchat for non-emergency contact")
    with demo_app.app_context():
        requester = User.by_email("requester@demo.local")
        duplicate = factories.make_initiative(owner=requester, state="submitted",
                                              title="Live webchat on the website for non-emergency contact",
                                              description="Let the public contact us by webchat instead of 101.")
        db.session.commit()
        duplicate_id = duplicate.id
    page = demo_page("pmo")
    page.goto(f"/initiatives/{duplicate_id}")
    first = page.locator("#similar-requests li").first
    expect(first).to_contain_text(f"{survivor_ref}: Webchat for non-emergency contact")
    expect(first).to_contain_text("Possible duplicate")
    assert axe.describe(page.url, axe.check(page)) == []
    first.get_by_role("button", name=f"Merge into {survivor_ref}").click()
    target = page.get_by_label("Which initiative does it duplicate?")
    expect(target).to_have_value(str(survivor_id))
    assert axe.describe(page.url, axe.check(page)) == []
    page.get_by_role("button", name="Merge as duplicate").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is now at Merged")
    expect(page.get_by_text(f"{survivor_ref}: Webchat for non-emergency contact")).to_be_visible()
