"""The portfolio across every RAID log: risk heat map and top risks, escalations, dependencies.

Read by whoever may read the portfolio (access.can_read_portfolio), over the initiatives
they may see (access.visible_clause). Only live work counts: items of drafts and of work
that has ended (closed, rejected, cancelled ...) and soft-deleted items never do. Every page
loads in a fixed number of statements whatever the size of the logs: the heat map is one
GROUP BY and each list one joined select.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask import render_template, request
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, contains_eager, joinedload
from wtforms import SelectChoice, SelectField
from wtforms.validators import Optional

from workflows.lifecycle import DELIVERED_STATES, STATE_LABELS, STOPPED_STATES, TERMINAL_STATES

from .. import access
from ..extensions import db
from ..htmx import render
from ..initiatives.forms import InitiativeFilters
from ..models import Initiative, Milestone, RaidItem
from ..models.raid import ALL_OPEN_STATUSES, BANDS, IMPACTS, LIKELIHOODS, OPEN_STATUSES, band_for
from ..templating import uk_date
from .blueprint import bp

# Work whose RAID items count in the portfolio: submitted and not yet ended.
NOT_LIVE = (*TERMINAL_STATES, "draft")
# A provider that has finished delivering can no longer be late for those waiting on it.
DELIVERED = DELIVERED_STATES
STOPPED = STOPPED_STATES
TOP_RISKS = 10
PAGE_SIZE = 50
LAST_PAGE = (2**31 - 1) // PAGE_SIZE


class RiskFilters(InitiativeFilters):
    """Department and programme of the initiatives whose risks are counted."""


class EscalationFilters(InitiativeFilters):
    """Narrow the escalations by board, department and programme; open items unless asked."""

    board = SelectField("Board", widget=GovSelect(), validators=[Optional()])
    show = SelectField("Show", widget=GovSelect(), validators=[Optional()],
                       choices=[SelectChoice("", "Open items only"), SelectChoice("all", "Open and closed items")])

    def __init__(self, boards: list[str], **kwargs):
        self.boards = boards
        super().__init__(**kwargs)

    def set_choices(self) -> None:
        super().set_choices()
        self.board.choices = [SelectChoice("", "All boards")] + [SelectChoice(name, name) for name in self.boards]

    def conditions(self) -> list:
        found = [self.condition(name, value) for name, value in self.chosen.items() if name != "show"]
        return found if self.chosen.get("show") == "all" else [*found, RaidItem.status.in_(ALL_OPEN_STATUSES)]

    def condition(self, name: str, value):
        if name == "board":
            return RaidItem.escalated_to == value
        return super().condition(name, value)


class DependencyFilters(InitiativeFilters):
    """Department and programme of the initiatives that wait."""


def _counted(*conditions):
    """The conditions every portfolio view puts on RAID items joined to their initiative."""
    return (RaidItem.deleted_at.is_(None), Initiative.state.not_in(NOT_LIVE),
            access.visible_clause(current_user), *conditions)


def _open(kind: str):
    return (RaidItem.kind == kind, RaidItem.status.in_(OPEN_STATUSES[kind]))


def _scale_value(name: str) -> int | None:
    """A likelihood or impact from the address: 1-5, anything else is no choice."""
    value = request.args.get(name, type=int)
    return value if value is not None and 1 <= value <= 5 else None


def _page_number() -> int:
    return max(1, min(request.args.get("page", 1, type=int), LAST_PAGE))


# ------------------------------------------------------------------------- risk heat map


@dataclass(frozen=True)
class HeatCell:
    """One cell of the 5x5 map: its scale values, score, band and count of open risks."""

    likelihood: int
    impact: int
    count: int
    selected: bool

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def band(self) -> tuple[str, str]:
        return band_for(self.score)


def heat_map(conditions, selected: tuple[int, int] | None) -> list[tuple[tuple[int, str], list[HeatCell]]]:
    """Rows from "almost certain" down to "rare", each with its five cells by impact; counts
    come from one GROUP BY over the open risks that meet `conditions`."""
    counts = dict(((likelihood, impact), count) for likelihood, impact, count in db.session.execute(
        select(RaidItem.likelihood, RaidItem.impact, func.count(RaidItem.id))
        .join(Initiative, RaidItem.initiative_id == Initiative.id)
        .where(*_counted(*_open("risk"), RaidItem.likelihood.is_not(None), RaidItem.impact.is_not(None)),
               *conditions)
        .group_by(RaidItem.likelihood, RaidItem.impact)))
    return [(level, [HeatCell(level[0], impact, counts.get((level[0], impact), 0),
                              selected == (level[0], impact)) for impact, _label in IMPACTS])
            for level in reversed(LIKELIHOODS)]


def open_risks(conditions):
    """Open risks that meet `conditions`, with their initiative and owner loaded."""
    return (select(RaidItem).join(RaidItem.initiative)
            .where(*_counted(*_open("risk")), *conditions)
            .options(contains_eager(RaidItem.initiative), joinedload(RaidItem.owner)))


@bp.get("/portfolio/risks")
@access.page_permission(access.can_read_portfolio)
def portfolio_risks():
    """Open risks across the portfolio on a likelihood by impact heat map, with the top risks."""
    filters = RiskFilters(formdata=request.args)
    conditions = filters.conditions()
    likelihood, impact = _scale_value("likelihood"), _scale_value("impact")
    selected = (likelihood, impact) if likelihood and impact else None
    cell_page = None
    if selected:
        cell_query = open_risks(conditions).where(RaidItem.likelihood == likelihood, RaidItem.impact == impact) \
            .order_by(RaidItem.review_date.asc().nulls_last(), RaidItem.id)
        cell_page = db.paginate(cell_query, page=_page_number(), per_page=PAGE_SIZE, error_out=False)
    top = db.session.scalars(
        open_risks(conditions).where(RaidItem.likelihood.is_not(None), RaidItem.impact.is_not(None))
        .order_by(RaidItem.score.desc(), RaidItem.review_date.asc().nulls_last(), RaidItem.id)
        .limit(TOP_RISKS)).unique().all()
    grid = heat_map(conditions, selected)
    return render("raid/portfolio_risks.html", "raid/_heatmap.html", filters=filters, grid=grid,
                  total=sum(cell.count for _level, cells in grid for cell in cells),
                  selected=selected, cell_page=cell_page, top_risks=top, bands=BANDS,
                  likelihoods=dict(LIKELIHOODS), impacts=dict(IMPACTS), impact_scale=IMPACTS,
                  today=date.today())


# --------------------------------------------------------------------------- escalations


@bp.get("/portfolio/escalations")
@access.page_permission(access.can_read_portfolio)
def portfolio_escalations():
    """RAID items escalated to a board, newest first, with the note, for each board to take."""
    escalated = (RaidItem.escalated.is_(True),)
    boards = db.session.scalars(
        select(RaidItem.escalated_to).distinct().join(Initiative, RaidItem.initiative_id == Initiative.id)
        .where(*_counted(*escalated), RaidItem.escalated_to != "").order_by(RaidItem.escalated_to)).all()
    filters = EscalationFilters(boards, formdata=request.args)
    query = (select(RaidItem).join(RaidItem.initiative).where(*_counted(*escalated, *filters.conditions()))
             .options(contains_eager(RaidItem.initiative), joinedload(RaidItem.owner))
             .order_by(RaidItem.escalated_at.desc().nulls_last(), RaidItem.id.desc()))
    page = db.paginate(query, page=_page_number(), per_page=PAGE_SIZE, error_out=False)
    return render_template("raid/portfolio_escalations.html", filters=filters, page=page, boards=boards)


# -------------------------------------------------------------------------- dependencies


@dataclass(frozen=True)
class Flag:
    """Why a dependency needs attention: a short label and the reason in words."""

    key: str  # on_hold | late | stopped | overdue
    label: str
    reason: str


def dependency_flags(item: RaidItem, provider: Initiative | None, overdue: list[tuple[str, date]],
                     today: date) -> list[Flag]:
    """What puts this dependency at risk: its provider on hold, stopped or late (forecast end
    after the needed-by date, end-date variance, an overdue milestone), or the date passed.

    `overdue` is the provider's unmet milestones past their date, earliest first.
    """
    flags = []
    needed_by = item.due_date
    if provider is not None and provider.state == "on_hold":
        flags.append(Flag("on_hold", "Provider on hold",
                          f"{provider.reference} has been on hold since {uk_date(provider.state_changed_at)}"))
    elif provider is not None and provider.state in STOPPED:
        flags.append(Flag("stopped", "Provider stopped",
                          f"{provider.reference} was {STATE_LABELS[provider.state].lower()}"))
    if provider is not None and provider.state not in DELIVERED + STOPPED:
        reasons = []
        if needed_by and provider.forecast_end and provider.forecast_end > needed_by:
            days = (provider.forecast_end - needed_by).days
            reasons.append(f"forecast to finish on {uk_date(provider.forecast_end)}, "
                           f"{days} day{'s' if days != 1 else ''} after it is needed")
        if (provider.end_variance_days or 0) > 0:
            reasons.append(f"its forecast end is {provider.end_variance_text} against plan")
        if overdue:
            name, due = overdue[0]
            more = f" (and {len(overdue) - 1} more)" if len(overdue) > 1 else ""
            reasons.append(f"milestone “{name}” was due on {uk_date(due)} and is not met{more}")
        if reasons:
            flags.append(Flag("late", "Provider late", f"{provider.reference} is late: " + "; ".join(reasons)))
    if needed_by and needed_by < today:
        flags.append(Flag("overdue", "Needed-by date passed", f"Needed by {uk_date(needed_by)}, which has passed"))
    return flags


@dataclass
class Dependency:
    """One open dependency with its provider as this user may see it, and its flags."""

    item: RaidItem
    provider: Initiative | None  # None: an external party, or an initiative hidden from the user
    hidden_provider: bool
    flags: list[Flag]


@bp.get("/portfolio/dependencies")
@access.page_permission(access.can_read_portfolio)
def portfolio_dependencies():
    """What each initiative waits on and who waits on each, flagging late or paused providers."""
    filters = DependencyFilters(formdata=request.args)
    today = date.today()
    waiting = (*_open("dependency"), RaidItem.direction == "we_need", *filters.conditions())
    provider = aliased(Initiative)
    items = db.session.scalars(
        select(RaidItem).join(RaidItem.initiative).outerjoin(provider, RaidItem.depends_on)
        .where(*_counted(*waiting))
        .options(contains_eager(RaidItem.initiative), contains_eager(RaidItem.depends_on.of_type(provider)),
                 joinedload(RaidItem.owner))
        .order_by(Initiative.id, RaidItem.due_date.asc().nulls_last(), RaidItem.id)).unique().all()
    providers_waited_on = (select(RaidItem.depends_on_id).join(Initiative, RaidItem.initiative_id == Initiative.id)
                           .where(*_counted(*waiting)))
    milestone_due = func.coalesce(Milestone.forecast_date, Milestone.baseline_date)
    overdue = defaultdict(list)
    for initiative_id, name, due in db.session.execute(
            select(Milestone.initiative_id, Milestone.name, milestone_due)
            .where(Milestone.initiative_id.in_(providers_waited_on), Milestone.actual_date.is_(None),
                   milestone_due < today)
            .order_by(milestone_due, Milestone.id)):
        overdue[initiative_id].append((name, due))
    dependencies = []
    for item in items:
        seen = item.depends_on if item.depends_on and access.can_see(current_user, item.depends_on) else None
        flags = dependency_flags(item, seen, overdue[seen.id] if seen else [], today)
        dependencies.append(Dependency(item, seen, item.depends_on_id is not None and seen is None, flags))
    return render_template("raid/portfolio_dependencies.html", filters=filters, **_dependency_groups(dependencies))


def _dependency_groups(dependencies: list[Dependency]) -> dict:
    """The dependencies grouped by the initiative that waits, and by the initiative waited on."""
    waits_on, waited_on = {}, {}
    for dependency in dependencies:
        waits_on.setdefault(dependency.item.initiative_id, (dependency.item.initiative, []))[1].append(dependency)
        if dependency.provider is not None:
            waited_on.setdefault(dependency.provider.id, (dependency.provider, []))[1].append(dependency)
    return {
        "dependencies": dependencies,
        "waits_on": list(waits_on.values()),
        "waited_on": sorted(waited_on.values(), key=lambda group: (-len(group[1]), group[0].id)),
        "flagged": sum(1 for dependency in dependencies if dependency.flags),
    }
