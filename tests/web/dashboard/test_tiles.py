"""The dashboard's headline tiles, next milestones and open issues, and its refreshing.

Every tile shows what the KPI functions (pmo_web/dashboard/kpis.py) work out over the same
data: the test builds a varied portfolio, asks the functions, and reads the tiles. The
change since last month compares with the figures kept a month before (KpiSnapshot).
"""
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import select

from pmo_web.dashboard import kpis
from pmo_web.dashboard.tiles import month_before
from pmo_web.extensions import db
from pmo_web.gates import service as gates
from pmo_web.models import AuditEvent, KpiSnapshot, Milestone
from tests import factories

TILE = re.compile(r'<li class="app-tile" data-tile="(?P<key>[a-z_]+)">\s*<a class="govuk-link app-tile__label" '
                  r'href="(?P<href>[^"]+)">(?P<label>[^<]+)</a>\s*'
                  r'<p class="app-tile__value">(?P<value>[^<]*)</p>\s*'
                  r'<p class="app-tile__words">(?P<words>[^<]*)</p>\s*'
                  r'<p class="app-tile__change">(?P<change>[^<]*)</p>')


def tiles(body: str) -> dict[str, dict]:
    return {match["key"]: match.groupdict() for match in TILE.finditer(body)}


def page(client, **args) -> str:
    response = client.get(url_for("dashboard.index", **args))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def percent(share) -> str:
    return f"{share:.0%}" if share is not None else "No data"


@pytest.fixture
def portfolio(users):
    """Work in every condition the tiles count: late and on time, over and within budget,
    milestones met, late and open, high and low risks, open and closed issues, realised
    benefits, closure scores, a gate review waiting, and a triage decision in the trail."""
    today = date.today()
    make = lambda state="delivery", **fields: factories.make_initiative(  # noqa: E731
        owner=users["requester"], state=state, **fields)
    end = today + timedelta(days=200)
    on_plan = make(planned_end=end, forecast_end=end - timedelta(days=3), budget_approved=Decimal(100),
                   budget_forecast=Decimal(90))
    late = make(planned_end=end, forecast_end=end + timedelta(days=20), budget_approved=Decimal(100),
                budget_forecast=Decimal(130), funding_type="capital")
    paused = make("on_hold", planned_end=end, forecast_end=end, budget_approved=Decimal(50))
    closed = make("closed", satisfaction_score=4, budget_actual=Decimal(100),
                  state_changed_at=datetime(2026, 1, 10, tzinfo=UTC))
    make("closed", satisfaction_score=2)
    make("benefits_review", satisfaction_score=1)  # not closed: not counted
    for initiative, baseline, actual in ((on_plan, today - timedelta(days=10), today - timedelta(days=10)),
                                         (late, today - timedelta(days=10), today - timedelta(days=5)),
                                         (paused, today - timedelta(days=2), None),
                                         (late, today + timedelta(days=9), None)):
        db.session.add(Milestone(initiative_id=initiative.id, name="Stage done", baseline_date=baseline,
                                 actual_date=actual))
    factories.make_benefit(closed, category="cash_releasing", realised_value=Decimal(150))
    factories.make_raid_item(late, "risk", likelihood=5, impact=4)  # very high
    factories.make_raid_item(late, "risk", likelihood=3, impact=4)  # high
    factories.make_raid_item(on_plan, "risk", likelihood=2, impact=2)  # low
    factories.make_raid_item(late, "issue", priority="critical")
    factories.make_raid_item(on_plan, "issue", priority="low")
    factories.make_raid_item(on_plan, "issue", status="closed")
    factories.make_raid_item(closed, "issue")  # ended work: not counted
    scoring = make("scoring")
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for days, from_state, to_state in ((0, "draft", "submitted"), (1, "submitted", "triage"),
                                       (4, "triage", "scoring")):
        db.session.add(AuditEvent(initiative_id=scoring.id, kind="transition", trigger="move",
                                  from_state=from_state, to_state=to_state, actor_id=users["pmo"].id,
                                  created_at=start + timedelta(days=days)))
    factories.make_score(scoring, users["pmo"])
    db.session.flush()
    gates.request_review(scoring, users["pmo"], note="Ready for G1")
    db.session.commit()
    return {"late": late, "on_plan": on_plan, "paused": paused, "closed": closed}


