"""The PMO's kanban board: who sees it, where cards sit, filters, moves and refusals."""
import json
import re

import pytest
from sqlalchemy import event, func, select

from pmo_web.extensions import db
from pmo_web.models import AuditEvent, Initiative
from pmo_web.triage.board import LANE_PAGE
from tests import factories

HTMX = {"HX-Request": "true"}


def column_of(page: str, initiative) -> str | None:
    """The stage of the board column the initiative's card is in, or None if not on the board."""
    columns = re.split(r'<section class="app-board__column" data-stage="', page)[1:]
    for column in columns:
        if f'id="card-{initiative.id}"' in column:
            return column.split('"', 1)[0]
    return None


def card_of(page: str, initiative) -> str:
    """The HTML of one card, up to the next card or the end of its column."""
    card = page[page.index(f'<li id="card-{initiative.id}"'):]
    return re.split(r'<li id="card-|</section>', card[1:])[0]


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def state_of(initiative) -> str:
    return db.session.scalar(select(Initiative.state).where(Initiative.id == initiative.id))


@pytest.mark.parametrize(("role", "status"), [
    ("pmo", 200), ("admin", 200), ("requester", 403), ("approver", 403), ("viewer", 403),
])
def test_only_the_pmo_and_admins_see_the_board(client, auth, users, role, status):
    auth.login(users[role])
    assert client.get("/triage").status_code == status


def test_a_signed_out_user_is_asked_to_sign_in(client):
    response = client.get("/triage")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_each_live_initiative_sits_in_its_stage_column(client, auth, users):
    owner = users["requester"]
    placed = {state: factories.make_initiative(owner=owner, state=state)
              for state in ("submitted", "triage", "info_requested", "scoring", "business_case",
                            "delivery", "on_hold", "benefits_review", "draft", "closed", "rejected")}
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get("/triage").get_data(as_text=True)
    assert "<html" in page
    expected = {"submitted": "request", "triage": "triage", "info_requested": "triage", "scoring": "scoring",
                "business_case": "business_case", "delivery": "delivery", "on_hold": "delivery",
                "benefits_review": "benefits_review", "draft": None, "closed": None, "rejected": None}
    assert {state: column_of(page, initiative) for state, initiative in placed.items()} == expected
    assert "Info requested (1)" in page and "On hold (1)" in page


def test_a_card_shows_department_latest_band_state_and_age(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="scoring")
    factories.make_score(initiative, users["pmo"], total=80, band="High")
    factories.make_score(initiative, users["pmo"], total=35, band="Low")
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get("/triage").get_data(as_text=True)
    card = card_of(page, initiative)
    assert "Contact Management" in card
    assert "Low priority" in card and "High priority" not in card
    assert "for under an hour" in card


def test_a_cards_drop_targets_are_its_moves_that_need_no_input(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="triage")
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get("/triage").get_data(as_text=True)
    moves = re.search(rf'id="card-{initiative.id}"[^>]*data-moves=\'([^\']*)\'', page, re.S).group(1)
    assert json.loads(moves) == {"scoring": "accept"}
    # The Move menu is not on the board: it is fetched when a card's Move link is opened.
    assert f'href="/initiatives/{initiative.id}/transitions/reject"' not in page
    assert f'href="/triage/{initiative.id}/moves"' in card_of(page, initiative)


def test_a_cards_move_menu_is_fetched_on_demand_as_a_fragment_or_a_page(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="triage")
    db.session.commit()
    auth.login(users["pmo"])
    fragment = client.get(f"/triage/{initiative.id}/moves", headers=HTMX)
    assert fragment.status_code == 200
    menu = fragment.get_data(as_text=True)
    assert "<html" not in menu and f'id="moves-{initiative.id}"' in menu
    assert f'href="/initiatives/{initiative.id}/transitions/reject"' in menu  # asks for a reason
    assert f'href="/triage/{initiative.id}/confirm/accept"' in menu  # asks to confirm: it cannot be undone
    submitted = factories.make_initiative(owner=users["requester"], state="submitted")
    db.session.commit()
    menu = client.get(f"/triage/{submitted.id}/moves", headers=HTMX).get_data(as_text=True)
    assert 'name="trigger" value="start_triage"' in menu and 'name="csrf_token"' in menu
    page = client.get(f"/triage/{initiative.id}/moves").get_data(as_text=True)
    assert "<html" in page and f"Move {initiative.reference}" in page


def _fill_lane(state: str, count: int) -> list:
    owner = factories.make_user()
    made = [factories.make_initiative(owner=owner, state=state) for _ in range(count)]
    db.session.commit()
    return made


