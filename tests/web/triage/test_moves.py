"""The board has no dead ends: every move the workflows allow is in a card's Move menu (gates
included), a drop that cannot make a move names the real way and links it, and delivery cards
say how confident the PMO is of delivery."""
import json
import re

import pytest

from pmo_web.extensions import db
from pmo_web.gates import service
from pmo_web.models import GateReview
from pmo_web.triage.board import BOARD_STATES
from tests import factories
from tests.web.triage.test_board import HTMX, card_of
from workflows.gate import GATE_FOR_STATE, GATES
from workflows.lifecycle import (
    GATE_TRIGGERS,
    IRREVERSIBLE_TRIGGERS,
    PERMISSIONS,
    TRANSITIONS,
    TRIGGER_INPUTS,
    triggers_from,
)


def menu_of(client, initiative) -> str:
    response = client.get(f"/triage/{initiative.id}/moves", headers=HTMX)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def links(html: str) -> dict[str, str]:
    """Each link's visible words (visually hidden words left out) -> its address."""
    found = {}
    for href, body in re.findall(r'<a class="govuk-link" href="([^"]+)"[^>]*>(.*?)</a>', html, re.S):
        words = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", body)
        found[re.sub(r"\s+", " ", words).strip()] = href
    return found


def ways_of(page: str, initiative) -> dict:
    match = re.search(rf'id="card-{initiative.id}"[^>]*data-ways=\'([^\']*)\'', page, re.S)
    return json.loads(match.group(1)) if match else {}


@pytest.mark.parametrize("state", BOARD_STATES)
def test_every_move_the_workflows_allow_the_pmo_is_in_the_cards_move_menu(client, auth, users, state):
    initiative = factories.make_initiative(owner=users["requester"], state=state)
    db.session.commit()
    auth.login(users["pmo"])
    menu = menu_of(client, initiative)
    for trigger in triggers_from(state):
        if trigger in GATE_TRIGGERS:
            continue
        rule = PERMISSIONS[trigger]
        if not rule.roles & {"pmo"}:
            assert f'value="{trigger}"' not in menu and f"/transitions/{trigger}" not in menu
        elif TRIGGER_INPUTS[trigger]:
            assert f'href="/initiatives/{initiative.id}/transitions/{trigger}"' in menu, trigger
        elif trigger in IRREVERSIBLE_TRIGGERS:
            assert f'href="/triage/{initiative.id}/confirm/{trigger}"' in menu, trigger
            assert f'value="{trigger}"' not in menu
        else:
            assert f'name="trigger" value="{trigger}"' in menu, trigger
    gated = [t for t in TRANSITIONS if t["trigger"] in GATE_TRIGGERS and state in
             ([t["source"]] if isinstance(t["source"], str) else t["source"])]
    if gated:  # every gated move goes through the next gate: the menu asks for it
        code = GATE_FOR_STATE[state]
        number = code.removeprefix("G")
        assert links(menu)[f"Request gate {number}: {GATES[code].name}"] == \
            f"/initiatives/{initiative.id}/gates/request"
    else:
        assert "/gates/" not in menu


def test_scoring_to_business_case_and_business_case_to_delivery_ask_for_their_gates(client, auth, users):
    scoring = factories.make_initiative(owner=users["requester"], state="scoring")
    case = factories.make_initiative(owner=users["requester"], state="business_case")
    db.session.commit()
    auth.login(users["pmo"])
    assert links(menu_of(client, scoring)) == {
        "Reject (asks for details)": f"/initiatives/{scoring.id}/transitions/reject",
        "Request gate 1: Approve to develop a business case": f"/initiatives/{scoring.id}/gates/request"}
    assert links(menu_of(client, case))["Request gate 2: Investment decision"] == \
        f"/initiatives/{case.id}/gates/request"
    # The gate request page it leads to is the Gate 2 request.
    page = client.get(f"/initiatives/{case.id}/gates/request").get_data(as_text=True)
    assert "Request Gate 2: Investment decision" in page


