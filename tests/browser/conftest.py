"""Real-browser tests: the app served on loopback, driven by Playwright in Debian's Chromium.

Collected only when Chromium is installed (`apt-get install -y chromium`); CI installs it
and sets PMO_REQUIRE_BROWSER=1 so that a missing browser fails the run instead.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from pmo_web import create_app
from pmo_web.extensions import db
from tests import factories
from tests.browser import axe

CHROMIUM = os.environ.get("PMO_CHROMIUM", "/usr/bin/chromium")

# expect() waits for its condition, polling, up to this long: a page that never shows what it
# should still fails, and one that shows it late on a loaded machine (both cores busy with
# the rest of the suite) is not a failure. Playwright's default, 5 s, was.
expect.set_options(timeout=15_000)
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """The app on a SQLite file, with one user per role, served on 127.0.0.1."""
    path = tmp_path_factory.mktemp("browser") / "browser.sqlite"
    app = create_app({"SECRET_KEY": "browser-tests", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "MFA_REQUIRED_ROLES": ""})
    with app.app_context():
        db.create_all()
        department = factories.make_department("Contact Management")
        for name in ("Enhancing service and standards", "Leveraging technology"):
            factories.make_priority(name)
        factories.make_programme("Digital Policing Programme")
        for role in ("requester", "pmo", "approver", "viewer", "admin"):
            factories.make_user(roles=(role,), email=f"{role}@example.test", department=department,
                                name=f"{role.title()} User")
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def sign_in(page, email: str, password: str = factories.PASSWORD):
    """Sign `page` in through the form, and wait for the page it lands on."""
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return page


@pytest.fixture
def page_as(browser, live_app):
    """page_as(role) -> a Playwright page signed in as that demo role (own browser context)."""
    contexts = []

    def open_as(role: str):
        context = browser.new_context(base_url=live_app.config["LIVE_URL"])
        contexts.append(context)
        return sign_in(context.new_page(), f"{role}@example.test")

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def axe_page_as(browser, live_app):
    """axe_page_as(role) -> a page signed in as that role, in a context that bypasses CSP
    (which would, rightly, block the injected axe script) with axe installed."""
    from playwright.sync_api import expect

    contexts = []

    def open_as(role: str):
        context = browser.new_context(base_url=live_app.config["LIVE_URL"], bypass_csp=True)
        axe.install(context)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto("/login")
        page.get_by_label("Email address").fill(f"{role}@example.test")
        page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).not_to_have_url(re.compile(r"/login"))
        return page

    yield open_as
    for context in contexts:
        context.close()


@contextmanager
def served(app):
    """Serve `app` on a free loopback port for the duration; its address is in LIVE_URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    try:
        yield app
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """The demo portfolio served on 127.0.0.1: initiatives in every lifecycle state with a
    believable history, and the demo logins (<role>@demo.local, password DEMO_PASSWORD)."""
    from pmo_web import demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    app = create_app({"SECRET_KEY": "browser-tests", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "MFA_REQUIRED_ROLES": "",
                      # Crawls load hundreds of pages: the browser keeps the static files
                      # instead of asking for each one again on every page.
                      "SEND_FILE_MAX_AGE_DEFAULT": 3600})
    with app.app_context():
        db.create_all()
        demo.seed()
    with served(app):
        yield app


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None
