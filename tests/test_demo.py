"""The demo portfolio (`flask --app pmo_web seed-demo`): complete, idempotent, and made by the
real workflow, so its audit trail and gate history obey the same rules as live data."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from pmo_web.demo import DEMO_PASSWORD, seed
from pmo_web.demo.walk import MAX_HISTORY_DAYS
from pmo_web.extensions import db
from pmo_web.models import (
    AuditEvent,
    Benefit,
    BusinessCase,
    Department,
    GateDecision,
    GateReview,
    GateSetting,
    Initiative,
    Lesson,
    Milestone,
    Programme,
    Score,
    Setting,
    StrategicPriority,
    User,
)
from pmo_web.models.base import utcnow
from workflows.gate import APPROVING_DECISIONS, GATE_MOVES
from workflows.lifecycle import STATES

DEMO_ROLES = {
    "requester@demo.local": "requester",
    "pmo@demo.local": "pmo",
    "approver@demo.local": "approver",
    "viewer@demo.local": "viewer",
    "admin@demo.local": "admin",
}
DEFAULT_PRIORITIES = [
    "Enhancing service and standards",
    "Empowering individuals and supporting wellbeing",
    "Leveraging technology",
    "Reducing demand through partnership working",
]
COUNTED = (Department, StrategicPriority, Programme, User, Initiative, AuditEvent, Score,
           BusinessCase, GateReview, GateDecision, Milestone, Benefit, Lesson)


@pytest.fixture
def portfolio(app):
    assert seed() is True
    return db.session.scalars(select(Initiative).order_by(Initiative.id)).all()


def _counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in COUNTED}


def _transitions() -> dict[int, list[AuditEvent]]:
    by_initiative = defaultdict(list)
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "transition")
                              .order_by(AuditEvent.created_at, AuditEvent.id))
    for row in rows:
        by_initiative[row.initiative_id].append(row)
    return by_initiative


def test_seed_runs_once_then_changes_nothing(portfolio):
    before = _counts()
    assert seed() is False
    assert _counts() == before


def test_reference_data_settings_and_demo_logins(portfolio):
    assert db.session.scalar(select(func.count()).select_from(Department)) >= 8
    assert [p.name for p in StrategicPriority.active_ordered()] == DEFAULT_PRIORITIES
    programmes = db.session.scalars(select(Programme.name)).all()
    assert len(programmes) == 3
    assert any("Capital" in name and "2025-2030" in name for name in programmes)
    assert Setting.get("scoring_weights") == {"urgency": 30, "desirability": 30, "alignment": 25, "complexity": 15}
    assert db.session.get(Setting, "scoring_weights") is not None
    settings = {s.code: s for s in db.session.scalars(select(GateSetting))}
    assert sorted(settings) == ["G1", "G2", "G3", "G4"]
    assert all(s.approver_role == "approver" and s.quorum == 1 for s in settings.values())
    assert settings["G2"].capital_quorum == 2
    for email, role in DEMO_ROLES.items():
        user = User.by_email(email)
        assert role in user.roles, email
        assert user.check_password(DEMO_PASSWORD), email
        assert not user.check_password("not-the-demo-password")


def test_every_state_is_represented_and_merges_point_at_a_survivor(portfolio):
    assert len(portfolio) >= 40
    present = {initiative.state for initiative in portfolio}
    assert present == set(STATES)
    for initiative in (i for i in portfolio if i.state == "merged"):
        assert initiative.merged_into is not None
        assert initiative.merged_into.state != "merged"


def test_audit_trail_runs_from_draft_to_the_current_state(portfolio):
    transitions = _transitions()
    for initiative in portfolio:
        chain = transitions.get(initiative.id, [])
        if initiative.state == "draft":
            assert chain == []
            continue
        assert chain, initiative.title
        assert chain[0].from_state == "draft"
        for earlier, later in pairwise(chain):
            assert later.from_state == earlier.to_state, initiative.title
        assert chain[-1].to_state == initiative.state
        assert initiative.state_changed_at == chain[-1].created_at


def test_gates_passed_have_a_quorum_and_every_kind_of_decision_is_shown(portfolio):
    by_id = {initiative.id: initiative for initiative in portfolio}
    gate_moves = db.session.scalars(select(AuditEvent).where(
        AuditEvent.kind == "transition", AuditEvent.trigger.in_(("advance", "close")))).all()
    assert gate_moves
    capital_g2 = 0
    for move in gate_moves:
        review = db.session.get(GateReview, move.gate_review_id)
        initiative = by_id[move.initiative_id]
        assert GATE_MOVES[review.gate][0] == move.from_state
        approvers = {d.approver_id for d in review.decisions if d.decision in APPROVING_DECISIONS}
        assert len(approvers) >= review.quorum
        assert initiative.owner_id not in approvers
        if review.gate == "G2" and initiative.funding_type == "capital":
            assert review.quorum == 2
            capital_g2 += 1
    assert capital_g2 >= 1
    decisions = {d.decision for d in db.session.scalars(select(GateDecision))}
    assert decisions == {"approve", "approve_with_conditions", "reject", "defer", "return_for_rework"}
    conditional = db.session.scalars(select(GateDecision).where(
        GateDecision.decision == "approve_with_conditions")).all()
    assert all(d.conditions for d in conditional)
    # Reviews left open give the demo approver a queue.
    approver = User.by_email("approver@demo.local")
    assert db.session.scalars(GateReview.awaiting(approver)).all()


def test_history_is_spread_over_the_past(portfolio):
    now = utcnow()
    oldest = now - timedelta(days=MAX_HISTORY_DAYS + 1)
    stamps = db.session.scalars(select(AuditEvent.created_at)).all()
    assert all(oldest <= stamp < now for stamp in stamps)
    for chain in _transitions().values():
        assert all(a.created_at <= b.created_at for a, b in pairwise(chain))
    ages_in_days = {(now - i.state_changed_at).days for i in portfolio}
    assert len(ages_in_days) >= 15 and max(ages_in_days) >= 60
    for review in db.session.scalars(select(GateReview).where(GateReview.decided_at.is_not(None))):
        assert review.requested_at < review.decided_at < now


def test_delivery_and_closure_data_look_real(portfolio):
    live = [i for i in portfolio if i.state in ("delivery", "on_hold")]
    assert all(i.manager and i.budget_approved and i.planned_end and i.confidence_justification for i in live)
    assert len({i.delivery_confidence for i in live}) >= 4
    overruns = [i for i in portfolio if i.overrun]
    assert len(overruns) >= 2 and any(i.is_capital for i in overruns)
    milestones = db.session.scalars(select(Milestone)).all()
    assert any(m.variance_days and m.variance_days > 0 for m in milestones)
    assert any(m.variance_accepted and m.actual_date is None for m in milestones)
    for initiative in (i for i in portfolio if i.state == "closed"):
        assert initiative.satisfaction_score is not None
        benefits = db.session.scalars(select(Benefit).where(Benefit.initiative_id == initiative.id)).all()
        assert benefits and all(b.accounted_for for b in benefits)
    lessons = db.session.scalars(select(Lesson)).all()
    assert lessons and all(lesson.owner and lesson.dependencies and lesson.date_added for lesson in lessons)


def test_seed_demo_command_lists_the_logins(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.output
    for email in DEMO_ROLES:
        assert email in result.output
    assert DEMO_PASSWORD in result.output
    again = runner.invoke(args=["seed-demo"])
    assert "nothing changed" in again.output


def test_every_demo_data_file_is_read_and_installs_with_the_package():
    """The demo's data lives in pmo_web/demo/data/: each file there is one the loaders read,
    and each is package data, so an installed app (not only a checkout) can seed the demo."""
    import re
    import tomllib
    from fnmatch import fnmatch
    from pathlib import Path

    import pmo_web.demo

    package = Path(pmo_web.demo.__file__).parent
    files = sorted(path.relative_to(package).as_posix() for path in (package / "data").iterdir())
    read = {name for path in package.glob("*.py")
            for name in re.findall(r'\bload\("(\w+)"\)', path.read_text(encoding="utf-8"))}
    assert files and [name.removeprefix("data/").removesuffix(".json") for name in files] == sorted(read)
    pyproject = tomllib.loads((package.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["pmo_web.demo"]
    assert all(any(fnmatch(name, pattern) for pattern in patterns) for name in files)
