"""Issuing a report cannot be undone, so it is confirmed first; and one exception report at most is
issued for an initiative and period, whether the second comes later or at the same moment."""
from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pmo_web.extensions import db
from pmo_web.models import HighlightReport
from tests import factories
from tests.web.reports.test_reports import issue, url
from tests.web.reports.world import PERIOD_END, PERIOD_START, make_report


@pytest.fixture
def initiative(users):
    made = factories.make_initiative(owner=users["requester"], state="delivery", manager_id=users["pmo"].id,
                                     budget_approved=Decimal("100000"), budget_forecast=Decimal("130000"))
    db.session.commit()
    return made


def status_of(report_id: int) -> str:
    db.session.expire_all()
    return db.session.get(HighlightReport, report_id).status


def issued_exceptions(initiative) -> int:
    return db.session.scalar(select(func.count()).select_from(HighlightReport).where(
        HighlightReport.initiative_id == initiative.id, HighlightReport.kind == "exception",
        HighlightReport.status == "issued"))


@pytest.mark.parametrize("kind", ["highlight", "exception"])
def test_issuing_asks_for_confirmation_first(client, auth, users, initiative, kind):
    report = make_report(initiative, users["pmo"], kind=kind, cause="Prices rose.", recommendation="Descope.")
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(url("issue", initiative, report), data={"version": str(report.version)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    label = "highlight report" if kind == "highlight" else "exception report"
    assert f"Issue the {label} for {report.period_text}?" in page
    assert "An issued report cannot be changed or withdrawn." in page
    assert 'name="confirmed" value="yes"' in page and f'name="version" type="hidden" value="{report.version}"' in page
    assert status_of(report.id) == "draft"
    assert issue(client, initiative, report).status_code == 303
    assert status_of(report.id) == "issued"


def test_a_second_exception_report_for_the_same_period_is_refused(client, auth, users, initiative):
    first = make_report(initiative, users["pmo"], kind="exception", cause="Prices rose.", recommendation="Descope.")
    second = make_report(initiative, users["pmo"], kind="exception", cause="Prices rose.", recommendation="Wait.")
    other_period = make_report(initiative, users["pmo"], kind="exception", cause="Late.", recommendation="Wait.",
                               start=PERIOD_START + timedelta(days=31), end=PERIOD_END + timedelta(days=30))
    highlight = make_report(initiative, users["pmo"])
    db.session.commit()
    auth.login(users["pmo"])
    assert issue(client, initiative, first).status_code == 303
    # The second draft says so before anyone tries, and offers no Issue button.
    page = client.get(url("show", initiative, second)).get_data(as_text=True)
    assert f"An exception report for {second.period_text} has already been issued" in page
    assert "Issue this report" not in page
    response = issue(client, initiative, second)
    refused = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This exception report cannot be issued" in refused
    assert f"An exception report for {second.period_text} was issued on" in refused
    assert f'href="/initiatives/{initiative.id}/reports/{first.id}"' in refused
    assert status_of(second.id) == "draft"
    # Another period, and a highlight report of the same period, are issued as before.
    assert issue(client, initiative, other_period).status_code == 303
    assert issue(client, initiative, highlight).status_code == 303
    assert issued_exceptions(initiative) == 2


def test_the_database_keeps_one_issued_exception_report_per_initiative_and_period(users, initiative):
    first = make_report(initiative, users["pmo"], kind="exception", issued=True)
    second = make_report(initiative, users["pmo"], kind="exception")
    db.session.commit()
    with pytest.raises(IntegrityError):
        second.freeze({}, users["pmo"])
        db.session.commit()
    db.session.rollback()
    assert issued_exceptions(initiative) == 1 and status_of(first.id) == "issued"


def test_two_exception_reports_issued_at_once_leave_one_issued(app, users, initiative, monkeypatch):
    """Two officers issue two drafts of the same period at the same moment. On PostgreSQL they run
    at once (each request in its own thread, session and transaction), each past the check for an
    issued twin before either commits; the index refuses the second, which is told why."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writing transactions: the race is tested on PostgreSQL")
    drafts = [make_report(initiative, users["pmo"], kind="exception", cause="Prices rose.",
                          recommendation=f"Option {n}") for n in (1, 2)]
    other = factories.make_user(roles=("pmo",), email="pmo2@example.test", department=users["pmo"].department)
    db.session.commit()
    ids = [draft.id for draft in drafts]
    initiative_id = initiative.id  # the threads read no row of this session
    clients = []
    for user in (users["pmo"], other):
        client = app.test_client()
        client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        clients.append(client)
    freeze = HighlightReport.freeze

    def slow_freeze(self, *args, **kwargs):
        freeze(self, *args, **kwargs)
        time.sleep(0.5)  # both past the twin check, neither committed: the race, made certain

    monkeypatch.setattr(HighlightReport, "freeze", slow_freeze)
    start = threading.Barrier(2)
    responses: dict[int, object] = {}
    errors: list = []

    def issue_one(client, report_id):
        try:
            start.wait(timeout=10)
            responses[report_id] = client.post(f"/initiatives/{initiative_id}/reports/{report_id}/issue",
                                               data={"version": "1", "confirmed": "yes"})
        except Exception as error:  # noqa: BLE001 (reported to the test)
            errors.append(error)

    threads = [threading.Thread(target=issue_one, args=(client, report_id))
               for client, report_id in zip(clients, ids, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(response.status_code for response in responses.values()) == [303, 409]
    [refused] = [response for response in responses.values() if response.status_code == 409]
    assert "This exception report cannot be issued" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert issued_exceptions(initiative) == 1
    assert sorted(status_of(report_id) for report_id in ids) == ["draft", "issued"]
    assert date.today()  # the test clock still reads the run's day
