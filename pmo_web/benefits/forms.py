"""The portfolio benefits register's filters (a GET form: no CSRF)."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from sqlalchemy import select
from wtforms import SelectChoice, SelectField
from wtforms.validators import Optional

from ..extensions import db
from ..fields import optional_id, select_choices
from ..initiatives.forms import InitiativeFilters
from ..models import Benefit, Initiative
from ..models.cases import BENEFIT_CATEGORIES
from .register import financial_year_label, financial_year_sql


class RegisterFilters(InitiativeFilters):
    """Narrow the register by department, programme, benefit category and financial year."""

    category = SelectField("Category", widget=GovSelect(), validators=[Optional()],
                           choices=[SelectChoice("", "All categories")] + select_choices(BENEFIT_CATEGORIES))
    # April to March; the page says how a benefit is placed in a year.
    year = SelectField("Financial year", widget=GovSelect(), coerce=optional_id, validators=[Optional()])

    def set_choices(self) -> None:
        super().set_choices()
        # The years the register has benefits in (one query).
        years = db.session.scalars(select(financial_year_sql().label("year")).select_from(Benefit)
                                   .distinct().order_by("year"))
        self.year.choices = [SelectChoice("", "All years")] + [
            SelectChoice(year, financial_year_label(year)) for year in years if year is not None]

    def condition(self, name: str, value):
        if name == "category":
            return Benefit.category == value
        if name == "year":
            return financial_year_sql() == value
        return getattr(Initiative, f"{name}_id") == value
