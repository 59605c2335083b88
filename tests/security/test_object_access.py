"""Object-level access: ids in URLs reach only rows the user may see, and forms write only
the fields they offer.

- A requester of another department gets 403 or 404 from every route that names an
  initiative, gate review, milestone or benefit, in every lifecycle state, for GET and POST,
  and nothing in the database changes.
- Each role the matrix refuses at an endpoint is refused a POST there too, writing nothing.
- A milestone or benefit id of another initiative is 404, even for the PMO.
- Mass assignment: every POST endpoint is sent what its own form draws plus fields it does
  not offer (state, owner, version, approver, department, id, password hash ...), and no
  row takes any of those values.

Routes come from app.url_map; a new POST endpoint fails test_every_post_endpoint_has_a_save
until it is given a case in SAVES.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from fnmatch import fnmatch
from html.parser import HTMLParser

import pytest
from flask import url_for
from sqlalchemy import func, select

from pmo_web.extensions import db
from pmo_web.gates import service as gates
from tests import factories
from tests.security.conftest import World, changed_tables, database_snapshot, sign_in
from tests.security.route_matrix import MATRIX, OBJECT_ARGS, ROLES, methods_of
from tests.web.auth.totp import code_from_setup_page
from workflows.lifecycle import STATES, triggers_from

# ----------------------------------------------------------------- outsiders and children


def _object_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if set(r.arguments) & OBJECT_ARGS),
                  key=lambda r: r.endpoint)


def _urls_in_every_state(world: World, rule) -> list[str]:
    """The rule's URL for the initiative (or its gate review) in every state that has one."""
    states = world.reviews if "review_id" in rule.arguments else STATES
    urls = []
    for state in states:
        triggers = (triggers_from(state) or ["withdraw"]) if "trigger" in rule.arguments else [None]
        for trigger in triggers:
            given = {"trigger": trigger} if trigger else {}
            urls.append(url_for(rule.endpoint, **world.values(rule, state=state, **given)))
    return urls


def _hostile_post(world: World) -> dict:
    """What a user might post to take over rows: ordinary fields and ones no form offers."""
    return {
        "title": "Taken over", "name": "Taken over", "comment": "Taken over", "decision": "approve",
        "trigger": "withdraw", "reason": "Taken over", "confirm": "y", "satisfaction_score": "1",
        "actual_value": "Taken over", "note": "Taken over", "save_draft": "y",
        **hostile_extras(world),
    }


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_departments_requester_reaches_no_row(app, world, method):
    """403 or 404 from every route naming a row of another department, in every state;
    the database is exactly as it was."""
    client = app.test_client()
    sign_in(client, world.outsider)
    data = _hostile_post(world) if method == "POST" else None
    problems, reached = [], 0
    for rule in _object_rules(app):
        if method not in methods_of(rule):
            continue
        before = database_snapshot()
        for url in _urls_in_every_state(world, rule):
            response = client.open(url, method=method, data=data)
            reached += 1
            if response.status_code not in (403, 404):
                problems.append(f"{rule.endpoint} {method} {url}: {response.status_code}")
        if changes := changed_tables(before, database_snapshot()):
            problems.append(f"{rule.endpoint} {method} changed {changes}")
    assert reached > len(STATES) * 5
    assert problems == []


def test_roles_refused_a_page_are_refused_its_post(app, world):
    """Every role the matrix refuses at a POST endpoint gets 403 when posting there (404
    where it names someone else's draft), and nothing is written."""
    problems = []
    for role in ROLES:
        client = app.test_client()
        sign_in(client, world.users[role])
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
            if "POST" not in rule.methods or role in MATRIX[rule.endpoint].roles:
                continue
            before = database_snapshot()
            values = world.values(rule)
            # A draft is its author's alone: to anyone its screen admits it does not exist (test_drafts).
            expected = (403, 404) if values.get("initiative_id") == world.initiatives["draft"].id else (403,)
            response = client.post(url_for(rule.endpoint, **values), data=_hostile_post(world))
            if response.status_code not in expected:
                problems.append(f"{rule.endpoint} POST as {role}: {response.status_code}")
            if changes := changed_tables(before, database_snapshot()):
                problems.append(f"{rule.endpoint} POST as {role} changed {changes}")
    assert problems == []