def test_every_tile_shows_what_the_kpi_functions_work_out(client, auth, users, portfolio):
    auth.login(users["viewer"])
    shown = tiles(page(client))
    assert list(shown) == ["active", "on_time", "within_budget", "cycle_time", "adherence", "high_risks",
                           "open_issues", "roi", "satisfaction", "gates"]
    scoped, today = kpis.scope(users["viewer"], []), date.today()
    pipeline, performance = kpis.pipeline(scoped), kpis.performance(scoped, today)
    adherence, roi = kpis.milestone_adherence(scoped, today), kpis.portfolio_return(scoped).roi
    decision = next(time for time in kpis.cycle_times(scoped) if time.key == "intake_to_decision")
    satisfaction = kpis.satisfaction(scoped)
    expected = {
        "active": str(pipeline.active),
        "on_time": percent(performance.on_time_share),
        "within_budget": percent(performance.within_budget_share),
        "cycle_time": f"{decision.median:.1f} days",
        "adherence": percent(adherence.met_share),
        "high_risks": "2",
        "open_issues": str(kpis.open_issues(scoped).count),
        "roi": percent(roi),
        "satisfaction": f"{satisfaction.mean:.1f}",
        "gates": str(sum(count for _gate, count in kpis.awaiting_gates(scoped))),
    }
    assert {key: tile["value"] for key, tile in shown.items()} == expected
    # And the functions themselves over this data, worked out by hand.
    assert (pipeline.active, pipeline.on_hold) == (3, 1)
    assert (performance.on_time, performance.timed, performance.within_budget, performance.budgeted) == (1, 3, 2, 3)
    assert (adherence.met, adherence.due) == (1, 3)
    assert decision.median == pytest.approx(4)
    assert kpis.open_issues(scoped).count == 2
    assert roi == Decimal("0.5")
    assert satisfaction.mean == pytest.approx(3)
    assert shown["active"]["words"] == "in delivery, 1 on hold"
    assert shown["on_time"]["words"] == "1 of 3"
    assert shown["gates"]["value"] == "1"


def test_each_tile_links_to_a_detail_the_reader_may_open(client, auth, users, portfolio):
    auth.login(users["viewer"])
    body = page(client)
    for key, tile in tiles(body).items():
        href = tile["href"].replace("&amp;", "&")
        if href.startswith("#"):
            assert f'id="{href[1:]}"' in body, key
        else:
            assert client.get(href).status_code == 200, (key, href)
    assert tiles(body)["gates"]["href"] == "#kpi-gates"  # a viewer may not open the gate lists
    auth.logout()
    auth.login(users["approver"])
    assert tiles(page(client))["gates"]["href"] == "/gates/queue"


def test_tiles_follow_the_filters_and_the_readers_department(client, auth, users, portfolio, outsider):
    factories.make_initiative(owner=outsider, state="delivery", funding_type="capital")
    db.session.commit()
    auth.login(users["viewer"])
    assert tiles(page(client))["active"]["value"] == "4"
    assert tiles(page(client, funding="capital"))["active"]["value"] == "2"
    auth.logout()
    auth.login(users["requester"])  # a sergeant requester: own department only
    assert tiles(page(client))["active"]["value"] == "3"


def test_without_last_months_figures_the_tiles_say_so_and_keep_todays(client, auth, users, portfolio):
    auth.login(users["viewer"])
    shown = tiles(page(client))
    assert {tile["change"] for tile in shown.values()} == {"No figure from a month ago yet"}
    kept = db.session.scalars(select(KpiSnapshot)).all()
    assert [(row.scope, row.taken_on) for row in kept] == [("all?", date.today())]
    assert kept[0].figures["active"] == 3 and kept[0].figures["on_time"] == pytest.approx(33.3)
    page(client)  # a second view the same day keeps nothing more
    assert db.session.scalar(select(db.func.count(KpiSnapshot.id))) == 1


