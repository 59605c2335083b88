"""The live portfolio dashboard: every KPI of issue 5 on one page, filtered by a GET form.

Ten headline tiles come first (tiles.py) and refresh themselves: the tiles region polls
this same address every minute and htmx swaps in the fragment, the same partial the page
shows. Then the next milestones and open issues, then a grid of charts, each with its
figures in a table behind "Show the figures".
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import urlencode

from flask import render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from .. import access
from ..benefits.register import financial_year, financial_year_label, net_totals, returns_by_initiative
from ..extensions import db
from ..htmx import render
from ..models import Initiative, RaidItem
from ..models.raid import BANDS
from ..raid.portfolio import heat_map, open_risks
from ..resources.service import utilisation
from ..templating import gbp
from . import cache, kpis, tiles
from .blueprint import bp
from .charts import bar_chart
from .forms import DashboardFilters

# The lists the dashboard links to filter by department and programme only.
LIST_FILTERS = ("department", "programme")


@bp.get("/dashboard")
@access.page_permission(access.can_read_portfolio)
def index():
    """The portfolio's KPIs over the initiatives the reader may see, narrowed by the filters.
    An htmx request (the tiles polling) gets the headline tiles alone."""
    filters = DashboardFilters(formdata=request.args)
    decides = access.decides_gates(current_user)

    def render_parts() -> dict[str, Markup]:
        today = date.today()
        figures = collect(filters, today)
        list_filters = {name: filters.chosen[name] for name in LIST_FILTERS if name in filters.chosen}
        scope = snapshot_scope(current_user, filters.chosen)
        earlier, kept_today = tiles.snapshots(scope, today)
        headline = tiles.compared(tiles.headline(figures, tiles.links(list_filters, _gates_href(decides))), earlier)
        context = {"filters": filters, "list_filters": list_filters, "charts": charts(figures), "tiles": headline,
                   "updated_at": datetime.now(UTC), **figures}
        if not kept_today:
            tiles.keep(headline, scope, today)
        return {"tiles": Markup(render_template("dashboard/_tiles.html", **context)),
                "body": Markup(render_template("dashboard/_kpis.html", **context))}

    key = (*cache.audience(current_user, decides), tuple(sorted(filters.chosen.items())))
    return render("dashboard/index.html", "dashboard/_polled.html", filters=filters,
                  parts=cache.rendered(key, render_parts))


def _gates_href(decides: bool) -> str:
    """The gate list the reader may open, else the dashboard's own gates section."""
    if decides:
        return url_for("gates.queue")
    if current_user.has_role("pmo", "admin", "approver"):
        return url_for("gates.index")
    return "#kpi-gates"


def snapshot_scope(user, chosen: dict) -> str:
    """Whose figures these are, for keeping them (models.KpiSnapshot): everyone who sees the
    whole portfolio shares them, anyone else has their own; and the filters chosen."""
    sees = "all" if user.has_role(*access.SEE_ALL_ROLES) else f"user:{user.id}"
    return f"{sees}?{urlencode(sorted(chosen.items()))}"


def collect(filters: DashboardFilters, today: date) -> dict:
    """Every KPI's figures for the current user: a fixed number of statements (about 30)."""
    conditions = filters.conditions()
    scoped = kpis.scope(current_user, conditions)
    year = filters.chosen_year or financial_year(today)
    submitted = [Initiative.state != "draft", *conditions]
    register_count, returns = returns_by_initiative(current_user, submitted, 1)
    grid = heat_map(conditions, None)
    bands = {key: 0 for key, *_rest in BANDS}
    for _level, cells in grid:
        for cell in cells:
            bands[cell.band[0]] += cell.count
    top_risks = db.session.scalars(
        open_risks(conditions).where(RaidItem.likelihood.is_not(None), RaidItem.impact.is_not(None))
        .order_by(RaidItem.score.desc(), RaidItem.review_date.asc().nulls_last(), RaidItem.id)
        .limit(kpis.TOP_RISKS)).unique().all()
    return {
        "pipeline": kpis.pipeline(scoped),
        "performance": kpis.performance(scoped, today),
        "cycle_times": kpis.cycle_times(scoped),
        "adherence": kpis.milestone_adherence(scoped, today),
        "delays": kpis.delays(scoped),
        "utilisation": utilisation(date(year, 4, 1), date(year + 1, 3, 1), filters.chosen.get("department")),
        "utilisation_year": financial_year_label(year),
        "benefit_totals": net_totals(current_user, submitted),
        "returns": returns,
        "returns_count": register_count,
        "portfolio_return": kpis.portfolio_return(scoped),
        "satisfaction": kpis.satisfaction(scoped),
        "confidence": kpis.confidence_spread(scoped),
        "risk_bands": [(key, label, bands[key]) for key, label, *_range in BANDS],
        "top_risks": top_risks,
        "awaiting_gates": kpis.awaiting_gates(scoped),
        "open_issues": kpis.open_issues(scoped),
        "next_milestones": kpis.next_milestones(scoped),
        "today": today,
    }