def test_a_waiting_gate_review_is_opened_from_the_menu_and_a_deferred_one_asked_for_again(client, auth, users):
    waiting = factories.make_initiative(owner=users["requester"], state="business_case")
    deferred = factories.make_initiative(owner=users["requester"], state="business_case")
    decided = factories.make_initiative(owner=users["requester"], state="scoring")
    factories.make_business_case(waiting, users["requester"])
    db.session.commit()
    review = service.request_review(waiting, users["pmo"], note="Ready")
    factories.make_decided_review(deferred, users["pmo"], users["approver"], "G2", "defer")
    factories.make_decided_review(decided, users["pmo"], users["approver"], "G1", "return_for_rework")
    db.session.commit()
    auth.login(users["pmo"])
    waiting_menu = links(menu_of(client, waiting))
    assert waiting_menu["Open the gate 2 review awaiting a decision"] == f"/gates/{review.id}"
    assert not any(label.startswith("Request gate") for label in waiting_menu)
    assert links(menu_of(client, deferred))["Request gate 2 again (deferred)"] == \
        f"/initiatives/{deferred.id}/gates/request"
    assert links(menu_of(client, decided))["Request gate 1: Approve to develop a business case"] == \
        f"/initiatives/{decided.id}/gates/request"
    # The board's cards know the same ways, each for its own initiative (one query for them all).
    page = client.get("/triage").get_data(as_text=True)
    assert ways_of(page, waiting) == {"delivery": ["Open the gate 2 review awaiting a decision", f"/gates/{review.id}"]}
    assert ways_of(page, deferred) == {"delivery": ["Request gate 2 again (deferred)",
                                                    f"/initiatives/{deferred.id}/gates/request"]}
    assert ways_of(page, decided) == {"business_case": ["Request gate 1: Approve to develop a business case",
                                                        f"/initiatives/{decided.id}/gates/request"]}
    assert db.session.query(GateReview).count() == 3


def test_a_card_knows_the_way_to_each_column_a_drop_cannot_reach(client, auth, users):
    placed = {state: factories.make_initiative(owner=users["requester"], state=state)
              for state in ("submitted", "triage", "scoring", "delivery", "on_hold", "benefits_review")}
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get("/triage").get_data(as_text=True)
    ways = {state: ways_of(page, initiative) for state, initiative in placed.items()}
    assert ways["submitted"] == {} and ways["triage"] == {}  # start triage and accept are drops
    assert ways["scoring"] == {"business_case": ["Request gate 1: Approve to develop a business case",
                                                 f"/initiatives/{placed['scoring'].id}/gates/request"]}
    assert ways["delivery"] == {"benefits_review": ["Request gate 3: Delivery complete",
                                                    f"/initiatives/{placed['delivery'].id}/gates/request"]}
    assert ways["on_hold"] == {}  # resume stays in the delivery column
    assert ways["benefits_review"] == {}  # closed work is not on the board: its gate is in the menu


@pytest.mark.parametrize("scale", ["five_point", "three_point"])
def test_delivery_cards_show_delivery_confidence_in_words(client, auth, users, scale):
    from pmo_web.models import Setting
    Setting.put("confidence_scale", scale)
    made = [factories.make_initiative(owner=users["requester"], state=state, delivery_confidence=rating)
            for state, rating in (("delivery", "green"), ("delivery", "amber_green"), ("on_hold", "amber_red"),
                                  ("delivery", "red"), ("delivery", None), ("scoring", "red"),
                                  ("benefits_review", "amber"))]
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get("/triage").get_data(as_text=True)
    five = {"green": "Green", "amber_green": "Amber/Green", "amber_red": "Amber/Red", "red": "Red", "amber": "Amber",
            None: "Not assessed"}
    three = {**five, "amber_green": "Amber", "amber_red": "Amber"}
    words = five if scale == "five_point" else three
    for initiative in made:
        card = card_of(page, initiative)
        shown = re.findall(r"Delivery confidence:\s*<strong class=\"govuk-tag [^\"]*\">([^<]*)</strong>", card)
        if initiative.stage == "delivery":
            assert shown == [words[initiative.delivery_confidence]], (initiative.state, card)
        else:
            assert shown == [] and "Delivery confidence" not in card
