"""Report rows for the security tests' world and the bad-input sweep: one issued report and
one draft on each initiative that reports (issued first, so a URL's first report is issued)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from pmo_web.extensions import db
from pmo_web.models import HighlightReport
from pmo_web.reports.facts import facts_for

PERIOD_END = date.today().replace(day=1) - timedelta(days=1)
PERIOD_START = PERIOD_END.replace(day=1)


def make_report(initiative, author, issued: bool = False, kind: str = "highlight",
                start: date = PERIOD_START, end: date = PERIOD_END, **fields) -> HighlightReport:
    """A report of `initiative` for the period, every rating given (issued: frozen with today's facts)."""
    ratings = {name: fields.pop(name, "amber") for name in
               ("overall_confidence", "rag_time", "rag_cost", "rag_scope", "rag_quality", "rag_benefits", "rag_risk")}
    fields = {"confidence_justification": "On plan.", "achievements": "Pilot launched.", **fields}
    report = HighlightReport(initiative_id=initiative.id, kind=kind, period_start=start, period_end=end,
                             created_by_id=author.id, **ratings, **fields)
    db.session.add(report)
    db.session.flush()
    if issued:
        report.freeze(facts_for(initiative, start, end), author)
        db.session.flush()
    return report


def add_report_rows(author, initiatives) -> None:
    """For tests/security/conftest.py's World: an issued report and a draft on every initiative
    (in every state, so each URL naming a report can be aimed at each state)."""
    for initiative in initiatives:
        make_report(initiative, author, issued=True, start=PERIOD_START - timedelta(days=31),
                    end=PERIOD_START - timedelta(days=1))
        make_report(initiative, author)


def first_report_id(initiative_id: int | None, draft: bool = False) -> int | None:
    """A report of the initiative (its draft if asked), for URLs that name one."""
    query = select(HighlightReport.id).where(HighlightReport.initiative_id == initiative_id)
    if draft:
        query = query.where(HighlightReport.status == "draft")
    return db.session.scalar(query.order_by(HighlightReport.id))


def world_report_id(initiative_id: int, endpoint: str) -> int | None:
    """The World's report for a URL: the draft where the endpoint changes one, else the issued one."""
    return first_report_id(initiative_id, draft=endpoint in ("reports.edit", "reports.issue"))


def sweep_report_id(initiative_id: int | None) -> int | None:
    """For tests/web/test_bad_input.py: a draft report of the initiative (made and committed once)."""
    from pmo_web.models import Initiative, User
    if initiative_id is None:
        return None
    found = first_report_id(initiative_id)
    if found is None:
        initiative = db.session.get(Initiative, initiative_id)
        found = make_report(initiative, db.session.get(User, initiative.owner_id)).id
        db.session.commit()
    return found
