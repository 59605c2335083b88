"""Governance records are audited: each thing the secretariat does to a board, meeting, agenda,
minute or escalation writes exactly one audit event in the same transaction (who, when, what,
before and after), on no initiative's trail and in the one hash chain; a rollback leaves none,
and everything that reads the trail still works with events that are on no initiative."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import url_for
from sqlalchemy import func, select

from pmo_web import audit, history
from pmo_web.concurrency import token
from pmo_web.extensions import db
from pmo_web.models import AgendaItem, ApiToken, AuditEvent, Board, BoardEscalation, Meeting, Minute, Notification
from tests import factories
from tests.web.governance.world import make_meeting


@pytest.fixture
def moment():
    """The instant the action happens, held still so the event's time can be checked exactly."""
    at = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    with time_machine.travel(at, tick=False):
        yield at


def newest_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def events_after(last_id: int) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)).all()


def held_meeting_with_item(board: Board, pmo) -> tuple[Meeting, AgendaItem]:
    meeting = make_meeting(board, days=-1, status="held")
    item = AgendaItem(meeting_id=meeting.id, kind="other", position=1, title="Cloud hosting strategy",
                      added_by_id=pmo.id)
    db.session.add(item)
    db.session.flush()
    return meeting, item


# Each action is set up first (boards and the PMO user given), then returns what it
# posts, which gives the response and the record acted on. The table below names the
# trigger its event carries and the changes it must list (a subset for a created record,
# whose whole snapshot is kept; exact for a change).

def set_up_board(boards, _pmo):
    def act(client):
        response = client.post(url_for("governance.new_board"), data={
            "name": "Operational Change Board", "level": "layer", "escalates_to_id": boards["executive"].id,
            "description": "Operational policing change"})
        return response, db.session.scalar(select(Board).where(Board.name == "Operational Change Board"))
    return act


def change_board(boards, _pmo):
    board = boards["layer"]

    def act(client):
        response = client.post(url_for("governance.edit_board", board_id=board.id), data={
            "version": token(board), "name": board.name, "level": "layer",
            "escalates_to_id": boards["executive"].id, "description": "Decides digital change"})
        return response, board
    return act


def schedule_meeting(boards, _pmo):
    board = boards["layer"]

    def act(client):
        response = client.post(url_for("governance.new_meeting", board_id=board.id), data={
            "meets_on": ["3", "3", "2027"], "start_time": "14:00", "location": "HQ"})
        return response, db.session.scalar(select(Meeting).where(Meeting.board_id == board.id))
    return act


def move_meeting(boards, _pmo):
    meeting = make_meeting(boards["layer"], days=7)
    db.session.commit()

    def act(client):
        day = meeting.meets_on
        response = client.post(url_for("governance.edit_meeting", meeting_id=meeting.id), data={
            "version": token(meeting), "meets_on": [str(day.day), str(day.month), str(day.year)],
            "start_time": "09:30", "location": "Microsoft Teams"})
        return response, meeting
    return act


def hold_meeting(boards, _pmo):
    meeting = make_meeting(boards["layer"], days=0)
    db.session.commit()

    def act(client):
        return client.post(url_for("governance.mark_held", meeting_id=meeting.id),
                           data={"version": token(meeting)}), meeting
    return act


def add_other_business(boards, _pmo):
    meeting = make_meeting(boards["layer"], days=7)
    db.session.commit()

    def act(client):
        response = client.post(url_for("governance.add_item", meeting_id=meeting.id),
                               data={"title": "Body worn video refresh", "note": "For noting"})
        return response, db.session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id))
    return act


def on_a_held_item(endpoint: str, data: dict, made):
    """An action on the one item of a held meeting (minute, escalate) that makes a `made` row."""
    def prepare(boards, pmo):
        meeting, item = held_meeting_with_item(boards["layer"], pmo)
        db.session.commit()

        def act(client):
            response = client.post(url_for(endpoint, meeting_id=meeting.id, agenda_item_id=item.id), data=data)
            return response, db.session.scalar(select(made).where(made.agenda_item_id == item.id))
        return act
    return prepare


minute_a_decision = on_a_held_item("governance.minute", {"kind": "decision", "text": "Hosting strategy agreed"},
                                   Minute)
