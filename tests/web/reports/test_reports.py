"""Highlight and exception reports (docs/rules.md 7): pre-filled from the records, edited as a
draft (422 on bad input, 409 on a conflict, nothing saved), issued as a frozen snapshot,
compared with the report before, written only by the PMO, admins and the delivery manager."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import func, select

from pmo_web.extensions import db
from pmo_web.models import HighlightReport, Initiative, Milestone, RaidItem
from tests import factories
from tests.web.reports.world import PERIOD_END, PERIOD_START, make_report

READERS = ["requester", "pmo", "approver", "viewer", "admin"]
RATINGS = ("overall_confidence", "rag_time", "rag_cost", "rag_scope", "rag_quality", "rag_benefits", "rag_risk")


def day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


@pytest.fixture
def initiative(users):
    """In delivery, managed by the PMO officer, on budget and on time."""
    made = factories.make_initiative(owner=users["requester"], state="delivery", manager_id=users["pmo"].id,
                                     budget_approved=Decimal("100000"), budget_forecast=Decimal("105000"),
                                     budget_actual=Decimal("40000"), planned_end=date(2027, 3, 31),
                                     forecast_end=date(2027, 4, 14), delivery_confidence="amber_green")
    db.session.commit()
    return made


def milestone(initiative, name, actual=None, forecast=None, baseline=None) -> Milestone:
    made = Milestone(initiative_id=initiative.id, name=name, baseline_date=baseline or actual or forecast,
                     actual_date=actual, forecast_date=forecast)
    db.session.add(made)
    db.session.flush()
    return made


def url(endpoint, initiative, report=None, **values):
    if report is not None:
        values["report_id"] = report.id
    return url_for(f"reports.{endpoint}", initiative_id=initiative.id, **values)


def reload(model, row):
    db.session.expire_all()
    return db.session.get(model, row.id)


def start(client, initiative, kind="highlight", start=PERIOD_START, end=PERIOD_END):
    return client.post(url("new", initiative), data={"kind": kind, "period_start": day(start),
                                                     "period_end": day(end)})


def draft_data(report, **changes) -> dict:
    data = {"period_start": day(report.period_start), "period_end": day(report.period_end),
            "confidence_justification": "Supplier is a week behind.", "achievements": "Pilot launched.",
            "next_period": "Roll out to two stations.", "tolerance_status": "Within tolerance.",
            "change_requests": "None.", "key_risks_issues": "Supplier capacity.",
            "decisions_needed": "Approve the roll-out.", "lessons": "Book training rooms early.",
            "version": str(report.version), **{name: "amber" for name in RATINGS}}
    data.update(changes)
    return data


def newest_report() -> HighlightReport:
    db.session.expire_all()
    return db.session.scalar(select(HighlightReport).order_by(HighlightReport.id.desc()))


# ------------------------------------------------------------------ starting: pre-filled


def test_a_new_report_is_prefilled_from_milestones_budget_raid_and_lessons(client, auth, users, initiative):
    in_period = PERIOD_START + timedelta(days=3)
    milestone(initiative, "Pilot go-live", actual=in_period)
    milestone(initiative, "Station roll-out", forecast=PERIOD_END + timedelta(days=10))
    milestone(initiative, "Discovery done", actual=PERIOD_START - timedelta(days=40))
    factories.make_raid_item(initiative, title="Supplier may deliver late", likelihood=4, impact=4)
    factories.make_raid_item(initiative, kind="issue", title="Add body-worn video export", issue_type="change_request")
    factories.make_raid_item(initiative, title="Closed risk", status="closed")
    lesson = factories.make_lesson(initiative, title="Book training rooms early")
    lesson.date_added = in_period
    db.session.commit()
    auth.login(users["pmo"])

    response = start(client, initiative)

    assert response.status_code == 303
    report = newest_report()
    assert url("edit", initiative, report).endswith(response.headers["Location"])
    assert report.status == "draft" and report.kind == "highlight"
    assert "Pilot go-live met on" in report.achievements and "Discovery done" not in report.achievements
    assert "Station roll-out due" in report.next_period
    assert "Supplier may deliver late – Score 16 (High)" in report.key_risks_issues
    assert "Closed risk" not in report.key_risks_issues
    assert "Add body-worn video export" in report.change_requests
    assert "Book training rooms early" in report.lessons
    assert report.tolerance_status.startswith("Within tolerance")
    assert report.overall_confidence == "amber_green"
    # The edit page shows the live facts beside the form.
    page = client.get(url("edit", initiative, report)).get_data(as_text=True)
    assert "£100,000" in page and "£105,000 (£5,000 over approved)" in page
    assert "Supplier may deliver late" in page


def test_starting_a_report_checks_the_period(client, auth, users, initiative):
    auth.login(users["pmo"])
    response = start(client, initiative, start=PERIOD_END, end=PERIOD_START)
    assert response.status_code == 422
    assert b"The period must end on or after the day it starts" in response.data
    assert db.session.scalar(select(func.count()).select_from(HighlightReport)) == 0


# ------------------------------------------------------------------ editing a draft


def test_the_manager_saves_a_draft(client, auth, users, initiative):
    report = make_report(initiative, users["pmo"])
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(url("edit", initiative, report), data=draft_data(report, rag_cost="red"))
    assert response.status_code == 303
    saved = reload(HighlightReport, report)
    assert saved.rag_cost == "red" and saved.decisions_needed == "Approve the roll-out." and saved.version == 2


@pytest.mark.parametrize("changes, message", [
    ({"period_end": day(PERIOD_START - timedelta(days=1))}, b"The period must end on or after the day it starts"),
    ({"overall_confidence": "red", "confidence_justification": " "}, b"Explain why overall confidence is Red"),
    ({"rag_time": "purple"}, b"Not a valid choice"),
    ({"period_start": ["31", "2", "2026"]}, b"Period start"),
])
def test_invalid_drafts_are_refused_with_422_and_nothing_saved(client, auth, users, initiative, changes, message):
    report = make_report(initiative, users["pmo"])
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(url("edit", initiative, report), data=draft_data(report, achievements="Changed", **changes))
    assert response.status_code == 422
    assert message in response.data
    assert b"govuk-error-summary" in response.data
    saved = reload(HighlightReport, report)
    assert saved.achievements == "Pilot launched." and saved.version == 1


def test_a_stale_draft_is_a_409_conflict_and_nothing_saved(client, auth, users, initiative):
    report = make_report(initiative, users["pmo"])
    db.session.commit()
    auth.login(users["pmo"])
    stale = draft_data(report, achievements="Mine")
    theirs = draft_data(report, achievements="Theirs")
    assert client.post(url("edit", initiative, report), data=theirs).status_code == 303
    response = client.post(url("edit", initiative, report), data=stale)
    assert response.status_code == 409
    assert b"Someone else saved this report" in response.data
    assert reload(HighlightReport, report).achievements == "Theirs"


# ------------------------------------------------------------------ issuing freezes


def issue(client, initiative, report):
    """Issue `report`, confirmed (test_issuing_asks_for_confirmation_first covers the question)."""
    return client.post(url("issue", initiative, report), data={"version": str(report.version), "confirmed": "yes"})


def test_issuing_freezes_the_report_against_later_changes(client, auth, users, initiative):
    met = milestone(initiative, "Pilot go-live", actual=PERIOD_START + timedelta(days=2))
    risk = factories.make_raid_item(initiative, title="Supplier may deliver late")
    report = make_report(initiative, users["pmo"])
    db.session.commit()
    auth.login(users["pmo"])

    assert issue(client, initiative, report).status_code == 303
    issued = reload(HighlightReport, report)
    assert issued.status == "issued" and issued.issued_by_id == users["pmo"].id and issued.issued_at
    snapshot = issued.snapshot_json

    # The initiative moves on: budget, dates, milestones and RAID all change.
    changed = reload(Initiative, initiative)
    changed.budget_forecast, changed.forecast_end = Decimal("250000"), date(2028, 1, 1)
    reload(Milestone, met).name = "Renamed milestone"
    reload(RaidItem, risk).title = "Renamed risk"
    db.session.commit()

    page = client.get(url("show", initiative, report)).get_data(as_text=True)
    assert "£105,000 (£5,000 over approved)" in page and "£250,000" not in page
    assert "Pilot go-live" in page and "Supplier may deliver late" in page
    assert "Renamed milestone" not in page and "Renamed risk" not in page
    assert reload(HighlightReport, report).snapshot_json == snapshot
    # Issued reports are read-only: no edit, no second issue, nothing changes.
    assert "Edit the draft" not in page
    assert client.get(url("edit", initiative, report)).status_code == 409
    response = client.post(url("edit", initiative, report), data=draft_data(issued, achievements="Rewritten"))
    assert response.status_code == 409
    assert issue(client, initiative, issued).status_code == 409
    assert reload(HighlightReport, report).achievements == "Pilot launched."


def test_a_draft_missing_ratings_is_not_issued(client, auth, users, initiative):
    report = make_report(initiative, users["pmo"], rag_scope=None)
    report.confidence_justification = ""
    db.session.commit()
    auth.login(users["pmo"])
    response = issue(client, initiative, report)
    assert response.status_code == 422
    assert b"Give a rating for scope" in response.data
    assert b"Give a justification for the overall confidence rating" in response.data
    assert reload(HighlightReport, report).status == "draft"


def test_issuing_a_draft_changed_since_the_page_was_drawn_is_a_409(client, auth, users, initiative):
    report = make_report(initiative, users["pmo"])
    db.session.commit()
    auth.login(users["pmo"])
    assert client.post(url("edit", initiative, report), data=draft_data(report)).status_code == 303
    response = client.post(url("issue", initiative, report), data={"version": "1"})
    assert response.status_code == 409
    assert reload(HighlightReport, report).status == "draft"


# ------------------------------------------------------------------ this period against last


def test_each_issued_report_shows_its_ratings_against_the_one_before(client, auth, users, initiative):
    earlier = make_report(initiative, users["pmo"], issued=True, start=PERIOD_START - timedelta(days=31),
                          end=PERIOD_START - timedelta(days=1), rag_cost="red", rag_time="green")
    later = make_report(initiative, users["pmo"], issued=True, rag_cost="amber", rag_time="amber_red",
                        achievements="Later achievements")
    db.session.commit()
    auth.login(users["viewer"])

    page = client.get(url("show", initiative, later)).get_data(as_text=True)
    assert f"Ratings: this period against last ({earlier.period_text})" in page
    cost_row = page[page.index(">Cost</th>"):].split("</tr>")[0]
    assert "Amber" in cost_row and "Red" in cost_row and "Better" in cost_row
    time_row = page[page.index(">Time</th>"):].split("</tr>")[0]
    assert "Amber/Red" in time_row and "Green" in time_row and "Worse" in time_row
    # The first report has nothing to compare with.
    assert "No previous report" in client.get(url("show", initiative, earlier)).get_data(as_text=True)

    listing = client.get(url("index", initiative)).get_data(as_text=True)
    assert listing.index(later.period_text) < listing.index(earlier.period_text)  # newest first
    assert "Better" in listing and "Worse" in listing


def test_an_exception_report_of_the_same_period_is_not_last_period(client, auth, users, initiative):
    earlier = make_report(initiative, users["pmo"], issued=True, start=PERIOD_START - timedelta(days=31),
                          end=PERIOD_START - timedelta(days=1), rag_cost="amber")
    make_report(initiative, users["pmo"], issued=True, rag_cost="red")
    exception = make_report(initiative, users["pmo"], issued=True, kind="exception", rag_cost="red")
    db.session.commit()
    auth.login(users["viewer"])
    page = client.get(url("show", initiative, exception)).get_data(as_text=True)
    assert f"Ratings: this period against last ({earlier.period_text})" in page
    cost_row = page[page.index(">Cost</th>"):].split("</tr>")[0]
    assert "Worse" in cost_row
    listing = client.get(url("index", initiative)).get_data(as_text=True)
    assert listing.count("Worse") == 2 and "No previous report" in listing


# ------------------------------------------------------------------ who may do what


@pytest.mark.parametrize("role", READERS)
def test_everyone_who_sees_the_initiative_reads_its_reports(client, auth, users, initiative, role):
    report = make_report(initiative, users["pmo"], issued=True)
    db.session.commit()
    auth.login(users[role])
    assert client.get(url("index", initiative)).status_code == 200
    response = client.get(url("show", initiative, report))
    assert response.status_code == 200
    assert b"Print this report" in response.data
    assert (b"Start a highlight report" in client.get(url("index", initiative)).data) == (role in ("pmo", "admin"))


@pytest.mark.parametrize("role, allowed", [("pmo", True), ("admin", True), ("requester", False),
                                           ("approver", False), ("viewer", False)])
def test_only_the_pmo_admins_and_the_manager_write(client, auth, users, initiative, role, allowed):
    report = make_report(initiative, users["pmo"])
    db.session.commit()
    auth.login(users[role])
    expected = 200 if allowed else 403
    assert client.get(url("new", initiative)).status_code == expected
    assert client.get(url("edit", initiative, report)).status_code == expected
    response = client.post(url("edit", initiative, report), data=draft_data(report, achievements="Changed"))
    assert response.status_code == (303 if allowed else 403)
    assert (reload(HighlightReport, report).achievements == "Changed") == allowed


def test_the_initiatives_own_manager_writes_whatever_their_role(client, auth, users, initiative):
    initiative.manager_id = users["approver"].id
    report = make_report(initiative, users["pmo"])
    db.session.commit()
    auth.login(users["approver"])
    assert start(client, initiative).status_code == 303
    assert issue(client, initiative, report).status_code == 303
    assert reload(HighlightReport, report).status == "issued"


def test_another_department_cannot_learn_the_reports_exist(client, auth, users, initiative, outsider):
    report = make_report(initiative, users["pmo"], issued=True)
    db.session.commit()
    auth.login(outsider)
    for path in (url("index", initiative), url("show", initiative, report), url("edit", initiative, report)):
        assert client.get(path).status_code == 404


def test_a_report_of_another_initiative_is_404(client, auth, users, initiative):
    other = factories.make_initiative(owner=users["requester"], state="delivery")
    report = make_report(other, users["pmo"])
    db.session.commit()
    auth.login(users["pmo"])
    assert client.get(url("show", initiative, report)).status_code == 404


@pytest.mark.parametrize("state", ["scoring", "business_case", "closed", "cancelled"])
def test_only_initiatives_in_delivery_write_reports(client, auth, users, state):
    initiative = factories.make_initiative(owner=users["requester"], state=state)
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(url("index", initiative))
    assert page.status_code == 200
    assert b"written while an initiative is in Delivery, On hold or Benefits review" in page.data
    assert b"Start a highlight report" not in page.data
    assert start(client, initiative).status_code == 409
    assert db.session.scalar(select(func.count()).select_from(HighlightReport)) == 0


# ------------------------------------------------------------------ tolerances and exceptions


@pytest.mark.parametrize("forecast, forecast_end, breached", [
    (Decimal("110000"), date(2027, 4, 30), False),   # exactly at both tolerances
    (Decimal("110001"), date(2027, 3, 31), True),    # cost just over 10 %
    (Decimal("100000"), date(2027, 5, 1), True),     # 31 days late
])
def test_a_tolerance_breach_prompts_an_exception_report(client, auth, users, initiative, forecast, forecast_end,
                                                        breached):
    initiative.budget_forecast, initiative.forecast_end = forecast, forecast_end
    db.session.commit()
    auth.login(users["viewer"])
    for page in (client.get(url_for("initiatives.show", initiative_id=initiative.id)),
                 client.get(url("index", initiative))):
        assert page.status_code == 200
        assert (b"Outside tolerance: an exception report is needed" in page.data) == breached


def test_tolerances_are_set_on_the_delivery_record(client, auth, users, initiative):
    auth.login(users["pmo"])
    data = {"manager_id": str(users["pmo"].id), "budget_approved": "100000", "budget_forecast": "105000",
            "planned_end": day(date(2027, 3, 31)), "forecast_end": day(date(2027, 4, 14)),
            "delivery_confidence": "amber", "cost_tolerance_pct": "4", "time_tolerance_days": "60",
            "version": str(initiative.version)}
    assert client.post(url_for("delivery.edit", initiative_id=initiative.id), data=data).status_code == 303
    saved = reload(Initiative, initiative)
    assert (saved.cost_tolerance_pct, saved.time_tolerance_days) == (4, 60)
    page = client.get(url("index", initiative)).get_data(as_text=True)
    assert "Cost: the forecast of £105,000 is 5% over the approved budget of £100,000; the tolerance is 4%." in page
    bad = client.post(url_for("delivery.edit", initiative_id=initiative.id),
                      data={**data, "cost_tolerance_pct": "150", "version": str(saved.version)})
    assert bad.status_code == 422 and b"The cost tolerance must be between 0 and 100 per cent" in bad.data


def test_an_exception_report_states_the_breach_and_is_issued_the_same_way(client, auth, users, initiative):
    initiative.budget_forecast = Decimal("130000")
    db.session.commit()
    auth.login(users["pmo"])
    assert start(client, initiative, kind="exception").status_code == 303
    report = newest_report()
    assert report.kind == "exception" and "30% over the approved budget" in report.breach
    data = draft_data(report, breach=report.breach, cause="", options="Descope phase 2.", recommendation="")
    assert client.post(url("edit", initiative, report), data=data).status_code == 303
    response = issue(client, initiative, newest_report())
    assert response.status_code == 422 and b"Write the cause of the exception" in response.data
    data = draft_data(newest_report(), breach=report.breach, cause="Licence prices rose.",
                      options="Descope phase 2.", recommendation="Descope phase 2.")
    assert client.post(url("edit", initiative, report), data=data).status_code == 303
    assert issue(client, initiative, newest_report()).status_code == 303
    page = client.get(url("show", initiative, report)).get_data(as_text=True)
    assert "Exception report" in page and "Licence prices rose." in page


# ------------------------------------------------------------------ the confidence scale


def test_the_admin_switches_to_the_three_point_scale(client, auth, users, initiative):
    page_url = url_for("reports.confidence_scale_setting")
    auth.login(users["admin"])
    assert b"Five-point" in client.get(url_for("admin.index")).data
    response = client.post(page_url, data={"scale": "three_point", "version": "0"})
    assert response.status_code == 303
    assert b"Three-point" in client.get(url_for("admin.index")).data
    # The delivery form offers three levels, and the stored Amber/Green reads as Amber.
    delivery = client.get(url_for("delivery.edit", initiative_id=initiative.id)).get_data(as_text=True)
    assert 'value="amber_green"' not in delivery and 'value="amber"' in delivery
    assert '<strong class="govuk-tag govuk-tag--orange">Amber</strong>' in delivery
    report = make_report(initiative, users["pmo"], rag_time="amber_red")
    db.session.commit()
    edit = client.get(url("edit", initiative, report)).get_data(as_text=True)
    assert 'value="amber_red"' not in edit and 'value="amber_green"' not in edit
    assert "Amber/Red" not in client.get(url("show", initiative, report)).get_data(as_text=True)
    # Back to five points: the ratings show as they were given.
    assert client.post(page_url, data={"scale": "five_point", "version": "1"}).status_code == 303
    assert "Amber/Red" in client.get(url("show", initiative, report)).get_data(as_text=True)


def test_the_scale_setting_refuses_bad_input_and_non_admins(client, auth, users):
    page_url = url_for("reports.confidence_scale_setting")
    auth.login(users["admin"])
    response = client.post(page_url, data={"scale": "ten_point", "version": "0"})
    assert response.status_code == 422 and b"Select a scale from the list" in response.data
    assert client.post(page_url, data={"scale": "three_point", "version": "7"}).status_code == 409
    auth.logout()
    auth.login(users["pmo"])
    assert client.get(page_url).status_code == 403
