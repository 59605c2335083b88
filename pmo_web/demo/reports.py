"""Demo highlight and exception reports for the seeded initiatives in delivery.

Called once from pmo_web.demo.seed() after the registers, so each report is pre-filled
from the RAID log and lessons as a manager would find them. The first two initiatives in
delivery that are within tolerance get monthly highlight reports (issued, so "this period
against last" has something to compare, and a draft for the latest month on the first);
the first initiative outside its cost tolerance gets its highlight report and an issued
exception report. Any other initiative outside tolerance is left without one, so the
prompt to write one shows. Periods are calendar months, moving with today.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import HighlightReport, Initiative
from ..reports.facts import facts_for, prefill, tolerance_breaches
from .cast import Cast

# Ratings per report, oldest first: overall, then time, cost, scope, quality, benefits, risk.
IMPROVING = (("amber", "amber_red", "amber", "green", "amber_green", "amber", "amber"),
             ("amber_green", "amber", "amber_green", "green", "green", "amber", "amber_green"),
             ("amber_green", "amber_green", "amber_green", "green", "green", "amber_green", "amber_green"))
SLIPPING = (("green", "green", "green", "green", "green", "amber_green", "amber_green"),
            ("amber_green", "amber", "green", "green", "green", "amber_green", "amber"))
OVERRUNNING = (("amber_red", "amber", "red", "amber_green", "green", "amber", "amber_red"),)
RATING_NAMES = ("overall_confidence", "rag_time", "rag_cost", "rag_scope", "rag_quality", "rag_benefits", "rag_risk")
JUSTIFICATIONS = {
    "green": "On plan, on budget; no risk needs the board's attention.",
    "amber_green": "Broadly on plan; the risks in the log are being managed within the project.",
    "amber": "Deliverable, but the slippage and the supplier risk below need the board's attention.",
    "amber_red": "In doubt without action: the cost forecast is outside tolerance and needs a decision.",
    "red": "Not achievable as planned; re-planning is needed.",
}
DECISIONS = {
    "green": "None this period.",
    "amber_green": "None this period.",
    "amber": "Agree to move the training window by four weeks.",
    "amber_red": "Decide on the options in the exception report at the next Corporate Delivery Board.",
}


def month_back(today: date, months: int) -> tuple[date, date]:
    """The calendar month `months` before this one: (first day, last day)."""
    first = today.replace(day=1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 30), tzinfo=UTC)


def _report(initiative: Initiative, period: tuple[date, date], ratings: tuple[str, ...], issue: bool,
            kind: str = "highlight", **sections) -> HighlightReport:
    """One report written from the records (as the app pre-fills it), issued a few days after the month."""
    start, end = period
    facts = facts_for(initiative, start, end)
    written = _at(end + timedelta(days=2), 10)
    report = HighlightReport(initiative_id=initiative.id, kind=kind, period_start=start, period_end=end,
                             created_by_id=initiative.manager_id, created_at=written,
                             confidence_justification=JUSTIFICATIONS[ratings[0]],
                             decisions_needed=DECISIONS.get(ratings[0], "Agree the recovery plan."),
                             **dict(zip(RATING_NAMES, ratings, strict=True)),
                             **prefill(facts), **sections)
    db.session.add(report)
    if issue:
        report.freeze(facts, initiative.manager, when=written + timedelta(days=1, hours=4))
    return report


def seed(cast: Cast, today: datetime) -> None:
    """Reports for the walked initiatives in delivery; nothing if any report exists."""
    if db.session.scalar(select(HighlightReport.id).limit(1)) is not None:
        return
    day = today.date()
    in_delivery = sorted((i for i in cast.walked.values() if i.state == "delivery" and i.manager_id),
                         key=lambda i: i.id)
    within = [i for i in in_delivery if not tolerance_breaches(i)]
    over_cost = [i for i in in_delivery if any(b.startswith("Cost") for b in tolerance_breaches(i))]
    # A small portfolio may have fewer than two initiatives within tolerance.
    for initiative, history in zip(within[:2], (IMPROVING, SLIPPING), strict=False):
        for months_back, ratings in zip(range(len(history), 0, -1), history, strict=True):
            # The first initiative's latest month is still a draft the manager is writing.
            _report(initiative, month_back(day, months_back), ratings,
                    issue=not (history is IMPROVING and months_back == 1))
    for initiative in over_cost[:1]:
        last_month = month_back(day, 1)
        _report(initiative, month_back(day, 2), SLIPPING[1], issue=True)
        _report(initiative, last_month, OVERRUNNING[0], issue=True)
        _report(initiative, last_month, OVERRUNNING[0], issue=True, kind="exception",
                breach="\n".join(tolerance_breaches(initiative)),
                cause="Asbestos found in the cell block ceilings: removal and a redesign of the ventilation.",
                options="1. Absorb the cost by dropping the interview-room refit (scope).\n"
                        "2. Ask for £500,000 from the capital contingency (cost).\n"
                        "3. Pause for a re-tender of the ventilation (time: six months).",
                recommendation="Option 2: the cells must meet the Home Office custody standard, and a pause "
                               "would keep the temporary custody suite open at £40,000 a month.")
    db.session.flush()
