"""The dashboard in Chromium: it opens for a viewer, axe finds no WCAG A/AA violation (charts
included), and the filter form works with JavaScript switched off (a plain GET form)."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pmo_web.extensions import db
from pmo_web.models import User
from tests import factories
from tests.browser import axe
from tests.browser.test_accessibility import no_violations


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


def test_the_filter_works_without_javascript(browser, live_app, portfolio):
    context, page = signed_in(browser, live_app, javascript=False)
    page.goto("/dashboard")
    expect(page.locator("#kpi-pipeline ~ .app-kpi .app-kpi__value").first).to_have_text("2")
    page.get_by_label("Funding type").select_option("capital")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/dashboard\?.*funding=capital"))
    expect(page.locator("#kpi-pipeline ~ .app-kpi .app-kpi__value").first).to_have_text("1")
    expect(page.locator("#kpi-delays ~ .app-kpi .app-kpi__value").first).to_have_text("1")
    context.close()
