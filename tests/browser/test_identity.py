"""Signing in in Chromium: single sign-on through the fake OpenID provider, and a second
factor set up from its QR page then used at the next sign-in (codes computed by pyotp).

axe-core must find no WCAG A/AA violation on the sign-in page, the refusal, the setup page,
the recovery codes, the code step, and "Confirm it's you" (asked before a change to the
second factor once the sign-in is more than a few minutes old).
"""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pyotp
import pytest
import time_machine
from playwright.sync_api import expect

from pmo_web import create_app
from pmo_web.extensions import db
from tests import factories
from tests.browser import axe
from tests.browser.conftest import served
from tests.browser.test_accessibility import no_violations
from tests.web.auth.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeProvider
from tests.web.auth.totp import SETUP_KEY


@pytest.fixture(scope="module")
def provider():
    fake = FakeProvider().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def identity_app(tmp_path_factory, provider):
    """The app with SSO pointed at the fake provider and the default second-factor rule."""
    path = tmp_path_factory.mktemp("identity") / "identity.sqlite"
    app = create_app({"SECRET_KEY": "browser-tests", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "OIDC_ISSUER": provider.url, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
                      "OIDC_PROVIDER_NAME": "Northshire ID",
                      "OIDC_GROUP_ROLES": json.dumps({"grp-pmo": "pmo"}),
                      "OIDC_GROUP_DEPARTMENTS": json.dumps({"grp-contact": "Contact Management"})})
    assert app.config["MFA_REQUIRED_ROLES"] == "approver,admin"
    with app.app_context():
        db.create_all()
        department = factories.make_department("Contact Management")
        factories.make_user(roles=("approver",), email="approver@example.test", department=department,
                            name="Approver User")
        db.session.commit()
    with served(app):
        yield app


@pytest.fixture
def page(browser, identity_app):
    context = browser.new_context(base_url=identity_app.config["LIVE_URL"], bypass_csp=True)
    axe.install(context)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_single_sign_on(page, provider):
    provider.reset()
    provider.user.update(email="Jo.Bloggs@Example.test", name="Jo Bloggs", groups=["grp-pmo", "grp-contact"])
    page.goto("/login")
    no_violations(page, "opening the sign-in page")
    page.get_by_role("button", name="Sign in with Northshire ID").click()
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("Sign in")
    expect(page.get_by_role("heading", name="PMO work")).to_be_visible()  # the group gave the role
    # A refused response (a token meant for another service) comes back with a clear message.
    page.get_by_role("button", name="Sign out").click()
    provider.next_claims = {"aud": "another-service"}
    page.get_by_role("button", name="Sign in with Northshire ID").click()
    error_summary = page.locator(".govuk-error-summary:not(#app-error-banner)")
    expect(error_summary).to_contain_text("was not meant for this service")
    no_violations(page, "a refused single sign-on")


def test_second_factor_setup_then_sign_in_with_a_code(page):
    page.goto("/login")
    page.get_by_label("Email address").fill("approver@example.test")
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    # An approver must set up a second factor before anything else.
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your second factor")
    page.goto("/gates/queue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your second factor")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    no_violations(page, "opening the setup page")
    secret = SETUP_KEY.search(page.content())[1].replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Turn on the second factor").click()
    expect(page.locator(".govuk-error-summary:not(#app-error-banner)")).to_contain_text("The code is not correct")
    no_violations(page, "a wrong setup code")
    page.get_by_label("Code from the app").fill(totp.at(time.time() - 30))
    page.get_by_role("button", name="Turn on the second factor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Second factor turned on")
    expect(page.locator(".app-recovery-codes li")).to_have_count(10)
    no_violations(page, "showing the recovery codes")
    recovery_code = page.locator(".app-recovery-codes li").first.inner_text()
    page.get_by_role("link", name="Continue").click()
    assert urlsplit(page.url).path == "/"  # My work

    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email address").fill("approver@example.test")
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code from your authenticator app")
    no_violations(page, "the code step")
    page.get_by_label("Code").fill(totp.now())
    page.get_by_role("button", name="Continue").click()
    assert urlsplit(page.url).path == "/"  # My work
    page.goto("/account/second-factor")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Set up on")
    no_violations(page, "the second factor page")

    # Six minutes after signing in, a change to the second factor asks who it is first
    # (the app is served from this process, so the clock moves for it too).
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=6), tick=True):
        page.get_by_role("button", name="Get new recovery codes").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it’s you")
        no_violations(page, "confirm it's you")
        page.get_by_label("Password", exact=True).fill("not-the-password-at-all")
        page.get_by_label("Code", exact=True).fill(recovery_code)
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".govuk-error-summary:not(#app-error-banner)")).to_contain_text(
            "Your password is not correct")
        no_violations(page, "a wrong password on confirm it's you")
        page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
        page.get_by_label("Code", exact=True).fill(recovery_code)
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Get new recovery codes")
        no_violations(page, "asking before new recovery codes")
        page.get_by_role("button", name="Get new recovery codes").click()
        expect(page.locator(".app-recovery-codes li")).to_have_count(10)
        assert recovery_code not in page.locator(".app-recovery-codes").inner_text()
