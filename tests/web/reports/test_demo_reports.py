"""The demo's reports: monthly highlight reports with a previous period to compare, a draft,
and an exception report where the forecast cost is outside tolerance."""
import pytest
from sqlalchemy import select

from pmo_web.demo import seed
from pmo_web.extensions import db
from pmo_web.models import HighlightReport, Initiative
from pmo_web.reports.facts import tolerance_breaches


@pytest.fixture(scope="module")
def demo_portfolio():
    from pmo_web import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost"})
    with app.app_context():
        db.create_all()
        assert seed() is True
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_the_demo_has_reports_to_compare_a_draft_and_an_exception(demo_portfolio):
    reports = db.session.scalars(select(HighlightReport)).all()
    issued = [r for r in reports if r.is_issued]
    assert any(not r.is_issued for r in reports)
    by_initiative = {}
    for report in issued:
        by_initiative.setdefault(report.initiative_id, []).append(report)
    assert any(len(found) >= 2 for found in by_initiative.values())  # this period against last
    exception = next(r for r in issued if r.is_exception)
    assert exception.breach.startswith("Cost:") and exception.recommendation
    for report in issued:
        assert report.snapshot["budget_approved"].startswith("£")
        assert report.issued_at.date() > report.period_end
        assert db.session.get(Initiative, report.initiative_id).state == "delivery"


def test_an_initiative_outside_tolerance_is_left_to_prompt_for_an_exception_report(demo_portfolio):
    reported = set(db.session.scalars(select(HighlightReport.initiative_id).where(HighlightReport.kind == "exception")))
    in_delivery = db.session.scalars(select(Initiative).where(Initiative.state == "delivery")).all()
    assert any(tolerance_breaches(i) and i.id not in reported for i in in_delivery)
