"""A board meeting is marked held once, on its day or after (workflows/meetings.py)."""
from datetime import date, timedelta

import pytest

from workflows import meetings
from workflows.lifecycle import IllegalTransition

DAY = date(2026, 6, 9)


@pytest.mark.parametrize(("meets_on", "allowed"), [
    (DAY - timedelta(days=30), True), (DAY - timedelta(days=1), True), (DAY, True),
    (DAY + timedelta(days=1), False), (DAY + timedelta(days=365), False),
])
def test_a_planned_meeting_is_held_on_its_day_or_after(meets_on, allowed):
    assert meetings.may_hold("planned", meets_on, DAY) is allowed
    if allowed:
        assert meetings.hold("planned", meets_on, DAY) == "held"
    else:
        with pytest.raises(IllegalTransition) as refused:
            meetings.hold("planned", meets_on, DAY)
        assert refused.value.reasons == [
            f"The meeting is on {meets_on.day} {meets_on:%B %Y}: it can be marked as held on that day or after, "
            "not before it has happened"]


def test_a_held_meeting_is_not_held_again():
    assert meetings.hold_refusals("held", DAY, DAY) == ["The meeting has already been marked as held"]
    with pytest.raises(IllegalTransition):
        meetings.hold("held", DAY - timedelta(days=1), DAY)
