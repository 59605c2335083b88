"""The demo's governance: the brief's boards, a held Corporate Delivery Board with minutes linked
to gate decisions and actions, and planned meetings whose agendas fill themselves."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from pmo_web.demo import DEMO_PASSWORD, seed
from pmo_web.demo.governance import BOARDS, DIGITAL_BOARD
from pmo_web.demo.registers import CHIEF_OFFICER_GROUP, CORPORATE_DELIVERY_BOARD
from pmo_web.extensions import db
from pmo_web.models import Board, Meeting, Minute


@pytest.fixture(scope="module")
def demo_app():
    """Seeding takes a while: seed once for the module, on its own app and in-memory database."""
    from pmo_web import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost"})
    with app.app_context():
        db.create_all()
        assert seed() is True
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def meeting_page(app, board_name: str, status: str) -> str:
    board = db.session.scalar(select(Board).where(Board.name == board_name))
    meeting = db.session.scalar(select(Meeting).where(Meeting.board_id == board.id, Meeting.status == status))
    client = app.test_client()
    assert client.post("/login", data={"email": "viewer@demo.local", "password": DEMO_PASSWORD}).status_code == 302
    response = client.get(f"/meetings/{meeting.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_boards_of_the_brief(demo_app):
    boards = {b.name: b for b in db.session.scalars(select(Board))}
    assert set(boards) == {name for name, *_ in BOARDS}
    assert boards[CORPORATE_DELIVERY_BOARD].hears_portfolio
    assert boards[DIGITAL_BOARD].escalates_to.name == CHIEF_OFFICER_GROUP


def test_the_held_board_is_minuted_against_gate_decisions(demo_app):
    minutes = db.session.scalars(select(Minute)).all()
    assert any(m.gate_decision_id for m in minutes)
    assert sum(m.kind == "action" for m in minutes) >= 2
    assert "Bring the reforecast" in meeting_page(demo_app, CORPORATE_DELIVERY_BOARD, "held")


def test_planned_agendas_fill_themselves(demo_app):
    corporate = meeting_page(demo_app, CORPORATE_DELIVERY_BOARD, "planned")
    assert "Legacy disc exhibits migrating too slowly" in corporate  # escalated RAID issue
    assert "Red" in corporate or "Amber/Red" in corporate
    executive = meeting_page(demo_app, CHIEF_OFFICER_GROUP, "planned")
    assert "Network refresh funding gap" in executive and "Escalated from the" in executive
    assert "Weekend custody capacity" in executive
    assert "Legacy disc exhibits" not in executive
