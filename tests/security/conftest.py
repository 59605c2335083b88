"""Fixtures of the security tests: a world of real rows, signing in, and database snapshots.

The world has an initiative in every lifecycle state (owned by the requester, in the
department every role's user belongs to), each with a score, a business case, a milestone,
a benefit and a lesson; open gate reviews wherever a gate's entry criteria are met; and an
outsider (a requester of another department) with an initiative of their own.
"""
from __future__ import annotations

import hashlib
import html
import json
import os
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from pmo_web import create_app
from pmo_web.extensions import db
from pmo_web.gates import service as gates
from pmo_web.models import ApiToken, Benefit, DemandLine, GateCondition, Lesson, Milestone, RaidItem
from pmo_web.models.sessions import BOOKKEEPING_TABLES
from tests import factories
from tests.security.route_matrix import MATRIX, ROLES
from tests.web.governance.world import add_governance_rows
from tests.web.imports.world import add_import_rows
from tests.web.reports.world import add_report_rows, world_report_id
from tests.web.resources.world import MONTH as RESOURCE_MONTH
from tests.web.resources.world import add_resource_rows
from workflows.lifecycle import STATES, GuardRefused, IllegalTransition

# The token htmx sends on every request, from <body hx-headers='{"X-CSRFToken": "..."}'>.
BODY_HX_HEADERS = re.compile(r"<body\b[^>]*\bhx-headers='([^']*)'")


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in an app context of its own, as in production.

    The shared `app` fixture keeps one app context open for the whole test, and Flask
    reuses an open app context for requests, so `g` (where Flask-Login caches the signed-in
    user) would carry over from one request, and one client, to the next. Tests that sign
    in several users, or sign one out, need each request to decide who is signed in afresh.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


class World:
    """Real rows to put in URLs: every lifecycle state, a gate review, reference data."""

    def __init__(self):
        self.department = factories.make_department("Contact Management")
        self.other_department = factories.make_department("Estates")
        self.users = {role: factories.make_user(roles=(role,), email=f"{role}@example.test",
                                                department=self.department) for role in ROLES}
        self.outsider = factories.make_user(roles=("requester",), email="outsider@example.test",
                                            department=self.other_department)
        self.priorities = [factories.make_priority(position=n) for n in (1, 2)]
        self.programme = factories.make_programme()
        self.initiatives = {}
        for state in STATES:
            initiative = factories.make_initiative(owner=self.users["requester"], state=state,
                                                   strategic_priority=self.priorities[0])
            factories.make_score(initiative, self.users["pmo"])
            factories.make_business_case(initiative, self.users["pmo"])
            factories.make_milestone(initiative)
            factories.make_benefit(initiative)
            factories.make_lesson(initiative)
            factories.make_raid_item(initiative, owner_id=self.users["pmo"].id)
            self.initiatives[state] = initiative
        self.outsider_initiative = factories.make_initiative(owner=self.outsider, state="delivery")
        factories.make_milestone(self.outsider_initiative)
        factories.make_benefit(self.outsider_initiative)
        factories.make_lesson(self.outsider_initiative)
        factories.make_raid_item(self.outsider_initiative)
        self.reviews = {}
        for state, initiative in self.initiatives.items():
            try:
                self.reviews[state] = gates.request_review(initiative, self.users["pmo"], note="Ready")
            except (GuardRefused, IllegalTransition):
                continue
        # A condition in force on the delivery initiative and on the outsider's (set after the
        # requests above, which it would otherwise hold back), for the condition pages.
        self.condition_id = factories.make_condition(self.initiatives["delivery"], self.users["pmo"],
                                                     self.users["approver"]).id
        for other in (self.initiatives["on_hold"], self.outsider_initiative):
            factories.make_condition(other, self.users["pmo"], self.users["approver"])
        # An API token per role (the API takes no session), and a spare one to revoke.
        self.api_tokens = {role: ApiToken.issue(user, f"{role} report", user, None)[1]
                           for role, user in self.users.items()}
        self.spare_token, _secret = ApiToken.issue(self.users["requester"], "Spare", self.users["requester"], None)
        # The resource matrix: a skill, demand on every initiative, the PMO officer on each.
        self.resources = add_resource_rows(self.users["pmo"], [*self.initiatives.values(), self.outsider_initiative])
        add_report_rows(self.users["pmo"], [*self.initiatives.values(), self.outsider_initiative])
        self.governance = add_governance_rows(self.users["pmo"])  # boards, a held and a planned meeting
        self.upload_id = add_import_rows(self.users["pmo"], self.department)  # tracker import
        db.session.commit()

    def child_id(self, model, initiative_id: int) -> int:
        return db.session.scalar(select(model.id).where(model.initiative_id == initiative_id))

    def api_headers(self, role: str) -> dict:
        """The Authorization header of `role`'s API token."""
        return {"Authorization": f"Bearer {self.api_tokens[role]}"}

    def values(self, rule, state: str | None = None, **given) -> dict:
        """URL values for `rule` from real rows: the initiative in `state` and its children."""
        access = MATRIX.get(rule.endpoint)
        state = state or (access.state if access else None) or "submitted"
        initiative = self.initiatives[state]
        fill = {
            "initiative_id": lambda: initiative.id,
            "milestone_id": lambda: self.child_id(Milestone, initiative.id),
            "benefit_id": lambda: self.child_id(Benefit, initiative.id),
            "lesson_id": lambda: self.child_id(Lesson, initiative.id),
            "raid_item_id": lambda: self.child_id(RaidItem, initiative.id),
            "review_id": lambda: (self.reviews.get(state) or self.reviews["business_case"]).id,
            "user_id": lambda: self.users["requester"].id,
            "department_id": lambda: self.department.id,
            "programme_id": lambda: self.programme.id,
            "priority_id": lambda: self.priorities[1].id,
            "version": lambda: 1,
            "trigger": lambda: "accept",
            "kind": lambda: "options",
            "index": lambda: 1,
            "filename": lambda: "css/app.css",
            "token_id": lambda: self.spare_token.id,
            "person_id": lambda: self.resources.person_id,
            "skill_id": lambda: self.resources.skill_id,
            "line_id": lambda: self.child_id(DemandLine, initiative.id),
            "month": lambda: RESOURCE_MONTH,
            "report_id": lambda: world_report_id(initiative.id, rule.endpoint),
            "board_id": lambda: self.governance.layer_id,
            "meeting_id": lambda: self.governance.held_meeting_id,
            "agenda_item_id": lambda: self.governance.held_item_id,
            "upload_id": lambda: self.upload_id,
            "condition_id": lambda: self.child_id(GateCondition, initiative.id) or self.condition_id,
        }
        declared = {**(access.values if access else {}), **given}
        unknown = set(rule.arguments) - set(fill) - set(declared)
        assert not unknown, f"{rule.rule}: say in tests/security/conftest.py how to fill {sorted(unknown)}"
        return {name: declared[name] if name in declared else fill[name]() for name in rule.arguments}


