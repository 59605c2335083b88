"""The portfolio view: every initiative the reader may see, one row each, sortable by any
column and narrowed by filters, all kept in the address (GET), fifty to a page.

A page is two statements whatever its size (the rows with what each shows, and the count):
the next milestone, department, manager and programme are read by correlated subqueries or
joined loads, never row by row. Sorting is by a column key and an order from the address;
anything else falls back to the newest first.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import request
from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased, joinedload

from workflows.lifecycle import STAGE_OF, STAGES

from .. import access
from ..models import Department, Initiative, Milestone, Programme, Score, User
from ..models.initiatives import CONFIDENCE
from ..paging import RowPagination, paginate_rows

PAGE_SIZE = 50
ORDERS = ("asc", "desc")


def current_band():
    """SQL: the initiative's current priority band, its latest scoring's (as overridden);
    None when it has not been scored. Aliased, so it correlates to Initiative alone."""
    later, latest = aliased(Score), aliased(Score)
    newest = (select(func.max(later.id)).where(later.initiative_id == Initiative.id)
              .correlate(Initiative).scalar_subquery())
    return (select(func.coalesce(func.nullif(latest.band_override, ""), latest.band))
            .where(latest.id == newest).correlate(Initiative).scalar_subquery())


def _open_milestone(column):
    """SQL: `column` of the initiative's next open milestone (due soonest: forecast, else baseline)."""
    due = func.coalesce(Milestone.forecast_date, Milestone.baseline_date)
    return (select(column).where(Milestone.initiative_id == Initiative.id, Milestone.actual_date.is_(None))
            .order_by(due, Milestone.id).limit(1).scalar_subquery())


def next_milestone_due():
    return _open_milestone(func.coalesce(Milestone.forecast_date, Milestone.baseline_date))


def next_milestone_name():
    return _open_milestone(Milestone.name)


def _name_of(model, key):
    return select(model.name).where(model.id == key).scalar_subquery()


@dataclass(frozen=True)
class SortColumn:
    key: str
    label: str
    numeric: bool = False


# The table's columns in order; each sorts by the SQL in `sort_by` below.
COLUMNS = (
    SortColumn("reference", "Reference"),
    SortColumn("title", "Title"),
    SortColumn("department", "Department"),
    SortColumn("stage", "Stage"),
    SortColumn("confidence", "Delivery confidence"),
    SortColumn("budget", "Budget against forecast", numeric=True),
    SortColumn("milestone", "Next milestone"),
    SortColumn("end", "End date"),
    SortColumn("manager", "Manager"),
    SortColumn("programme", "Programme"),
)
DEFAULT_SORT, DEFAULT_ORDER = "reference", "desc"


def sort_by(key: str):
    """SQL for sorting by column `key`. Stages go in lifecycle order, confidence from Green to
    Red; the budget by how far the forecast is above (+) or below (-) the approved budget;
    the end date is the forecast end, else the planned end."""
    stage_order = [stage for stage, _label in STAGES]
    return {
        "reference": Initiative.id,
        "title": func.lower(Initiative.title),
        "department": func.lower(_name_of(Department, Initiative.department_id)),
        "stage": case({state: stage_order.index(stage) for state, stage in STAGE_OF.items()},
                      value=Initiative.state),
        "confidence": case({key: index for index, (key, _label) in enumerate(CONFIDENCE)},
                           value=Initiative.delivery_confidence),
        "budget": Initiative.budget_forecast - Initiative.budget_approved,
        "milestone": next_milestone_due(),
        "end": func.coalesce(Initiative.forecast_end, Initiative.planned_end),
        "manager": func.lower(_name_of(User, Initiative.manager_id)),
        "programme": func.lower(_name_of(Programme, Initiative.programme_id)),
    }[key]


@dataclass(frozen=True)
class Sort:
    """The column the list is sorted by and which way, read from the address."""

    key: str = DEFAULT_SORT
    order: str = DEFAULT_ORDER

    @classmethod
    def from_request(cls) -> Sort:
        key, order = request.args.get("sort", ""), request.args.get("order", "")
        if key not in {column.key for column in COLUMNS}:
            return cls()
        return cls(key, order if order in ORDERS else "asc")

    @property
    def is_default(self) -> bool:
        return (self.key, self.order) == (DEFAULT_SORT, DEFAULT_ORDER)

    @property
    def args(self) -> dict:
        """For links that keep the sort: nothing when it is the default."""
        return {} if self.is_default else {"sort": self.key, "order": self.order}

    def aria(self, key: str) -> str | None:
        """aria-sort for column `key`: only the sorted column has one."""
        if key != self.key:
            return None
        return "ascending" if self.order == "asc" else "descending"

    def link_args(self, key: str) -> dict:
        """The address arguments that sort by `key`: the other way round if it is sorted already."""
        order = ("desc" if self.order == "asc" else "asc") if key == self.key else "asc"
        return {"sort": key, "order": order}

    def clauses(self) -> tuple:
        column = sort_by(self.key)
        ordered = column.asc() if self.order == "asc" else column.desc()
        tie = Initiative.id.asc() if self.order == "asc" else Initiative.id.desc()
        return (ordered.nulls_last(), tie) if self.key != "reference" else (ordered,)


def portfolio_page(user, conditions, sort: Sort) -> RowPagination:
    """The page of (initiative, next milestone's name, its due date) rows the address asks for."""
    query = (select(Initiative, next_milestone_name().label("milestone_name"),
                    next_milestone_due().label("milestone_due"))
             .where(access.visible_clause(user), Initiative.state != "draft", *conditions)
             .options(joinedload(Initiative.manager), joinedload(Initiative.programme))
             .order_by(*sort.clauses()))
    return paginate_rows(query, PAGE_SIZE)
