"""Board meetings: ``planned -> held``, once, on the meeting's day or after.

Marking a meeting held freezes its agenda for the minutes, so it cannot be done before the
meeting has happened: a meeting dated in the future is refused until its day comes. Plain
Python: the app passes the meeting's state, its date and today's date in.
"""

from __future__ import annotations

from datetime import date

from workflows.lifecycle import IllegalTransition

MEETING_STATES: list[str] = ["planned", "held"]


def _uk_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def hold_refusals(state: str, meets_on: date, today: date) -> list[str]:
    """Why a meeting in ``state`` dated ``meets_on`` may not be marked held on ``today``; empty if it may."""
    if state == "held":
        return ["The meeting has already been marked as held"]
    if meets_on > today:
        return [f"The meeting is on {_uk_date(meets_on)}: it can be marked as held on that day or after, "
                "not before it has happened"]
    return []


def may_hold(state: str, meets_on: date, today: date) -> bool:
    """True if the meeting may be marked held today."""
    return not hold_refusals(state, meets_on, today)


def hold(state: str, meets_on: date, today: date) -> str:
    """The meeting's state once marked held; raises IllegalTransition (409) with the reason when it may not be."""
    if reasons := hold_refusals(state, meets_on, today):
        raise IllegalTransition(reasons)
    return "held"
