"""Scoring weights, dashboard minimum rank and gate settings."""
import pytest
from flask import url_for
from sqlalchemy import select

from pmo_web.concurrency import token
from pmo_web.extensions import db
from pmo_web.models import GateSetting, Setting
from workflows.gate import GATES

DEFAULT_WEIGHTS = {"urgency": 30, "desirability": 30, "alignment": 25, "complexity": 15}


def saved_token(model, *keys) -> str:
    """The version token the page carries: the saved rows' versions now, "0" for none yet."""
    db.session.expire_all()
    return token(*(db.session.get(model, key) for key in keys))


def weights_form(**overrides):
    data = {"urgency": "40", "desirability": "20", "alignment": "30", "complexity": "10",
            "dashboard_min_rank": "inspector",
            "version": saved_token(Setting, "scoring_weights", "dashboard_min_rank")}
    data.update(overrides)
    return data


def test_weights_page_shows_the_current_values_and_the_history_hint(client, admin):
    page = client.get(url_for("admin.weights")).get_data(as_text=True)
    for factor, weight in DEFAULT_WEIGHTS.items():
        assert f'name="{factor}" type="text" value="{weight}"' in page
    assert '<option value="sergeant" selected' in page
    assert "existing scores keep the weights they were made with" in page


def test_save_weights_and_minimum_rank(client, admin):
    response = client.post(url_for("admin.weights"), data=weights_form())
    assert response.status_code == 303
    assert Setting.get("scoring_weights") == {"urgency": 40, "desirability": 20, "alignment": 30, "complexity": 10}
    assert Setting.get("dashboard_min_rank") == "inspector"


def test_a_weight_of_zero_is_allowed(client, admin):
    response = client.post(url_for("admin.weights"), data=weights_form(
        urgency="0", desirability="50", alignment="50", complexity="0"))
    assert response.status_code == 303
    assert Setting.get("scoring_weights")["urgency"] == 0


@pytest.mark.parametrize("overrides, message", [
    ({"urgency": "41"}, "The four weights must add up to 100; they add up to 101"),
    ({"urgency": "0", "desirability": "0", "alignment": "0", "complexity": "0"}, "they add up to 0"),
    ({"complexity": "-10", "urgency": "60"}, "The weight for complexity must be between 0 and 100"),
    ({"alignment": "101"}, "The weight for strategic alignment must be between 0 and 100"),
    ({"desirability": ""}, "Enter the weight for desirability"),
    ({"urgency": "thirty"}, "Not a valid integer value"),
    ({"dashboard_min_rank": "commissioner"}, "Select a rank or grade from the list"),
])
def test_invalid_weights_are_refused_and_nothing_changes(client, admin, overrides, message):
    response = client.post(url_for("admin.weights"), data=weights_form(**overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert Setting.get("scoring_weights") == DEFAULT_WEIGHTS
    assert Setting.get("dashboard_min_rank") == "sergeant"
    assert db.session.get(Setting, "scoring_weights") is None


def test_refused_weights_leave_earlier_saved_ones(client, admin):
    Setting.put("scoring_weights", {"urgency": 25, "desirability": 25, "alignment": 25, "complexity": 25})
    db.session.commit()
    response = client.post(url_for("admin.weights"), data=weights_form(urgency="99"))
    assert response.status_code == 422
    db.session.expire_all()
    assert Setting.get("scoring_weights") == {"urgency": 25, "desirability": 25, "alignment": 25, "complexity": 25}


# ------------------------------------------------------------------------------ gates


def gates_form(rows=None):
    """Every gate at its default unless `rows` says otherwise ({index: {field: value}})."""
    data = {"version": saved_token(GateSetting, *GATES)}
    for index in range(len(GATES)):
        row = {"approver_role": "approver", "quorum": "1", "capital_quorum": ""}
        row.update((rows or {}).get(index, {}))
        data.update({f"gates-{index}-{field}": value for field, value in row.items()})
    return data


def test_gates_page_names_every_gate_and_says_open_reviews_keep_their_quorum(client, admin):
    page = client.get(url_for("admin.gates")).get_data(as_text=True)
    for code, spec in GATES.items():
        assert f"{code}: {spec.name}" in page
    assert "Open gate reviews keep the role and number of approvals they were requested with" in page
    assert 'name="gates-3-quorum" type="text" value="1"' in page
    # Only governance roles may be asked to decide a gate.
    assert 'value="viewer"' not in page and 'value="requester"' not in page


def test_save_gate_settings_creates_a_row_per_gate(client, admin):
    response = client.post(url_for("admin.gates"), data=gates_form({
        1: {"quorum": "1", "capital_quorum": "2"},
        3: {"approver_role": "admin", "quorum": "3"},
    }))
    assert response.status_code == 303
    settings = {s.code: s for s in db.session.scalars(select(GateSetting))}
    assert sorted(settings) == ["G1", "G2", "G3", "G4"]
    assert (settings["G2"].quorum, settings["G2"].capital_quorum) == (1, 2)
    assert (settings["G4"].approver_role, settings["G4"].quorum, settings["G4"].capital_quorum) == ("admin", 3, None)
    assert (settings["G1"].approver_role, settings["G1"].quorum) == ("approver", 1)


def test_saving_again_updates_the_same_rows(client, admin):
    client.post(url_for("admin.gates"), data=gates_form({1: {"capital_quorum": "2"}}))
    response = client.post(url_for("admin.gates"), data=gates_form({1: {"quorum": "2", "capital_quorum": ""}}))
    assert response.status_code == 303
    db.session.expire_all()
    rows = db.session.scalars(select(GateSetting).where(GateSetting.code == "G2")).all()
    assert len(rows) == 1
    assert (rows[0].quorum, rows[0].capital_quorum) == (2, None)
    page = client.get(url_for("admin.gates")).get_data(as_text=True)
    assert 'name="gates-1-quorum" type="text" value="2"' in page


@pytest.mark.parametrize("row, message", [
    ({"quorum": "6"}, "Approvals needed must be between 1 and 5"),
    ({"quorum": "0"}, "Approvals needed must be between 1 and 5"),
    ({"quorum": ""}, "Enter how many approvals are needed, from 1 to 5"),
    ({"capital_quorum": "9"}, "Approvals needed for capital funding must be between 1 and 5"),
    ({"approver_role": "viewer"}, "Select a role from the list"),
])
def test_invalid_gate_settings_are_refused_and_nothing_saved(client, admin, row, message):
    response = client.post(url_for("admin.gates"), data=gates_form({2: row}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'href="#gates-2-' in page  # the error summary links to the faulty field
    assert db.session.scalars(select(GateSetting)).all() == []
