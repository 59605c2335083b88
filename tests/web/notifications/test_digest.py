"""`flask send-digest`: one email per user per day listing what waits, and idempotent."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from pmo_web.extensions import db
from pmo_web.gates import conditions as gate_conditions
from pmo_web.gates import service
from pmo_web.models import DigestSent, HighlightReport, NotificationPreference
from pmo_web.notifications.digest import report_window_start
from tests import factories
from workflows.gate import Condition

from .helpers import notifications_of

TODAY = date(2026, 11, 26)
SECRET = "Description-never-mailed"


@pytest.fixture(autouse=True)
def digest_morning(test_clock):
    """The digests of these tests are sent on the morning of TODAY."""
    test_clock.move_to(datetime(2026, 11, 26, 7, 0, tzinfo=UTC))


def portfolio(users):
    """A gate awaiting the approver, an overdue risk of the PMO's, a report due for the PMO."""
    at_gate = factories.make_initiative(owner=users["requester"], state="scoring", title="Mobile fingerprinting")
    factories.make_score(at_gate, users["pmo"])
    in_delivery = factories.make_initiative(owner=users["requester"], state="delivery", title="Custody refit",
                                            manager_id=users["pmo"].id)
    risk = factories.make_raid_item(in_delivery, owner_id=users["pmo"].id, description=SECRET,
                                    review_date=TODAY - timedelta(days=3))
    factories.make_raid_item(in_delivery, owner_id=users["pmo"].id, review_date=TODAY + timedelta(days=3))
    db.session.commit()
    service.request_review(at_gate, users["pmo"])
    db.session.commit()
    return at_gate, in_delivery, risk


