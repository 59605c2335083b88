"""Governance boards and meetings: the agenda builds itself from each source (and only for the
board it belongs to), is frozen when the meeting is held, minutes link to gate decisions,
escalation to the board above reaches that board's next agenda, who may do what, invalid
input (422, nothing saved), lost updates (409) and the board pack."""
import re
from datetime import date, time, timedelta

import pytest
from flask import url_for
from sqlalchemy import func, select

from pmo_web.extensions import db
from pmo_web.models import AgendaItem, Board, BoardEscalation, Meeting, Minute
from tests import factories
from tests.web.governance.world import make_decision, make_meeting, make_review


@pytest.fixture
def portfolio(users, boards):
    """A gate review awaiting decision, a decided one, RAID items escalated to two boards,
    and initiatives rated red, amber/red and green."""
    owner = users["requester"]
    awaiting = make_review(factories.make_initiative(owner=owner, state="business_case", title="Body worn video"),
                           users["pmo"])
    decided = make_review(factories.make_initiative(owner=owner, state="business_case", title="Fleet telematics"),
                          users["pmo"])
    decided.state, decided.outcome = "decided", "approved"
    delivery = factories.make_initiative(owner=owner, state="delivery", title="Digital evidence")
    to_layer = factories.make_raid_item(delivery, title="Cloud supplier exit risk", escalated=True,
                                        escalated_to="Digital and Technology Board",
                                        escalation_note="Decide the exit plan")
    to_corporate = factories.make_raid_item(delivery, kind="issue", title="Licences expire", escalated=True,
                                            escalated_to="Corporate Delivery Board", escalation_note="Fund renewal")
    closed = factories.make_raid_item(delivery, title="Closed risk", status="closed", escalated=True,
                                      escalated_to="Digital and Technology Board", escalation_note="Old")
    red = factories.make_initiative(owner=owner, state="delivery", title="Custody rebuild", delivery_confidence="red",
                                    confidence_justification="Supplier in administration")
    amber_red = factories.make_initiative(owner=owner, state="on_hold", title="Drone unit",
                                          delivery_confidence="amber_red")
    green = factories.make_initiative(owner=owner, state="delivery", title="Green work", delivery_confidence="green")
    db.session.commit()
    return dict(awaiting=awaiting, decided=decided, to_layer=to_layer, to_corporate=to_corporate, closed=closed,
                red=red, amber_red=amber_red, green=green)


def page(client, endpoint, **values):
    response = client.get(url_for(endpoint, **values))
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def form_of(client, url):
    """The hidden fields (csrf token, version) the page draws, to post with."""
    body = client.get(url).get_data(as_text=True)
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", body):
        if 'type="hidden"' in tag:
            name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def hold(client, meeting):
    url = url_for("governance.meeting", meeting_id=meeting.id)
    fields = form_of(client, url)
    return client.post(url_for("governance.mark_held", meeting_id=meeting.id),
                       data={"csrf_token": fields.get("csrf_token", ""), "version": fields.get("version", "")})


# ------------------------------------------------------------------ the agenda builds itself


def test_corporate_agenda_takes_gate_reviews_red_initiatives_and_its_own_escalations(client, auth, users, boards,
                                                                                      portfolio):
    auth.login(users["viewer"])
    meeting = make_meeting(boards["corporate"])
    db.session.commit()
    body = page(client, "governance.meeting", meeting_id=meeting.id)
    assert "Body worn video: Gate 2" in body
    assert "Fleet telematics" not in body  # decided: no longer awaiting
    assert "Licences expire" in body and "Fund renewal" in body
    assert "Cloud supplier exit risk" not in body  # another board's escalation
    assert "Custody rebuild: Red" in body and "Drone unit: Amber/Red" in body
    assert "Green work" not in body
    # A GET builds the agenda; it saves nothing.
    assert db.session.scalar(select(func.count(AgendaItem.id))) == 0


def test_layer_agenda_takes_only_raid_items_escalated_to_it(client, auth, users, boards, portfolio):
    auth.login(users["viewer"])
    meeting = make_meeting(boards["layer"])
    db.session.commit()
    body = page(client, "governance.meeting", meeting_id=meeting.id)
    assert "Cloud supplier exit risk" in body and "Decide the exit plan" in body
    assert "Closed risk" not in body
    assert "Licences expire" not in body
    # The layer board does not hear the portfolio.
    assert "Body worn video" not in body and "Custody rebuild" not in body


