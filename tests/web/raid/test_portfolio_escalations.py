"""Escalations: items escalated to a board, newest first, with note, board, initiative and owners."""
from __future__ import annotations

import re
from datetime import timedelta

from pmo_web.extensions import db
from pmo_web.models.base import utcnow
from tests import factories

CDB, COG = "Corporate Delivery Board", "Chief Officer Group"


def escalate(initiative, kind, title, board, days_ago, **fields):
    return factories.make_raid_item(initiative, kind, title=title, escalated=True, escalated_to=board,
                                    escalation_note=fields.pop("note", "The board is asked to decide."),
                                    escalated_at=utcnow() - timedelta(days=days_ago), **fields)


def listed_titles(page: str) -> list[str]:
    return re.findall(r"Escalated item \w+", page)


def test_escalations_are_listed_newest_first_with_their_board_note_initiative_and_owners(client, auth, users):
    manager = factories.make_user(roles=("pmo",), name="Sarah Whitfield")
    custody = factories.make_initiative(owner=users["requester"], state="delivery", title="Custody suite refurbishment")
    escalate(custody, "risk", "Escalated item older", CDB, 20, owner_id=manager.id)
    escalate(custody, "issue", "Escalated item newest", COG, 1, note="Agree overtime for the decant weekend.")
    escalate(custody, "dependency", "Escalated item middle", CDB, 5)
    factories.make_raid_item(custody, "risk", title="Escalated item never")  # not escalated
    escalate(custody, "risk", "Escalated item removed", CDB, 2, deleted_at=utcnow())
    ended = factories.make_initiative(owner=users["requester"], state="closed")
    escalate(ended, "risk", "Escalated item ended", CDB, 3)
    db.session.commit()
    auth.login(users["approver"])

    page = client.get("/portfolio/escalations").get_data(as_text=True)

    assert listed_titles(page) == ["Escalated item newest", "Escalated item middle", "Escalated item older"]
    assert "Agree overtime for the decant weekend." in page
    assert COG in page and CDB in page
    assert custody.reference in page and "Custody suite refurbishment" in page
    assert f"Owner: {users['requester'].name}" in page and "Sarah Whitfield" in page
    assert "3 escalated items" in page


def test_closed_escalations_show_only_when_asked(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="delivery")
    escalate(initiative, "risk", "Escalated item open", CDB, 1)
    escalate(initiative, "risk", "Escalated item closed", CDB, 2, status="closed")
    escalate(initiative, "assumption", "Escalated item unvalidated", CDB, 3)
    db.session.commit()
    auth.login(users["pmo"])

    assert listed_titles(client.get("/portfolio/escalations").get_data(as_text=True)) == [
        "Escalated item open", "Escalated item unvalidated"]
    assert listed_titles(client.get("/portfolio/escalations?show=all").get_data(as_text=True)) == [
        "Escalated item open", "Escalated item closed", "Escalated item unvalidated"]


def test_the_board_filter_lists_one_boards_items(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="delivery")
    escalate(initiative, "risk", "Escalated item boardroom", CDB, 1)
    escalate(initiative, "issue", "Escalated item chiefs", COG, 2)
    db.session.commit()
    auth.login(users["pmo"])

    page = client.get("/portfolio/escalations", query_string={"board": COG}).get_data(as_text=True)

    assert listed_titles(page) == ["Escalated item chiefs"]
    assert f'<option value="{CDB}">{CDB}</option>' in page  # every board is offered
    assert "1 escalated item for the Chief Officer Group" in page
    unknown = client.get("/portfolio/escalations", query_string={"board": "No such board"})
    assert unknown.status_code == 200 and len(listed_titles(unknown.get_data(as_text=True))) == 2


def test_a_requester_sees_only_escalations_of_work_they_may_see(client, auth, users):
    own = factories.make_initiative(owner=users["requester"], state="delivery")
    elsewhere = factories.make_initiative(owner=factories.make_user(), state="delivery")
    escalate(own, "risk", "Escalated item own", CDB, 1)
    escalate(elsewhere, "risk", "Escalated item elsewhere", "Estates Board", 1)
    db.session.commit()
    auth.login(users["requester"])

    page = client.get("/portfolio/escalations").get_data(as_text=True)

    assert listed_titles(page) == ["Escalated item own"]
    assert "Estates Board" not in page  # not even offered as a board to filter by