CHILD_OF = {"milestone_id": factories.Milestone, "benefit_id": factories.Benefit,
            "lesson_id": factories.Lesson, "raid_item_id": factories.RaidItem,
            "condition_id": factories.GateCondition}


def test_a_child_of_another_initiative_is_not_found(app, world):
    """/initiatives/A/milestones/<B's milestone> is 404 (GET and POST), even for the PMO who
    may see and edit both: a child is looked up under its own initiative only."""
    client = app.test_client()
    sign_in(client, world.users["pmo"])
    others = (world.initiatives["on_hold"], world.outsider_initiative)
    problems, checked = [], set()
    for rule in _object_rules(app):
        for arg in set(rule.arguments) & set(CHILD_OF):
            values = world.values(rule)
            for other in others:
                values[arg] = world.child_id(CHILD_OF[arg], other.id)
                url = url_for(rule.endpoint, **values)
                before = database_snapshot()
                for method in methods_of(rule):
                    response = client.open(url, method=method, data=_hostile_post(world))
                    if response.status_code != 404:
                        problems.append(f"{rule.endpoint} {method} {url}: {response.status_code}")
                if changes := changed_tables(before, database_snapshot()):
                    problems.append(f"{rule.endpoint} {url} changed {changes}")
                checked.add(rule.endpoint)
    assert {"delivery.milestone_edit", "review.benefit_edit"} <= checked
    assert problems == []


# ------------------------------------------------------------------------ mass assignment

# Columns a form must never set from what is posted, and the names an attacker would post.
WATCHED_COLUMNS = ("state", "owner_id", "version", "approver_id", "approved_by_id", "department_id",
                   "id", "password_hash", "initiative_id", "author_id", "scorer_id", "requested_by_id",
                   "logged_by_id", "role")


def hostile_extras(world: World) -> dict:
    """The values posted for each watched column: none of them a row would get by itself."""
    outsider = str(world.outsider.id)
    return {
        "state": "closed", "owner_id": outsider, "version": "999", "approver_id": outsider,
        "approved_by_id": outsider, "approved_by": outsider, "department_id": str(world.other_department.id),
        "id": "999999", "password_hash": "pbkdf2:sha256:1$planted$0000", "initiative_id":
        str(world.outsider_initiative.id), "author_id": outsider, "scorer_id": outsider,
        "requested_by_id": outsider, "logged_by_id": outsider, "role": "admin",
    }


def watched_counts(extras: dict) -> dict[str, int]:
    """How many rows hold each hostile value, per table and column."""
    counts = {}
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if column.name in WATCHED_COLUMNS:
                value = extras[column.name]
                value = int(value) if column.type.python_type is int else value
                counts[f"{table.name}.{column.name}"] = db.session.scalar(
                    select(func.count()).select_from(table).where(column == value))
    return counts


class FormControls(HTMLParser):
    """The named controls of each <form> on a page, with the values the page drew in them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            posts = (attrs.get("method") or "get").lower() == "post"
            self._form = {"targets": {attrs.get("action") or "" if posts else None, attrs.get("hx-post")},
                          "fields": {}, "drawn": set()}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            self._select["options"].append(value)
            if "selected" in attrs:
                self._select["chosen"] = value
        elif attrs.get("name"):
            self._control(tag, attrs)

    def _control(self, tag, attrs):
        name, fields = attrs["name"], self._form["fields"]
        self._form["drawn"].add(name)
        kind = (attrs.get("type") or "text").lower()
        if tag == "input" and kind in ("checkbox", "radio"):
            if "checked" in attrs:
                fields.setdefault(name, []).append(attrs.get("value", "y"))
        elif tag == "input" and kind not in ("submit", "button", "image", "reset"):
            fields.setdefault(name, []).append(attrs.get("value", ""))
        elif tag == "select":
            self._select = {"name": name, "options": [], "chosen": None}
        elif tag == "textarea":
            self._textarea = name
            fields.setdefault(name, []).append("")

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = self._select["chosen"]
            self._form["fields"].setdefault(self._select["name"], []).append(chosen or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def form_posting_to(self, path: str) -> dict:
        """The form that posts to `path`, the page's own URL (a form without an action posts there)."""
        matches = [form for form in self.forms if path in form["targets"] or "" in form["targets"]]
        assert matches, f"no form on the page posts to {path}"
        return matches[-1]