escalate_an_item = on_a_held_item("governance.escalate", {"note": "Needs chief officer funding"}, BoardEscalation)


ACTIONS = [
    (set_up_board, "board.created", {"name": {"after": "Operational Change Board"}, "level": {"after": "layer"},
                                     "description": {"after": "Operational policing change"}}),
    (change_board, "board.updated", {"description": {"before": "", "after": "Decides digital change"}}),
    (schedule_meeting, "meeting.created", {"meets_on": {"after": "2027-03-03"}, "starts_at": {"after": "14:00:00"},
                                           "location": {"after": "HQ"}}),
    (move_meeting, "meeting.updated", {"location": {"before": "Room 1", "after": "Microsoft Teams"}}),
    (hold_meeting, "meeting.held", {"status": {"before": "planned", "after": "held"}}),
    (add_other_business, "agenda_item.created", {"title": {"after": "Body worn video refresh"},
                                                 "kind": {"after": "other"}}),
    (minute_a_decision, "minute.created", {"text": {"after": "Hosting strategy agreed"},
                                           "kind": {"after": "decision"}}),
    (escalate_an_item, "board_escalation.created", {"note": {"after": "Needs chief officer funding"}}),
]


@pytest.mark.parametrize("prepare, trigger, changes", ACTIONS, ids=[action[1] for action in ACTIONS])
def test_each_governance_action_writes_one_event(client, auth, users, boards, moment, prepare, trigger, changes):
    auth.login(users["pmo"])
    act = prepare(boards, users["pmo"])
    before = newest_id()
    response, record = act(client)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    events = events_after(before)
    assert len(events) == 1, [e.trigger for e in events]
    event = events[0]
    subject_kind = trigger.split(".")[0]
    assert (event.kind, event.trigger, event.subject_kind, event.subject_id) == (
        "record_edit", trigger, subject_kind, record.id)
    assert (event.initiative_id, event.actor_id, event.created_at) == (None, users["pmo"].id, moment)
    assert (event.detail["record"], event.detail["id"]) == (subject_kind, record.id)
    if trigger.endswith(".created"):
        assert {name: event.detail["changes"][name] for name in changes} == changes
    elif trigger == "meeting.held":
        held = event.detail["changes"]
        assert held["status"] == changes["status"] and held["held_by_id"] == {"before": None,
                                                                              "after": users["pmo"].id}
        assert held["held_at"]["after"] == moment.isoformat()
    else:
        assert event.detail["changes"] == changes
    assert audit.verify(db.engine).ok


def test_holding_a_meeting_is_one_event_listing_the_agenda_it_froze(client, auth, users, boards, moment):
    """The items the portfolio put on the agenda, the other business renumbered after them and
    the escalation heard are parts of the one "held" event, not events of their own."""
    auth.login(users["pmo"])
    layer_meeting, layer_item = held_meeting_with_item(boards["layer"], users["pmo"])
    escalation = BoardEscalation(from_board_id=boards["layer"].id, from_meeting_id=layer_meeting.id,
                                 agenda_item_id=layer_item.id, to_board_id=boards["executive"].id,
                                 note="Needs chief officer funding", escalated_by_id=users["pmo"].id)
    delivery = factories.make_initiative(owner=users["requester"], state="delivery", title="Digital evidence")
    factories.make_raid_item(delivery, title="Cloud supplier exit risk", escalated=True,
                             escalated_to=boards["executive"].name, escalation_note="Decide the exit plan")
    meeting = make_meeting(boards["executive"], days=0)
    other = AgendaItem(meeting_id=meeting.id, kind="other", position=1, title="Any other business",
                       added_by_id=users["pmo"].id)
    db.session.add_all([escalation, other])
    db.session.commit()
    before = newest_id()

    response = client.post(url_for("governance.mark_held", meeting_id=meeting.id), data={"version": token(meeting)})
    assert response.status_code == 303

    [event] = events_after(before)
    assert (event.trigger, event.subject_id) == ("meeting.held", meeting.id)
    frozen = db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                                .order_by(AgendaItem.position)).all()
    assert [item.kind for item in frozen] == ["escalation", "raid_item", "other"]
    parts = {(part["record"], part["id"]): part for part in event.detail["parts"]}
    assert set(parts) == {("agenda_item", item.id) for item in frozen} | {("board_escalation", escalation.id)}
    assert parts["agenda_item", frozen[1].id]["action"] == "created"
    assert parts["agenda_item", frozen[1].id]["changes"]["title"]["after"].endswith("Cloud supplier exit risk")
    assert parts["agenda_item", other.id] == {"record": "agenda_item", "id": other.id, "action": "updated",
                                              "changes": {"position": {"before": 1, "after": 3}}}
    assert parts["board_escalation", escalation.id]["changes"] == {
        "heard_at_meeting_id": {"before": None, "after": meeting.id},
        "heard_as_item_id": {"before": None, "after": frozen[0].id}}
    assert db.session.get(BoardEscalation, escalation.id).heard_as_item_id == frozen[0].id