def test_agenda_shows_only_initiatives_the_reader_may_see(client, auth, users, boards, portfolio):
    stranger = factories.make_user(roles=("requester",), rank="inspector")  # another department
    meeting = make_meeting(boards["corporate"])
    db.session.commit()
    auth.login(stranger)
    body = page(client, "governance.meeting", meeting_id=meeting.id)
    assert "Body worn video" not in body and "Custody rebuild" not in body and "Licences expire" not in body
    assert "Nothing is on the agenda" in body


def test_other_business_follows_the_built_items(client, auth, users, boards, portfolio):
    auth.login(users["pmo"])
    meeting = make_meeting(boards["corporate"])
    db.session.commit()
    fields = form_of(client, url_for("governance.add_item", meeting_id=meeting.id))
    response = client.post(url_for("governance.add_item", meeting_id=meeting.id),
                           data={"csrf_token": fields["csrf_token"], "title": "Estates strategy", "note": "For noting"})
    assert response.status_code == 303
    body = page(client, "governance.meeting", meeting_id=meeting.id)
    assert body.index("Custody rebuild") < body.index("Estates strategy")


# ------------------------------------------------------------------ freezing at held


def test_marking_held_freezes_the_agenda(client, auth, users, boards, portfolio):
    auth.login(users["pmo"])
    meeting = make_meeting(boards["corporate"], days=0)
    db.session.commit()
    assert hold(client, meeting).status_code == 303
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "held"
    kinds = db.session.scalars(select(AgendaItem.kind).where(AgendaItem.meeting_id == meeting.id)
                               .order_by(AgendaItem.position)).all()
    assert kinds == ["gate_review", "raid_item", "initiative", "initiative"]
    # The portfolio moves on; the minutes keep what was discussed.
    portfolio["to_corporate"].status = "closed"
    portfolio["red"].delivery_confidence = "green"
    db.session.commit()
    body = page(client, "governance.meeting", meeting_id=meeting.id)
    assert "Licences expire" in body and "Custody rebuild" in body
    # Holding twice is refused.
    assert hold(client, meeting).status_code in (403, 409)


def test_a_stale_hold_is_a_conflict(client, auth, users, boards, portfolio):
    auth.login(users["pmo"])
    meeting = make_meeting(boards["corporate"], days=0)
    db.session.commit()
    fields = form_of(client, url_for("governance.meeting", meeting_id=meeting.id))
    meeting.location = "Moved by someone else"
    db.session.commit()
    response = client.post(url_for("governance.mark_held", meeting_id=meeting.id), data=fields)
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "planned"
    assert db.session.scalar(select(func.count(AgendaItem.id))) == 0


# ------------------------------------------------------------------ minutes and gate decisions


def held_meeting_with_gate_review(client, users, boards):
    meeting = make_meeting(boards["corporate"], days=0)
    db.session.commit()
    assert hold(client, meeting).status_code == 303
    item = db.session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id,
                                                      AgendaItem.kind == "gate_review"))
    return meeting, item


def test_a_decision_minuted_on_a_gate_review_links_the_gate_decision(client, auth, users, boards, portfolio):
    auth.login(users["pmo"])
    meeting, item = held_meeting_with_gate_review(client, users, boards)
    decision = make_decision(portfolio["awaiting"], users["approver"])
    db.session.commit()
    url = url_for("governance.minute", meeting_id=meeting.id, agenda_item_id=item.id)
    fields = form_of(client, url)
    assert f'value="{decision.id}"' in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": fields["csrf_token"], "kind": "decision",
                                      "text": "Investment approved by the board", "gate_decision_id": decision.id})
    assert response.status_code == 303
    minute = db.session.scalar(select(Minute))
    assert (minute.gate_decision_id, minute.agenda_item_id, minute.minuted_by_id) == (decision.id, item.id,
                                                                                      users["pmo"].id)
    body = page(client, "governance.meeting", meeting_id=meeting.id)
    assert "Investment approved by the board" in body
    assert f"Approve by {users['approver'].name}" in body
    assert f'href="/gates/{portfolio["awaiting"].id}"' in body


def test_a_minute_cannot_link_another_reviews_decision(client, auth, users, boards, portfolio):
    auth.login(users["pmo"])
    meeting, item = held_meeting_with_gate_review(client, users, boards)
    make_decision(portfolio["awaiting"], users["approver"])
    other = make_decision(portfolio["decided"], users["approver"])
    db.session.commit()
    url = url_for("governance.minute", meeting_id=meeting.id, agenda_item_id=item.id)
    fields = form_of(client, url)
    response = client.post(url, data={"csrf_token": fields["csrf_token"], "kind": "decision", "text": "x",
                                      "gate_decision_id": other.id})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Minute.id))) == 0


