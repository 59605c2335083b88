"""No user input makes the app fail: hostile values on every route give a 4xx or a page, never a 500.

The routes come from ``app.url_map``, so a new route is covered the day it is added; a new
URL variable fails the test until URL_VALUES says how to fill it. Each POST endpoint gets
its fields from the form the app itself draws (every `name="..."` in the form that posts
to it), then receives empty, huge, unicode, number-shaped, date-shaped, repeated and
markup-shaped values, numbers too large for any check (309 and 4,301 digits, 1e309) or
written in other scripts' digits, and a file part in place of every text field, as every
role. A refused submission (4xx) must leave every table exactly as it was: nothing half-saved.
"""
from __future__ import annotations

import hashlib
import io
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from pmo_web import create_app
from pmo_web.cases.forms import MAX_ROWS, ROW_KINDS
from pmo_web.extensions import db
from pmo_web.gates import service as gates
from tests import factories
from tests.web.governance import world as governance_world
from tests.web.imports import world as import_world
from tests.web.reports import world as report_world
from tests.web.resources import world as resource_world
from workflows.lifecycle import (
    GATE_TRIGGERS,
    STATES,
    TRIGGERS,
    GuardRefused,
    IllegalTransition,
    triggers_from,
)

# ----------------------------------------------------------------------------- routes

