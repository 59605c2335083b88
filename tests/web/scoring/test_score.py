"""Scoring an initiative: who may, when, what is kept, and the live preview."""
import pytest
from flask import url_for
from sqlalchemy import func, select

from pmo_web.extensions import db
from pmo_web.models import Score, ScoreAlignment, Setting
from tests import factories

HX = {"HX-Request": "true"}


@pytest.fixture
def priorities(app):
    made = [factories.make_priority("Enhancing service and standards", position=1),
            factories.make_priority("Leveraging technology", position=2)]
    db.session.commit()
    return made


@pytest.fixture
def scoring(users, priorities):
    """An initiative of the shared department, accepted and waiting to be scored."""
    initiative = factories.make_initiative(owner=users["requester"], state="scoring",
                                           strategic_priority=priorities[0])
    db.session.commit()
    return initiative


def score_url(initiative) -> str:
    return url_for("scoring.score", initiative_id=initiative.id)


def preview_url(initiative) -> str:
    return url_for("scoring.preview", initiative_id=initiative.id)


def levels(priorities, **changes) -> dict:
    """A complete submission: 4, 4, 4 and alignments 2 and 4 (total 69, Medium by default)."""
    data = {"urgency": "4", "complexity": "4", "desirability": "4",
            f"alignment_{priorities[0].id}": "2", f"alignment_{priorities[1].id}": "4",
            "rationale": "Supplier ends support in 2027; custody errors reach court files.",
            "band_override": ""}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def score_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Score))


@pytest.mark.parametrize(("role", "status"), [
    ("pmo", 200), ("admin", 200), ("requester", 403), ("approver", 403), ("viewer", 403)])
def test_who_may_open_the_scoring_page(client, auth, users, scoring, role, status):
    auth.login(users[role])
    assert client.get(score_url(scoring)).status_code == status


@pytest.mark.parametrize("role", ["requester", "approver", "viewer"])
def test_other_roles_cannot_score_or_preview(client, auth, users, scoring, priorities, role):
    auth.login(users[role])
    assert client.post(score_url(scoring), data=levels(priorities)).status_code == 403
    assert client.post(preview_url(scoring), data=levels(priorities), headers=HX).status_code == 403
    assert score_count() == 0


def test_anonymous_is_sent_to_sign_in(client, scoring):
    response = client.get(score_url(scoring))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_unknown_initiative_is_not_found(client, auth, users):
    auth.login(users["pmo"])
    assert client.get(url_for("scoring.score", initiative_id=9999)).status_code == 404


def test_page_shows_descriptors_and_a_control_per_priority(client, auth, users, scoring, priorities):
    auth.login(users["pmo"])
    page = client.get(score_url(scoring)).get_data(as_text=True)
    assert "<html" in page
    assert "statutory or regulatory deadline, or an immediate risk to public or officer safety" in page
    assert "over £1 million" in page
    for priority in priorities:
        assert f'name="alignment_{priority.id}"' in page
        assert priority.name in page
    assert f'hx-post="{url_for("scoring.preview", initiative_id=scoring.id, _external=False)}"' in page
    assert 'id="score-preview"' in page


def test_saving_keeps_the_score_with_weights_scorer_and_alignments(client, auth, users, scoring, priorities):
    auth.login(users["pmo"])
    response = client.post(score_url(scoring), data=levels(priorities))
    assert response.status_code == 303
    assert response.headers["Location"] == url_for("initiatives.show", initiative_id=scoring.id, _external=False)
    saved = db.session.scalar(select(Score))
    assert (saved.urgency, saved.complexity, saved.desirability, saved.alignment) == (4, 4, 4, 4)
    assert (saved.total, saved.band, saved.effective_band) == (69, "Medium", "Medium")
    assert saved.scorer_id == users["pmo"].id
    assert saved.weights == Setting.get("scoring_weights")
    assert {(a.priority_id, a.value) for a in saved.alignments} == {(priorities[0].id, 2), (priorities[1].id, 4)}
    page = client.get(url_for("initiatives.show", initiative_id=scoring.id)).get_data(as_text=True)
    assert "Gate 1 can now be requested" in page


