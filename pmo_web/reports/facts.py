"""The facts a highlight report is written against, and the tolerance check.

`facts_for()` gathers, in a fixed number of queries, what the delivery record, the RAID log
and the lessons log say about an initiative for a period, already written out as text
(pounds, UK dates, variances). A draft shows the live facts; issuing stores this very dict
as the report's snapshot, so an issued report prints exactly what its author saw.
`prefill()` turns the same facts into first drafts of the report's sections.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from workflows import editing

from ..extensions import db
from ..models import Initiative, Lesson, Milestone, RaidItem
from ..models.raid import ALL_OPEN_STATUSES
from ..templating import gbp, uk_date

# Initiatives that report: in delivery, paused, or measuring benefits.
REPORT_STATES = editing.editable_states("highlight_report")
TOP_RAID_ITEMS = 5
ISSUE_PRIORITY_ORDER = {"critical": 4, "high": 3, "medium": 2, "low": 1}


def tolerance_breaches(initiative: Initiative) -> list[str]:
    """What is outside the tolerances set on the initiative, in words; [] when within them."""
    breaches = []
    approved, forecast = initiative.budget_approved, initiative.budget_forecast
    if approved is not None and forecast is not None and approved > 0:
        over = (forecast - approved) / approved * 100
        if over > initiative.cost_tolerance_pct:
            breaches.append(f"Cost: the forecast of {gbp(forecast)} is {over:.0f}% over the approved budget of "
                            f"{gbp(approved)}; the tolerance is {initiative.cost_tolerance_pct}%.")
    late = initiative.end_variance_days
    if late is not None and late > initiative.time_tolerance_days:
        breaches.append(f"Time: the forecast end of {uk_date(initiative.forecast_end)} is {late} days after the "
                        f"planned end of {uk_date(initiative.planned_end)}; the tolerance is "
                        f"{initiative.time_tolerance_days} days.")
    return breaches


def needs_exception_report(initiative: Initiative) -> bool:
    """True when a reporting initiative is outside its tolerances (the pages then prompt one)."""
    return initiative.state in REPORT_STATES and bool(tolerance_breaches(initiative))


def _money_against(amount: Decimal | None, approved: Decimal | None) -> str:
    if amount is None or approved is None or amount == approved:
        return gbp(amount)
    difference = amount - approved
    return f"{gbp(amount)} ({gbp(abs(difference))} {'over' if difference > 0 else 'under'} approved)"


def _raid_rating(item: RaidItem) -> str:
    if item.kind == "risk" and item.score is not None:
        return f"Score {item.score} ({item.band_label})"
    if item.kind == "issue" and item.priority:
        return f"{item.priority_label} priority"
    return item.status_label


def facts_for(initiative: Initiative, period_start: date, period_end: date) -> dict:
    """The delivery facts for the period, as text: three queries whatever the size of the logs."""
    milestones = db.session.scalars(
        select(Milestone).where(Milestone.initiative_id == initiative.id)
        .order_by(Milestone.baseline_date, Milestone.id)).all()
    raid = db.session.scalars(
        select(RaidItem).where(RaidItem.initiative_id == initiative.id, RaidItem.deleted_at.is_(None),
                               RaidItem.kind.in_(("risk", "issue")), RaidItem.status.in_(ALL_OPEN_STATUSES))
        .options(selectinload(RaidItem.owner))
        .order_by(RaidItem.escalated.desc(),
                  case((RaidItem.kind == "risk", RaidItem.likelihood * RaidItem.impact),
                       else_=case(*((RaidItem.priority == key, rank * 5) for key, rank in
                                    ISSUE_PRIORITY_ORDER.items()), else_=0)).desc(),
                  RaidItem.id)).all()
    lessons = db.session.scalars(
        select(Lesson).where(Lesson.initiative_id == initiative.id, Lesson.deleted_at.is_(None),
                             Lesson.date_added.between(period_start, period_end))
        .order_by(Lesson.date_added, Lesson.id)).all()
    next_end = period_end + (period_end - period_start) + timedelta(days=1)
    achieved = [m for m in milestones if m.actual_date and period_start <= m.actual_date <= period_end]
    due = [m for m in milestones if m.actual_date is None and (m.forecast_date or m.baseline_date) <= next_end]
    return {
        "manager": initiative.manager.name if initiative.manager else "Not assigned",
        "confidence": initiative.confidence_label,
        "confidence_justification": initiative.confidence_justification,
        "budget_approved": gbp(initiative.budget_approved),
        "budget_forecast": _money_against(initiative.budget_forecast, initiative.budget_approved),
        "budget_actual": _money_against(initiative.budget_actual, initiative.budget_approved),
        "planned_end": uk_date(initiative.planned_end),
        "forecast_end": uk_date(initiative.forecast_end) + (
            f" ({initiative.end_variance_text})" if initiative.end_variance_days is not None else ""),
        "tolerances": f"Cost {initiative.cost_tolerance_pct}% over approved; time "
                      f"{initiative.time_tolerance_days} days past the planned end",
        "breaches": tolerance_breaches(initiative),
        "milestones_achieved": [{"name": m.name, "date": uk_date(m.actual_date), "variance": m.variance_text}
                                for m in achieved],
        "milestones_due": [{"name": m.name, "date": uk_date(m.forecast_date or m.baseline_date),
                            "status": m.status.capitalize(), "variance": m.variance_text} for m in due],
        "raid": [{"kind": item.kind_label, "title": item.title, "rating": _raid_rating(item),
                  "owner": item.owner.name if item.owner else "No owner",
                  "change_request": item.issue_type == "change_request",
                  "escalated": bool(item.escalated)} for item in raid[:TOP_RAID_ITEMS]],
        "change_requests": [item.title for item in raid if item.issue_type == "change_request"],
        "lessons": [{"title": lesson.title or "Untitled lesson", "owner": lesson.owner,
                     "date": uk_date(lesson.date_added)} for lesson in lessons],
    }


def _lines(items: list[str], none: str) -> str:
    return "\n".join(f"- {item}" for item in items) if items else none


def prefill(facts: dict) -> dict[str, str]:
    """First drafts of the sections from the facts; the author edits them before issuing."""
    return {
        "achievements": _lines([f"{m['name']} met on {m['date']} ({m['variance']})"
                                for m in facts["milestones_achieved"]], "No milestones were met this period."),
        "next_period": _lines([f"{m['name']} due {m['date']}" for m in facts["milestones_due"]],
                              "No milestones are due next period."),
        "tolerance_status": "\n".join(facts["breaches"]) or f"Within tolerance ({facts['tolerances']}).",
        "change_requests": _lines(facts["change_requests"], "None."),
        "key_risks_issues": _lines([f"{item['kind']}: {item['title']} – {item['rating']}, owner {item['owner']}"
                                    for item in facts["raid"]], "No open risks or issues."),
        "lessons": _lines([f"{lesson['title']} ({lesson['owner']})" for lesson in facts["lessons"]],
                          "No lessons were logged this period."),
    }
