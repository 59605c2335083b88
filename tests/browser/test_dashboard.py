"""The dashboard in Chromium: it opens for a viewer, axe finds no WCAG A/AA violation (charts
included), and the filter form works with JavaScript switched off (a plain GET form)."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from pmo_web.extensions import db
from pmo_web.models import Initiative, User
from tests import factories
from tests.browser import axe
from tests.browser.test_accessibility import no_violations
from workflows.lifecycle import IN_DELIVERY_STATES


@pytest.fixture(scope="module")
def portfolio(live_app):
    """Two initiatives in delivery, one capital-funded and late with a benefit and a risk."""
    with live_app.app_context():
        requester = db.session.scalar(select(User).where(User.email == "requester@example.test"))
        late = factories.make_initiative(owner=requester, state="delivery", title="Custody suite refurbishment",
                                         funding_type="capital", delivery_confidence="amber_red",
                                         budget_approved=Decimal(100000), budget_forecast=Decimal(120000),
                                         planned_end=date(2027, 3, 31), forecast_end=date(2027, 6, 30))
        factories.make_benefit(late, category="cash_releasing", planned_value=Decimal(50000),
                               realised_value=Decimal(10000))
        factories.make_raid_item(late, "risk", likelihood=5, impact=4)
        factories.make_milestone(late)
        factories.make_initiative(owner=requester, state="delivery", title="Mobile data terminals",
                                  funding_type="revenue", delivery_confidence="green")
        db.session.commit()


def signed_in(browser, live_app, javascript: bool = True):
    context = browser.new_context(base_url=live_app.config["LIVE_URL"], bypass_csp=True,
                                  java_script_enabled=javascript)
    if javascript:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/login")
    page.get_by_label("Email address").fill("viewer@example.test")
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    return context, page


def test_the_dashboard_opens_from_the_navigation_and_passes_axe(browser, live_app, portfolio):
    context, page = signed_in(browser, live_app)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    page.wait_for_load_state("load")
    expect(page.get_by_role("img", name=re.compile("Initiatives by stage"))).to_be_visible()
    page.locator("#definition-cycle summary").click()
    expect(page.locator("#definition-cycle")).to_contain_text("nearest-rank")
    no_violations(page, "opening the dashboard")
    page.get_by_label("Funding type").select_option("capital")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"funding=capital"))
    page.wait_for_load_state("load")  # styles applied before axe measures targets
    no_violations(page, "filtering by funding type")
    context.close()


def test_the_filter_works_without_javascript(browser, live_app, portfolio, more_work):
    # Every row of the module is there whatever order the tests run in (more_work adds
    # initiatives in delivery, none capital-funded): the figures are the data's.
    with live_app.app_context():
        in_delivery = select(func.count()).select_from(Initiative).where(Initiative.state.in_(IN_DELIVERY_STATES))
        active = db.session.scalar(in_delivery)
        capital = db.session.scalar(in_delivery.where(Initiative.funding_type == "capital"))
    assert (active, capital) == (4, 1)
    context, page = signed_in(browser, live_app, javascript=False)
    page.goto("/dashboard")
    expect(page.locator("#kpi-pipeline ~ .app-kpi .app-kpi__value").first).to_have_text(str(active))
    page.get_by_label("Funding type").select_option("capital")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/dashboard\?.*funding=capital"))
    expect(page.locator("#kpi-pipeline ~ .app-kpi .app-kpi__value").first).to_have_text(str(capital))
    expect(page.locator("#kpi-delays ~ .app-kpi .app-kpi__value").first).to_have_text("1")
    context.close()


# ------------------------------------------------- issue 14: a dashboard, and a portfolio view

def viewer_page(browser, live_app, width: int, height: int, bypass_csp: bool = True):
    """A page signed in as the viewer at `width` x `height`, with axe (CSP bypassed) or under
    the app's Content-Security-Policy (no axe)."""
    context = browser.new_context(base_url=live_app.config["LIVE_URL"], bypass_csp=bypass_csp,
                                  viewport={"width": width, "height": height})
    if bypass_csp:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/login")
    page.get_by_label("Email address").fill("viewer@example.test")
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    return context, page


@pytest.fixture(scope="module")
def more_work(live_app, portfolio):
    """Enough rows for a wide portfolio table and every dashboard list: overdue and coming
    milestones, open issues, managers and programmes, several stages."""
    with live_app.app_context():
        requester = db.session.scalar(select(User).where(User.email == "requester@example.test"))
        pmo = db.session.scalar(select(User).where(User.email == "pmo@example.test"))
        programme = factories.make_programme("Estates and Fleet Capital Programme 2025-2030")
        for n, state in enumerate(("delivery", "on_hold", "scoring", "triage", "business_case", "closed")):
            work = factories.make_initiative(owner=requester, state=state, manager=pmo, programme=programme,
                                             title=f"Neighbourhood policing integration workstream {n}",
                                             delivery_confidence="amber" if n % 2 else None,
                                             budget_approved=Decimal(250000 + n), budget_forecast=Decimal(275000),
                                             planned_end=date(2027, 1, 1 + n), forecast_end=date(2027, 2, 1 + n))
            factories.make_milestone(work, done=False, name="Supplier contract signed and mobilised")
            factories.make_raid_item(work, "issue", title="Test environment unavailable for two weeks")
        db.session.commit()


