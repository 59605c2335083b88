"""access.may_open, which My work and the "What happens next" panel ask before drawing a link,
says what the route matrix (tests/security/route_matrix.py) says of each screen it knows."""
from __future__ import annotations

import pytest

from pmo_web import access
from pmo_web.extensions import db
from tests import factories
from tests.security.route_matrix import MATRIX, ROLES

SCREENS = sorted(access.MANAGER_SCREENS | access.ADMIN_SCREENS | access.OWNER_DRAFT_SCREENS
                 | {"gates.queue", "gates.index", "initiatives.portfolio", "dashboard.index", "cases.edit",
                    "delivery.edit", "review.benefits", "lessons.log", "reports.index", "raid.log", "gates.review"})


@pytest.mark.parametrize("endpoint", SCREENS)
def test_may_open_agrees_with_the_route_matrix(app, department, endpoint):
    entry = MATRIX[endpoint]
    owner = factories.make_user(roles=("requester",), department=department)
    initiative = factories.make_initiative(owner, entry.state or "delivery")
    db.session.commit()
    for role in ROLES:
        # As the matrix checks: a sergeant of the initiative's department holding the role alone,
        # the requester being the owner of the initiative.
        user = owner if role == "requester" else factories.make_user(roles=(role,), department=department)
        named = initiative if "initiative_id" in _arguments(app, endpoint) else None
        assert access.may_open(user, endpoint, named) == (role in entry.roles), (endpoint, role)


def _arguments(app, endpoint: str) -> set[str]:
    return next(set(rule.arguments) for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)


def test_an_initiative_the_user_may_not_see_is_never_linked(app, department):
    initiative = factories.make_initiative(factories.make_user(), "delivery")
    stranger = factories.make_user(roles=("requester",))
    db.session.commit()
    assert not access.may_open(stranger, "delivery.edit", initiative)
