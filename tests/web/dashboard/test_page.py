"""The dashboard page: who may open it (the rank rule of docs/rules.md 2), whose data it counts,
the filters (bad values ignored, never a 500), the charts (title, description and a table
with the same numbers), the cache, and a fixed number of statements at two sizes."""
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import url_for

from pmo_web.extensions import db
from pmo_web.models import Setting
from tests import factories
from tests.test_query_counts import counting


def dashboard(client, **args):
    return client.get(url_for("dashboard.index", **args))


def figure(body: str, section: str) -> str:
    """The first headline figure of a KPI section, e.g. "3" of "3 active workstreams"."""
    part = body.split(f'id="kpi-{section}"', 1)[1]
    return re.search(r'<span class="app-kpi__value">(.*?)</span>', part, re.S).group(1).strip()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = dashboard(client)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role, rank, status", [
    ("viewer", "constable", 403),
    ("viewer", "sergeant", 200),
    ("requester", "constable", 403),
    ("requester", "inspector", 200),
    ("pmo", "constable", 200),
    ("approver", "constable", 200),
])
def test_the_rank_rule_decides_who_may_read_it(client, auth, department, role, rank, status):
    user = factories.make_user(roles=(role,), rank=rank, department=department)
    db.session.commit()
    auth.login(user)
    assert dashboard(client).status_code == status


def test_the_configured_minimum_rank_applies(client, auth, users):
    Setting.put("dashboard_min_rank", "inspector")
    db.session.commit()
    auth.login(users["viewer"])  # a sergeant
    assert dashboard(client).status_code == 403


def test_the_dashboard_is_in_the_navigation_after_home(client, auth, users):
    auth.login(users["viewer"])
    body = dashboard(client).get_data(as_text=True)
    nav = body.split('aria-label="Main menu"', 1)[1].split("</nav>", 1)[0]
    hrefs = re.findall(r'href="([^"]+)"', nav)
    assert hrefs[0] == "/" and "/dashboard" in hrefs
    assert re.search(r'href="/dashboard"\s+aria-current="page"', nav)


def test_another_departments_initiatives_are_not_counted(client, auth, users, outsider):
    factories.make_initiative(owner=users["requester"], state="delivery")
    factories.make_initiative(owner=outsider, state="delivery")  # another department
    factories.make_initiative(owner=outsider, state="delivery")
    db.session.commit()
    auth.login(users["requester"])  # a sergeant: sees their own department
    assert figure(dashboard(client).get_data(as_text=True), "pipeline") == "1"
    auth.logout()
    auth.login(users["viewer"])  # sees every department
    assert figure(dashboard(client).get_data(as_text=True), "pipeline") == "3"


def test_filters_narrow_every_kpi(client, auth, users, department):
    programme = factories.make_programme("Estates")
    other = factories.make_department("Custody")
    factories.make_initiative(owner=users["requester"], state="delivery", programme=programme, funding_type="capital")
    factories.make_initiative(owner=users["requester"], state="delivery", funding_type="revenue")
    factories.make_initiative(owner=factories.make_user(department=other), state="delivery", funding_type="capital")
    db.session.commit()
    auth.login(users["viewer"])
    assert figure(dashboard(client).get_data(as_text=True), "pipeline") == "3"
    assert figure(dashboard(client, programme=programme.id).get_data(as_text=True), "pipeline") == "1"
    assert figure(dashboard(client, funding="capital").get_data(as_text=True), "pipeline") == "2"
    assert figure(dashboard(client, department=other.id).get_data(as_text=True), "pipeline") == "1"
    assert figure(dashboard(client, department=department.id, funding="capital").get_data(as_text=True),
                  "pipeline") == "1"


def test_the_year_filter_counts_work_live_in_that_financial_year(client, auth, users):
    def made(state, submitted, changed):
        factories.make_initiative(owner=users["requester"], state=state, submitted_at=submitted,
                                  state_changed_at=changed)

    at = lambda *day: datetime(*day, tzinfo=UTC)  # noqa: E731
    made("delivery", at(2024, 6, 1), at(2024, 7, 1))  # live from 2024/25 on
    made("rejected", at(2024, 6, 1), at(2025, 3, 31))  # ended in 2024/25
    made("delivery", at(2025, 4, 1), at(2025, 5, 1))  # submitted in 2025/26
    db.session.commit()
    auth.login(users["viewer"])
    # 2024/25: the first (live) only; the rejected one is not in the pipeline anyway.
    assert figure(dashboard(client, year=2024).get_data(as_text=True), "pipeline") == "1"
    assert figure(dashboard(client, year=2025).get_data(as_text=True), "pipeline") == "2"


