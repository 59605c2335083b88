"""The main menu and the registers hub (pmo_web/navigation.py): at most eight links, Home
first, and a link exactly where the page it opens lets the person in (access.may_open asks the
permission the view checks). The whole-site crawl is tests/test_navigation_crawl.py."""
from __future__ import annotations

import re

import pytest
from flask import url_for

from pmo_web import access
from pmo_web.extensions import db
from pmo_web.models import GateSetting, Setting
from pmo_web.navigation import MAX_MENU_LINKS, REGISTERS
from tests import factories

MENU = re.compile(r'<nav aria-label="Main menu".*?</nav>', re.S)
LINK = re.compile(r'<a class="govuk-service-navigation__link" href="([^"]+)"[^>]*>\s*(.*?)\s*</a>', re.S)
# Every page the menu or the hub may link to.
MENU_PAGES = ("auth.index", "intake.mine", "intake.department", "triage.board", "scoring.backlog",
              "gates.queue", "gates.index", "dashboard.index", "registers.index", "admin.index",
              *(register.endpoint for register in REGISTERS))
R = ("My work", "Requests")
PORTFOLIO = ("Dashboard", "Registers")


def menu_of(client) -> list[tuple[str, str]]:
    """(path, label) of each main-menu link on the home page, the count's markup dropped."""
    page = client.get("/", follow_redirects=True)
    assert page.status_code == 200
    nav = MENU.search(page.get_data(as_text=True)).group(0)
    return link_pairs(nav)


def link_pairs(nav: str) -> list[tuple[str, str]]:
    """(path, label) of the menu's links; a label's count (<span class="app-count">) and its
    words for screen readers left out."""
    return [(href, re.sub(r"<[^>]+>", "", re.sub(r'<span class="(app-count|govuk-visually-hidden)".*?</span>', "",
                                                 label)).strip())
            for href, label in LINK.findall(nav)]


@pytest.mark.parametrize(("roles", "rank", "labels"), [
    (("requester",), "sergeant", (*R, *PORTFOLIO)),
    (("requester",), "constable", R),
    (("viewer",), "inspector", (*R, *PORTFOLIO)),
    (("viewer",), "constable", R),
    (("pmo",), "sergeant", (*R, "Triage board", "Ranked backlog", "Gate reviews", *PORTFOLIO)),
    (("approver",), "constable", (*R, "Ranked backlog", "Awaiting my decision", *PORTFOLIO)),
    (("admin",), "constable", (*R, "Triage board", "Ranked backlog", "Gate reviews", *PORTFOLIO, "Admin")),
    (("requester", "pmo", "approver", "viewer", "admin"), "constable",
     (*R, "Triage board", "Ranked backlog", "Awaiting my decision", *PORTFOLIO, "Admin")),
])
def test_each_role_has_a_short_menu_of_its_own_work(app, client, auth, roles, rank, labels):
    auth.login(factories.make_user(roles=roles, rank=rank))
    db.session.commit()
    menu = menu_of(client)
    assert [label for _path, label in menu] == list(labels)
    assert len(menu) <= MAX_MENU_LINKS
    assert menu[0] == ("/", "My work")


@pytest.mark.parametrize("minimum", ["constable", "sergeant", "inspector", "chief_officer"])
@pytest.mark.parametrize("roles", [("requester",), ("viewer",), ("pmo",), ("approver",), ("admin",)])
def test_a_link_is_shown_exactly_when_its_page_opens(app, client, auth, roles, minimum):
    """The dashboard's minimum rank moves the requester's and the viewer's menus with their pages."""
    Setting.put("dashboard_min_rank", minimum)
    user = factories.make_user(roles=roles, rank="inspector")
    db.session.commit()
    auth.login(user)
    shown = {path for path, _label in menu_of(client)}
    hub = client.get("/registers")
    listed = set(re.findall(r'<h2 class="govuk-heading-s[^"]*"><a class="govuk-link" href="([^"]+)"',
                            hub.get_data(as_text=True))) if hub.status_code == 200 else set()
    for endpoint in MENU_PAGES:
        path = url_for(endpoint, _external=False)
        status = client.get(path).status_code
        opens = status != 403
        assert access.may_open(user, endpoint) == opens, (endpoint, status)
        if path in shown or path in listed:
            assert opens, f"{endpoint} is linked but answers {status}"
    assert ("/registers" in shown) == (hub.status_code == 200) == bool(listed)
    assert listed == {url_for(r.endpoint, _external=False) for r in REGISTERS if access.may_open(user, r.endpoint)}


def test_a_view_without_a_declared_permission_cannot_be_asked(app):
    with pytest.raises(LookupError, match="initiatives.show declares no page_permission"):
        access.may_open(factories.make_user(), "initiatives.show")


@pytest.mark.parametrize("roles", [("viewer",), ("requester",)])
def test_below_the_minimum_rank_the_home_page_and_the_403_page_lead_somewhere_open(app, client, auth, roles):
    auth.login(factories.make_user(roles=roles, rank="constable"))
    db.session.commit()
    refused = client.get("/dashboard")
    assert refused.status_code == 403
    assert 'href="/">Go to your home page' in refused.get_data(as_text=True)
    home = client.get("/")  # My work, which every signed-in person may open
    assert home.status_code == 200
    assert "<h1" in home.get_data(as_text=True) and "My work" in home.get_data(as_text=True)


def test_someone_deciding_a_gate_in_another_role_gets_the_queue_without_the_full_list(app, client, auth):
    """An admin may give a gate to any role; its holders decide there, but the list of every
    review stays with the PMO, admins and approvers."""
    db.session.add(GateSetting(code="G1", approver_role="viewer", quorum=1))
    viewer = factories.make_user(roles=("viewer",), rank="constable")
    db.session.commit()
    auth.login(viewer)
    assert ("/gates/queue", "Awaiting my decision") in menu_of(client)
    queue = client.get("/gates/queue")
    assert queue.status_code == 200
    assert 'href="/gates"' not in queue.get_data(as_text=True)
    assert client.get("/gates").status_code == 403


def test_the_current_page_is_marked_in_the_menu(app, client, auth):
    auth.login(factories.make_user(roles=("pmo",)))
    db.session.commit()
    for path, label in (("/lessons", "Registers"), ("/boards", "Registers"), ("/registers", "Registers"),
                        ("/triage", "Triage board"), ("/requests/department", "Requests")):
        nav = MENU.search(client.get(path).get_data(as_text=True)).group(0)
        current = re.findall(r'href="([^"]+)"\s+aria-current="page"', nav)
        assert current == [{lbl: href for href, lbl in link_pairs(nav)}[label]], (path, current)