def test_the_admins_weights_are_used_and_recorded(client, auth, users, scoring, priorities):
    weights = {"urgency": 1, "desirability": 1, "alignment": 1, "complexity": 1}
    Setting.put("scoring_weights", weights)
    db.session.commit()
    auth.login(users["admin"])
    client.post(score_url(scoring), data=levels(priorities))
    saved = db.session.scalar(select(Score))
    # (75 + 25 + 75 + 80) / 4 = 63.75 -> 64
    assert (saved.total, saved.weights) == (64, weights)


def test_every_rescore_is_kept_and_listed_newest_first(client, auth, users, scoring, priorities):
    auth.login(users["pmo"])
    client.post(score_url(scoring), data=levels(priorities, rationale="First look"))
    client.post(score_url(scoring), data=levels(priorities, urgency="5", rationale="Deadline moved forward"))
    assert score_count() == 2
    page = client.get(score_url(scoring)).get_data(as_text=True)
    assert page.index("Deadline moved forward") < page.index("First look")
    # The form starts from the current score's levels.
    assert 'id="urgency-5" name="urgency" type="radio" value="5" checked' in page


def test_band_override_is_kept_with_its_comment(client, auth, users, scoring, priorities):
    auth.login(users["pmo"])
    client.post(score_url(scoring), data=levels(priorities, band_override="High",
                                                override_comment="Chief Constable's commitment to HMICFRS"))
    saved = db.session.scalar(select(Score))
    assert (saved.band, saved.band_override, saved.effective_band) == ("Medium", "High", "High")
    assert saved.override_comment == "Chief Constable's commitment to HMICFRS"


@pytest.mark.parametrize(("changes", "message"), [
    ({"urgency": None}, "Choose a level for urgency"),
    ({"complexity": "9"}, "Not a valid choice"),
    ({"rationale": "   "}, "Enter the rationale for this score"),
    ({"band_override": "High", "override_comment": ""}, "Explain why you are overriding the calculated band"),
    ({"band_override": "Urgent"}, "Not a valid choice"),
])
def test_invalid_scoring_is_refused_and_nothing_saved(client, auth, users, scoring, priorities, changes, message):
    auth.login(users["pmo"])
    response = client.post(score_url(scoring), data=levels(priorities, **changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert score_count() == 0


def test_every_active_priority_needs_an_alignment(client, auth, users, scoring, priorities):
    auth.login(users["pmo"])
    response = client.post(score_url(scoring), data=levels(priorities, **{f"alignment_{priorities[1].id}": ""}))
    assert response.status_code == 422
    assert "Choose the alignment to ‘Leveraging technology’" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ScoreAlignment)) == 0


@pytest.mark.parametrize("state", ["triage", "business_case", "delivery", "rejected"])
def test_only_initiatives_in_scoring_can_be_scored(client, auth, users, priorities, state):
    initiative = factories.make_initiative(owner=users["requester"], state=state,
                                           strategic_priority=priorities[0])
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(score_url(initiative), data=levels(priorities))
    assert response.status_code == 409
    assert "only initiatives in Scoring can be scored" in response.get_data(as_text=True)
    assert client.post(preview_url(initiative), data=levels(priorities), headers=HX).status_code == 409
    assert score_count() == 0
    # The history stays readable, without the form.
    page = client.get(score_url(initiative))
    assert page.status_code == 200
    assert 'name="urgency"' not in page.get_data(as_text=True)


def test_preview_is_a_fragment_with_the_breakdown_and_saves_nothing(client, auth, users, scoring, priorities):
    auth.login(users["pmo"])
    response = client.post(preview_url(scoring), data=levels(priorities), headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="score-preview"')
    assert 'aria-live="polite"' in body
    assert ">69<" in body and "Medium" in body
    # Urgency 4 at weight 30 is 22.5 points; complexity 4 at weight 15 is 3.75.
    assert "22.5" in body and "3.8" in body
    assert score_count() == 0


def test_preview_of_incomplete_levels_asks_for_the_rest(client, auth, users, scoring, priorities):
    auth.login(users["pmo"])
    response = client.post(preview_url(scoring), data={"urgency": "3"}, headers=HX)
    assert response.status_code == 200
    assert "Choose a value for every factor to see the score" in response.get_data(as_text=True)