def test_a_part_whose_whole_does_not_change_is_recorded_on_its_own(app, users, boards):
    """record_within never loses a change: with no event of the whole to go in, it gets its own."""
    meeting = make_meeting(boards["layer"], days=7)
    db.session.commit()
    before = newest_id()
    item = AgendaItem(meeting_id=meeting.id, kind="other", position=1, title="Stray item")
    db.session.add(item)
    history.record_within(item, meeting)
    db.session.commit()
    assert [(e.trigger, e.subject_id) for e in events_after(before)] == [("agenda_item.created", item.id)]


def test_deleting_a_governance_record_is_audited_with_what_it_held(app, users, boards):
    """No screen deletes one yet; a delete through the ORM (a script, a later screen) is recorded."""
    meeting, item = held_meeting_with_item(boards["layer"], users["pmo"])
    minute = Minute(meeting_id=meeting.id, agenda_item_id=item.id, kind="action", text="Draft the exit plan",
                    owner="Head of IT", minuted_by_id=users["pmo"].id)
    db.session.add(minute)
    db.session.commit()
    minute_id, before = minute.id, newest_id()
    db.session.delete(minute)
    db.session.commit()
    [event] = events_after(before)
    assert (event.trigger, event.subject_kind, event.subject_id, event.initiative_id) == (
        "minute.deleted", "minute", minute_id, None)
    assert event.detail["changes"]["text"] == {"before": "Draft the exit plan"}
    assert event.detail["changes"]["owner"] == {"before": "Head of IT"}


MADE_AND_ROLLED_BACK = {
    "board": lambda boards, pmo: Board(name="Short-lived board", level="layer"),
    "meeting": lambda boards, pmo: Meeting(board_id=boards["layer"].id, meets_on=datetime(2027, 1, 4).date(),
                                           starts_at=datetime(2027, 1, 4, 9).time()),
    "minute": lambda boards, pmo: Minute(meeting_id=held_meeting_with_item(boards["layer"], pmo)[0].id,
                                         agenda_item_id=db.session.scalar(select(func.max(AgendaItem.id))),
                                         kind="decision", text="Never happened", minuted_by_id=pmo.id),
}


@pytest.mark.parametrize("noun", MADE_AND_ROLLED_BACK)
def test_a_rolled_back_governance_change_leaves_no_event(app, users, boards, noun):
    before = newest_id()
    head = audit.verify(db.engine).head
    record = MADE_AND_ROLLED_BACK[noun](boards, users["pmo"])
    db.session.add(record)
    db.session.flush()
    db.session.flush()  # the event joins the transaction at the flush after the change
    written = db.session.scalars(select(AuditEvent).where(AuditEvent.id > before,
                                                          AuditEvent.subject_kind == noun)).all()
    assert [event.trigger for event in written] == [f"{noun}.created"]
    db.session.rollback()
    assert newest_id() == before
    assert audit.verify(db.engine).head == head
    # The next change chains onto the head as it was, not onto the row rolled back.
    db.session.add(Board(name="Board after the rollback", level="layer"))
    db.session.commit()
    verdict = audit.verify(db.engine)
    assert verdict.ok and verdict.checked == before + 1