def _percent(share) -> str:
    return f"{share:.0%}" if share is not None else "No data"


def _days(days) -> str:
    return f"{days:.1f} days" if days is not None else "No data"


def charts(figures: dict) -> dict:
    """The bar charts drawn on the page, each from figures already fetched."""
    pipeline, performance, adherence = figures["pipeline"], figures["performance"], figures["adherence"]
    satisfaction, totals = figures["satisfaction"], figures["benefit_totals"]
    late_met = adherence.due - adherence.met - adherence.open
    return {
        "pipeline": bar_chart(
            "chart-pipeline", "Initiatives by stage",
            f"{pipeline.total} initiatives in the working stages; {pipeline.active} in delivery.",
            [(label, count, str(count), "count") for _key, label, count in pipeline.by_stage]),
        "performance": bar_chart(
            "chart-performance", "On time and within budget",
            f"On time: {_percent(performance.on_time_share)} of {performance.timed}. "
            f"Within budget: {_percent(performance.within_budget_share)} of {performance.budgeted}.",
            [("On time", (performance.on_time_share or 0) * 100,
              f"{_percent(performance.on_time_share)} ({performance.on_time} of {performance.timed})", "share"),
             ("Within budget", (performance.within_budget_share or 0) * 100,
              f"{_percent(performance.within_budget_share)} ({performance.within_budget} of "
              f"{performance.budgeted})", "share")], maximum=100),
        "cycle_times": bar_chart(
            "chart-cycle", "Median time per stage and to decision",
            "Median days in each stage and from intake to each decision; the table gives the 90th percentile.",
            [(time.label, time.median or 0, _days(time.median), "time") for time in figures["cycle_times"]]),
        "adherence": bar_chart(
            "chart-milestones", "Milestones due by their baseline date",
            f"{adherence.due} milestones have reached their baseline date: {adherence.met} met by it, "
            f"{late_met} met late and {adherence.open} still open.",
            [("Met by baseline date", adherence.met, str(adherence.met), "met"),
             ("Met late", late_met, str(late_met), "late"),
             ("Still open", adherence.open, str(adherence.open), "open")]),
        "benefits": bar_chart(
            "chart-benefits", "Financial benefits: planned and realised",
            "Net planned and realised financial benefit in pounds, dis-benefits deducted.",
            [("Planned", totals.planned or 0, gbp(totals.planned), "planned"),
             ("Realised", totals.realised or 0, gbp(totals.realised), "realised")]),
        "satisfaction": bar_chart(
            "chart-satisfaction", "Sponsor satisfaction by quarter of closure",
            "Mean closure score from 1 (very dissatisfied) to 5 (very satisfied), per quarter of the "
            "financial year in which the initiatives closed.",
            [(f"{financial_year_label(year)} Q{quarter}", mean, f"{mean:.1f} ({count} scored)", "score")
             for year, quarter, count, mean in satisfaction.by_quarter], maximum=5),
        "confidence": bar_chart(
            "chart-confidence", "Delivery confidence of initiatives in delivery",
            "How many initiatives in delivery stand at each delivery confidence level.",
            [(label, count, str(count), key) for key, label, count in figures["confidence"]]),
        "risks": bar_chart(
            "chart-risks", "Open risks by band",
            "Open risks of live initiatives by score band (likelihood times impact).",
            [(label, count, str(count), f"risk-{key}") for key, label, count in figures["risk_bands"]]),
        "gates": bar_chart(
            "chart-gates", "Gate reviews awaiting a decision",
            "Requested gate reviews not yet decided, per gate.",
            [(gate, count, str(count), "count") for gate, count in figures["awaiting_gates"]]),
    }