def test_the_change_since_last_month_compares_with_the_figures_kept_then(client, auth, users, test_clock):
    requester = users["requester"]
    today = date.today()
    test_clock.move_to(datetime.combine(month_before(today), datetime.min.time(), UTC) + timedelta(hours=10))
    factories.make_initiative(owner=requester, state="delivery")
    db.session.commit()
    auth.login(users["viewer"])
    assert tiles(page(client))["active"]["value"] == "1"  # kept on that day
    test_clock.move_to(datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=10))
    for _ in range(3):
        factories.make_initiative(owner=requester, state="delivery")
    factories.make_raid_item(factories.make_initiative(owner=requester, state="delivery"), "issue")
    db.session.commit()
    shown = tiles(page(client))
    since = f"since {month_before(today).day} {month_before(today):%B %Y}"
    assert shown["active"]["change"] == f"Up 4 {since}"
    assert shown["open_issues"]["change"] == f"Up 1 {since}"
    assert shown["high_risks"]["change"] == f"No change {since}"
    assert shown["on_time"]["change"] == f"Not comparable {since}"  # no data then or now


def test_percentages_change_in_points_and_falls_read_down(client, auth, users):
    today = date.today()
    db.session.add(KpiSnapshot(scope="all?", taken_on=month_before(today) - timedelta(days=3),
                               figures={"within_budget": 75.0, "active": 5, "satisfaction": 4.5}))
    factories.make_initiative(owner=users["requester"], state="delivery", budget_approved=Decimal(10),
                              budget_forecast=Decimal(9))
    factories.make_initiative(owner=users["requester"], state="closed", satisfaction_score=3)
    db.session.commit()
    auth.login(users["viewer"])
    shown = tiles(page(client))
    earlier = month_before(today) - timedelta(days=3)
    since = f"since {earlier.day} {earlier:%B %Y}"
    assert shown["within_budget"]["change"] == f"Up 25 percentage points {since}"
    assert shown["active"]["change"] == f"Down 4 {since}"
    assert shown["satisfaction"]["change"] == f"Down 1.5 {since}"
    assert shown["roi"]["change"] == f"Not comparable {since}"  # not kept then


def test_a_snapshot_younger_than_a_month_is_not_last_months(client, auth, users):
    db.session.add(KpiSnapshot(scope="all?", taken_on=date.today() - timedelta(days=20), figures={"active": 9}))
    db.session.commit()
    auth.login(users["viewer"])
    assert tiles(page(client))["active"]["change"] == "No figure from a month ago yet"


@pytest.mark.parametrize("today, before", [
    (date(2026, 6, 9), date(2026, 5, 9)), (date(2026, 3, 31), date(2026, 2, 28)),
    (date(2028, 3, 30), date(2028, 2, 29)), (date(2026, 1, 15), date(2025, 12, 15)),
])
def test_month_before(today, before):
    assert month_before(today) == before


def test_the_tiles_region_polls_the_page_for_its_own_partial(client, auth, users, portfolio):
    auth.login(users["viewer"])
    body = page(client, funding="capital")
    region = re.search(r'<section class="app-tiles-region" id="dashboard-tiles".*?</section>', body, re.S).group(0)
    assert 'hx-get="/dashboard?funding=capital"' in region
    assert 'hx-trigger="every 60s, app:refresh"' in region and 'hx-swap="outerHTML"' in region
    assert re.search(r"Updated at <time datetime=\"[^\"]+\">\d\d:\d\d</time> \(UTC\)", region)
    polled = client.get("/dashboard?funding=capital", headers={"HX-Request": "true"})
    assert polled.status_code == 200 and "HX-Request" in polled.headers["Vary"]
    fragment = polled.get_data(as_text=True).strip()
    assert fragment == region  # the page's own partial, nothing else
    assert "<html" not in fragment and "Filter the dashboard" not in fragment
    assert tiles(fragment)["active"]["value"] == "1"


