"""The portfolio benefits register: planned against realised, by category and financial year."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from .. import access
from ..htmx import render
from .blueprint import bp
from .forms import RegisterFilters
from .register import (
    REGISTER_PAGE_SIZE,
    benefit_financial_year,
    benefits_page,
    by_category,
    by_financial_year,
    financial_year_label,
    net_totals,
    returns_by_initiative,
)


@bp.get("/benefits")
@access.portfolio_readers_only
def register():
    """Every benefit of the initiatives the user may see: totals by category and year, ROI, the list."""
    filters = RegisterFilters(formdata=request.args)
    conditions = filters.conditions()
    roi_page = request.args.get("roi_page", 1, type=int)
    initiative_count, returns = returns_by_initiative(current_user, conditions, roi_page)
    return render("benefits/register.html", filters=filters, by_category=by_category(current_user, conditions),
                  by_year=by_financial_year(current_user, conditions), totals=net_totals(current_user, conditions),
                  initiative_count=initiative_count, returns=returns, roi_page=roi_page,
                  roi_pages=-(-initiative_count // REGISTER_PAGE_SIZE),
                  benefits=benefits_page(current_user, conditions, request.args.get("page", 1, type=int)),
                  benefit_year=benefit_financial_year, financial_year_label=financial_year_label)
