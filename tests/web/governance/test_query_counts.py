"""A meeting page and its board pack send the same number of SQL statements however long the
agenda: each source is one select, and a held meeting's items load their papers and minutes
together (see tests/test_query_counts.py for the house rule)."""
from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import select

from pmo_web.extensions import db
from pmo_web.models import AgendaItem, BoardEscalation, Minute
from tests import factories
from tests.test_query_counts import counting
from tests.web.governance.world import make_boards, make_decision, make_meeting, make_review


def build(users, size: int) -> dict:
    """`size` of every agenda source on fresh boards, a held meeting that froze them, with
    minutes and an escalation from a layer board; returns the meetings to open."""
    executive, corporate, layer = make_boards(suffix=f" {size}")
    for _ in range(size):
        owner = factories.make_user(department=users["requester"].department)
        case = factories.make_initiative(owner=owner, state="business_case")
        make_decision(make_review(case, users["pmo"]), users["approver"])
        delivery = factories.make_initiative(owner=owner, state="delivery", delivery_confidence="red",
                                             manager=users["pmo"])
        factories.make_raid_item(delivery, owner_id=owner.id, escalated=True, escalated_to=corporate.name,
                                 escalation_note="Decide")
        factories.make_raid_item(delivery, owner_id=owner.id, escalated=True, escalated_to=layer.name,
                                 escalation_note="Decide")
    layer_meeting = make_meeting(layer, days=-3, status="held")
    for n in range(size):
        item = AgendaItem(meeting_id=layer_meeting.id, position=n, kind="other", title=f"Layer item {n}")
        db.session.add(item)
        db.session.flush()
        db.session.add(BoardEscalation(from_board_id=layer.id, from_meeting_id=layer_meeting.id,
                                       agenda_item_id=item.id, to_board_id=corporate.id, note="Up",
                                       escalated_by_id=users["pmo"].id))
    planned = make_meeting(corporate, days=0)  # today: it may be marked held
    db.session.commit()
    return {"planned": planned, "layer": layer_meeting}


def hold_and_minute(client, meeting, users):
    from tests.web.governance.test_meetings import hold

    assert hold(client, meeting).status_code == 303
    for item in db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)):
        decision = item.gate_review.decisions[0].id if item.gate_review else None
        db.session.add(Minute(meeting_id=meeting.id, agenda_item_id=item.id, kind="action", text="Do", owner="PMO",
                              gate_decision_id=decision, minuted_by_id=users["pmo"].id))
    db.session.commit()


def statements(client, endpoint, meeting_id) -> int:
    with counting() as seen:
        response = client.get(url_for(endpoint, meeting_id=meeting_id))
    assert response.status_code == 200
    return len(seen)


@pytest.mark.parametrize("endpoint", ["governance.meeting", "governance.pack"])
def test_meeting_pages_cost_the_same_whatever_the_agenda(app, client, auth, users, endpoint):
    auth.login(users["pmo"])
    counts = {}
    for size in (2, 6):
        meetings = build(users, size)
        planned = statements(client, endpoint, meetings["planned"].id)
        hold_and_minute(client, meetings["planned"], users)
        counts[size] = (planned, statements(client, endpoint, meetings["planned"].id))
    assert counts[2] == counts[6], f"statements (planned, held) by agenda size: {counts}"
