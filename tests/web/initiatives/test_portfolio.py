"""The portfolio list: who may read it, its columns, sorting and filters (kept in the
address), and its fixed number of queries."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from pmo_web.extensions import db
from pmo_web.models import Milestone
from tests import factories


@pytest.mark.parametrize(("role", "rank", "status"), [
    ("pmo", "constable", 200), ("approver", "constable", 200), ("admin", "constable", 200),
    ("viewer", "sergeant", 200), ("requester", "inspector", 200),
    ("viewer", "constable", 403), ("requester", "constable", 403),
])
def test_who_may_read_the_portfolio(client, auth, app, role, rank, status):
    user = factories.make_user(roles=(role,), rank=rank)
    db.session.commit()
    auth.login(user)
    response = client.get("/initiatives")
    assert response.status_code == status


def test_a_signed_out_user_is_asked_to_sign_in(client):
    response = client.get("/initiatives")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_portfolio_lists_submitted_work_with_its_manager_and_programme(client, auth, users):
    programme = factories.make_programme("Estates capital programme")
    delivering = factories.make_initiative(owner=users["requester"], state="delivery", title="New custody suite",
                                           manager=users["pmo"], programme=programme)
    draft = factories.make_initiative(owner=users["requester"], state="draft")
    db.session.commit()
    auth.login(users["approver"])
    page = client.get("/initiatives").get_data(as_text=True)
    assert delivering.reference in page and "New custody suite" in page
    assert users["pmo"].name in page and "Estates capital programme" in page
    assert draft.reference not in page


@pytest.mark.parametrize("filter_name", ["department", "programme", "stage"])
def test_each_filter_narrows_the_list(client, auth, users, filter_name):
    programme = factories.make_programme()
    other_department = factories.make_department()
    wanted = factories.make_initiative(owner=users["requester"], state="scoring", programme=programme)
    other = factories.make_initiative(owner=factories.make_user(department=other_department), state="delivery")
    db.session.commit()
    value = {"department": users["requester"].department_id, "programme": programme.id, "stage": "scoring"}[filter_name]
    auth.login(users["pmo"])
    page = client.get(f"/initiatives?{filter_name}={value}").get_data(as_text=True)
    assert wanted.reference in page
    assert other.reference not in page


def test_a_bad_filter_value_is_ignored(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="scoring")
    db.session.commit()
    auth.login(users["pmo"])
    response = client.get("/initiatives?stage=nowhere&department=abc")
    assert response.status_code == 200
    assert initiative.reference in response.get_data(as_text=True)


def test_the_portfolio_loads_in_a_fixed_number_of_queries(client, auth, users):
    def statements_for_page(extra: int) -> int:
        for _ in range(extra):
            factories.make_initiative(owner=factories.make_user(), state="delivery",
                                      manager=factories.make_user(roles=("pmo",)),
                                      programme=factories.make_programme())
        db.session.commit()
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/initiatives").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    auth.login(users["pmo"])
    assert statements_for_page(3) == statements_for_page(20)


# ------------------------------------------------------------- columns, sorting, filters (issue 14)

ROW = re.compile(r'<tr class="govuk-table__row" data-initiative="(\d+)">(.*?)</tr>', re.S)


def listed(client, query: str = "") -> list[int]:
    response = client.get(f"/initiatives{query}")
    assert response.status_code == 200
    return [int(row_id) for row_id, _cells in ROW.findall(response.get_data(as_text=True))]


def cells(body: str, initiative_id: int) -> list[str]:
    """The text of each cell of one initiative's row, tags removed and spaces squeezed."""
    row = dict(ROW.findall(body))[str(initiative_id)]
    found = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in found]


