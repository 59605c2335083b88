"""The portfolio benefits register's arithmetic: financial years, totals and ROI, in SQL.

A benefit falls in the financial year (April to March, docs/rules.md 6) of its actual date once
it is realised (wholly or partly), otherwise of its target date; a benefit with neither has
no year. Totals are SQL aggregates; a dis-benefit counts against the net total, as in
models.delivery.realised_financial_benefit. ROI is the initiative's own
(Initiative.return_on_investment) over the realised total, shown only where computable.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Integer, and_, case, cast, extract, func, select
from sqlalchemy.orm import contains_eager

from .. import access
from ..extensions import db
from ..models import Benefit, Initiative
from ..models.cases import BENEFIT_CATEGORIES
from ..models.delivery import signed_realised_value

REALISED_STATUSES = ("realised", "partially_realised")
FIRST_MONTH = 4  # April
REGISTER_PAGE_SIZE = 50
LAST_PAGE = (2**31 - 1) // REGISTER_PAGE_SIZE


def financial_year(day: date | None) -> int | None:
    """The year a financial year starts in: 31 March 2026 is in 2025 (2025/26), 1 April 2026 in 2026."""
    if day is None:
        return None
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def financial_year_label(start: int | None) -> str:
    """2025 -> "2025/26"; None -> "No date"."""
    return f"{start}/{(start + 1) % 100:02d}" if start is not None else "No date"


def benefit_financial_year(benefit: Benefit) -> int | None:
    """Python twin of financial_year_sql() for one benefit already loaded."""
    realised = benefit.status in REALISED_STATUSES and benefit.actual_date is not None
    return financial_year(benefit.actual_date if realised else benefit.target_date)


def register_date():
    """SQL: the date that places a benefit in a financial year (actual when realised, else target)."""
    realised = and_(Benefit.status.in_(REALISED_STATUSES), Benefit.actual_date.is_not(None))
    return case((realised, Benefit.actual_date), else_=Benefit.target_date)


def financial_year_sql():
    """SQL twin of financial_year() over register_date(): NULL for a benefit with no date."""
    day = register_date()
    year = cast(extract("year", day), Integer)
    return year - case((cast(extract("month", day), Integer) < FIRST_MONTH, 1), else_=0)


@dataclass(frozen=True)
class Totals:
    """One line of a summary: how many benefits, planned and realised GBP (None: none known)."""

    label: str
    count: int
    planned: Decimal | None
    realised: Decimal | None


@dataclass(frozen=True)
class InitiativeReturn:
    """One initiative's benefits in the register, with ROI where both sides are known."""

    initiative: Initiative
    count: int
    planned: Decimal | None
    realised: Decimal | None
    roi: Decimal | None


def _scope(user, conditions):
    """The benefits of initiatives `user` may see, narrowed by the filters' conditions."""
    return (select().select_from(Benefit).join(Initiative, Benefit.initiative_id == Initiative.id)
            .where(Benefit.deleted_at.is_(None), access.visible_clause(user), *conditions))


def _sums(signed: bool = False):
    planned = case((Benefit.category == "dis_benefit", -Benefit.planned_value), else_=Benefit.planned_value) \
        if signed else Benefit.planned_value
    realised = signed_realised_value() if signed else Benefit.realised_value
    return func.count(Benefit.id), func.sum(planned), func.sum(realised)


def by_category(user, conditions) -> list[Totals]:
    """Planned against realised per benefit category (every category, in the standard order)."""
    rows = {row[0]: row[1:] for row in db.session.execute(
        _scope(user, conditions).add_columns(Benefit.category, *_sums()).group_by(Benefit.category))}
    return [Totals(label, *rows.get(key, (0, None, None))) for key, label in BENEFIT_CATEGORIES
            if key in rows or not conditions]


def by_financial_year(user, conditions) -> list[Totals]:
    """Planned against realised per financial year, oldest first; undated benefits last."""
    year = financial_year_sql().label("year")
    rows = db.session.execute(_scope(user, conditions).add_columns(year, *_sums()).group_by(year)).all()
    rows.sort(key=lambda row: (row[0] is None, row[0] or 0))
    return [Totals(financial_year_label(row[0]), *row[1:]) for row in rows]


def net_totals(user, conditions) -> Totals:
    """The whole (filtered) register, dis-benefits deducted."""
    row = db.session.execute(_scope(user, conditions).add_columns(*_sums(signed=True))).one()
    return Totals("Net of dis-benefits", *row)


def returns_by_initiative(user, conditions, page_number: int):
    """(how many initiatives, a page of them) with benefits in the register, by reference:
    each one's net planned and realised totals and ROI."""
    count, planned, realised = _sums(signed=True)
    # Aggregated by initiative first, then joined: the initiative's eagerly loaded owner and
    # department stay outside the GROUP BY.
    sums = (_scope(user, conditions).add_columns(Benefit.initiative_id, count.label("count"),
                                                 planned.label("planned"), realised.label("realised"))
            .group_by(Benefit.initiative_id).subquery("sums"))
    total = db.session.scalar(select(func.count()).select_from(sums))
    page_number = max(1, min(page_number, LAST_PAGE))
    rows = db.session.execute(
        select(Initiative, sums.c["count"], sums.c.planned, sums.c.realised)
        .join(sums, sums.c.initiative_id == Initiative.id).order_by(Initiative.id)
        .limit(REGISTER_PAGE_SIZE).offset((page_number - 1) * REGISTER_PAGE_SIZE)).all()
    return total, [InitiativeReturn(initiative, count, planned, realised, initiative.return_on_investment(realised))
                   for initiative, count, planned, realised in rows]


def benefits_page(user, conditions, page_number: int):
    """A page of the register's benefits, by initiative then name, with their initiative loaded."""
    query = (select(Benefit).join(Initiative, Benefit.initiative_id == Initiative.id)
             .where(Benefit.deleted_at.is_(None), access.visible_clause(user), *conditions)
             .options(contains_eager(Benefit.initiative))
             .order_by(Initiative.id, Benefit.id))
    return db.paginate(query, page=max(1, min(page_number, LAST_PAGE)), per_page=REGISTER_PAGE_SIZE,
                       error_out=False)