@pytest.mark.parametrize("args", [
    {"department": "abc"}, {"programme": "99999"}, {"funding": "loan"}, {"year": "1066"},
    {"year": "x' OR 1=1"}, {"department": "1" * 40},
])
def test_bad_filter_values_are_ignored(client, auth, users, args):
    factories.make_initiative(owner=users["requester"], state="delivery")
    db.session.commit()
    auth.login(users["viewer"])
    response = dashboard(client, **args)
    assert response.status_code == 200
    assert figure(response.get_data(as_text=True), "pipeline") == "1"


def test_each_chart_has_a_title_a_description_and_a_table_of_the_same_numbers(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="delivery", delivery_confidence="amber",
                                           budget_approved=Decimal(100), budget_forecast=Decimal(90),
                                           planned_end=date(2027, 1, 1), forecast_end=date(2027, 1, 1))
    factories.make_benefit(initiative, category="cash_releasing", planned_value=Decimal(500),
                           realised_value=Decimal(120))
    factories.make_raid_item(initiative, "risk")
    db.session.commit()
    auth.login(users["viewer"])
    body = dashboard(client).get_data(as_text=True)
    charts = re.findall(r'<figure class="app-chart" id="([^"]+)">(.*?)</figure>', body, re.S)
    assert len(charts) >= 8
    for chart_id, svg in charts:
        assert 'role="img"' in svg
        assert re.search(rf'<title id="{chart_id}-title">[^<]+</title>', svg)
        assert re.search(rf'<desc id="{chart_id}-desc">[^<]+</desc>', svg)
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg
        table = body.split(f'data-chart="{chart_id}"', 1)[1].split("</table>", 1)[0]
        labels = re.findall(r'class="app-chart__label"[^>]*>([^<]*)<', svg)
        values = re.findall(r'class="app-chart__value"[^>]*>([^<]*)<', svg)
        assert labels and len(labels) == len(values)
        for label, value in zip(labels, values, strict=True):
            assert label in table and value in table, (chart_id, label, value)
    assert "£500" in body and "£120" in body  # planned and realised, in the chart and its table
    assert 'style="' not in body.split('id="dashboard-kpis"', 1)[1]


def test_each_kpi_says_how_it_is_worked_out(client, auth, users):
    auth.login(users["viewer"])
    body = dashboard(client).get_data(as_text=True)
    for key in ("pipeline", "performance", "cycle", "milestones", "delays", "resources", "benefits",
                "satisfaction", "confidence", "risks", "gates"):
        assert f'id="definition-{key}"' in body
    assert "nearest-rank" in body


def test_the_cached_figures_follow_a_change(client, auth, users):
    factories.make_initiative(owner=users["requester"], state="delivery")
    db.session.commit()
    auth.login(users["viewer"])
    assert figure(dashboard(client).get_data(as_text=True), "pipeline") == "1"
    with counting() as statements:
        assert figure(dashboard(client).get_data(as_text=True), "pipeline") == "1"
    assert len(statements) < 15  # the KPIs came from the cache
    factories.make_initiative(owner=users["requester"], state="delivery")
    db.session.commit()
    assert figure(dashboard(client).get_data(as_text=True), "pipeline") == "2"


def test_the_figures_take_the_same_statements_at_two_sizes(app, client, auth, users):
    """Uncached, so every KPI's queries are counted (test_query_counts sees the cached page)."""
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    auth.login(users["viewer"])
    counts = []
    for size in (1, 4):
        for _ in range(size):
            initiative = factories.make_initiative(owner=users["requester"], state="delivery",
                                                   budget_approved=Decimal(10), budget_forecast=Decimal(20))
            factories.make_milestone(initiative)
            factories.make_benefit(initiative, realised_value=Decimal(5))
            factories.make_raid_item(initiative, "risk")
        db.session.commit()
        dashboard(client)
        with counting() as statements:
            assert dashboard(client).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert counts[0] > 20