# Built only to read the URL map at collection time; no request is served by it.
_MAP_APP = create_app({"TESTING": True, "SECRET_KEY": "map-only", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
RULES = sorted(_MAP_APP.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))
POST_ENDPOINTS = sorted({r.endpoint for r in RULES if "POST" in r.methods} - {"initiatives.transition"})
GET_ENDPOINTS = sorted({r.endpoint for r in RULES if "GET" in r.methods})
RULE_OF = {r.endpoint: r for r in RULES}

# A POST-only endpoint's form is drawn on another page, reached with the same URL values.
FORM_PAGE = {"gates.decide": "gates.review", "scoring.preview": "scoring.score", "triage.move": "triage.moves",
             "intake.similar": "intake.new", "governance.mark_held": "governance.meeting",
             "reports.issue": "reports.show", "notifications.mark_read": "notifications.index",
             "notifications.mark_all_read": "notifications.index"}

ROLES = ("requester", "viewer", "approver", "pmo", "admin")  # admin last: its saves change users
BOGUS_TRIGGER = "self_destruct"
# An id no row has, and one too big for any integer column.
MISSING_IDS = (987654, 99999999999999999999)

# ------------------------------------------------------------------------- hostile values

HUGE = "x" * 100_000
UNICODE = "Ωμέγα 🚓👮‍♀️ مرحبا \u202eRTL\u202c שלום \u200b\ufeff \x01\x07\x1b\x7f tab\tnew\r\nline"
SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '" onmouseover="x'
MARKUP = (SCRIPT, ATTRIBUTE, "{{7*7}}", "hx-get=/x")
NUMBER_SHAPED = ("abc", "-1", "0", "1e309", "NaN", "Infinity", "99999999999999999999",
                 "-99999999999999999999", "1.123456789", "31/02/2024")
HOSTILE = ("", HUGE, UNICODE, *NUMBER_SHAPED, *MARKUP)
# Numbers past any range check: 309 digits overflow a float, 4,301 exceed Python's int()
# limit; Arabic-Indic and fullwidth digits, which int() and Decimal() would read.
HUGE_NUMBERS = ("9" * 309, "-" + "9" * 309, "9" * 4301, "1e309", "١٢", "２０２６", "1_000")
DATE_BOXES = (("32", "13", "2024"), ("0", "0", "0"), ("31", "2", "2024"), ("1", "1", "99999"),
              ("1", "1", "0001"), ("abc", "def", "ghij"), ("-1", "-1", "-001"),
              ("99999999999999999999",) * 3, ("1", "1", "1e309"))
# Fields some form somewhere has, for posting where the page draws no form for this user.
KNOWN_FIELDS = (
    "title", "description", "problem", "department", "sponsor", "desired_outcome", "deadline_driver",
    "cost_band", "strategic_priority", "submit_request", "save_draft", "reason", "question", "answer",
    "target_id", "trigger", "urgency", "complexity", "desirability", "rationale", "band_override",
    "override_comment", "decision", "comment", "defer_until", "conditions-0-text", "conditions-0-owner",
    "conditions-0-due", "note", "manager_id", "programme_id", "funding_type", "budget_approved",
    "budget_forecast", "budget_actual", "planned_end", "forecast_end", "delivery_confidence",
    "confidence_justification", "name", "baseline_date", "forecast_date", "actual_date",
    "variance_accepted", "variance_note", "base_version", "strategic_case", "appraisal_years",
    "options-0-name", "costs-0-amount", "costs-0-category", "add_row", "owner", "actual_value",
    "realised_value", "status", "satisfaction_score", "satisfaction_comment", "email", "password",
    "roles", "rank", "active", "position", "start_year", "end_year", "dashboard_min_rank",
    "gates-0-quorum", "gates-0-approver_role", "urgency_weight", "page", "stage", "manager", "band", "role",
)

# ------------------------------------------------------------------------------ world


def _build_world() -> dict:
    """Users of every role, reference data, and an initiative in every lifecycle state with
    a score, business case, milestone, benefit and lesson; open gate reviews where possible."""
    department = factories.make_department("Contact Management")
    users = {role: factories.make_user(roles=(role,), email=f"{role}@example.test", department=department)
             for role in ROLES}
    victim = factories.make_user(roles=("requester",), email="victim@example.test", department=department)
    priorities = [factories.make_priority(position=n) for n in (1, 2)]
    programme = factories.make_programme()
    initiatives = {}
    for state in STATES:
        initiative = factories.make_initiative(owner=users["requester"], state=state,
                                               strategic_priority=priorities[0], programme=programme)
        factories.make_score(initiative, users["pmo"])
        factories.make_business_case(initiative, users["pmo"])
        factories.make_milestone(initiative)
        factories.make_benefit(initiative)
        factories.make_lesson(initiative)
        factories.make_raid_item(initiative)
        initiatives[state] = initiative
    # One open review, at the first gate whose entry criteria the world meets; the later
    # gates stay unrequested, so their request form is drawn too.
    reviews = []
    for initiative in initiatives.values():
        try:
            reviews.append(gates.request_review(initiative, users["pmo"], note="Ready"))
            break
        except (GuardRefused, IllegalTransition):
            continue
    assert reviews, "the world needs an open gate review to decide"
    # A gate condition in force, to mark met or waive.
    condition = factories.make_condition(initiatives["delivery"], users["pmo"], users["approver"])
    db.session.commit()
    return {"users": users, "victim": victim, "department": department, "priorities": priorities,
            "programme": programme, "initiatives": initiatives, "reviews": reviews, "condition_id": condition.id}


@pytest.fixture
def world(app):
    return _build_world()


def _child_id(model, initiative_id: int) -> int:
    return db.session.scalar(select(model.id).where(model.initiative_id == initiative_id))


def url_values(world: dict, rule, trigger: str | None = None) -> list[dict]:
    """Every way to fill the rule's variables with real rows, and with ids that do not exist."""
    args = set(rule.arguments)
    unknown = args - set(URL_VALUES) - {"initiative_id"}
    assert not unknown, f"{rule.rule}: say how to fill {sorted(unknown)} in URL_VALUES"
    combos = [{}]
    if "initiative_id" in args:
        combos = [{"initiative_id": i.id, "_state": s} for s, i in world["initiatives"].items()]
    for name in sorted(args - {"initiative_id"}):
        # Every value of the other variables with the first initiative; its first value with the rest.
        combos = [{**combo, name: value} for n, combo in enumerate(combos)
                  for value in URL_VALUES[name](world, combo.get("initiative_id"), trigger)[:None if n == 0 else 1]]
    missing = [{name: (MISSING_IDS[n % 2] if name in INT_ARGS else combos[0][name]) for name in args}
               for n in range(2)] if args & INT_ARGS else []
    return [(combo, False) for combo in combos] + [(combo, True) for combo in missing]


def _kinds(world, initiative_id, trigger):
    return [*ROW_KINDS, "bogus"]


URL_VALUES = {
    "milestone_id": lambda w, i, t: [_child_id(factories.Milestone, i)],
    "benefit_id": lambda w, i, t: [_child_id(factories.Benefit, i)],
    "lesson_id": lambda w, i, t: [_child_id(factories.Lesson, i)],
    "raid_item_id": lambda w, i, t: [_child_id(factories.RaidItem, i)],
    "review_id": lambda w, i, t: [r.id for r in w["reviews"]],
    "user_id": lambda w, i, t: [w["victim"].id],
    "department_id": lambda w, i, t: [w["department"].id],
    "programme_id": lambda w, i, t: [w["programme"].id],
    "priority_id": lambda w, i, t: [w["priorities"][1].id],
    "version": lambda w, i, t: [1, 0],
    "trigger": lambda w, i, t: [t],
    "kind": _kinds,
    "index": lambda w, i, t: [0, MAX_ROWS],
    "filename": lambda w, i, t: ["css/app.css", "../pmo_web/config.py"],
    "dataset": lambda w, i, t: ["portfolio", "audit-events", "no-such-dataset"],
    "file_format": lambda w, i, t: ["csv", "xlsx"],
    "token_id": lambda w, i, t: [_api_token_id(w)],
    "person_id": lambda w, i, t: [resource_world.sweep_person_id(w, i)],
    "line_id": lambda w, i, t: [resource_world.sweep_line_id(i)],
    "skill_id": lambda w, i, t: [resource_world.sweep_skill_id()],
    "month": lambda w, i, t: [resource_world.MONTH, "2026-13", "bogus"],
    "lane": lambda w, i, t: ["submitted", "closed", "<script>"],
    "board_id": lambda w, i, t: [governance_world.sweep_rows(w).layer_id],
    "meeting_id": lambda w, i, t: [governance_world.sweep_rows(w).held_meeting_id,
                                   governance_world.sweep_rows(w).planned_meeting_id],
    "agenda_item_id": lambda w, i, t: [governance_world.sweep_rows(w).held_item_id],
    "report_id": lambda w, i, t: [report_world.sweep_report_id(i)],
    "upload_id": lambda w, i, t: [import_world.sweep_upload_id(w)],
    "condition_id": lambda w, i, t: [_child_id(factories.GateCondition, i) or w["condition_id"]],
}
INT_ARGS = {"initiative_id", "milestone_id", "benefit_id", "lesson_id", "review_id", "user_id", "department_id",
            "programme_id", "priority_id", "version", "index", "token_id", "person_id", "line_id", "skill_id",
            "raid_item_id", "board_id", "meeting_id", "agenda_item_id", "report_id", "upload_id", "condition_id"}


def _api_token_id(world: dict) -> int:
    """The id of an API token of the PMO user, made the first time it is asked for."""
    if "api_token" not in world:
        from pmo_web.models import ApiToken

        world["api_token"], _secret = ApiToken.issue(world["users"]["pmo"], "Probe", world["users"]["pmo"], None)
        db.session.commit()
    return world["api_token"].id

# --------------------------------------------------------------------------- HTML forms


class FormReader(HTMLParser):
    """The controls of every form on a page: name, kind, the value drawn, and choices."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "option" and self._select is not None:
            self._select["choices"].append(attrs.get("value", ""))
            if "selected" in attrs:
                self._select["value"] = attrs.get("value", "")
            return
        if tag == "form":
            self._form = {"method": (attrs.get("method") or "get").lower(),
                          "targets": {attrs.get("action") or "", attrs.get("hx-post") or ""}, "controls": {}}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if attrs.get("hx-post"):
            self._form["targets"].add(attrs["hx-post"])
        name = attrs.get("name")
        if not name or name == "csrf_token":
            return
        controls = self._form["controls"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("radio", "checkbox"):
                control = controls.setdefault(name, {"kind": "choice", "choices": [], "value": None, "count": 1})
                control["choices"].append(attrs.get("value", "y"))
                if "checked" in attrs:
                    control["value"] = attrs.get("value", "y")
            elif kind == "submit":
                controls.setdefault(name, {"kind": "submit", "value": attrs.get("value", ""), "count": 1})
            else:
                control = controls.get(name)
                if control:  # a GOV.UK date: day, month and year boxes share one name
                    control["kind"] = "date"
                    control["count"] += 1
                    control["value"].append(attrs.get("value", ""))
                else:
                    controls[name] = {"kind": "text", "value": [attrs.get("value", "")], "count": 1,
                                      "hidden": kind == "hidden"}
        elif tag == "button":
            controls.setdefault(name, {"kind": "submit", "value": attrs.get("value", ""), "count": 1})
        elif tag == "select":
            self._select = controls.setdefault(name, {"kind": "choice", "choices": [], "value": None, "count": 1})
        elif tag == "textarea":
            self._textarea = controls.setdefault(name, {"kind": "text", "value": [""], "count": 1})

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_posting_to(html: str, page_url: str, target: str) -> dict | None:
    """The controls of the form on the page that posts to `target`, or None if none does."""
    reader = FormReader()
    reader.feed(html)
    for form in reader.forms:
        targets = {t or page_url for t in form["targets"] if t is not None}
        if form["method"] == "post" and target in {urlsplit(t).path for t in targets} and form["controls"]:
            return form["controls"]
    return None


def get_forms(html: str) -> list[dict]:
    reader = FormReader()
    reader.feed(html)
    return reader.forms


# ------------------------------------------------------------------------------ payloads


def _base(controls: dict) -> dict:
    """The form as drawn: what a browser would post if the user changed nothing."""
    data = {}
    for name, control in controls.items():
        if control["kind"] == "choice":
            value = control["value"] if control["value"] is not None else (control["choices"] or [""])[0]
            data[name] = [value]
        elif control["kind"] == "submit":
            continue
        else:
            data[name] = list(control["value"])
    submits = [n for n, c in controls.items() if c["kind"] == "submit"]
    if submits:
        data[submits[0]] = [controls[submits[0]]["value"]]
    return data


def _fill(controls: dict, base: dict, value, kinds) -> dict:
    data = dict(base)
    for name, control in controls.items():
        if control["kind"] in kinds:
            data[name] = [value] * control["count"]
    return data


def payloads(controls: dict) -> list[dict]:
    """Hostile submissions of one form, from all-empty to valid choices with dangerous text.

    In the k-th post, text field i gets HOSTILE[i + k] (and date field i the (i + k)-th set
    of boxes), so every field meets every value while choices stay valid and the form can
    get as far as saving; then every field, choices too, gets one value at a time.
    """
    base = _base(controls)
    names = list(controls)
    # First, while the row is as the world made it (a later post may move it on): a file
    # where each text a person types belongs, as a multipart post (Flask-WTF would hand it
    # to the field). Hidden fields keep their values, so the post reaches the form.
    out = [{**base, **{name: [file_part()] * control["count"] for name, control in controls.items()
                       if control["kind"] in ("text", "date") and not control.get("hidden")}}]
    out += [{}, base]
    for k in range(len(HOSTILE)):
        data = dict(base)
        for i, name in enumerate(names):
            kind, count = controls[name]["kind"], controls[name]["count"]
            if kind == "text":
                data[name] = [HOSTILE[(i + k) % len(HOSTILE)]] * count
            elif kind == "date":
                data[name] = list(DATE_BOXES[(i + k) % len(DATE_BOXES)])
        out.append(data)
    every_kind = ("text", "date", "choice")
    out += [_fill(controls, base, value, every_kind)
            for value in ("", HUGE, SCRIPT, "nul\x00byte", "-1", "99999999999999999999", *HUGE_NUMBERS)]
    out += [_fill(controls, base, value, ("choice",)) for value in ("abc", "-1", "99999999999999999999")]
    out.append({name: values * 2 + ["abc"] for name, values in base.items()})
    for name, control in controls.items():  # each submit button, including "add another row"
        if control["kind"] == "submit":
            out.append({**base, name: [control["value"]]})
            out.append({**base, name: ["bogus"]})
    return out


def file_part():
    """A file part of a multipart post, made afresh for each post (a post reads it)."""
    return (io.BytesIO(b"title,description\r\nA,B\r\n"), "tracker.csv", "text/csv")


def blind_post(names) -> dict:
    """A post for a user who is not shown the form, or a URL where it does not apply:
    the field names some form has, each with a different hostile value, and a file part."""
    return ({name: [HOSTILE[i % len(HOSTILE)]] for i, name in enumerate(names)}
            | {"title": [SCRIPT], "description": [file_part()]})


# ------------------------------------------------------------------------------ checks


# A refused sign-in or password change is itself recorded, by design: the throttle counts
# failures, and the sign-in's session row is the user's own.
RECORDS_OF_ATTEMPTS = {"login_attempts", "user_sessions"}


def snapshot() -> tuple:
    """Every row of every table, hashed: any insert, delete or update changes it."""
    digests = []
    for table in db.metadata.sorted_tables:
        if table.name in RECORDS_OF_ATTEMPTS:
            continue
        rows = db.session.execute(select(table)).all()
        digests.append((table.name, len(rows), hashlib.sha1(repr(sorted(map(repr, rows))).encode()).hexdigest()))
    return tuple(digests)


class Prober:
    """Sends requests as one user and checks each answer; keeps the baseline between them."""

    def __init__(self, client, auth, world):
        self.client, self.auth, self.world = client, auth, world
        self.role = None
        self.count = 0
        self.baseline = None

    def login(self, role: str | None):
        self.auth.logout()
        self.role = role
        if role:
            self.auth.login(self.world["users"][role])
        self.baseline = self._settle()

    def _settle(self) -> tuple:
        # What the request left uncommitted is gone, as after a real request's teardown.
        db.session.rollback()
        db.session.expire_all()
        return snapshot()

    def send(self, method: str, url: str, data=None, headers=None, label: str = ""):
        self.count += 1
        response = self.client.open(url, method=method, data=data, headers=headers)
        where = f"{method} {url} as {self.role} {label}"
        assert response.status_code < 500, f"{where}: {response.status_code}\n{_describe(data)}"
        after = self._settle()
        if 400 <= response.status_code < 500:
            assert after == self.baseline, f"{where}: refused with {response.status_code} but rows changed"
        self.baseline = after
        if response.status_code in (200, 422) and _posted(data, SCRIPT):
            body = response.get_data(as_text=True)
            assert SCRIPT not in body and ATTRIBUTE not in body, f"{where}: markup echoed unescaped"
        response.get_data()  # read it all, then close: a static file is streamed from an open file
        response.close()
        if self.role and response.status_code == 302 and "/login" in response.location:
            self.login(self.role)  # the logout button signs out; carry on as the same user
        return response


def _posted(data, needle: str) -> bool:
    values = data.values() if isinstance(data, dict) else []
    return any(needle in v for value in values for v in (value if isinstance(value, list) else [value]))


def _describe(data) -> str:
    if not isinstance(data, dict):
        return repr(data)
    return repr({k: [v if len(v) < 60 else v[:20] + f"...({len(v)} chars)" for v in vs]
                 for k, vs in data.items()})


def _url(app, endpoint: str, values: dict) -> str:
    with app.test_request_context():
        from flask import url_for
        return url_for(endpoint, **{k: v for k, v in values.items() if not k.startswith("_")})


def _probe_post(prober: Prober, app, endpoint: str, combos, roles=ROLES):
    """Hostile posts to the endpoint's URLs, as every role.

    The first URL where a role is drawn the form gets the whole hostile set (once per
    endpoint, the role most likely to get past validation); other URLs and roles get one
    blind post each, enough to prove their refusal is clean.
    """
    form_endpoint = FORM_PAGE.get(endpoint, endpoint if "GET" in RULE_OF[endpoint].methods else None)
    probed = False
    for role in sorted(roles, key=(None, "pmo", "admin", "approver", "requester", "viewer").index):
        prober.login(role)
        for values, missing in combos:
            url = _url(app, endpoint, values)
            if missing:
                if role == "pmo":
                    response = prober.send("POST", url, data=blind_post(KNOWN_FIELDS), label="(no such row)")
                    assert response.status_code in (403, 404), f"POST {url}: {response.status_code}"
                continue
            controls = None
            if form_endpoint and not probed:
                page_url = _url(app, form_endpoint, values)
                page = prober.send("GET", page_url)
                if page.status_code == 200:
                    controls = form_posting_to(page.get_data(as_text=True), urlsplit(page_url).path, url)
            if controls:
                probed = True
                for n, data in enumerate(payloads(controls)):
                    # Half the posts come from htmx, which gets fragments and swaps 4xx answers.
                    prober.send("POST", url, data=data, headers={"HX-Request": "true"} if n % 2 else None)
            elif role == "pmo" or values is combos[0][0]:
                prober.send("POST", url, data=blind_post(KNOWN_FIELDS))
    return probed


# -------------------------------------------------------------------------------- tests


# Endpoints whose form has no field but its CSRF token: nothing to fill in.
# auth.second_factor_code draws its form only after a right password to an enrolled account
# (tests/web/auth/test_mfa.py posts to it); here it is posted to blind.
FORMLESS = {"auth.logout", "auth.second_factor_code", "auth.second_factor_recovery_codes",
            "auth.second_factor_remove", "auth.second_factor_reset", "api.token_revoke", "raid.item_restore",
            "lessons.delete", "lessons.restore", "review.benefit_delete", "review.benefit_restore", "imports.run",
            "notifications.mark_all_read", "gates.request_again"}


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_hostile_posts_never_fail_the_app(app, client, auth, world, endpoint):
    prober = Prober(client, auth, world)
    combos = url_values(world, RULE_OF[endpoint])
    # Signing in is the one form for people who are not signed in.
    probed = _probe_post(prober, app, endpoint, combos, roles=(None,) if endpoint == "auth.login" else ROLES)
    assert probed or endpoint in FORMLESS, f"no page draws a form that posts to {endpoint}"
    if endpoint == "triage.move":  # the board's filters travel on the move's query string
        prober.login("pmo")
        for value in (*NUMBER_SHAPED, SCRIPT):
            query = f"?department={_quote(value)}&programme={_quote(value)}&manager={_quote(value)}"
            prober.send("POST", _url(app, endpoint, combos[0][0]) + query, data={"trigger": [value]})


@pytest.mark.parametrize("trigger", [*TRIGGERS, BOGUS_TRIGGER])
def test_hostile_lifecycle_buttons_never_fail_the_app(app, client, auth, world, trigger):
    prober = Prober(client, auth, world)
    combos = url_values(world, RULE_OF["initiatives.transition"], trigger)
    # The whole hostile set where the button applies; elsewhere the refusal must still be clean.
    applies = [(v, m) for v, m in combos if not m and trigger in triggers_from(v["_state"])]
    others = [(v, m) for v, m in combos if (v, m) not in applies]
    probed = _probe_post(prober, app, "initiatives.transition", applies + others)
    # Gate triggers are never pressed by hand, so no page offers them.
    manual = trigger in TRIGGERS and trigger not in GATE_TRIGGERS
    assert probed == manual, f"{trigger}: a form for it was drawn: {probed}"


@pytest.mark.parametrize("endpoint", GET_ENDPOINTS)
def test_hostile_query_strings_never_fail_the_app(app, client, auth, world, endpoint):
    prober = Prober(client, auth, world)
    rule = RULE_OF[endpoint]
    triggers = (TRIGGERS[0], BOGUS_TRIGGER) if "trigger" in rule.arguments else (None,)
    combos = [c for t in triggers for c in url_values(world, rule, t)]
    for role in (None, *ROLES):
        prober.login(role)
        # Every row as the PMO; the first row and the missing ones as everyone else.
        for values, missing in combos if role == "pmo" else [combos[0], *[c for c in combos if c[1]]]:
            url = _url(app, endpoint, values)
            page = prober.send("GET", url)
            if missing and role:
                assert page.status_code in (403, 404), f"GET {url} as {role}: {page.status_code}"
            if page.status_code != 200 or values is not combos[0][0]:
                continue
            filters = {name for form in get_forms(page.get_data(as_text=True)) if form["method"] == "get"
                       for name in form["controls"]}
            for value in ("", "-5", UNICODE, SCRIPT, *NUMBER_SHAPED) if filters else ():
                # Each filter twice, and the page number pagination reads.
                query = "&".join(f"{name}={_quote(value)}" for name in sorted(filters | {"page"}) for _ in (1, 2))
                prober.send("GET", f"{url}?{query}", headers={"HX-Request": "true"})


def _quote(value: str) -> str:
    from urllib.parse import quote
    return quote(value, safe="")


# ------------------------------------------------------------------------- property test

PROPERTY_FORMS = {
    "intake.new": ("requester", lambda w: {}),
    "scoring.score": ("pmo", lambda w: {"initiative_id": w["initiatives"]["scoring"].id}),
    "gates.decide": ("approver", lambda w: {"review_id": w["reviews"][0].id}),
    "delivery.edit": ("pmo", lambda w: {"initiative_id": w["initiatives"]["delivery"].id}),
    "cases.edit": ("pmo", lambda w: {"initiative_id": w["initiatives"]["business_case"].id}),
}


@pytest.mark.parametrize("endpoint", PROPERTY_FORMS)
def test_any_text_in_the_main_forms_is_saved_whole_or_refused_whole(app, client, auth, world, endpoint):
    role, values_of = PROPERTY_FORMS[endpoint]
    prober = Prober(client, auth, world)
    prober.login(role)
    url = _url(app, endpoint, values_of(world))
    page_url = _url(app, FORM_PAGE.get(endpoint, endpoint), values_of(world))
    controls = form_posting_to(prober.send("GET", page_url).get_data(as_text=True), urlsplit(page_url).path, url)
    assert controls, f"no form posts to {url}"
    base = _base(controls)
    names = sorted(n for n, c in controls.items() if c["kind"] != "submit")

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.dictionaries(st.sampled_from(names), st.lists(st.text(), min_size=1, max_size=3), max_size=len(names)))
    def post_anything(typed):
        prober.send("POST", url, data={**base, **typed}, headers={"HX-Request": "true"})

    post_anything()
