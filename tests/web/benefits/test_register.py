"""The portfolio benefits register (docs/rules.md 6): financial years April to March, totals by
category and year from SQL, ROI per initiative where computable, filters, who sees what,
and a fixed number of statements per page."""
import re
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import event

from pmo_web.benefits.register import financial_year, financial_year_label
from pmo_web.extensions import db
from tests import factories


def register(client, **args):
    return client.get(url_for("benefits.register", **args))


def table(body: str, caption: str) -> list[list[str]]:
    """The rows of the table with this caption, as lists of cell texts."""
    section = body.split(caption, 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", section.split("<tbody", 1)[1], re.S)
    return [[_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def _text(cell: str) -> str:
    """A cell's visible main text: without screen-reader-only words or the small print under it."""
    cell = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", cell, flags=re.S)
    cell = re.sub(r'<span class="govuk-body-s.*', "", cell, flags=re.S)
    return re.sub(r"<[^>]+>", "", cell).strip()


@pytest.mark.parametrize("day, year, label", [
    (date(2026, 3, 31), 2025, "2025/26"),
    (date(2026, 4, 1), 2026, "2026/27"),
    (date(2026, 1, 1), 2025, "2025/26"),
    (date(2025, 12, 31), 2025, "2025/26"),
    (date(1999, 4, 1), 1999, "1999/00"),
    (None, None, "No date"),
])
def test_financial_years_run_april_to_march(day, year, label):
    assert financial_year(day) == year
    assert financial_year_label(financial_year(day)) == label


def test_benefits_fall_in_the_year_they_are_due_or_were_realised(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="benefits_review")
    # Due on the last day of 2025/26, and on the first day of 2026/27.
    factories.make_benefit(initiative, name="Due 31 March", planned_value=Decimal("100"), target_date=date(2026, 3, 31))
    factories.make_benefit(initiative, name="Due 1 April", planned_value=Decimal("200"), target_date=date(2026, 4, 1))
    # Realised a day after its target: it counts in the year it was realised.
    factories.make_benefit(initiative, name="Realised late", planned_value=Decimal("400"),
                           realised_value=Decimal("450"), target_date=date(2026, 3, 31),
                           actual_date=date(2026, 4, 1), actual="Done", status="realised")
    # Measured but not realised: still placed by its target date.
    factories.make_benefit(initiative, name="Measured, at risk", planned_value=Decimal("800"),
                           target_date=date(2026, 3, 31), actual_date=date(2026, 5, 1), actual="Half",
                           status="at_risk")
    factories.make_benefit(initiative, name="Undated", planned_value=Decimal("1600"))
    db.session.commit()
    auth.login(users["viewer"])
    body = register(client).get_data(as_text=True)
    assert table(body, "By financial year") == [
        ["2025/26", "2", "£900", "—"],
        ["2026/27", "2", "£600", "£450"],
        ["No date", "1", "£1,600", "—"],
    ]
    benefits = {row[0]: row[-1] for row in table(body, "Benefits, by initiative")}
    assert benefits == {"Due 31 March": "2025/26", "Due 1 April": "2026/27", "Realised late": "2026/27",
                        "Measured, at risk": "2025/26", "Undated": "No date"}
    # The year filter uses the same rule.
    filtered = register(client, year=2026).get_data(as_text=True)
    assert {row[0] for row in table(filtered, "Benefits, by initiative")} == {
        "Due 1 April", "Realised late"}


def test_roi_is_computed_per_initiative_where_both_sides_are_known(client, auth, users):
    owner = users["requester"]
    # Cost £200,000 (actual); realised £260,000 cash-releasing less a £10,000 dis-benefit:
    # (250,000 - 200,000) / 200,000 = 25%.
    known = factories.make_initiative(owner=owner, state="closed", title="Known return",
                                      budget_forecast=Decimal("999999"), budget_actual=Decimal("200000"))
    factories.make_benefit(known, category="cash_releasing", planned_value=Decimal("240000"),
                           realised_value=Decimal("260000"))
    factories.make_benefit(known, category="dis_benefit", planned_value=Decimal("5000"),
                           realised_value=Decimal("10000"))
    factories.make_benefit(known, category="quality", name="Better service")  # no money either way
    # Only a forecast cost (£50,000) and £40,000 realised: (40,000 - 50,000) / 50,000 = -20%.
    forecast = factories.make_initiative(owner=owner, state="benefits_review", title="Forecast only",
                                         budget_forecast=Decimal("50000"))
    factories.make_benefit(forecast, category="cost_avoidance", realised_value=Decimal("40000"))
    # Nothing realised yet: no ROI.
    pending = factories.make_initiative(owner=owner, state="delivery", title="Nothing realised",
                                        budget_actual=Decimal("10000"))
    factories.make_benefit(pending, category="cash_releasing", planned_value=Decimal("30000"))
    db.session.commit()
    auth.login(users["viewer"])
    body = register(client).get_data(as_text=True)
    rows = {row[0]: row[1:] for row in
            table(body, "Initiatives with benefits: totals and return on investment")}
    assert rows[known.reference] == ["3", "£235,000", "£250,000", "£200,000", "25%"]
    assert rows[forecast.reference] == ["1", "—", "£40,000", "£50,000", "-20%"]
    assert rows[pending.reference] == ["1", "£30,000", "—", "£10,000", "Not computable"]
    assert f'href="/initiatives/{known.id}/benefits-review"' in body
    # The same figure as the initiative's own benefits review (one formula, reused).
    review = client.get(url_for("review.benefits", initiative_id=known.id)).get_data(as_text=True)
    assert "<strong>25%</strong>" in review


def test_totals_by_category_and_net_of_dis_benefits(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="closed")
    factories.make_benefit(initiative, category="cash_releasing", planned_value=Decimal("1000"),
                           realised_value=Decimal("1200"))
    factories.make_benefit(initiative, category="cash_releasing", planned_value=Decimal("500"))
    factories.make_benefit(initiative, category="dis_benefit", planned_value=Decimal("300"),
                           realised_value=Decimal("200"))
    db.session.commit()
    auth.login(users["pmo"])
    body = register(client).get_data(as_text=True)
    by_category = {row[0]: row[1:] for row in table(body, "By category")}
    assert by_category["Cash-releasing"] == ["2", "£1,500", "£1,200"]
    assert by_category["Dis-benefit"] == ["1", "£300", "£200"]
    assert by_category["Cost avoidance"] == ["0", "—", "—"]
    assert "£1,200 (dis-benefits deducted)" in body  # planned 1,500 - 300
    assert "£1,000 (dis-benefits deducted)" in body  # realised 1,200 - 200


def test_filters_by_department_programme_and_category(client, auth, users):
    programme = factories.make_programme("Capital programme")
    estates = factories.make_department("Estates")
    in_programme = factories.make_initiative(owner=factories.make_user(department=estates), state="closed",
                                             programme=programme)
    other = factories.make_initiative(owner=users["requester"], state="closed")
    factories.make_benefit(in_programme, name="Estates saving", category="cash_releasing")
    factories.make_benefit(other, name="Hours released", category="non_cash_releasing")
    db.session.commit()
    auth.login(users["pmo"])

    def names(**args):
        body = register(client, **args).get_data(as_text=True)
        return {row[0] for row in table(body, "Benefits, by initiative")}

    assert names() == {"Estates saving", "Hours released"}
    assert names(department=estates.id) == {"Estates saving"}
    assert names(programme=programme.id) == {"Estates saving"}
    assert names(category="non_cash_releasing") == {"Hours released"}
    assert names(category="bogus", year="x") == {"Estates saving", "Hours released"}  # bad values ignored


def test_each_reader_sees_only_what_they_may(client, auth, users, outsider):
    own = factories.make_initiative(owner=users["requester"], state="closed")
    hidden = factories.make_initiative(owner=outsider, state="closed")
    factories.make_benefit(own, name="Own benefit", planned_value=Decimal("10"))
    factories.make_benefit(hidden, name="Hidden benefit", planned_value=Decimal("99"))
    constable = factories.make_user(roles=("viewer",), rank="constable")
    db.session.commit()
    auth.login(users["requester"])
    body = register(client).get_data(as_text=True)
    assert "Own benefit" in body and "Hidden benefit" not in body and "£99" not in body
    auth.logout()
    auth.login(constable)
    assert register(client).status_code == 403


@contextmanager
def counting():
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _benefits(users, count: int) -> None:
    for n in range(count):
        initiative = factories.make_initiative(owner=users["requester"], state="closed",
                                               programme=factories.make_programme() if n % 2 else None,
                                               budget_actual=Decimal(1000 + n))
        factories.make_benefit(initiative, planned_value=Decimal(n), realised_value=Decimal(n * 2),
                               target_date=date(2024 + n % 3, 1 + n % 12, 1), category="cash_releasing")
    db.session.commit()


@pytest.mark.parametrize("args", [{}, {"category": "cash_releasing"}, {"year": 2024}])
def test_the_register_runs_the_same_number_of_statements_for_3_or_60_benefits(client, auth, users, args):
    auth.login(users["pmo"])
    _benefits(users, 3)
    client.get(url_for("benefits.register", **args))
    with counting() as small:
        assert register(client, **args).status_code == 200
    _benefits(users, 57)
    client.get(url_for("benefits.register", **args))
    with counting() as large:
        assert register(client, **args).status_code == 200
    assert len(small) == len(large), (len(small), len(large))