@pytest.mark.parametrize("typed, message", [
    ({"kind": "decision", "text": ""}, "Enter what was decided or is to be done"),
    ({"kind": "action", "text": "Report back", "owner": ""}, "Enter who owns the action"),
    ({"kind": "action", "text": "Report back", "owner": "PMO"}, "Enter the date the action is due"),
    ({"kind": "nonsense", "text": "x"}, "Not a valid choice"),
])
def test_invalid_minutes_are_422_and_not_saved(client, auth, users, boards, portfolio, typed, message):
    auth.login(users["pmo"])
    meeting, item = held_meeting_with_gate_review(client, users, boards)
    url = url_for("governance.minute", meeting_id=meeting.id, agenda_item_id=item.id)
    fields = form_of(client, url)
    response = client.post(url, data={"csrf_token": fields["csrf_token"], **typed})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Minute.id))) == 0


def test_minutes_wait_for_the_meeting_to_be_held(client, auth, users, boards):
    auth.login(users["pmo"])
    meeting = make_meeting(boards["corporate"])
    item = AgendaItem(meeting_id=meeting.id, kind="other", title="AOB")
    db.session.add(item)
    db.session.commit()
    response = client.get(url_for("governance.minute", meeting_id=meeting.id, agenda_item_id=item.id))
    assert response.status_code == 409


# ------------------------------------------------------------------ escalation to the board above


def test_escalation_is_recorded_and_reaches_the_executive_boards_next_agenda(client, auth, users, boards, portfolio):
    auth.login(users["pmo"])
    layer_meeting = make_meeting(boards["layer"], days=0)
    executive_meeting = make_meeting(boards["executive"], days=0)  # later the same day: held once it has met
    db.session.commit()
    assert hold(client, layer_meeting).status_code == 303
    item = db.session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == layer_meeting.id))
    url = url_for("governance.escalate", meeting_id=layer_meeting.id, agenda_item_id=item.id)
    fields = form_of(client, url)
    response = client.post(url, data={"csrf_token": fields["csrf_token"], "note": "Needs chief officer funding"})
    assert response.status_code == 303
    escalation = db.session.scalar(select(BoardEscalation))
    assert (escalation.from_board_id, escalation.from_meeting_id, escalation.to_board_id,
            escalation.escalated_by_id) == (boards["layer"].id, layer_meeting.id, boards["executive"].id,
                                            users["pmo"].id)
    assert escalation.escalated_at is not None
    body = page(client, "governance.meeting", meeting_id=executive_meeting.id)
    assert "Cloud supplier exit risk" in body and "Needs chief officer funding" in body
    assert "Escalated from the" in body and "Digital and Technology Board meeting" in body
    # Heard at the executive meeting: frozen there, and off the executive board's later agendas.
    assert hold(client, executive_meeting).status_code == 303
    db.session.expire_all()
    assert db.session.get(BoardEscalation, escalation.id).heard_at_meeting_id == executive_meeting.id
    later = make_meeting(boards["executive"], days=40)
    db.session.commit()
    assert "Needs chief officer funding" not in page(client, "governance.meeting", meeting_id=later.id)
    assert "Needs chief officer funding" in page(client, "governance.meeting", meeting_id=executive_meeting.id)


def test_an_escalation_needs_a_note_and_a_board_above(client, auth, users, boards, portfolio):
    auth.login(users["pmo"])
    layer_meeting = make_meeting(boards["layer"], days=0)
    top_meeting = make_meeting(boards["executive"], days=0)
    db.session.add(AgendaItem(meeting_id=top_meeting.id, kind="other", title="AOB"))
    db.session.commit()
    hold(client, layer_meeting)
    item = db.session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == layer_meeting.id))
    url = url_for("governance.escalate", meeting_id=layer_meeting.id, agenda_item_id=item.id)
    fields = form_of(client, url)
    response = client.post(url, data={"csrf_token": fields["csrf_token"], "note": "  "})
    assert response.status_code == 422
    hold(client, top_meeting)
    top_item = db.session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == top_meeting.id))
    response = client.get(url_for("governance.escalate", meeting_id=top_meeting.id, agenda_item_id=top_item.id))
    assert response.status_code == 409  # the executive board has no board above
    assert db.session.scalar(select(func.count(BoardEscalation.id))) == 0


# ------------------------------------------------------------------ boards and meetings