@pytest.fixture
def varied(users):
    """Four initiatives that differ in every sortable column."""
    today = date.today()
    estates, digital = factories.make_programme("Estates"), factories.make_programme("Digital")
    custody = factories.make_department("Custody")
    band_high, band_low = factories.make_priority("Safer roads"), factories.make_priority("Better data")
    make = factories.make_initiative
    rows = {
        "alpha": make(owner=users["requester"], state="delivery", title="Alpha radios", programme=digital,
                      delivery_confidence="amber", funding_type="capital", manager=users["pmo"],
                      strategic_priority=band_high, budget_approved=Decimal(100000),
                      budget_forecast=Decimal(130000), planned_end=today + timedelta(days=100),
                      forecast_end=today + timedelta(days=130)),
        "bravo": make(owner=factories.make_user(department=custody), state="scoring", title="bravo cells",
                      programme=estates, strategic_priority=band_low, funding_type="revenue"),
        "charlie": make(owner=users["requester"], state="on_hold", title="Charlie cameras",
                        delivery_confidence="green", manager=users["approver"], funding_type="revenue",
                        strategic_priority=band_high, budget_approved=Decimal(50000),
                        budget_forecast=Decimal(40000), planned_end=today + timedelta(days=20)),
        "delta": make(owner=users["requester"], state="triage", title="Delta drones", strategic_priority=band_low),
    }
    milestones = {"alpha": (today + timedelta(days=40), None), "charlie": (today - timedelta(days=50),
                                                                          today - timedelta(days=3))}
    for key, (baseline, forecast) in milestones.items():
        db.session.add(Milestone(initiative_id=rows[key].id, name=f"{key} milestone", baseline_date=baseline,
                                 forecast_date=forecast))
    db.session.add(Milestone(initiative_id=rows["alpha"].id, name="Met already", baseline_date=today,
                             actual_date=today))
    factories.make_score(rows["alpha"], users["pmo"], total=80, band="High")
    factories.make_score(rows["bravo"], users["pmo"], total=75, band="High")
    factories.make_score(rows["bravo"], users["pmo"], total=30, band="Low")  # the latest counts
    score = factories.make_score(rows["charlie"], users["pmo"], total=50, band="Medium")
    score.band_override, score.override_comment = "High", "Ministerial commitment"
    db.session.commit()
    return {key: initiative.id for key, initiative in rows.items()}


def test_each_row_shows_confidence_budget_next_milestone_and_end_date(client, auth, users, varied):
    auth.login(users["viewer"])
    body = client.get("/initiatives").get_data(as_text=True)
    headers = re.findall(r'data-sort="([a-z]+)"', body)
    assert headers == ["reference", "title", "department", "stage", "confidence", "budget", "milestone", "end",
                       "manager", "programme"]
    today = date.today()
    alpha = cells(body, varied["alpha"])
    assert alpha[1:5] == ["Alpha radios", "Contact Management", "Delivery", "Amber"]
    assert alpha[5] == "£130,000 forecast of £100,000 approved £30,000 over"
    due = today + timedelta(days=40)
    assert alpha[6] == f"alpha milestone {due.day} {due:%B %Y}"  # the met one is not next
    end = today + timedelta(days=130)
    assert alpha[7] == f"{end.day} {end:%B %Y} 30 days late"
    assert alpha[8:] == [users["pmo"].name, "Digital"]
    charlie = cells(body, varied["charlie"])
    assert charlie[3] == "Delivery On hold" and charlie[4] == "Green"
    assert charlie[6].startswith("charlie milestone") and charlie[6].endswith("Overdue")  # forecast passed
    assert cells(body, varied["delta"])[4:8] == ["Not assessed", "Not set", "None open", "Not set"]


@pytest.mark.parametrize("column, ascending", [
    ("reference", ["alpha", "bravo", "charlie", "delta"]),
    ("title", ["alpha", "bravo", "charlie", "delta"]),  # case does not matter
    ("department", ["alpha", "charlie", "delta", "bravo"]),  # Contact Management, then Custody
    ("stage", ["delta", "bravo", "alpha", "charlie"]),  # triage, scoring, delivery (on hold is delivery)
    ("confidence", ["charlie", "alpha", "bravo", "delta"]),  # Green, Amber, then none
    ("budget", ["charlie", "alpha", "bravo", "delta"]),  # 10,000 under, 30,000 over, then none
    ("milestone", ["charlie", "alpha", "bravo", "delta"]),  # overdue first, then none
    ("end", ["charlie", "alpha", "bravo", "delta"]),
    ("manager", ["charlie", "alpha", "bravo", "delta"]),  # Approver before PMO (by name), then none
    ("programme", ["alpha", "bravo", "charlie", "delta"]),  # Digital, Estates, then none
])
def test_every_column_sorts_both_ways_with_aria_sort(client, auth, users, varied, column, ascending):
    users["approver"].name, users["pmo"].name = "Ann Approver", "Pat Manager"
    db.session.commit()
    auth.login(users["viewer"])
    ids = [varied[key] for key in ascending]
    with_value = {"reference": 4, "title": 4, "department": 4, "stage": 4, "confidence": 2, "budget": 2,
                  "milestone": 2, "end": 2, "manager": 2, "programme": 2}[column]
    up = listed(client, f"?sort={column}&order=asc")
    down = listed(client, f"?sort={column}&order=desc")
    assert up[:with_value] == ids[:with_value]
    assert down[:with_value] == list(reversed(ids[:with_value]))
    assert set(up[with_value:]) == set(ids[with_value:]) == set(down[with_value:])  # no value: always last
    body = client.get(f"/initiatives?sort={column}&order=desc").get_data(as_text=True)
    sorted_headers = re.findall(r'aria-sort="(\w+)" data-sort="(\w+)"', body)
    assert sorted_headers == [("descending", column)]
    assert f"?sort={column}&amp;order=asc" in body  # its link turns the order round