def test_a_lane_shows_its_first_page_of_cards_and_counts_them_all(client, auth, users):
    made = _fill_lane("submitted", LANE_PAGE + 7)
    auth.login(users["pmo"])
    page = client.get("/triage").get_data(as_text=True)
    shown = [i for i in made if f'id="card-{i.id}"' in page]
    assert shown == made[:LANE_PAGE]  # the longest waiting first
    assert f"({LANE_PAGE + 7}" in page  # the column counts every card
    assert "Show 7 more" in page and f"{LANE_PAGE} of {LANE_PAGE + 7} shown" in page


def test_show_more_returns_the_lane_with_the_next_cards_and_marks_the_first_new_one(client, auth, users):
    made = _fill_lane("submitted", LANE_PAGE * 2 + 3)
    auth.login(users["pmo"])
    response = client.get(f"/triage/lanes/submitted?show={LANE_PAGE * 2}", headers=HTMX)
    assert response.status_code == 200
    lane = response.get_data(as_text=True)
    assert "<html" not in lane and lane.lstrip().startswith('<div class="app-board__lane" id="lane-submitted"')
    assert [i for i in made if f'id="card-{i.id}"' in lane] == made[:LANE_PAGE * 2]
    assert re.search(rf'id="card-{made[LANE_PAGE].id}"[^>]*data-focus', lane, re.S)
    assert "Show 3 more" in lane
    # Without JavaScript the same link opens the whole board with that lane longer.
    page = client.get(f"/triage/lanes/submitted?show={LANE_PAGE * 2}").get_data(as_text=True)
    assert "<html" in page and f'id="card-{made[LANE_PAGE * 2 - 1].id}"' in page


@pytest.mark.parametrize("show", ["-5", "0", "abc", "99999999"])
def test_show_more_bounds_what_it_is_asked_for(client, auth, users, show):
    _fill_lane("submitted", 3)
    auth.login(users["pmo"])
    assert client.get(f"/triage/lanes/submitted?show={show}", headers=HTMX).status_code == 200


def test_an_unknown_lane_is_not_found(client, auth, users):
    auth.login(users["pmo"])
    assert client.get("/triage/lanes/closed").status_code == 404
    assert client.get("/triage/lanes/nonsense").status_code == 404


def test_a_card_moved_beyond_its_lanes_first_page_is_still_shown_and_focused(client, auth, users):
    _fill_lane("triage", LANE_PAGE + 2)  # older cards fill the Triage lane's first page
    moving = factories.make_initiative(owner=users["requester"], state="submitted")
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(f"/triage/{moving.id}/move", data={"trigger": "start_triage"}, headers=HTMX)
    assert response.status_code == 200
    board = response.get_data(as_text=True)
    assert column_of(board, moving) == "triage"
    assert re.search(rf'id="card-{moving.id}"[^>]*data-focus', board, re.S)


def test_cards_stay_light(client, auth, users):
    """A card carries no menu: about a kilobyte and a half at most (issue 7's target)."""
    made = _fill_lane("triage", LANE_PAGE)
    for initiative in made:
        factories.make_score(initiative, users["pmo"])
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get("/triage").get_data(as_text=True)
    sizes = [len(card_of(page, initiative).encode()) for initiative in made]
    print("card bytes", min(sizes), max(sizes))
    assert max(sizes) <= 1500, sizes


@pytest.mark.parametrize("filter_name", ["department", "programme", "manager"])
def test_filters_narrow_the_board(client, auth, users, filter_name):
    programme = factories.make_programme()
    wanted = factories.make_initiative(owner=users["requester"], state="delivery", programme=programme,
                                       manager=users["pmo"])
    other = factories.make_initiative(state="delivery")
    db.session.commit()
    value = {"department": users["requester"].department_id, "programme": programme.id,
             "manager": users["pmo"].id}[filter_name]
    auth.login(users["pmo"])
    page = client.get(f"/triage?{filter_name}={value}").get_data(as_text=True)
    assert column_of(page, wanted) == "delivery"
    assert column_of(page, other) is None


