"""The dashboard's arithmetic on small hand-built portfolios: every KPI worked out by
pmo_web/dashboard/kpis.py (SQL aggregates) against numbers worked out by hand."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from pmo_web.dashboard import kpis
from pmo_web.extensions import db
from pmo_web.models import AuditEvent, Milestone
from tests import factories

TODAY = date(2026, 11, 26)
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def scoped(users):
    """The whole portfolio as the viewer sees it (no filters)."""
    return kpis.scope(users["viewer"], [])


def make(users, state="delivery", **fields):
    return factories.make_initiative(owner=users["requester"], state=state, **fields)


def milestone(initiative, baseline_date, actual_date=None):
    db.session.add(Milestone(initiative_id=initiative.id, name="Go live", baseline_date=baseline_date,
                             actual_date=actual_date))
    db.session.flush()


def test_pipeline_counts_each_state_in_its_stage(users, scoped):
    for state in ("draft", "submitted", "triage", "info_requested", "delivery", "delivery", "on_hold", "closed"):
        make(users, state)
    pipeline = kpis.pipeline(scoped)
    counts = {key: count for key, _label, count in pipeline.by_stage}
    assert counts == {"request": 1, "triage": 2, "scoring": 0, "business_case": 0, "delivery": 3,
                      "benefits_review": 0}
    assert (pipeline.active, pipeline.on_hold, pipeline.total) == (3, 1, 6)


def test_on_time_needs_the_end_date_and_every_milestone_on_plan(users, scoped):
    end = date(2027, 3, 31)
    on_plan = make(users, planned_end=end, forecast_end=end - timedelta(days=3),
                   budget_approved=Decimal(100), budget_forecast=Decimal(90), budget_actual=Decimal(50))
    milestone(on_plan, TODAY - timedelta(days=10), TODAY - timedelta(days=10))
    late_end = make(users, "benefits_review", planned_end=end, forecast_end=end + timedelta(days=1),
                    budget_approved=Decimal(100), budget_forecast=Decimal(100), budget_actual=Decimal(101))
    late_milestone = make(users, "closed", planned_end=end, forecast_end=end)
    milestone(late_milestone, TODAY - timedelta(days=10), TODAY - timedelta(days=9))
    overdue = make(users, "on_hold", planned_end=end, forecast_end=end, budget_approved=Decimal(100))
    milestone(overdue, TODAY - timedelta(days=1))
    make(users, planned_end=None, forecast_end=end)  # no plan: not measured for time
    make(users, "scoring", planned_end=end, forecast_end=end, budget_approved=Decimal(1))  # not planned yet
    assert late_end
    performance = kpis.performance(scoped, TODAY)
    assert (performance.timed, performance.on_time) == (4, 1)
    assert (performance.budgeted, performance.within_budget) == (3, 2)
    assert performance.on_time_share == Decimal("0.25")


def test_milestone_adherence_counts_milestones_due_by_today(users, scoped):
    initiative = make(users)
    due = TODAY - timedelta(days=5)
    milestone(initiative, due, due)  # met on the day
    milestone(initiative, due, due - timedelta(days=2))  # early
    milestone(initiative, due, due + timedelta(days=1))  # late
    milestone(initiative, due)  # open
    milestone(initiative, TODAY + timedelta(days=1))  # not due
    adherence = kpis.milestone_adherence(scoped, TODAY)
    assert (adherence.due, adherence.met, adherence.open) == (4, 2, 1)
    assert adherence.met_share == Decimal("0.5")


def moves(initiative, actor, *steps):
    """Audit events for `initiative`: (days after START, from, to) each."""
    for days, from_state, to_state in steps:
        db.session.add(AuditEvent(initiative_id=initiative.id, kind="transition", trigger="move",
                                  from_state=from_state, to_state=to_state, actor_id=actor.id,
                                  created_at=START + timedelta(days=days)))
    db.session.flush()


def test_cycle_time_medians_and_90th_percentiles_come_from_the_audit_trail(users, scoped):
    actor = users["pmo"]
    # Request stage 1, 2, 10 days; triage 4, 6 and (2 + 3 + 3) days; intake to decision 5, 8, 18.
    moves(make(users, "scoring"), actor, (0, "draft", "submitted"), (1, "submitted", "triage"),
          (5, "triage", "scoring"))
    moves(make(users, "rejected"), actor, (0, "draft", "submitted"), (2, "submitted", "triage"),
          (8, "triage", "rejected"))
    moves(make(users, "business_case"), actor, (0, "draft", "submitted"), (10, "submitted", "triage"),
          (12, "triage", "info_requested"), (15, "info_requested", "triage"), (18, "triage", "scoring"),
          (20, "scoring", "business_case"))
    # Still in triage: its stay there has not ended and is not measured.
    moves(make(users, "triage"), actor, (0, "draft", "submitted"), (30, "submitted", "triage"))
    # A gate decision event is not a transition and is ignored.
    db.session.add(AuditEvent(initiative_id=make(users, "scoring").id, kind="gate_decision", trigger="approve",
                              actor_id=actor.id, created_at=START))
    times = {time.key: time for time in kpis.cycle_times(scoped)}
    assert (times["request"].count, times["request"].median, times["request"].p90) == (4, pytest.approx(2),
                                                                                      pytest.approx(30))
    assert (times["triage"].count, times["triage"].median, times["triage"].p90) == (3, pytest.approx(6),
                                                                                   pytest.approx(8))
    assert (times["scoring"].count, times["scoring"].median) == (1, pytest.approx(2))
    decision = times["intake_to_decision"]
    assert (decision.count, decision.median, decision.p90) == (3, pytest.approx(8), pytest.approx(18))
    assert (times["intake_to_investment"].count, times["intake_to_investment"].median) == (0, None)
    assert times["delivery"].median is None


def test_satisfaction_mean_and_trend_by_quarter_of_closure(users, scoped):
    for score, closed in ((5, datetime(2025, 3, 31, 12, tzinfo=UTC)),
                          (4, datetime(2024, 4, 1, 12, tzinfo=UTC)),
                          (2, datetime(2025, 4, 1, 12, tzinfo=UTC))):
        make(users, "closed", satisfaction_score=score, state_changed_at=closed)
    make(users, "closed", satisfaction_score=None)
    make(users, "benefits_review", satisfaction_score=1)  # not closed yet
    satisfaction = kpis.satisfaction(scoped)
    assert satisfaction.count == 3
    assert satisfaction.mean == pytest.approx(11 / 3)
    # 1 April 2024 and 31 March 2025 are the first and last quarters of 2024/25.
    assert satisfaction.by_quarter == [(2024, 1, 1, pytest.approx(4.0)), (2024, 4, 1, pytest.approx(5.0)),
                                       (2025, 1, 1, pytest.approx(2.0))]


def test_total_roi_is_worked_out_from_the_sums_where_both_sides_are_known(users, scoped):
    spent = make(users, "closed", budget_actual=Decimal(100), budget_forecast=Decimal(999))
    factories.make_benefit(spent, category="cash_releasing", realised_value=Decimal(150))
    forecast = make(users, "benefits_review", budget_forecast=Decimal(200))
    factories.make_benefit(forecast, category="cash_releasing", realised_value=Decimal(100))
    factories.make_benefit(forecast, category="dis_benefit", realised_value=Decimal(20))
    no_cost = make(users, "benefits_review")
    factories.make_benefit(no_cost, category="cash_releasing", realised_value=Decimal(500))
    not_realised = make(users, "delivery", budget_forecast=Decimal(1000))
    factories.make_benefit(not_realised, category="cash_releasing", planned_value=Decimal(5000))
    total = kpis.portfolio_return(scoped)
    assert (total.initiatives, total.realised, total.cost) == (2, Decimal(230), Decimal(300))
    assert total.roi == Decimal(-70) / Decimal(300)


def test_delays_and_overruns_flag_capital_funded_work(users, scoped):
    end = date(2027, 1, 1)
    make(users, funding_type="capital", planned_end=end, forecast_end=end + timedelta(days=20),
         budget_approved=Decimal(100), budget_forecast=Decimal(130), budget_actual=Decimal(10))
    make(users, funding_type="revenue", planned_end=end, forecast_end=end + timedelta(days=5))
    make(users, "benefits_review", funding_type="revenue", budget_approved=Decimal(100),
         budget_forecast=Decimal(100), budget_actual=Decimal(150))
    make(users, "closed", funding_type="capital", planned_end=end, forecast_end=end + timedelta(days=99))
    delays = kpis.delays(scoped)
    assert (delays.late, delays.late_capital, delays.overrun, delays.overrun_capital) == (2, 1, 2, 1)
    assert delays.overrun_total == Decimal(80)
    assert [(overrun, late) for _i, late, overrun in delays.worst] == [(Decimal(50), None), (Decimal(30), 20),
                                                                       (None, 5)]


def test_confidence_spread_and_gates_awaiting(users, scoped):
    make(users, delivery_confidence="green")
    make(users, "on_hold", delivery_confidence="red")
    make(users)
    make(users, "closed", delivery_confidence="green")
    spread = {key: count for key, _label, count in kpis.confidence_spread(scoped)}
    assert spread == {"green": 1, "amber_green": 0, "amber": 0, "amber_red": 0, "red": 1, "none": 1}
