"""Time in each stage and the wording of timeline entries, from hand-built events."""
from datetime import UTC, date, datetime, timedelta

from pmo_web.initiatives.timeline import StageMove, describe, event_title, time_in_stages

START = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def at(days: float) -> datetime:
    return START + timedelta(days=days)


def spent(stage_times) -> dict:
    return {t.stage: t.spent for t in stage_times}


def test_a_new_draft_has_been_in_request_since_it_was_created():
    times = time_in_stages(START, [], "draft", at(2))
    assert [(t.stage, t.spent, t.current) for t in times] == [("request", timedelta(days=2), True)]


def test_moves_within_a_stage_keep_its_clock_running():
    moves = [StageMove(at(3), "draft", "submitted"), StageMove(at(5), "submitted", "triage"),
             StageMove(at(6), "triage", "info_requested"), StageMove(at(10), "info_requested", "triage")]
    times = time_in_stages(START, moves, "triage", at(12))
    assert spent(times) == {"request": timedelta(days=5), "triage": timedelta(days=7)}
    assert [t.current for t in times] == [False, True]


def test_each_stage_is_measured_from_entering_to_leaving_in_stage_order():
    moves = [StageMove(at(1), "draft", "submitted"), StageMove(at(2), "submitted", "triage"),
             StageMove(at(4), "triage", "scoring"), StageMove(at(9), "scoring", "business_case"),
             StageMove(at(30), "business_case", "delivery"), StageMove(at(40), "delivery", "on_hold"),
             StageMove(at(50), "on_hold", "delivery")]
    times = time_in_stages(START, moves, "delivery", at(60))
    assert [t.label for t in times] == ["Request", "Triage", "Scoring", "Business case", "Delivery"]
    assert spent(times) == {"request": timedelta(days=2), "triage": timedelta(days=2),
                            "scoring": timedelta(days=5), "business_case": timedelta(days=21),
                            "delivery": timedelta(days=30)}


def test_the_clock_stops_when_the_initiative_ends():
    moves = [StageMove(at(1), "draft", "submitted"), StageMove(at(2), "submitted", "triage"),
             StageMove(at(3), "triage", "rejected")]
    times = time_in_stages(START, moves, "rejected", at(100))
    assert spent(times) == {"request": timedelta(days=2), "triage": timedelta(days=1)}
    assert not any(t.current for t in times)


def test_a_record_placed_straight_into_a_later_state_counts_from_its_first_move():
    times = time_in_stages(START, [StageMove(at(4), "scoring", "business_case")], "business_case", at(6))
    assert spent(times) == {"scoring": timedelta(days=4), "business_case": timedelta(days=2)}


def test_clock_skew_never_gives_a_negative_time():
    times = time_in_stages(START, [StageMove(at(-1), "draft", "submitted")], "submitted", at(1))
    assert spent(times) == {"request": timedelta(days=2)}


def test_gate_events_are_titled_with_the_gate_and_decision():
    assert event_title("gate_requested", "request_gate", {"gate": "G2"}) == "Gate G2 review requested"
    assert event_title("gate_decision", "decide", {"gate": "G1", "decision": "approve_with_conditions"}) == (
        "Gate G1: Approve with conditions")


def test_transitions_are_titled_with_their_trigger():
    assert event_title("transition", "request_info", {}) == "Request information"
    assert event_title("transition", "advance", {"by_gate": True}) == "Advance (gate decision)"


def test_describe_reports_a_move_only_when_the_state_changed():
    moved = describe("transition", "reject", "triage", "rejected", "Pat PMO", START, "Duplicate of CR-0003", {})
    assert (moved.moved_from, moved.moved_to, moved.reason_label) == ("Triage", "Rejected", "Reason")
    decided = describe("gate_decision", "decide", "scoring", "scoring", None, START, "Needs costs",
                       {"gate": "G1", "decision": "defer", "defer_until": "2026-06-01"})
    assert (decided.moved_to, decided.actor, decided.reason_label) == (None, "The system", "Comment")
    assert decided.come_back_on == date(2026, 6, 1)


def test_describe_reads_conditions_and_their_due_dates():
    entry = describe("gate_decision", "decide", "business_case", "business_case", "Ann Approver", START, "",
                     {"gate": "G2", "decision": "approve_with_conditions",
                      "conditions": [{"text": "Confirm supplier", "owner": "Head of IT", "due": "2026-05-01"}]})
    assert entry.conditions == (("Confirm supplier", "Head of IT", date(2026, 5, 1)),)
