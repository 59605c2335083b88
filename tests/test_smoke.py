"""One smoke test per area: its main pages open for the people who use them.

These run in `make check`, the fast subset for the edit loop (with the state machines' rule
tables and the pure units), so a change that breaks an area's wiring (an import, a template,
a query) is seen in seconds. What each page shows is tested in tests/web/<area>/.
"""
from __future__ import annotations

import pytest

from pmo_web.extensions import db
from tests import factories

# Area -> (role, pages). "{id}" is an initiative in delivery with a row in every register.
AREAS = {
    "auth": ("requester", ["/", "/accessibility", "/account/password", "/account/second-factor"]),
    "intake": ("requester", ["/requests/new", "/requests/mine", "/requests/department"]),
    "initiatives": ("pmo", ["/initiatives", "/initiatives/{id}"]),
    "triage": ("pmo", ["/triage"]),
    "scoring": ("pmo", ["/backlog", "/initiatives/{id}/score"]),
    "cases": ("pmo", ["/initiatives/{id}/business-case"]),
    "gates": ("pmo", ["/gates", "/initiatives/{id}/gates/request"]),
    "gate queue": ("approver", ["/gates/queue"]),
    "delivery": ("pmo", ["/initiatives/{id}/delivery"]),
    "raid": ("pmo", ["/initiatives/{id}/raid", "/portfolio/risks", "/portfolio/escalations",
                     "/portfolio/dependencies"]),
    "lessons": ("pmo", ["/initiatives/{id}/lessons", "/lessons"]),
    "benefits": ("pmo", ["/benefits"]),
    "reports": ("pmo", ["/initiatives/{id}/reports"]),
    "resources": ("pmo", ["/resources", "/resources/people", "/resources/skills", "/resources/gaps"]),
    "dashboard": ("viewer", ["/dashboard"]),
    "governance": ("pmo", ["/boards"]),
    "exports": ("pmo", ["/exports"]),
    "imports": ("pmo", ["/import"]),
    "notifications": ("requester", ["/notifications", "/notifications/preferences"]),
    "api": ("pmo", ["/account/api-tokens"]),
    "admin": ("admin", ["/admin", "/admin/users", "/admin/departments", "/admin/programmes",
                        "/admin/priorities", "/admin/weights", "/admin/gates", "/admin/api-tokens"]),
}


@pytest.fixture
def initiative(users):
    """An initiative in delivery with a score, a case, a milestone, a benefit, a lesson and a RAID item."""
    made = factories.make_initiative(owner=users["requester"], state="delivery")
    factories.make_score(made, users["pmo"])
    factories.make_business_case(made, users["pmo"])
    factories.make_milestone(made)
    factories.make_benefit(made)
    factories.make_lesson(made)
    factories.make_raid_item(made, owner_id=users["pmo"].id)
    db.session.commit()
    return made


@pytest.mark.parametrize("area", AREAS)
def test_the_main_pages_of_each_area_open(client, auth, users, initiative, area):
    role, pages = AREAS[area]
    users["viewer"].rank = "superintendent"
    db.session.commit()
    auth.login(users[role])
    for page in pages:
        response = client.get(page.format(id=initiative.id), follow_redirects=True)
        assert response.status_code == 200, (page, response.status_code)
        assert b"<h1" in response.data and b"<html" in response.data, page
