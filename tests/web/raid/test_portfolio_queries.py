"""Each portfolio view of the RAID logs runs the same number of SQL statements for 5 risks as for 50."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from pmo_web.extensions import db
from pmo_web.models.base import utcnow
from tests import factories


def add_register_rows(users, count: int) -> None:
    """`count` open risks, escalated items and dependencies spread over fresh initiatives."""
    for n in range(count):
        owner = factories.make_user(department=users["requester"].department)
        initiative = factories.make_initiative(owner=owner, state="delivery", manager=users["pmo"],
                                               programme=factories.make_programme())
        provider = factories.make_initiative(owner=owner, state="on_hold" if n % 2 else "delivery",
                                             forecast_end=date.today() + timedelta(days=n))
        factories.make_milestone(provider, done=False)
        factories.make_raid_item(initiative, "risk", likelihood=n % 5 + 1, impact=4, owner_id=owner.id,
                                 escalated=True, escalated_to=f"Board {n % 3}", escalated_at=utcnow())
        factories.make_raid_item(initiative, "dependency", depends_on_id=provider.id, owner_id=owner.id)
        factories.make_raid_item(initiative, "dependency", owner_id=owner.id)
    db.session.commit()


def statements(client, url: str) -> int:
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
        assert response.status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


@pytest.mark.parametrize("url", [
    "/portfolio/risks", "/portfolio/risks?likelihood=3&impact=4", "/portfolio/escalations",
    "/portfolio/escalations?show=all", "/portfolio/dependencies",
])
@pytest.mark.parametrize("role", ["pmo", "requester"])
def test_a_fixed_number_of_statements_whatever_the_size_of_the_logs(client, auth, users, url, role):
    auth.login(users[role])
    add_register_rows(users, 5)
    few = statements(client, url)
    add_register_rows(users, 45)
    assert statements(client, url) == few