@dataclass
class Save:
    """A successful submission of one POST endpoint: who, on which row, typing what."""

    endpoint: str
    role: str | None
    typed: dict = field(default_factory=dict)  # on top of what the page drew; patterns allowed
    state: str | None = None
    page: bool = True  # False: the endpoint has no page of its own to read the form from
    prepare: object = None  # world -> URL values, for a row the world does not have yet


def _deferred_gate(world: World) -> dict:
    """A Gate 2 review of a fresh initiative, deferred: the PMO may ask for it again."""
    initiative = factories.make_initiative(owner=world.users["requester"], state="business_case",
                                           strategic_priority=world.priorities[0])
    factories.make_business_case(initiative, world.users["pmo"])
    review = gates.request_review(initiative, world.users["pmo"], note="Ready")
    gates.record_decision(review, world.users["approver"], "defer", comment="Later",
                          defer_until=date.today() + timedelta(days=30))
    db.session.commit()
    return {"review_id": review.id}


def _fresh_scored(world: World) -> dict:
    """An initiative ready for Gate 1 (scored, no review open yet)."""
    initiative = factories.make_initiative(owner=world.users["requester"], state="scoring",
                                           strategic_priority=world.priorities[0])
    factories.make_score(initiative, world.users["pmo"])
    db.session.commit()
    return {"initiative_id": initiative.id}


