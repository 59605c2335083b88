"""No query per row: every key page sends the same number of SQL statements on a small
portfolio and on one several times larger (issue 7).

The two portfolios have the same shape (every board state, scores, milestones, RAID items,
lessons, benefits, gate reviews, audit events) and differ only in how many of each there
are. A page whose count differs has a query inside a loop somewhere; the failure names it
with both counts. `test_a_query_per_row_is_caught` proves the check can fail: it breaks the
kanban on purpose (a query per card) and expects the counts to differ.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event, select

from pmo_web.extensions import db
from pmo_web.gates import service
from pmo_web.models.base import utcnow
from tests import factories
from tests.web.reports.world import make_report

BOARD_STATES = ("submitted", "triage", "info_requested", "scoring", "business_case", "delivery",
                "on_hold", "benefits_review", "closed")


@contextmanager
def counting():
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


class Portfolio:
    """A portfolio of `size` initiatives per state with their registers, and the ids pages need."""

    def __init__(self, users, size: int):
        self.users = users
        programme = factories.make_programme()
        self.target = None
        for n in range(size):
            for state in BOARD_STATES:
                # On hold, and quiet for ten weeks: "My work" lists it as having had no update.
                quiet = {"created_at": utcnow() - timedelta(weeks=10)} if state == "on_hold" else {}
                initiative = factories.make_initiative(
                    owner=factories.make_user(department=users["requester"].department), state=state,
                    programme=programme, manager=users["pmo"], strategic_priority=factories.make_priority(position=n),
                    **quiet)
                factories.make_score(initiative, users["pmo"])
                factories.make_milestone(initiative)
                factories.make_benefit(initiative)
                factories.make_lesson(initiative)
                for kind in ("risk", "assumption", "issue", "dependency"):
                    factories.make_raid_item(initiative, kind, owner_id=users["pmo"].id)
                factories.make_raid_item(initiative, "risk", owner_id=users["pmo"].id,
                                         review_date=date.today() - timedelta(days=3))  # past its review
                if state == "delivery" and self.target is None:
                    self.target = initiative
            # The requester's own requests, one with a question to answer (their "My work").
            factories.make_initiative(owner=users["requester"], state="info_requested", info_question="Which sites?")
            factories.make_initiative(owner=users["requester"], state="business_case")
            # Extra rows on the measured initiative too, so its own page grows.
            factories.make_raid_item(self.target, "risk", owner_id=factories.make_user(roles=("pmo",)).id)
            factories.make_milestone(self.target)
            factories.make_lesson(self.target)
            factories.make_benefit(self.target)
            make_report(self.target, users["pmo"], issued=True)
            # Gate conditions on the measured initiative, open (a user's) and met; deferred and
            # returned gates elsewhere (docs/rules.md 9).
            factories.make_condition(self.target, users["pmo"], users["approver"], owner_id=users["viewer"].id)
            factories.make_condition(self.target, users["pmo"], users["approver"], state="met",
                                     evidence="Done", closed_by_id=users["pmo"].id, closed_at=self.target.created_at)
            by_state = {i.state: i for i in db.session.scalars(
                select(factories.Initiative).order_by(factories.Initiative.id.desc()).limit(len(BOARD_STATES)))}
            factories.make_decided_review(by_state["business_case"], users["pmo"], users["approver"], "G2", "defer")
            factories.make_decided_review(by_state["benefits_review"], users["pmo"], users["approver"], "G4",
                                          "return_for_rework")
        db.session.commit()
        scoring = select(factories.Initiative).where(factories.Initiative.state == "scoring")
        for initiative in db.session.scalars(scoring):
            if service.open_review(initiative) is None:
                service.request_review(initiative, users["pmo"], note="Ready")
        db.session.commit()


# (name, role, url); "{target}" is an initiative in delivery.
PAGES = [
    ("kanban", "pmo", "/triage"),
    ("portfolio", "pmo", "/initiatives"),
    ("initiative page", "pmo", "/initiatives/{target}"),
    ("ranked backlog", "pmo", "/backlog"),
    ("gate request", "pmo", "/initiatives/{target}/gates/request"),  # before another role signs in
    ("gate queue", "approver", "/gates/queue"),
    ("gate reviews", "pmo", "/gates"),
    ("delivery page", "pmo", "/initiatives/{target}/delivery"),
    ("business case", "pmo", "/initiatives/{target}/business-case"),
    ("RAID log", "pmo", "/initiatives/{target}/raid"),
    ("lessons log", "pmo", "/initiatives/{target}/lessons"),
    ("highlight reports", "pmo", "/initiatives/{target}/reports"),
    ("lessons library", "pmo", "/lessons?q=custody"),
    ("benefits register", "pmo", "/benefits"),
    ("risk heat map", "pmo", "/portfolio/risks"),
    ("escalations", "pmo", "/portfolio/escalations"),
    ("dependencies", "pmo", "/portfolio/dependencies"),
    ("resources grid", "pmo", "/resources/allocations"),
    ("skills gaps", "pmo", "/resources/gaps"),
    ("dashboard", "viewer", "/dashboard"),
    ("department requests", "requester", "/requests/department"),
    ("notifications", "pmo", "/notifications"),  # the PMO owns every RAID item: one each
    ("users", "admin", "/admin/users"),
    # My work, the home page, for each role (issue 14).
    ("my work, PMO", "pmo", "/"),
    ("my work, approver", "approver", "/"),
    ("my work, requester", "requester", "/"),
    ("my work, admin", "admin", "/"),
]


def statement_counts(app, users, size: int, pages=PAGES) -> dict[str, int]:
    """Statements per page on a portfolio of `size` initiatives per state."""
    portfolio = Portfolio(users, size)
    clients = {}
    counts = {}
    for name, role, url in pages:
        if role not in clients:
            clients[role] = app.test_client()
            clients[role].post("/login", data={"email": users[role].email, "password": factories.PASSWORD})
        client = clients[role]
        url = url.format(target=portfolio.target.id)
        client.get(url)  # warm: first-request work (settings caches) is not the page's
        with counting() as statements:
            response = client.get(url)
        assert response.status_code == 200, f"{name} {url}: {response.status_code}"
        counts[name] = len(statements)
    return counts


def known_pages(app):
    """The pages of PAGES whose routes exist in this app."""
    adapter = app.url_map.bind("localhost")
    known = []
    for page in PAGES:
        try:
            adapter.match(page[2].split("?")[0].format(target=1), method="GET")
        except Exception:  # noqa: BLE001 - a page another issue has not built yet
            continue
        known.append(page)
    return known


def test_every_key_page_sends_the_same_statements_at_two_sizes(app, users):
    pages = known_pages(app)
    assert len(pages) >= 14
    small = statement_counts(app, users, 1, pages)
    large = statement_counts(app, users, 4, pages)
    grew = {name: (small[name], large[name]) for name in small if small[name] != large[name]}
    assert grew == {}, f"statements (small, large) per page that grew: {grew}"


def test_a_query_per_row_is_caught(app, users, monkeypatch):
    """A deliberately broken kanban (one query per card) is caught by the same comparison."""
    from pmo_web.triage import board

    honest = board.Card.stage_label

    def stage_label_with_a_query(card):
        # What a careless template helper does: look up the card's owner, card by card.
        db.session.execute(select(factories.User.name).where(factories.User.id == card.initiative.owner_id)).all()
        return honest.fget(card)

    monkeypatch.setattr(board.Card, "stage_label", property(stage_label_with_a_query))
    kanban = [page for page in PAGES if page[0] == "kanban"]
    small = statement_counts(app, users, 1, kanban)
    large = statement_counts(app, users, 3, kanban)
    assert large["kanban"] > small["kanban"]
