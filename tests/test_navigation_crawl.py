"""Signed in as every demo role, no link leads to a refusal: a crawl of the demo portfolio.

For each person the crawl starts at the home page and at every page of the main menu, and
follows each same-site link (an <a href>, asked for with GET) two steps further. No link may
answer 403 (a link someone is shown but may not follow) or 5xx, and the main menu holds at
most MAX_MENU_LINKS links. The crawl is bounded: at most PER_ENDPOINT addresses of one
endpoint (the first ones met, which are the ones a person sees first), so a list of forty
initiatives costs forty hub pages but not four hundred tabs.

The people are the demo logins (`flask seed-demo`) and two the demo does not have: a
viewer and a requester of constable rank, below the dashboard's minimum rank, who see
little of the portfolio and must not be shown what they cannot open.
"""
from __future__ import annotations

import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from sqlalchemy import select

from pmo_web.cli import DEMO_PASSWORD
from pmo_web.demo import seed
from pmo_web.extensions import db
from pmo_web.models import Department, User
from tests.security.conftest import FreshContextClient

MAX_MENU_LINKS = 8
DEPTH = 2
PER_ENDPOINT = 12
DEMO_LOGINS = ("requester@demo.local", "pmo@demo.local", "approver@demo.local",
               "viewer@demo.local", "admin@demo.local")
CONSTABLES = {"constable.viewer@demo.local": ("viewer",), "constable.requester@demo.local": ("requester",)}
# Served files and downloads are not pages with links; the crawl does not open them.
NOT_PAGES = re.compile(r"^/(static/|exports/.+\.(csv|xlsx)$|api/)")


class _Links(HTMLParser):
    """The hrefs of a page's <a> elements, and the main menu's links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.menu: list[str] = []
        self._in_menu = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "nav" and attributes.get("aria-label") == "Main menu":
            self._in_menu = 1
        elif self._in_menu and tag == "nav":
            self._in_menu += 1
        if tag == "a" and attributes.get("href"):
            self.hrefs.append(attributes["href"])
            if self._in_menu:
                self.menu.append(attributes["href"])

    def handle_endtag(self, tag):
        if tag == "nav" and self._in_menu:
            self._in_menu -= 1


def _parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def _same_site_path(href: str) -> str | None:
    """The path and query of a link to this site, or None for anything else."""
    href, _fragment = urldefrag(href)
    parts = urlsplit(href)
    if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != "localhost"):
        return None
    if not parts.path.startswith("/"):
        return None  # "#top", "mailto:", a relative path (the app writes none)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if NOT_PAGES.match(parts.path) else path


@pytest.fixture
def demo(app):
    seed()
    department = db.session.scalar(select(Department).where(Department.name == "Response Policing"))
    for email, roles in CONSTABLES.items():
        person = User(email=email, name=email.split("@")[0].replace(".", " ").title(), rank="constable",
                      department=department)
        person.set_password(DEMO_PASSWORD)
        person.set_roles(roles)
        db.session.add(person)
    db.session.commit()
    return app


def _crawl(app, email: str) -> tuple[list[str], list[str], dict[str, int]]:
    """Sign in as `email` and crawl: (problems found, the main menu's links, pages per status)."""
    client = FreshContextClient(app, use_cookies=True)
    signed_in = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert signed_in.status_code == 302, f"{email} could not sign in"
    home = client.get("/", follow_redirects=True)
    problems, statuses = [], Counter()
    if home.status_code != 200:
        problems.append(f"home page answers {home.status_code} (at {home.request.path})")
        return problems, [], dict(statuses)
    menu = [path for path in map(_same_site_path, _parse(home.get_data(as_text=True)).menu) if path]
    queue = deque([("/", 0, "signing in")] + [(path, 0, "the main menu") for path in menu])
    seen: set[str] = set()
    per_endpoint: Counter[str] = Counter()
    adapter = app.url_map.bind("localhost")
    while queue:
        path, depth, found_on = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        try:
            endpoint, _values = adapter.match(urlsplit(path).path, method="GET")
        except Exception:  # noqa: BLE001 - a link to no page at all: asked for, it answers 404/405
            endpoint = path
        if depth and per_endpoint[endpoint] >= PER_ENDPOINT:
            continue
        per_endpoint[endpoint] += 1
        response = client.get(path, follow_redirects=True)
        statuses[response.status_code] += 1
        if response.status_code == 403 or response.status_code >= 500:
            problems.append(f"{path} answers {response.status_code} (linked from {found_on})")
            continue
        if depth >= DEPTH or response.status_code != 200 or response.mimetype != "text/html":
            continue
        for href in _parse(response.get_data(as_text=True)).hrefs:
            target = _same_site_path(href)
            if target and target not in seen:
                queue.append((target, depth + 1, path))
    return problems, menu, dict(statuses)


def test_no_link_answers_403_or_5xx_and_the_menu_is_short(demo):
    """Every demo login and both constables, on one seeded portfolio (seeding is the slow part)."""
    failures, menus = [], {}
    for email in DEMO_LOGINS + tuple(CONSTABLES):
        problems, menu, statuses = _crawl(demo, email)
        menus[email] = menu
        failures += [f"{email}: {problem}" for problem in problems]
        if not 1 <= len(menu) <= MAX_MENU_LINKS:
            failures.append(f"{email} has {len(menu)} menu links: {menu}")
        elif menu[0] != "/":
            failures.append(f"{email}: the menu's first link is {menu[0]}, not the home page")
        if statuses.get(200, 0) < len(menu):
            failures.append(f"{email}: the crawl opened too few pages: {statuses}")
    assert not failures, "\n".join(failures)
    # The menus differ by role: the crawl did not see one page for everybody.
    assert len({tuple(menu) for menu in menus.values()}) >= 5, menus