def test_each_user_gets_one_digest_a_day(app, users, smtp, runner):
    at_gate, in_delivery, risk = portfolio(users)
    smtp.messages.clear()
    result = runner.invoke(args=["send-digest", "--day", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "2 email(s) queued" in result.output
    [to_approver] = smtp.to(users["approver"].email)
    assert to_approver["Subject"] == "[OFFICIAL] Your PMO digest for 26 November 2026: 1 item"
    assert at_gate.reference in to_approver.get_content()
    [to_pmo] = smtp.to(users["pmo"].email)
    body = to_pmo.get_content()
    assert f"https://pmo.example.test/initiatives/{in_delivery.id}/raid#raid-item-{risk.id}" in body
    assert f"https://pmo.example.test/initiatives/{in_delivery.id}/reports" in body
    assert SECRET not in to_pmo.as_string()
    found = notifications_of(users["pmo"], "raid_overdue") + notifications_of(users["pmo"], "report_due")
    assert [(n.kind, n.raid_item_id) for n in found] == [("raid_overdue", risk.id), ("report_due", None)]
    # Again the same day: nothing new, in the app or by email.
    result = runner.invoke(args=["send-digest", "--day", TODAY.isoformat()])
    assert "0 email(s) queued" in result.output and len(smtp.messages) == 2
    assert len(notifications_of(users["pmo"], "raid_overdue") + notifications_of(users["pmo"], "report_due")) == 2
    assert db.session.query(DigestSent).filter_by(day=TODAY).count() == len(users)
    # The next day: a new digest, but the overdue risk and due report are not notified twice.
    runner.invoke(args=["send-digest", "--day", (TODAY + timedelta(days=1)).isoformat()])
    assert len(smtp.to(users["pmo"].email)) == 2
    assert len(notifications_of(users["pmo"], "raid_overdue") + notifications_of(users["pmo"], "report_due")) == 2


def test_a_recent_report_is_not_due(app, users, smtp, runner):
    _at_gate, in_delivery, _risk = portfolio(users)
    db.session.add(HighlightReport(initiative_id=in_delivery.id, status="issued", period_start=date(2026, 10, 1),
                                   period_end=date(2026, 10, 31), issued_by_id=users["pmo"].id,
                                   issued_at=datetime(2026, 10, 5, tzinfo=UTC)))
    db.session.commit()
    runner.invoke(args=["send-digest", "--day", TODAY.isoformat()])
    assert notifications_of(users["pmo"], "report_due") == []


def test_in_app_only_kinds_are_left_out_of_the_digest(app, users, smtp, runner):
    db.session.add(NotificationPreference(user_id=users["approver"].id, kind="gate_awaiting", email=False))
    db.session.commit()
    portfolio(users)
    smtp.messages.clear()
    runner.invoke(args=["send-digest", "--day", TODAY.isoformat()])
    assert smtp.to(users["approver"].email) == []


def test_the_report_window_starts_last_month():
    assert report_window_start(date(2026, 11, 26)) == date(2026, 10, 1)
    assert report_window_start(date(2027, 1, 3)) == date(2026, 12, 1)


# ----------------------------------------------------------- what the gates owe (docs/rules.md 9)

def deferred_gate_two(users, until: date):
    """An initiative at Gate 2, requested by the PMO and deferred by the approver until `until`."""
    initiative = factories.make_initiative(owner=users["requester"], state="business_case", title="Drone unit")
    factories.make_business_case(initiative, users["pmo"])
    db.session.commit()
    review = service.request_review(initiative, users["pmo"])
    db.session.commit()
    service.record_decision(review, users["approver"], "defer", comment=SECRET, defer_until=until)
    db.session.commit()
    return review


def test_a_deferral_is_told_on_its_date_to_the_pmo_who_asked_and_the_pmo_team(app, users, smtp, runner):
    teammate = factories.make_user(roles=("pmo",), email="pmo2@example.test", department=users["pmo"].department)
    db.session.commit()
    review = deferred_gate_two(users, TODAY + timedelta(days=2))
    runner.invoke(args=["send-digest", "--day", TODAY.isoformat()])
    assert notifications_of(users["pmo"], "deferral_due") == []

    due_day = TODAY + timedelta(days=2)
    result = runner.invoke(args=["send-digest", "--day", due_day.isoformat()])
    assert result.exit_code == 0, result.output
    for pmo in (users["pmo"], teammate):
        [told] = notifications_of(pmo, "deferral_due")
        assert told.link == f"/gates/{review.id}"
        assert told.headline == (f"Gate 2 on {review.initiative.reference} Drone unit is due to be looked at "
                                 f"again: it was deferred until 28 November 2026")
        [digest] = [m for m in smtp.to(pmo.email) if "digest" in m["Subject"]]
        assert f"https://pmo.example.test/gates/{review.id}" in digest.get_content()
        assert SECRET not in digest.as_string()
    assert notifications_of(users["requester"], "deferral_due") == []
    assert notifications_of(users["approver"], "deferral_due") == []

    # Told once; and once requested again, it is no longer due.
    runner.invoke(args=["send-digest", "--day", (due_day + timedelta(days=1)).isoformat()])
    assert len(notifications_of(users["pmo"], "deferral_due")) == 1
    service.request_again(review, users["pmo"])
    db.session.commit()
    assert service.deferrals_coming_due(due_day + timedelta(days=2)) == []


def test_an_overdue_condition_is_flagged_to_its_owner_and_the_pmo(app, users, smtp, runner):
    initiative = factories.make_initiative(owner=users["requester"], state="business_case", title="Drone unit")
    factories.make_business_case(initiative, users["pmo"])
    db.session.commit()
    review = service.request_review(initiative, users["pmo"])
    db.session.commit()
    service.record_decision(review, users["approver"], "approve_with_conditions", comment="Subject to", conditions=(
        Condition("Agree the data-sharing terms", users["viewer"].name, TODAY - timedelta(days=1),
                  owner_id=users["viewer"].id),
        Condition("Train the control room", "Head of Training", TODAY + timedelta(days=10)),
    ))
    db.session.commit()
    overdue = gate_conditions.open_conditions(initiative.id)[0]
    assert overdue.text == "Agree the data-sharing terms"

    runner.invoke(args=["send-digest", "--day", TODAY.isoformat()])
    for user in (users["viewer"], users["pmo"]):
        [told] = notifications_of(user, "condition_overdue")
        assert told.link == f"/initiatives/{initiative.id}/conditions/{overdue.id}"
        assert told.headline == f"A condition of Gate 2 on {initiative.reference} Drone unit is overdue"
    assert notifications_of(users["approver"], "condition_overdue") == []
    assert gate_conditions.conditions_overdue(TODAY) == [overdue]
    assert gate_conditions.conditions_overdue(TODAY, owner=users["viewer"]) == [overdue]
    assert gate_conditions.conditions_overdue(TODAY, owner=users["pmo"]) == []

    gate_conditions.close_condition(overdue, users["pmo"], "meet", "Signed on 25 November")
    db.session.commit()
    runner.invoke(args=["send-digest", "--day", (TODAY + timedelta(days=1)).isoformat()])
    assert len(notifications_of(users["viewer"], "condition_overdue")) == 1