def test_no_inline_script_or_style_on_the_dashboard(client, auth, users, portfolio):
    auth.login(users["viewer"])
    body = page(client)
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)
    assert 'style="' not in body and " on" + "click=" not in body
    assert "/static/js/dashboard.js" in body


def test_the_next_milestones_come_overdue_first_from_live_work_only(client, auth, users, outsider):
    today = date.today()
    requester = users["requester"]
    live = factories.make_initiative(owner=requester, state="delivery", title="Custody upgrade")
    paused = factories.make_initiative(owner=requester, state="on_hold", title="Drone unit")
    ended = factories.make_initiative(owner=requester, state="closed", title="Old work")
    hidden = factories.make_initiative(owner=outsider, state="delivery", title="Elsewhere")

    def milestone(initiative, name, baseline, forecast=None, actual=None):
        db.session.add(Milestone(initiative_id=initiative.id, name=name, baseline_date=baseline,
                                 forecast_date=forecast, actual_date=actual))

    milestone(live, "Go live", today + timedelta(days=30))
    milestone(live, "Supplier chosen", today - timedelta(days=40), forecast=today - timedelta(days=3))
    milestone(paused, "Pilot", today + timedelta(days=60), forecast=today + timedelta(days=5))
    milestone(paused, "Already met", today - timedelta(days=5), actual=today - timedelta(days=6))
    milestone(ended, "Never finished", today - timedelta(days=90))
    milestone(hidden, "Hidden", today - timedelta(days=99))
    db.session.commit()
    auth.login(users["requester"])  # sees their own department only
    body = page(client)
    section = body.split('id="kpi-next-milestones"', 1)[1].split("</section>", 1)[0]
    names = re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', section)
    assert names == ["Supplier chosen", "Pilot", "Go live"]
    assert section.count("Overdue</strong>") == 1
    overdue_row = section.split("Supplier chosen", 1)[1].split("</tr>", 1)[0]
    assert "Overdue" in overdue_row and "Custody upgrade" in overdue_row
    assert f'href="/initiatives/{live.id}/delivery"' in overdue_row


def test_open_issues_are_counted_and_listed_most_pressing_first(client, auth, users):
    requester = users["requester"]
    work = factories.make_initiative(owner=requester, state="delivery")
    today = date.today()
    factories.make_raid_item(work, "issue", title="Low one", priority="low")
    factories.make_raid_item(work, "issue", title="High later", priority="high", due_date=today + timedelta(days=9))
    factories.make_raid_item(work, "issue", title="High sooner", priority="high", due_date=today + timedelta(days=2))
    factories.make_raid_item(work, "issue", title="Critical", priority="critical")
    factories.make_raid_item(work, "issue", title="Resolved", status="resolved")
    factories.make_raid_item(work, "issue", title="Removed", deleted_at=datetime.now(UTC))
    factories.make_raid_item(work, "risk", title="A risk")
    db.session.commit()
    auth.login(users["viewer"])
    body = page(client)
    assert tiles(body)["open_issues"]["value"] == "4"
    section = body.split('id="kpi-issues"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', section) == [
        "Critical", "High sooner", "High later", "Low one"]


def test_each_chart_keeps_its_figures_behind_show_the_figures(client, auth, users, portfolio):
    auth.login(users["viewer"])
    body = page(client)
    charts = re.findall(r'<figure class="app-chart" id="([^"]+)">', body)
    assert len(charts) >= 8
    for chart_id in charts:
        details = re.search(rf'<details class="govuk-details app-figures" id="{chart_id}-figures">(.*?)</details>',
                            body, re.S)
        assert details, chart_id
        assert "Show the figures" in details.group(1) and f'data-chart="{chart_id}"' in details.group(1)
        assert 'role="region"' in details.group(1) and 'tabindex="0"' in details.group(1)