def test_pmo_adds_a_board_and_schedules_a_meeting(client, auth, users, boards):
    auth.login(users["pmo"])
    fields = form_of(client, url_for("governance.new_board"))
    response = client.post(url_for("governance.new_board"), data={
        "csrf_token": fields["csrf_token"], "name": "Operational Change Board", "level": "layer",
        "escalates_to_id": boards["corporate"].id, "description": "Operational policing change"})
    assert response.status_code == 303
    board = db.session.scalar(select(Board).where(Board.name == "Operational Change Board"))
    assert board.escalates_to_id == boards["corporate"].id
    fields = form_of(client, url_for("governance.new_meeting", board_id=board.id))
    response = client.post(url_for("governance.new_meeting", board_id=board.id), data={
        "csrf_token": fields["csrf_token"], "meets_on": ["3", "3", "2027"], "start_time": "14:00", "location": "HQ"})
    assert response.status_code == 303
    meeting = db.session.scalar(select(Meeting).where(Meeting.board_id == board.id))
    assert (meeting.meets_on, meeting.starts_at, meeting.status) == (date(2027, 3, 3), time(14, 0), "planned")
    assert "Operational Change Board" in page(client, "governance.boards")


@pytest.mark.parametrize("typed, message", [
    ({"name": "", "level": "layer"}, "Enter the board’s name"),
    ({"name": "corporate delivery board", "level": "layer"}, "A board with this name already exists"),
    ({"name": "New board", "level": "galactic"}, "Not a valid choice"),
])
def test_invalid_boards_are_422(client, auth, users, boards, typed, message):
    auth.login(users["admin"])
    fields = form_of(client, url_for("governance.new_board"))
    response = client.post(url_for("governance.new_board"), data={"csrf_token": fields["csrf_token"], **typed})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Board.id))) == 3


@pytest.mark.parametrize("above", ["layer", "99999999999999999999", "x"])
def test_a_board_escalates_only_to_another_board_above_it(client, auth, users, boards, above):
    """Not round a loop, and not to a board that does not exist."""
    auth.login(users["admin"])
    url = url_for("governance.edit_board", board_id=boards["executive"].id)
    fields = form_of(client, url)
    response = client.post(url, data={**fields, "name": "Chief Officer Group", "level": "executive",
                                      "escalates_to_id": boards[above].id if above in boards else above})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Board, boards["executive"].id).escalates_to_id is None


def test_renaming_a_board_keeps_the_items_escalated_to_it(client, auth, users, boards, portfolio):
    auth.login(users["admin"])
    url = url_for("governance.edit_board", board_id=boards["layer"].id)
    fields = form_of(client, url)
    response = client.post(url, data={**fields, "name": "Digital Board", "level": "layer",
                                      "escalates_to_id": boards["executive"].id})
    assert response.status_code == 303
    db.session.expire_all()
    assert portfolio["to_layer"].escalated_to == "Digital Board"
    meeting = make_meeting(boards["layer"])
    db.session.commit()
    assert "Cloud supplier exit risk" in page(client, "governance.meeting", meeting_id=meeting.id)


@pytest.mark.parametrize("typed", [
    {"meets_on": ["31", "2", "2027"], "start_time": "09:00"},
    {"meets_on": ["", "", ""], "start_time": "09:00"},
    {"meets_on": ["1", "3", "2027"], "start_time": "25:00"},
    {"meets_on": ["1", "3", "2027"], "start_time": "nine"},
])
def test_invalid_meetings_are_422(client, auth, users, boards, typed):
    auth.login(users["pmo"])
    url = url_for("governance.new_meeting", board_id=boards["layer"].id)
    fields = form_of(client, url)
    assert client.post(url, data={"csrf_token": fields["csrf_token"], **typed}).status_code == 422
    assert db.session.scalar(select(func.count(Meeting.id))) == 0