@pytest.fixture
def world(app):
    """The world, on an app whose clients give each request a fresh app context. (Only
    tests that ask for the world get such clients; the shared `app` is left as it is.)"""
    app.test_client_class = FreshContextClient
    return World()


@pytest.fixture
def csrf_app():
    """The app with CSRF protection on, as in production (the shared `app` turns it off)."""
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": os.environ.get("PMO_TEST_DATABASE_URL", "sqlite://"),
        "WTF_CSRF_ENABLED": True,
        "SERVER_NAME": "localhost",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    app.test_client_class = FreshContextClient
    with app.app_context():
        db.drop_all()
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def page_csrf_token(page: str) -> str:
    """The CSRF token a page gives htmx on <body hx-headers>; fails if the page has none."""
    match = BODY_HX_HEADERS.search(page)
    assert match, "the page's <body> carries no hx-headers"
    token = json.loads(html.unescape(match.group(1))).get("X-CSRFToken")
    assert token, "the page's hx-headers carry no X-CSRFToken"
    return token


def sign_in(client, user) -> None:
    """Sign `client` in as `user` through the real form (taking its CSRF token if it has one)."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"email": user.email, "password": factories.PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    response = client.post("/login", data=data)
    assert response.status_code == 302, f"{user.email} could not sign in ({response.status_code})"


def database_snapshot() -> dict[str, str]:
    """A digest of every table's rows, to compare before and after: {table: digest}.

    Leaves out the session bookkeeping the app writes on any request (a signed-in page
    view notes the session's activity once a minute), which is not data anyone edits.
    """
    db.session.expire_all()
    snapshot = {}
    for table in db.metadata.sorted_tables:
        if table.name in BOOKKEEPING_TABLES:
            continue
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
        snapshot[table.name] = f"{len(rows)} rows {digest[:16]}"
    return snapshot


def changed_tables(before: dict[str, str], after: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {name: (before.get(name), after.get(name)) for name in set(before) | set(after)
            if before.get(name) != after.get(name)}
