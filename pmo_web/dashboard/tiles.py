"""The dashboard's headline tiles: ten figures above the fold, each taken from the KPI
functions' results (kpis.py, collected by routes.collect), each with the change since a
month before and a link to where its detail can be read.

The change compares today's figure with the one kept for the same audience and filters on
the latest day at least a month ago (models.KpiSnapshot); the tile names that day. The
figures of a day are kept the first time the dashboard works them out that day.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import KpiSnapshot
from ..templating import uk_date

HIGH_BANDS = ("high", "very_high")


@dataclass(frozen=True)
class Change:
    """How a figure moved since an earlier day, in words (never colour alone)."""

    difference: float | None
    since: date | None
    unit: str  # "count", "points" (percentage points), "days", "score"

    @property
    def text(self) -> str:
        if self.since is None:
            return "No figure from a month ago yet"
        when = f"since {uk_date(self.since)}"
        if self.difference is None:
            return f"Not comparable {when}"
        if round(self.difference, 1) == 0:
            return f"No change {when}"
        size = abs(self.difference)
        amount = {"count": f"{size:,.0f}", "points": f"{size:.0f} percentage point{'s' if round(size) != 1 else ''}",
                  "days": f"{size:.1f} days", "score": f"{size:.1f}"}[self.unit]
        return f"{'Up' if self.difference > 0 else 'Down'} {amount} {when}"


@dataclass(frozen=True)
class Tile:
    """One headline: what it counts, its number (for comparing), how it reads, and its detail."""

    key: str
    label: str
    value: float | None
    text: str
    words: str
    href: str
    unit: str
    change: Change | None = None


def percent_points(share) -> float | None:
    return round(float(share) * 100, 1) if share is not None else None


def _percent(share) -> str:
    return f"{share:.0%}" if share is not None else "No data"


def headline(figures: dict, links: dict[str, str]) -> list[Tile]:
    """The ten tiles from the figures the page collected (one per KPI), in reading order."""
    pipeline, performance, adherence = figures["pipeline"], figures["performance"], figures["adherence"]
    decision = next(time for time in figures["cycle_times"] if time.key == "intake_to_decision")
    high = sum(count for key, _label, count in figures["risk_bands"] if key in HIGH_BANDS)
    issues, roi, satisfaction = figures["open_issues"], figures["portfolio_return"].roi, figures["satisfaction"]
    gates = sum(count for _gate, count in figures["awaiting_gates"])
    return [
        Tile("active", "Active workstreams", pipeline.active, str(pipeline.active),
             f"in delivery{f', {pipeline.on_hold} on hold' if pipeline.on_hold else ''}", links["active"], "count"),
        Tile("on_time", "On time", percent_points(performance.on_time_share), _percent(performance.on_time_share),
             f"{performance.on_time} of {performance.timed}", links["on_time"], "points"),
        Tile("within_budget", "Within budget", percent_points(performance.within_budget_share),
             _percent(performance.within_budget_share),
             f"{performance.within_budget} of {performance.budgeted}", links["within_budget"], "points"),
        Tile("cycle_time", "Cycle time", round(decision.median, 1) if decision.median is not None else None,
             f"{decision.median:.1f} days" if decision.median is not None else "No data",
             "median, intake to triage decision", links["cycle_time"], "days"),
        Tile("adherence", "Milestone adherence", percent_points(adherence.met_share), _percent(adherence.met_share),
             f"{adherence.met} of {adherence.due} met by baseline", links["adherence"], "points"),
        Tile("high_risks", "Open high risks", high, str(high), "scored 10 or more", links["high_risks"], "count"),
        Tile("open_issues", "Open issues", issues.count, str(issues.count), "in live work", links["open_issues"],
             "count"),
        Tile("roi", "Return on investment", percent_points(roi), _percent(roi) if roi is not None else "Not computable",
             f"over {figures['portfolio_return'].initiatives} initiatives", links["roi"], "points"),
        Tile("satisfaction", "Satisfaction",
             round(satisfaction.mean, 1) if satisfaction.mean is not None else None,
             f"{satisfaction.mean:.1f}" if satisfaction.mean is not None else "No scores",
             f"out of 5; {satisfaction.count} scored at closure", links["satisfaction"], "score"),
        Tile("gates", "Gates waiting", gates, str(gates), "reviews awaiting a decision", links["gates"], "count"),
    ]


def links(list_filters: dict, gates_href: str) -> dict[str, str]:
    """Where each tile leads: a list the reader may open, else the KPI's own section below."""
    return {
        "active": url_for("initiatives.portfolio", stage="delivery", **list_filters),
        "on_time": "#kpi-performance",
        "within_budget": "#kpi-performance",
        "cycle_time": "#kpi-cycle",
        "adherence": "#kpi-milestones",
        "high_risks": url_for("raid.portfolio_risks", **list_filters),
        "open_issues": "#kpi-issues",
        "roi": url_for("benefits.register", **list_filters),
        "satisfaction": "#kpi-satisfaction",
        "gates": gates_href,
    }


def month_before(today: date) -> date:
    """The same day a calendar month earlier (the month's last day when it has no such day)."""
    first = today.replace(day=1)
    previous_end = first - timedelta(days=1)
    return previous_end.replace(day=min(today.day, previous_end.day))


def snapshots(scope: str, today: date) -> tuple[KpiSnapshot | None, bool]:
    """The figures kept for `scope` on the latest day at least a month before `today`, and
    whether today's are kept already: one statement."""
    cutoff = month_before(today)
    rows = db.session.scalars(
        select(KpiSnapshot).where(KpiSnapshot.scope == scope,
                                  or_(KpiSnapshot.taken_on == today, KpiSnapshot.taken_on <= cutoff))
        .order_by(KpiSnapshot.taken_on.desc()).limit(2)).all()
    return (next((row for row in rows if row.taken_on <= cutoff), None),
            any(row.taken_on == today for row in rows))


def compared(tiles: list[Tile], earlier: KpiSnapshot | None) -> list[Tile]:
    """The tiles with their change since the `earlier` figures (none kept: said so)."""
    changed = []
    for tile in tiles:
        if earlier is None:
            change = Change(None, None, tile.unit)
        else:
            before = earlier.figures.get(tile.key)
            change = Change(tile.value - before if tile.value is not None and before is not None else None,
                            earlier.taken_on, tile.unit)
        changed.append(Tile(**{**tile.__dict__, "change": change}))
    return changed


def keep(tiles: list[Tile], scope: str, today: date) -> None:
    """Keep today's figures for `scope`, in a transaction of its own: the page's session is
    left as it is (nothing it loaded is expired). A second writer the same day is refused by
    the unique key and rolled back: the figures kept are the same day's."""
    with Session(db.engine) as writer:
        writer.add(KpiSnapshot(scope=scope, taken_on=today, figures={tile.key: tile.value for tile in tiles}))
        try:
            writer.commit()
        except IntegrityError:
            writer.rollback()