DATE = ["1", "4", "2027"]
SAVES = [
    Save("auth.login", None, {"email": "viewer@example.test", "password": factories.PASSWORD}),
    Save("auth.logout", "viewer", page=False),
    Save("auth.change_password", "requester", {"current_password": factories.PASSWORD,
                                               "new_password": "a-new-long-password",
                                               "new_password_confirm": "a-new-long-password"}),
    Save("auth.second_factor_code", None, {"code": "123456"}, page=False),  # no password given: back to sign in
    Save("auth.second_factor_setup", "requester", {"code": code_from_setup_page}),
    Save("auth.second_factor_recovery_codes", "requester", page=False),
    Save("auth.second_factor_remove", "requester", page=False),
    Save("auth.second_factor_reset", "admin", page=False),
    Save("auth.confirm_identity", "requester", {"password": factories.PASSWORD}),
    Save("intake.new", "requester", {"title": "Probe", "description": "d", "problem": "p", "sponsor": "s",
                                     "desired_outcome": "o", "cost_band": "under_10k",
                                     "strategic_priority": "{priority}", "save_draft": "y"}),
    Save("intake.edit", "requester", {"title": "Probe", "save_draft": "y"}),
    Save("intake.similar", "requester", {"title": "Probe", "description": "d"}, page=False),
    Save("initiatives.transition", "pmo", {"confirm": "y"}),
    Save("triage.move", "pmo", {"trigger": "accept", "confirmed": "yes"}, page=False),
    Save("scoring.score", "pmo", {"alignment_*": "3", "rationale": "Probe", "save": "y"}),
    Save("scoring.preview", "pmo", {"urgency": "3", "complexity": "3", "desirability": "3", "alignment_*": "3"},
         page=False),
    Save("cases.edit", "pmo", {"strategic_case": "Probe", "save": "y"}),
    Save("gates.request_review", "pmo", {"note": "Probe"}, prepare=_fresh_scored),
    Save("gates.decide", "approver", {"decision": "approve", "comment": "Probe"}, page=False),
    Save("gates.request_again", "pmo", page=False, prepare=_deferred_gate),
    Save("gates.condition_met", "pmo", {"note": "Probe"}, state="delivery"),
    Save("gates.condition_waive", "approver", {"note": "Probe"}, state="delivery"),
    Save("delivery.edit", "pmo", {"confidence_justification": "Probe"}),
    Save("delivery.milestone_edit", "pmo", {"name": "Probe"}),
    Save("delivery.milestone_new", "pmo", {"name": "Probe", "baseline_date": DATE}),
    Save("review.benefit_edit", "pmo", {"actual_value": "Probe"}),
    Save("review.benefit_new", "pmo", {"name": "Probe", "category": "non_cash_releasing", "status": "planned"}),
    Save("review.benefit_delete", "pmo"),
    Save("review.benefit_restore", "pmo", page=False),
    Save("lessons.new", "pmo", {"title": "Probe", "owner": "PMO", "dependencies": "None"}),
    Save("lessons.edit", "pmo", {"title": "Probe"}),
    Save("lessons.delete", "pmo"),
    Save("lessons.restore", "pmo", page=False),
    Save("governance.new_board", "pmo", {"name": "Probe board", "level": "layer"}),
    Save("governance.edit_board", "admin", {"description": "Probe"}),
    Save("governance.new_meeting", "pmo", {"meets_on": ["1", "4", "2030"], "start_time": "10:00", "location": "Probe"}),
    Save("governance.edit_meeting", "pmo", {"location": "Probe"}),
    Save("governance.mark_held", "pmo", {"version": "1"}, page=False,
         prepare=lambda world: {"meeting_id": world.governance.planned_meeting_id}),
    Save("governance.add_item", "pmo", {"title": "Probe"}),
    Save("governance.minute", "pmo", {"kind": "decision", "text": "Probe"}),
    Save("governance.escalate", "pmo", {"note": "Probe"}),
    Save("review.satisfaction", "pmo", {"satisfaction_score": "4"}),
    Save("admin.user_new", "admin", {"name": "Probe", "email": "probe@example.test",
                                     "department_id": "{department}", "rank": "constable", "roles": "viewer",
                                     "password": "a-new-long-password", "password_confirm": "a-new-long-password"}),
    Save("admin.user_edit", "admin", {"name": "Probe", "rank": "constable"}),
    Save("admin.departments", "admin", {"name": "Probe department"}),
    Save("admin.department_edit", "admin", {"name": "Probe department"}),
    Save("admin.programmes", "admin", {"name": "Probe programme"}),
    Save("admin.programme_edit", "admin", {"name": "Probe programme"}),
    Save("admin.priorities", "admin", {"name": "Probe priority"}),
    Save("admin.priority_edit", "admin", {"name": "Probe priority"}),
    Save("admin.weights", "admin", {"dashboard_min_rank": "sergeant"}),
    Save("admin.gates", "admin", {"gates-*-approver_role": "approver"}),
    # The RAID log (the world's initiative in delivery has a risk owned by the PMO officer).
    Save("raid.item_new", "pmo", {"title": "Probe", "likelihood": "3", "impact": "3", "review_date": DATE}),
    Save("raid.item_edit", "pmo", {"title": "Probe"}),
    Save("raid.item_remove", "pmo"),
    Save("raid.item_restore", "pmo", page=False),
    Save("raid.item_escalation", "pmo", {"escalated_to": "Corporate Delivery Board", "escalation_note": "Probe"}),
    Save("api.tokens", "pmo", {"name": "Probe report", "lifetime": "90"}),
    Save("api.token_revoke", "requester", page=False),
    Save("api.admin_tokens", "admin", {"name": "Probe report", "lifetime": "90", "user_id": "{viewer}"}),
    # The resource matrix (the world puts the PMO officer on every initiative, with a line of demand).
    Save("resources.allocation_cell", "pmo", {"fte": "0.5"}),
    Save("resources.leave_cell", "pmo", {"fte": "0.25"}),
    Save("resources.demand_cell", "pmo", {"fte": "1.5"}),
    Save("resources.assignment_new", "pmo", prepare=lambda world: {
        "person": world.resources.person_id, "initiative": world.initiatives["business_case"].id}),
    Save("resources.assignment_remove", "pmo"),
    Save("resources.demand_new", "pmo", {"note": "Probe"}, prepare=lambda world: {
        "initiative_id": world.initiatives["delivery"].id, "skill": world.resources.skill_id}),
    Save("resources.demand_remove", "pmo"),
    Save("resources.person_new", "pmo", {"name": "Probe"}),
    Save("resources.person_edit", "pmo", {"job_title": "Probe"}),
    Save("resources.skill_new", "pmo", {"name": "Probe skill"}),
    Save("resources.skills_standard", "pmo"),
    Save("resources.skill_edit", "pmo", {"name": "Probe skill"}),
    # Tracker import: a file with one row, the drawn mapping, then the import itself.
    Save("imports.upload", "pmo", {"tracker": (io.BytesIO(b"Title,State,Department\r\nProbe,Triage,Estates\r\n"),
                                               "probe.csv")}),
    Save("imports.mapping", "pmo"),
    Save("imports.run", "pmo", page=False),
    # Highlight and exception reports (the world has an issued report and a draft on each initiative).
    Save("reports.new", "pmo"),
    Save("reports.edit", "pmo", {"achievements": "Probe"}),
    Save("reports.issue", "pmo", {"version": "1", "confirmed": "yes"}, page=False),
    Save("reports.confidence_scale_setting", "admin", {"scale": "three_point"}),
    # Notifications: the world's first notification is the PMO's (a RAID item made with the PMO as owner).
    Save("notifications.mark_read", "pmo", {"notification_id": "1"}, page=False),
    Save("notifications.mark_all_read", "pmo", page=False),
    Save("notifications.preferences", "pmo", {"gate_awaiting": "in_app"}),
]