def test_htmx_filtering_gets_the_board_fragment(client, auth, users):
    factories.make_initiative(owner=users["requester"], state="triage")
    db.session.commit()
    auth.login(users["pmo"])
    response = client.get(f"/triage?department={users['requester'].department_id}", headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in page and page.startswith('<div id="board"')
    assert "HX-Request" in response.headers["Vary"]


def test_moving_a_card_fires_the_trigger_and_the_card_changes_column(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="triage")
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(f"/triage/{initiative.id}/move", data={"trigger": "accept", "confirmed": "yes"},
                           headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in page and page.startswith('<div id="board"')
    assert column_of(page, initiative) == "scoring"
    assert state_of(initiative) == "scoring"
    event_row = db.session.scalar(select(AuditEvent))
    assert audit_count() == 1
    assert (event_row.trigger, event_row.from_state, event_row.to_state, event_row.actor_id) == (
        "accept", "triage", "scoring", users["pmo"].id)


def test_without_javascript_a_move_returns_to_the_board_keeping_its_filters(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="submitted")
    db.session.commit()
    department_id = users["requester"].department_id
    auth.login(users["pmo"])
    response = client.post(f"/triage/{initiative.id}/move?department={department_id}", data={"trigger": "start_triage"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/triage?department={department_id}")
    assert state_of(initiative) == "triage"


@pytest.mark.parametrize(("state", "data", "status", "reason"), [
    ("submitted", {"trigger": "accept"}, 409, "Accept is not possible from Submitted"),
    ("scoring", {"trigger": "advance"}, 403, "Advance moves only through a gate decision"),
    ("triage", {"trigger": "reject"}, 422, "A reason is required"),
    ("triage", {"trigger": ""}, 422, "Choose a move"),
])
def test_a_refused_move_shows_the_reason_on_the_card_and_changes_nothing(client, auth, users, state, data,
                                                                         status, reason):
    initiative = factories.make_initiative(owner=users["requester"], state=state)
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(f"/triage/{initiative.id}/move", data=data, headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert page.startswith(f'<li id="card-{initiative.id}"')
    assert reason in page
    assert response.headers["HX-Retarget"] == f"#card-{initiative.id}"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert state_of(initiative) == state
    assert audit_count() == 0


def test_without_javascript_a_refusal_shows_the_whole_board_with_the_reason(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="submitted")
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(f"/triage/{initiative.id}/move", data={"trigger": "accept"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "<html" in page and "Accept is not possible from Submitted" in page
    assert column_of(page, initiative) == "request"


@pytest.mark.parametrize("role", ["requester", "approver", "viewer"])
def test_only_the_pmo_may_move_cards(client, auth, users, role):
    initiative = factories.make_initiative(owner=users["requester"], state="triage")
    db.session.commit()
    auth.login(users[role])
    assert client.post(f"/triage/{initiative.id}/move",
                       data={"trigger": "accept", "confirmed": "yes"}).status_code == 403
    assert state_of(initiative) == "triage"


def test_the_board_loads_in_a_fixed_number_of_queries(client, auth, users):
    states = ("submitted", "triage", "info_requested", "scoring", "business_case", "delivery")

    def statements_for_board(extra: int) -> int:
        for n in range(extra):
            initiative = factories.make_initiative(
                owner=factories.make_user(), state=states[n % len(states)],
                manager=factories.make_user(roles=("pmo",)), programme=factories.make_programme())
            factories.make_score(initiative, users["pmo"])
        db.session.commit()
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/triage").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    auth.login(users["pmo"])
    assert statements_for_board(5) == statements_for_board(25)


def band_shown(card: str) -> str:
    """The priority band a card writes out: "High" ... or "Not scored yet"."""
    if "Not scored yet" in card:
        assert "priority</strong>" not in card
        return "Not scored yet"
    bands = re.findall(r'<strong class="govuk-tag [^"]*">(\w+) priority</strong>', card)
    assert len(bands) == 1, card
    return bands[0]


def test_each_card_shows_its_own_initiatives_latest_band_as_overridden(client, auth, users):
    """Each card's band comes from its own initiative's latest scoring (with its override), never
    another's: the scores are written in an interleaved order so the latest score anywhere, or the
    latest of a neighbour, would show the wrong band on some card."""
    pmo = users["pmo"]
    states = ("triage", "scoring", "scoring", "business_case", "delivery", "scoring", "on_hold", "benefits_review")
    made = [factories.make_initiative(owner=users["requester"], state=state) for state in states]
    # (initiative index, band, override) in the order written; ids grow with time.
    scorings = [
        (1, "High", ""), (2, "Low", ""), (3, "Medium", "High"), (1, "Low", ""),  # 1: High superseded by Low
        (4, "High", ""), (5, "Low", "Medium"), (2, "Medium", ""), (6, "High", "Low"),  # 2: Low then Medium
        (7, "Medium", ""), (4, "Medium", "Low"), (5, "High", ""),  # 4 overridden later; 5's override superseded
    ]
    expected = {initiative.id: "Not scored yet" for initiative in made}
    for index, band, override in scorings:
        score = factories.make_score(made[index], pmo, band=band)
        score.band_override = override
        expected[made[index].id] = override or band
    # The very latest score belongs to an initiative whose override says otherwise.
    last = factories.make_score(made[3], pmo, band="Low")
    last.band_override = "Medium"
    expected[made[3].id] = "Medium"
    db.session.commit()
    assert made[0].id in expected and expected[made[0].id] == "Not scored yet"
    auth.login(pmo)
    page = client.get("/triage").get_data(as_text=True)
    assert {i.id: band_shown(card_of(page, i)) for i in made} == expected
    # One card at a time (after a refused move) tells the same story.
    for initiative in made:
        response = client.post(f"/triage/{initiative.id}/move", data={"trigger": "close"}, headers=HTMX)
        assert band_shown(response.get_data(as_text=True)) == expected[initiative.id]