def test_a_governance_journey_leaves_a_valid_chain_that_every_reader_handles(client, auth, users, boards):
    """Set up a board, schedule, add business, hold, minute, escalate and hold the board above,
    beside an initiative's own moves; then the chain, the audit-verify command, the exports and
    the API of the trail, the initiative's timeline, the dashboard and notifications."""
    initiative = factories.make_initiative(owner=users["requester"], state="draft", title="Digital evidence")
    db.session.commit()
    auth.login(users["requester"])
    assert client.post(f"/initiatives/{initiative.id}/transitions/submit").status_code == 303
    auth.logout()
    auth.login(users["pmo"])
    assert client.post(f"/initiatives/{initiative.id}/transitions/start_triage").status_code == 303
    notifications_before = db.session.scalar(select(func.count(Notification.id)))

    response, board = set_up_board(boards, users["pmo"])(client)
    assert response.status_code == 303
    today = datetime.now(UTC).date()
    assert client.post(url_for("governance.new_meeting", board_id=board.id), data={
        "meets_on": [str(today.day), str(today.month), str(today.year)], "start_time": "14:00",
        "location": "HQ"}).status_code == 303  # today: a meeting is marked held on its day, not before
    meeting = db.session.scalar(select(Meeting).where(Meeting.board_id == board.id))
    assert client.post(url_for("governance.add_item", meeting_id=meeting.id),
                       data={"title": "Custody estate", "note": ""}).status_code == 303
    assert client.post(url_for("governance.mark_held", meeting_id=meeting.id),
                       data={"version": token(meeting)}).status_code == 303
    item = db.session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id))
    assert client.post(url_for("governance.minute", meeting_id=meeting.id, agenda_item_id=item.id),
                       data={"kind": "action", "text": "Cost the options", "owner": "Estates",
                             "due": ["1", "4", "2027"]}).status_code == 303
    assert client.post(url_for("governance.escalate", meeting_id=meeting.id, agenda_item_id=item.id),
                       data={"note": "Needs capital"}).status_code == 303
    above = make_meeting(boards["executive"], days=0)
    db.session.commit()
    assert client.post(url_for("governance.mark_held", meeting_id=above.id),
                       data={"version": token(above)}).status_code == 303

    triggers = db.session.scalars(select(AuditEvent.trigger).order_by(AuditEvent.id)).all()
    assert triggers == ["board.created"] * 3 + [  # the fixture's boards
        "submit", "start_triage", "board.created", "meeting.created", "agenda_item.created", "meeting.held",
        "minute.created", "board_escalation.created", "meeting.created", "meeting.held"]
    verdict = audit.verify(db.engine)
    assert verdict.ok and verdict.checked == len(triggers)
    result = client.application.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 0 and f"Audit trail OK: {len(triggers)} events" in result.output

    # The exports and the API of the trail carry the events on no initiative, naming their record.
    exported = list(csv.DictReader(io.StringIO(client.get("/exports/audit-events.csv").get_data(as_text=True)
                                               .removeprefix("\ufeff"))))
    assert [row["Trigger"] for row in exported] == triggers
    [new_board] = [row for row in exported if row["Record"] == "board" and row["Record id"] == str(board.id)]
    assert (new_board["Trigger"], new_board["Initiative id"], new_board["Actor"]) == (
        "board.created", "", users["pmo"].name)
    filtered = client.get(f"/exports/audit-events.csv?department={users['pmo'].department_id}")
    assert [row["Trigger"] for row in csv.DictReader(io.StringIO(filtered.get_data(as_text=True)
                                                                 .removeprefix("\ufeff")))] == [
        "submit", "start_triage"]  # narrowed to initiatives, so governance records are left out
    _row, secret = ApiToken.issue(users["pmo"], "Audit check", users["pmo"], None)
    db.session.commit()
    records = client.get("/api/v1/audit-events", headers={"Authorization": f"Bearer {secret}"}).get_json()["value"]
    assert [r["trigger"] for r in records] == triggers
    held = [r for r in records if r["trigger"] == "meeting.held"]
    assert [(r["subject_kind"], r["initiative_id"]) for r in held] == [("meeting", None), ("meeting", None)]
    # The initiative's timeline shows its own moves; the dashboard's cycle times and
    # notifications ignore events on no initiative.
    page = client.get(f"/initiatives/{initiative.id}")
    assert page.status_code == 200 and "Custody estate" not in page.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 200
    assert db.session.scalar(select(func.count(Notification.id))) == notifications_before