def test_sort_and_filters_are_kept_by_each_other_and_by_the_pages(client, auth, users, varied, monkeypatch):
    from pmo_web.initiatives import portfolio

    monkeypatch.setattr(portfolio, "PAGE_SIZE", 1)
    auth.login(users["viewer"])
    body = client.get("/initiatives?sort=title&order=desc&funding=revenue").get_data(as_text=True)
    # Sorting links keep the filter; the filter form keeps the sort; pages keep both.
    assert 'href="/initiatives?funding=revenue&amp;sort=stage&amp;order=asc"' in body
    assert '<input type="hidden" name="sort" value="title">' in body
    assert '<input type="hidden" name="order" value="desc">' in body
    assert re.search(r'href="/initiatives\?page=2&amp;funding=revenue&amp;sort=title&amp;order=desc"', body)
    assert listed(client, "?sort=title&order=desc&funding=revenue&page=2") == [varied["bravo"]]


@pytest.mark.parametrize("query, expected", [
    ("band=High", ["alpha", "charlie"]),  # charlie by its override; bravo's latest is Low
    ("band=Low", ["bravo"]),
    ("funding=capital", ["alpha"]),
    ("confidence=green", ["charlie"]),
    ("confidence=none", ["bravo", "delta"]),
    ("funding=revenue&band=High", ["charlie"]),
])
def test_the_new_filters_narrow_the_list(client, auth, users, varied, query, expected):
    auth.login(users["viewer"])
    assert sorted(listed(client, f"?{query}")) == sorted(varied[key] for key in expected)


def test_the_strategic_priority_filter(client, auth, users, varied):
    from pmo_web.models import Initiative

    auth.login(users["viewer"])
    priority_id = db.session.get(Initiative, varied["alpha"]).strategic_priority_id
    assert sorted(listed(client, f"?priority={priority_id}")) == sorted([varied["alpha"], varied["charlie"]])


def test_the_confidence_filter_follows_the_three_point_scale(client, auth, users, varied):
    from pmo_web.models import Initiative, Setting

    db.session.get(Initiative, varied["delta"]).delivery_confidence = "amber_red"
    Setting.put("confidence_scale", "three_point")
    db.session.commit()
    auth.login(users["viewer"])
    assert sorted(listed(client, "?confidence=amber")) == sorted([varied["alpha"], varied["delta"]])


@pytest.mark.parametrize("query", ["?sort=nonsense", "?sort=title&order=sideways", "?sort=&order=desc",
                                   "?band=Urgent&confidence=purple&funding=loan&priority=abc"])
def test_bad_sort_or_filter_values_are_ignored(client, auth, users, varied, query):
    auth.login(users["viewer"])
    assert len(listed(client, query)) == 4


def test_the_wide_table_scrolls_in_its_own_labelled_box(client, auth, users, varied):
    auth.login(users["viewer"])
    body = client.get("/initiatives").get_data(as_text=True)
    box = re.search(r'<div class="app-table-scroll" role="region" aria-label="([^"]+)" tabindex="0">\s*<table', body)
    assert box and box.group(1) == "Portfolio table"
    assert "app-width-container--wide" in body


def test_the_sorted_and_filtered_portfolio_loads_in_a_fixed_number_of_queries(client, auth, users, varied):
    auth.login(users["pmo"])
    query = "/initiatives?sort=milestone&order=asc&band=High&funding=revenue"

    def statements() -> int:
        client.get(query)  # warm: reloading what the test's last commit expired is not the page's
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(query).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    before = statements()
    for _ in range(6):
        initiative = factories.make_initiative(owner=factories.make_user(), state="delivery", funding_type="revenue",
                                               manager=factories.make_user(roles=("pmo",)),
                                               programme=factories.make_programme())
        factories.make_score(initiative, users["pmo"])
        factories.make_milestone(initiative, done=False)
    db.session.commit()
    assert statements() == before
    assert len(listed(client, query.removeprefix("/initiatives"))) == 7