def tile_boxes(page) -> list[dict]:
    return page.locator(".app-tile").evaluate_all(
        "tiles => tiles.map(tile => { const box = tile.getBoundingClientRect();"
        " return {key: tile.dataset.tile, top: box.top, bottom: box.bottom, left: box.left, right: box.right}; })")


def test_every_headline_tile_is_above_the_fold_at_1366_by_900(browser, live_app, more_work):
    context, page = viewer_page(browser, live_app, 1366, 900)
    page.goto("/dashboard")
    page.wait_for_load_state("load")
    assert page.evaluate("window.scrollY") == 0
    boxes = tile_boxes(page)
    assert [box["key"] for box in boxes] == ["active", "on_time", "within_budget", "cycle_time", "adherence",
                                             "high_risks", "open_issues", "roi", "satisfaction", "gates"]
    for box in boxes:
        assert box["top"] >= 0 and box["bottom"] <= 900 and box["left"] >= 0 and box["right"] <= 1366, box
    expect(page.locator("#tiles-updated")).to_have_text(re.compile(r"^Updated at \d\d:\d\d \(UTC\)$"))
    # The charts stand two to a row on a wide screen.
    tops = page.locator(".app-chart-grid > .app-dashboard-section").evaluate_all(
        "sections => sections.map(section => Math.round(section.getBoundingClientRect().top))")
    assert len(tops) >= 8 and tops[0] == tops[1] and tops[2] == tops[3] and tops[1] < tops[2]
    context.close()


@pytest.mark.parametrize("path", ["/dashboard", "/initiatives",
                                  "/initiatives?sort=milestone&order=desc&stage=delivery"])
def test_axe_finds_nothing_on_the_dashboard_and_the_portfolio(browser, live_app, more_work, path):
    context, page = viewer_page(browser, live_app, 1366, 900)
    page.goto(path)
    page.wait_for_load_state("load")
    if path == "/dashboard":
        for summary in page.locator(".app-figures summary").all()[:3]:
            summary.click()  # the figures' tables too
    no_violations(page, f"opening {path}")
    context.close()


@pytest.mark.parametrize("path", ["/dashboard", "/initiatives"])
def test_nothing_scrolls_sideways_at_390_pixels(browser, live_app, more_work, path):
    context, page = viewer_page(browser, live_app, 390, 844)
    page.goto(path)
    page.wait_for_load_state("load")
    for summary in page.locator(".app-figures summary").all():
        summary.click()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), \
        page.evaluate("document.documentElement.scrollWidth")
    if path == "/initiatives":
        box = page.get_by_role("region", name="Portfolio table")
        assert box.evaluate("box => box.scrollWidth > box.clientWidth")  # the table scrolls in its own box
        box.focus()
        page.keyboard.press("ArrowRight")
        # The browser may scroll smoothly: wait for the box to move rather than read it at once.
        page.wait_for_function("() => document.querySelector('[aria-label=\\'Portfolio table\\']').scrollLeft > 0")
    no_violations(page, f"opening {path} at 390 pixels")
    context.close()


def test_the_portfolio_sorts_from_its_headings(browser, live_app, more_work):
    context, page = viewer_page(browser, live_app, 1366, 900)
    page.goto("/initiatives")
    page.get_by_role("link", name=re.compile(r"^End date\b.*sort ascending")).click()
    expect(page).to_have_url(re.compile(r"sort=end&order=asc"))
    expect(page.locator('th[aria-sort="ascending"]')).to_have_attribute("data-sort", "end")
    page.get_by_label("Stage").select_option("delivery")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"sort=end&order=asc.*stage=delivery|stage=delivery.*sort=end&order=asc"))
    expect(page.locator('th[aria-sort="ascending"]')).to_have_attribute("data-sort", "end")
    context.close()


def test_the_tiles_refresh_under_the_policy_and_hold_off_while_hidden(browser, live_app, more_work):
    """Under the app's CSP: a refresh swaps the tiles from the page's own address without
    moving focus or breaking the policy; a hidden tab or focus inside the tiles holds it back."""
    context, page = viewer_page(browser, live_app, 1366, 900, bypass_csp=False)
    refused = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    page.goto("/dashboard")
    page.wait_for_load_state("load")
    polls = []
    page.on("request", lambda request: request.headers.get("hx-request") and polls.append(request.url))
    with page.expect_response(lambda response: response.request.headers.get("hx-request") == "true"):
        page.evaluate("htmx.trigger(document.getElementById('dashboard-tiles'), 'app:refresh')")
    expect(page.locator("#dashboard-tiles .app-tile")).to_have_count(10)
    assert polls and polls[-1].endswith("/dashboard")
    assert page.evaluate("document.activeElement === document.body")  # focus left where it was
    page.locator("#dashboard-tiles .app-tile__label").first.focus()
    page.evaluate("htmx.trigger(document.getElementById('dashboard-tiles'), 'app:refresh')")
    page.evaluate("document.activeElement.blur()")
    page.evaluate("Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true})")
    page.evaluate("htmx.trigger(document.getElementById('dashboard-tiles'), 'app:refresh')")
    page.wait_for_timeout(500)
    assert len(polls) == 1
    assert refused == []
    context.close()
