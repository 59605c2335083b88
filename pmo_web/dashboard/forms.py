"""The dashboard's filters (a GET form: no CSRF): department, programme, funding type, year."""
from __future__ import annotations

from datetime import UTC, date, datetime

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from sqlalchemy import and_, func, or_, select
from wtforms import SelectChoice, SelectField
from wtforms.validators import Optional

from workflows.lifecycle import TERMINAL_STATES

from ..benefits.register import FIRST_MONTH, financial_year, financial_year_label
from ..extensions import db
from ..fields import optional_id, select_choices
from ..initiatives.forms import InitiativeFilters
from ..models import Initiative
from ..models.initiatives import FUNDING_TYPES


def year_start(year: int) -> datetime:
    """1 April of financial year `year`, midnight UTC."""
    return datetime(year, FIRST_MONTH, 1, tzinfo=UTC)


def live_in_year(year: int):
    """SQL: the initiative was live at some time in financial year `year`: submitted before
    the year ended, and not ended (closed, rejected ...) before it began."""
    ended = Initiative.state.in_(TERMINAL_STATES)
    return and_(Initiative.submitted_at < year_start(year + 1),
                or_(~ended, Initiative.state_changed_at >= year_start(year)))


class DashboardFilters(InitiativeFilters):
    """Narrow every KPI to the initiatives of a department, programme, funding type and year."""

    funding = SelectField("Funding type", widget=GovSelect(), validators=[Optional()],
                          choices=[SelectChoice("", "Capital and revenue")] + select_choices(FUNDING_TYPES))
    # April to March; the page says which initiatives count in a year.
    year = SelectField("Financial year", widget=GovSelect(), coerce=optional_id, validators=[Optional()])

    def set_choices(self) -> None:
        super().set_choices()
        self.year.choices = [SelectChoice("", "All years")] + [
            SelectChoice(year, financial_year_label(year)) for year in reversed(self.years())]

    @staticmethod
    def years() -> list[int]:
        """From the year of the first submission to this one (one statement)."""
        current = financial_year(date.today())
        first = db.session.scalar(select(func.min(Initiative.submitted_at)))
        start = min(financial_year(first.date()), current) if first else current
        return list(range(start, current + 1))

    @property
    def chosen_year(self) -> int | None:
        return self.chosen.get("year")

    def condition(self, name: str, value):
        if name == "funding":
            return Initiative.funding_type == value
        if name == "year":
            return live_in_year(value)
        return super().condition(name, value)