def test_every_post_endpoint_has_a_save(app):
    """A new POST endpoint needs a case here, so mass assignment is checked on it too."""
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert {save.endpoint for save in SAVES} == posts


def _submission(drawn: dict, names: set[str], typed: dict, world: World) -> dict:
    """What the browser would send: the `drawn` values, with `typed` put into the matching
    controls among `names` (a pattern may match several, or name a control the page lacks)."""
    data = {name: list(values) for name, values in drawn.items()}
    placeholders = {"{priority}": str(world.priorities[0].id), "{department}": str(world.department.id),
                    "{viewer}": str(world.users["viewer"].id)}
    for pattern, value in typed.items():
        value = [placeholders.get(v, v) for v in (value if isinstance(value, list) else [value])]
        matching = [name for name in names | set(data) if name == pattern or name.endswith("-" + pattern)
                    or fnmatch(name, pattern)]
        for name in matching or ([pattern] if "*" not in pattern else []):
            data[name] = value
    return data


def _errors_on(response) -> list[str]:
    """The error summary's messages, to say why a submission was refused."""
    return re.findall(r'<a href="#[^"]+">(.*?)</a>', response.get_data(as_text=True))[:8]


@pytest.mark.parametrize("save", SAVES, ids=lambda save: save.endpoint)
def test_forms_never_mass_assign(app, world, save):
    """The form's own fields plus fields it does not offer: the save succeeds, and no row
    takes a posted state, owner, version, approver, department, id or password hash."""
    client = app.test_client()
    if save.role:
        sign_in(client, world.users[save.role])
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == save.endpoint)
    values = save.prepare(world) if save.prepare else world.values(rule, state=save.state)
    url = url_for(save.endpoint, _external=False, **values)
    drawn, names = {}, set()
    typed = save.typed
    if save.page:
        page = FormControls()
        html = client.get(url).get_data(as_text=True)
        page.feed(html)
        # A typed value may be read off the page (a one-time code for the key it shows).
        typed = {name: value(html) if callable(value) else value for name, value in typed.items()}
        form = page.form_posting_to(url)
        drawn = {name: values for name, values in form["fields"].items() if name != "csrf_token"}
        names = form["drawn"]
    data = _submission(drawn, names, typed, world)
    offered = set(data) | names
    extras = hostile_extras(world)
    # Only what the form does not offer: a field it draws (its version, say) is its own business.
    data.update({name: value for name, value in extras.items() if name not in offered})
    before = watched_counts(extras)
    response = client.post(url, data=data)
    assert response.status_code in (200, 302, 303), (
        f"{save.endpoint} refused the probe ({response.status_code}): {_errors_on(response)}")
    if response.status_code == 200:
        # A new API token's secret is shown on the page that made it, once: no redirect.
        # So are new recovery codes (auth.second_factor_setup).
        assert save.endpoint in ("scoring.preview", "intake.similar", "api.tokens", "api.admin_tokens",
                                 "auth.second_factor_setup"), (
            f"{save.endpoint} re-rendered instead of saving")
    after = watched_counts(extras)
    assert {k: (before[k], after[k]) for k in before if before[k] != after[k]} == {}