def test_a_stale_meeting_edit_is_a_conflict(client, auth, users, boards):
    auth.login(users["pmo"])
    meeting = make_meeting(boards["layer"])
    db.session.commit()
    url = url_for("governance.edit_meeting", meeting_id=meeting.id)
    fields = form_of(client, url)
    assert 'value="09:30"' in client.get(url).get_data(as_text=True)
    meeting.location = "Room 2"
    db.session.commit()
    response = client.post(url, data={**fields, "meets_on": ["1", "3", "2027"], "start_time": "10:00",
                                      "location": "Room 9"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).location == "Room 2"


# ------------------------------------------------------------------ who may do what


@pytest.mark.parametrize("role", ["approver", "viewer"])
def test_readers_read_but_do_not_manage(client, auth, users, boards, role):
    meeting = make_meeting(boards["layer"])
    db.session.commit()
    auth.login(users[role])
    for endpoint, values in [("governance.boards", {}), ("governance.board", {"board_id": boards["layer"].id}),
                             ("governance.meeting", {"meeting_id": meeting.id}),
                             ("governance.pack", {"meeting_id": meeting.id})]:
        assert client.get(url_for(endpoint, **values)).status_code == 200
    body = page(client, "governance.meeting", meeting_id=meeting.id)
    assert "Mark as held" not in body and "Add an agenda item" not in body and "Change the meeting" not in body
    for endpoint, values in [("governance.new_board", {}), ("governance.new_meeting", {"board_id": boards["layer"].id}),
                             ("governance.add_item", {"meeting_id": meeting.id})]:
        assert client.post(url_for(endpoint, **values), data={"name": "x", "title": "x"}).status_code == 403
    assert client.post(url_for("governance.mark_held", meeting_id=meeting.id)).status_code == 403
    assert db.session.scalar(select(func.count(Board.id))) == 3


def test_below_the_minimum_rank_boards_are_closed(client, auth, boards):
    constable = factories.make_user(roles=("viewer",), rank="constable")
    db.session.commit()
    auth.login(constable)
    assert client.get(url_for("governance.boards")).status_code == 403
    assert "Boards" not in client.get(url_for("auth.index"), follow_redirects=True).get_data(as_text=True)


def test_the_registers_hub_offers_boards_to_readers(client, auth, users, boards):
    auth.login(users["viewer"])
    assert 'href="/registers"' in client.get(url_for("governance.boards")).get_data(as_text=True)
    assert 'href="/boards"' in client.get("/registers").get_data(as_text=True)


def test_raid_escalation_offers_the_boards_set_up(client, auth, users, boards):
    from pmo_web.raid.forms import EscalationForm

    with client.application.test_request_context():
        choices = [choice.value for choice in EscalationForm().escalated_to.choices]
    assert choices == ["", "Chief Officer Group", "Corporate Delivery Board", "Digital and Technology Board"]


# ------------------------------------------------------------------ the board pack


def test_board_pack_has_the_papers_and_the_last_meetings_actions(client, auth, users, boards, portfolio):
    auth.login(users["pmo"])
    last = make_meeting(boards["corporate"], days=-30, status="held")
    last_item = AgendaItem(meeting_id=last.id, kind="other", title="Finance", position=1)
    db.session.add(last_item)
    db.session.flush()
    db.session.add(Minute(meeting_id=last.id, agenda_item_id=last_item.id, kind="action",
                          text="Report the savings to finance", owner="Head of Change",
                          due=date.today() + timedelta(days=3), minuted_by_id=users["pmo"].id))
    meeting = make_meeting(boards["corporate"])
    db.session.commit()
    body = page(client, "governance.pack", meeting_id=meeting.id)
    assert "Board pack" in body and 'class="app-marking' in body
    assert "Body worn video: Gate 2" in body and "Business case ready" in body  # the gate review's summary
    assert "Licences expire" in body and "Fund renewal" in body  # the escalated item's details
    assert "Supplier in administration" in body  # the red initiative's delivery status
    assert "Report the savings to finance" in body and "Head of Change" in body
    assert "app-board-pack" in body


# ------------------------------------------------------------------ not before the day


@pytest.mark.parametrize("days", [1, 30])
def test_a_meeting_in_the_future_cannot_be_marked_held_before_its_day(client, auth, users, boards, portfolio,
                                                                     test_clock, days):
    auth.login(users["pmo"])
    meeting = make_meeting(boards["corporate"], days=days)
    db.session.commit()
    body = page(client, "governance.meeting", meeting_id=meeting.id)
    assert "Mark as held" not in body  # no button to press before the day
    day = f"{meeting.meets_on.day} {meeting.meets_on:%B %Y}"
    assert f"The meeting can be marked as held on {day} or after" in body
    # A post all the same (an old page, a crafted request) is refused, saying why; nothing frozen.
    response = client.post(url_for("governance.mark_held", meeting_id=meeting.id),
                           data={"version": str(meeting.version)})
    assert response.status_code == 409
    refused = response.get_data(as_text=True)
    assert "The meeting cannot be marked as held yet" in refused
    assert f"The meeting is on {day}: it can be marked as held on that day or after" in refused
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "planned"
    assert db.session.scalar(select(func.count(AgendaItem.id))) == 0
    # On the day it can.
    test_clock.shift(timedelta(days=days))
    assert "Mark as held" in page(client, "governance.meeting", meeting_id=meeting.id)
    assert hold(client, meeting).status_code == 303
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "held"
