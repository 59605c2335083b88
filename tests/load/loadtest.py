"""A bounded load test: gunicorn with several workers on loopback, on SQLite or PostgreSQL.

    .venv/bin/python -m tests.load.loadtest --users 50 --seconds 60
    .venv/bin/python -m tests.load.loadtest --users 50 --seconds 60 \
        --database-url postgresql://postgres@127.0.0.1:5432/loadtest

It prepares a fresh database (a SQLite file in a temporary folder by default; with
--database-url, a PostgreSQL database of that name, dropped and created afresh), builds the
schema (`flask db upgrade`), loads the demo portfolio (`flask seed-demo`) and the targets the
mix needs (risks on initiatives in delivery, gate reviews awaiting a decision), starts
gunicorn on 127.0.0.1 at a free port, and runs simulated staff for the given time, each
signed in as one of the demo accounts and doing what that role does all day:

- requesters read their requests and write and submit new ones (the intake form, with the
  CSRF token taken from the page);
- the PMO reads the kanban, moves newly submitted cards into triage, scores initiatives on
  the prioritisation matrix, and edits RAID items inline (the row's form fragment, as htmx
  fetches it, posted back with a new title);
- approvers read the gate queue and decide reviews from it (mostly approvals with a
  comment, sometimes the other decisions), and the backlog, portfolio and initiatives;
- viewers and admins read the portfolio, board and initiative pages.

Every response is counted, with its latency, by action. Afterwards it checks, reading the
database through SQLAlchemy, and exits non-zero if anything fails: no errors (no 5xx, no
connection failure, no status a correct app would not send), no lost writes (every create,
submit, move, score, RAID save and gate decision the server acknowledged is in the
database, and nothing else is), no gate review with more decisions than its quorum or one
approver counted twice, and no trouble in the server log. Gunicorn is always stopped and
the PostgreSQL database dropped, even on failure. The issue's p95 target (300 ms) is
reported against the measured p95, not enforced: a shared machine may miss it.

Concurrent staff sometimes pick the same row: the second move or RAID save is correctly
refused (409, someone saved first), as is a decision on a review another approver has just
settled (409) or that the same approver decided in another session (403, "already
decided"). These are counted as conflicts, not errors; the database checks then prove each
was kept once.
"""
from __future__ import annotations

import argparse
import contextlib
import html
import http.cookiejar
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO_PASSWORD = "demo-password-2026"
# Demo accounts by role (pmo_web/demo/data/force.json, "people"); each simulated user signs in as one.
ACCOUNTS = {
    "requester": ["requester@demo.local", "claire.donnelly@demo.local", "kwame.mensah@demo.local",
                  "ravi.patel@demo.local", "david.fraser@demo.local", "peter.walsh@demo.local",
                  "nicola.grant@demo.local", "joanne.reilly@demo.local", "emma.clarke@demo.local"],
    "pmo": ["pmo@demo.local", "sarah.whitfield@demo.local", "james.kowalski@demo.local",
            "aisha.rahman@demo.local", "lee.hughes@demo.local"],
    "approver": ["approver@demo.local", "rachel.adeyemi@demo.local", "mark.thornton@demo.local"],
    "viewer": ["viewer@demo.local"],
    "admin": ["admin@demo.local"],
}
# How a crowd of staff splits by role: mostly requesters and the PMO, who write.
ROLE_MIX = ("requester", "pmo", "requester", "pmo", "approver", "requester", "viewer", "pmo", "admin",
            "approver")
# As long as gunicorn lets a worker take (--timeout below): a slower answer is a failure.
REQUEST_TIMEOUT = 60
HTMX = {"HX-Request": "true"}
# The load test drops and recreates the PostgreSQL database it is given, so it accepts only
# a name that says it is for load tests (never `test`, which the test suite uses).
POSTGRES_NAME = re.compile(r"^loadtest\w*$")
# Targets seeded before the run: risks the PMO edits inline, on a few initiatives in delivery.
RAID_INITIATIVES, RAID_ITEMS_EACH = 3, 8
# An approver's decisions, weighted: mostly approvals, now and then each of the others.
DECISION_WEIGHTS = {"approve": 6, "approve_with_conditions": 1, "reject": 1, "defer": 1, "return_for_rework": 1}

# What a refused page says: its error summary (refusals and field errors alike).
ERROR_SUMMARY = re.compile(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', re.S)
BODY_TOKEN = re.compile(r"<body\b[^>]*\bhx-headers='([^']*)'")
FORM_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
INITIATIVE_LINK = re.compile(r'href="/initiatives/(\d+)"')
REVIEW_LINK = re.compile(r'href="/gates/(\d+)"')
CREATED = re.compile(r"/initiatives/(\d+)$")
# A card on the board, with the moves a drag and drop may make (column -> trigger, as JSON).
CARD_MOVES = re.compile(r"<li id=\"card-(\d+)\"[^>]*?\bdata-moves='([^']*)'")
MOVE_FORM = re.compile(r'<form\b[^>]*\baction="(/triage/(\d+)/move[^"]*)"[^>]*>(.*?)</form>', re.DOTALL)
HIDDEN = re.compile(r'<input\b[^>]*\btype="hidden"[^>]*>')
RADIO = re.compile(r'<input\b[^>]*\btype="radio"[^>]*>')
SELECT = re.compile(r'<select\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>', re.DOTALL)
OPTION_VALUE = re.compile(r'<option\b[^>]*\bvalue="([^"]*)"')
ATTRIBUTE = re.compile(r'\b(name|value)="([^"]*)"')


@dataclass
class Tally:
    """Everything the simulated users saw, shared between their threads under one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    timings: list = field(default_factory=list)    # (action, method, seconds) per response
    statuses: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)
    conflicts: Counter = field(default_factory=Counter)  # refusals expected under concurrency, by action
    created: set = field(default_factory=set)      # initiatives created and submitted (303)
    moved: list = field(default_factory=list)      # initiatives moved into triage (303)
    scored: list = field(default_factory=list)     # initiatives scored (303)
    raid_saves: dict = field(default_factory=lambda: defaultdict(list))  # RAID item id -> titles saved (200)
    decisions: list = field(default_factory=list)  # (review id, approver email, decision) recorded (303)

    def response(self, action: str, method: str, seconds: float, status: int) -> None:
        with self.lock:
            self.timings.append((action, method, seconds))
            self.statuses[status] += 1

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)

    def conflict(self, action: str) -> None:
        with self.lock:
            self.conflicts[action] += 1


class Unexpected(Exception):
    """A response a correct app would not give (counted as an error)."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Each redirect is a response of its own, counted and followed by the caller."""

    def redirect_request(self, *args, **kwargs):
        return None


class StaffMember:
    """One simulated user: a cookie jar, a CSRF token, and the habits of a role."""

    def __init__(self, base: str, role: str, email: str, tally: Tally, rng: random.Random, think: float,
                 targets: dict):
        self.base, self.role, self.email, self.tally, self.rng, self.think = base, role, email, tally, rng, think
        self.targets = targets
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects())
        self.token = ""
        self.server_day = date.today()  # until the server says otherwise (request)
        self.action = "sign_in"  # what the user is doing, for the latency report

    # -- HTTP ------------------------------------------------------------------------------
    def request(self, method: str, path: str, data: dict | list | None = None,
                expect: tuple[int, ...] = (200,), headers: dict | None = None) -> tuple[int, str, str]:
        """One request; returns (status, body, location). Raises Unexpected on a wrong status."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        if self.token and method != "GET":
            request.add_header("X-CSRFToken", self.token)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                status, text, location = response.status, response.read().decode(), response.headers.get("Location", "")
                served = response.headers.get("Date")
        except urllib.error.HTTPError as refusal:
            status, text = refusal.code, refusal.read().decode(errors="replace")
            location = refusal.headers.get("Location", "")
            served = refusal.headers.get("Date")
        if served:
            self.server_day = parsedate_to_datetime(served).date()
        self.tally.response(self.action, method, time.perf_counter() - started, status)
        if status not in expect:
            raise Unexpected(f"{self.email}: {method} {path} -> {status} (expected {expect}){_errors_in(text)}")
        return status, text, location

    def get(self, path: str) -> str:
        """GET a page, following redirects, and keep the page's CSRF token for later posts."""
        for _ in range(5):
            status, text, location = self.request("GET", path, expect=(200, 302, 303))
            if status == 200:
                match = BODY_TOKEN.search(text)
                if match:
                    self.token = json.loads(html.unescape(match.group(1)))["X-CSRFToken"]
                return text
            path = urllib.parse.urlsplit(location).path or "/"
        raise Unexpected(f"{self.email}: too many redirects from {path}")

    # -- the working day -------------------------------------------------------------------
    def sign_in(self) -> None:
        page = self.get("/login")
        token = FORM_TOKEN.search(page).group(1)
        _status, _text, location = self.request(
            "POST", "/login", {"email": self.email, "password": DEMO_PASSWORD, "csrf_token": token},
            expect=(302, 303))
        self.get(urllib.parse.urlsplit(location).path)  # the home page: a new session, a new token

    def work_until(self, start: float, deadline: float) -> None:
        time.sleep(max(0.0, start - time.monotonic()))
        try:
            self.sign_in()
        except Exception as failure:  # noqa: BLE001 - every failure is a finding, counted
            self.tally.error(f"sign-in: {failure!r}")
            return
        tasks = getattr(self, f"_{self.role}_tasks")()
        while time.monotonic() < deadline:
            task = self.rng.choice(tasks)
            self.action = task.__name__
            try:
                task()
            except Exception as failure:  # noqa: BLE001
                self.tally.error(f"{task.__name__}: {failure!r}")
            time.sleep(self.rng.uniform(0, self.think))

    def _requester_tasks(self):
        return [self.submit_request, self.submit_request, self.read_my_requests, self.read_initiative]

    def _pmo_tasks(self):
        return [self.start_triage, self.start_triage, self.score, self.edit_raid, self.edit_raid,
                self.read_board, self.read_backlog]

    def _approver_tasks(self):
        return [self.decide_gate, self.decide_gate, self.read_gate_queue, self.read_backlog,
                self.read_portfolio, self.read_initiative]

    def _viewer_tasks(self):
        return [self.read_portfolio, self.read_initiative]

    def _admin_tasks(self):
        return [self.read_portfolio, self.read_board, self.read_initiative]

    def read_my_requests(self):
        self.get("/requests/mine")

    def read_board(self):
        self.get("/triage")

    def read_backlog(self):
        self.get("/backlog")

    def read_gate_queue(self):
        self.get("/gates/queue")

    def read_portfolio(self):
        self.get("/initiatives")

    def read_initiative(self):
        ids = INITIATIVE_LINK.findall(self.get("/initiatives"))
        if ids:
            self.get(f"/initiatives/{self.rng.choice(ids)}")

    def submit_request(self):
        """Write a complete request and submit it, as the intake form does."""
        page = self.get("/requests/new")
        choices = _form_choices(page)
        serial = secrets.token_hex(4)
        data = {**_hidden_fields(page),
            "title": f"Load test request {serial}",
            "description": "Replace the paper forms at the front counter with a tablet.",
            "problem": "Forms are re-keyed by hand, which takes hours and loses details.",
            "department": self.rng.choice(choices["department"]),
            "sponsor": "Ch Supt A. Example",
            "desired_outcome": "Details captured once, at the counter.",
            "deadline_driver": "",
            "cost_band": self.rng.choice(choices["cost_band"]),
            "strategic_priority": self.rng.choice(choices["strategic_priority"]),
            "submit_request": "Submit request",
        }
        _status, _text, location = self.request("POST", "/requests/new", data, expect=(303,))
        created = CREATED.search(urllib.parse.urlsplit(location).path)
        if not created:
            raise Unexpected(f"{self.email}: a submitted request redirected to {location!r}")
        with self.tally.lock:
            self.tally.created.add(int(created.group(1)))
        self.get(urllib.parse.urlsplit(location).path)

    def start_triage(self):
        """Open the Move menu of a newly submitted card (as htmx fetches it) and move the card
        into triage; another PMO may have just done so (409)."""
        cards = [initiative_id for initiative_id, drops in CARD_MOVES.findall(self.get("/triage"))
                 if "start_triage" in json.loads(html.unescape(drops)).values()]
        if not cards:
            return
        initiative_id = self.rng.choice(cards)
        _status, menu, _location = self.request("GET", f"/triage/{initiative_id}/moves", headers=HTMX)
        moves = [(action, _hidden_fields(form)) for action, _id, form in MOVE_FORM.findall(menu)]
        moves = [move for move in moves if move[1].get("trigger") == "start_triage"]
        if not moves:  # moved on by someone else between the board and the menu
            return
        action, fields = moves[0]
        # Everything the card's form sends (the trigger, and a record version if it has one).
        status, _text, _location = self.request("POST", html.unescape(action), fields, expect=(303, 409))
        if status == 303:
            with self.tally.lock:
                self.tally.moved.append(int(initiative_id))
        else:
            self.tally.conflict(self.action)

    def score(self):
        """Score an initiative in the Scoring column on the prioritisation matrix."""
        board = self.get("/triage")
        column = board.split('data-stage="scoring"', 1)
        if len(column) < 2:
            return
        ids = re.findall(r'id="card-(\d+)"', column[1].split('data-stage="', 1)[0])
        if not ids:
            return
        initiative_id = int(self.rng.choice(ids))
        page = self.get(f"/initiatives/{initiative_id}/score")
        choices = _form_choices(page)
        data = _hidden_fields(page)
        data.update({name: self.rng.choice(values) for name, values in choices.items()
                if name in ("urgency", "complexity", "desirability") or name.startswith("alignment_")})
        data.update(rationale="Load test: evidence from the contact centre's monthly figures.",
                    band_override="", save="Save score")
        # A card may leave the Scoring column between the board and the save (409).
        status, _text, _location = self.request("POST", f"/initiatives/{initiative_id}/score", data,
                                                expect=(303, 409))
        if status == 303:
            with self.tally.lock:
                self.tally.scored.append(initiative_id)
        else:
            self.tally.conflict(self.action)

    def edit_raid(self):
        """Open a RAID log, edit a risk in place (htmx) with a new title, and save it.

        Another PMO may have saved the same row since its form was drawn: that save is
        refused with 409 (optimistic locking), counted as a conflict. A 422 means the form
        as drawn did not validate when posted back, which is a bug, so it is an error.
        """
        initiative_id, item_ids = self.rng.choice(self.targets["raid"])
        self.get(f"/initiatives/{initiative_id}/raid")
        item_id = self.rng.choice(item_ids)
        url = f"/initiatives/{initiative_id}/raid/{item_id}/edit"
        _status, fragment, _location = self.request("GET", url, headers=HTMX)
        title = f"Load test risk {secrets.token_hex(5)}"
        fields = [(name, title if name.endswith("-title") else value) for name, value in _form_pairs(fragment)]
        if not any(name.endswith("-title") for name, _value in fields):
            raise Unexpected(f"{self.email}: no title field in the edit form of RAID item {item_id}")
        status, _text, _location = self.request("POST", url, fields, expect=(200, 409), headers=HTMX)
        if status == 200:
            with self.tally.lock:
                self.tally.raid_saves[item_id].append(title)
        else:
            self.tally.conflict(self.action)

    def decide_gate(self):
        """Pick a seeded review from the gate queue, open it and record a decision.

        Another approver may settle it first (409), or this account may have decided it in
        another session (403, "already decided"): both are conflicts, not errors.
        """
        seeded = self.targets["reviews"]
        ids = [int(review_id) for review_id in REVIEW_LINK.findall(self.get("/gates/queue"))
               if int(review_id) in seeded]
        if not ids:
            return
        review_id = self.rng.choice(ids)
        self.get(f"/gates/{review_id}")
        decision = self.rng.choices(list(DECISION_WEIGHTS), weights=list(DECISION_WEIGHTS.values()))[0]
        status, text, _location = self.request("POST", f"/gates/{review_id}/decision",
                                               _decision_form(decision, self.server_day),
                                               expect=(303, 403, 409))
        if status == 303:
            with self.tally.lock:
                self.tally.decisions.append((review_id, self.email, decision))
        elif status == 409 or "already decided this gate" in text:
            self.tally.conflict(self.action)
        else:
            raise Unexpected(f"{self.email}: deciding gate review {review_id} was refused with 403")


def _errors_in(page: str) -> str:
    """A refused page's error summary in one line, so a report says why it was refused."""
    summary = ERROR_SUMMARY.search(page)
    if summary is None:
        return ""
    items = re.findall(r"<li>(.*?)</li>", summary.group(1), re.S)
    return ": " + "; ".join(" ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split()) for item in items)


def _decision_form(decision: str, today: date) -> list[tuple[str, str]]:
    """What the decision form posts for one decision, with the inputs that decision needs.

    `today` is the server's (its responses' Date header), not this process's: under pytest
    this process runs on the suite's fixed clock while the server runs on the real one, and
    a date "in the future" must be so for the server."""
    fields = [("decision", decision), ("comment", f"Load test: {decision.replace('_', ' ')}, see the business case.")]
    later = today + timedelta(days=60)
    day = [str(later.day), str(later.month), str(later.year)]
    if decision == "approve_with_conditions":
        fields += [("conditions-0-text", "Confirm the supplier's delivery plan"),
                   ("conditions-0-owner", "Head of Procurement")]
        fields += [("conditions-0-due", part) for part in day]
    elif decision == "defer":
        fields += [("defer_until", part) for part in day]
    elif decision == "reject":
        fields += [("confirm_reject", "y")]  # rejecting at Gates 1 and 2 asks to confirm it
    return fields


class _FormPairs(HTMLParser):
    """The (name, value) pairs a browser would post for the form in a fragment, in order,
    keeping repeated names (a GOV.UK date input is three boxes of one name)."""

    def __init__(self):
        super().__init__()
        self.pairs: list[list[str]] = []
        self._select: list[str] | None = None
        self._textarea: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind not in ("radio", "checkbox", "submit") or "checked" in attrs:
                self.pairs.append([name, attrs.get("value") or ("on" if kind == "checkbox" else "")])
        elif tag == "select" and name:
            self._select = [name, ""]
            self.pairs.append(self._select)
        elif tag == "option" and self._select is not None and "selected" in attrs:
            self._select[1] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            self.pairs.append(self._textarea)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def _form_pairs(fragment: str) -> list[tuple[str, str]]:
    parser = _FormPairs()
    parser.feed(fragment)
    # A textarea's content starts after one newline that is not part of its value.
    return [(name, value.removeprefix("\r\n") if value.startswith("\r\n") else value.removeprefix("\n"))
            for name, value in parser.pairs]


def _hidden_fields(form: str) -> dict[str, str]:
    """The hidden inputs of a form (or page), by name, as a browser would send them."""
    fields = {}
    for tag in HIDDEN.findall(form):
        attributes = dict(ATTRIBUTE.findall(tag))
        if "name" in attributes:
            fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
    return fields


def _form_choices(page: str) -> dict[str, list[str]]:
    """Non-blank values offered by each radio group and select on a form page."""
    choices: dict[str, list[str]] = {}
    for tag in RADIO.findall(page):
        attributes = dict(ATTRIBUTE.findall(tag))
        if attributes.get("value"):
            choices.setdefault(attributes["name"], []).append(attributes["value"])
    for name, options in SELECT.findall(page):
        values = [value for value in OPTION_VALUE.findall(options) if value]
        if values:
            choices[name] = values
    return choices


# -- the database and its preparation ---------------------------------------------------------
@contextlib.contextmanager
def fresh_database(url: str | None, folder: str, keep: bool):
    """Yield the URL of an empty database for one run, and clean up after it.

    Without a URL: a SQLite file in the run's folder. With a PostgreSQL URL: that database,
    dropped if a previous run left it and created afresh, then dropped again at the end
    (kept with --keep). Its name must start with "loadtest", so that a mistyped URL can
    never drop the test suite's database or a real one.
    """
    if not url:
        yield f"sqlite:///{os.path.join(folder, 'load.sqlite')}"
        return
    from sqlalchemy import create_engine, make_url, text

    target = make_url(url.replace("postgres://", "postgresql://", 1))
    if target.get_backend_name() == "sqlite":
        yield url
        return
    if target.get_backend_name() != "postgresql":
        raise ValueError(f"the load test runs on SQLite or PostgreSQL, not {target.get_backend_name()}")
    name = target.database or ""
    if not POSTGRES_NAME.match(name):
        raise ValueError(f"the load test drops and recreates its database: name it loadtest..., not {name!r}")
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def drop() -> None:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    try:
        drop()
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield target.render_as_string(hide_password=False)
    finally:
        if not keep:
            drop()
        server.dispose()


def _environment(database_url: str) -> dict:
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, SECRET_KEY=secrets.token_hex(32), PMO_ENV="development",
               PYTHONPATH=ROOT,
               # The simulated approvers and admins sign in with a password alone.
               MFA_REQUIRED_ROLES="")
    return env


def prepare(env: dict, schema: str, targets_path: str, reviews: int) -> dict:
    """Build the schema (migrations, or create_all), load the demo portfolio and the targets.

    Returns the targets: {"raid": [[initiative id, [RAID item ids]], ...], "reviews": [ids]}.
    """
    if schema == "migrations":
        _step("flask db upgrade", [sys.executable, "-m", "flask", "--app", "pmo_web", "db", "upgrade"], env)
    else:
        script = ("from pmo_web import create_app; from pmo_web.extensions import db\n"
                  "app = create_app()\nwith app.app_context(): db.create_all()")
        _step("create_all", [sys.executable, "-c", script], env)
    # seed-demo and the targets in one process: each start of the app costs a few seconds.
    script = f"from tests.load.loadtest import load_seed_data; load_seed_data({targets_path!r}, {reviews})"
    _step("flask seed-demo and the targets", [sys.executable, "-c", script], env)
    with open(targets_path, encoding="utf-8") as saved:
        return json.load(saved)


def load_seed_data(targets_path: str, reviews: int) -> None:
    """(In the preparation process.) `flask seed-demo`, then what the mix needs, saved as JSON:
    risks on a few initiatives in delivery for the PMO to edit, and scored initiatives with a
    Gate 1 review awaiting a decision (as bench/bench.py prepares them), every other one
    needing two approvers so that concurrent approvals meet a quorum."""
    from sqlalchemy import select

    from pmo_web import create_app
    from pmo_web.extensions import db
    from pmo_web.gates import service
    from pmo_web.models import Initiative, RaidItem, Score, User

    app = create_app()
    with app.app_context():
        outcome = app.test_cli_runner().invoke(args=["seed-demo"])
        if outcome.exit_code:
            raise RuntimeError(f"seed-demo failed:\n{outcome.output}") from outcome.exception
        people = {user.email: user for user in db.session.scalars(
            select(User).where(User.email.in_(("pmo@demo.local", "requester@demo.local"))))}
        pmo, requester = people["pmo@demo.local"], people["requester@demo.local"]
        in_delivery = db.session.scalars(select(Initiative).where(Initiative.state == "delivery")
                                         .order_by(Initiative.id).limit(RAID_INITIATIVES)).all()
        risks = {initiative.id: [
            RaidItem(initiative_id=initiative.id, kind="risk", title=f"Load test risk {n}",
                     description="Because the supplier is stretched, delivery may slip, delaying go-live.",
                     status="open", likelihood=3, impact=3, owner_id=pmo.id, created_by_id=pmo.id,
                     review_date=date.today() + timedelta(days=30))
            for n in range(RAID_ITEMS_EACH)] for initiative in in_delivery}
        db.session.add_all(item for items in risks.values() for item in items)
        db.session.commit()
        template = in_delivery[0]
        weights = db.session.scalar(select(Score.weights).order_by(Score.id.desc()))
        review_ids = []
        for n in range(reviews):
            initiative = Initiative(
                title=f"Load test gate {n}", description="For the load test.", problem="Slow.",
                desired_outcome="Fast.", owner_id=requester.id, department_id=template.department_id,
                cost_band="10k_100k", state="scoring", strategic_priority_id=template.strategic_priority_id)
            db.session.add(initiative)
            db.session.flush()
            db.session.add(Score(initiative_id=initiative.id, scorer_id=pmo.id, urgency=3, complexity=3,
                                 desirability=3, alignment=3, weights=weights, total=60, band="Medium",
                                 rationale="Load test"))
            db.session.flush()
            review = service.request_review(initiative, pmo, note="Load test")
            review.quorum = 1 + n % 2
            review_ids.append(review.id)
        db.session.commit()
        targets = {"raid": [[initiative_id, [item.id for item in items]] for initiative_id, items in risks.items()],
                   "reviews": review_ids}
    with open(targets_path, "w", encoding="utf-8") as saved:
        json.dump(targets, saved)


def _step(what: str, command: list[str], env: dict) -> None:
    """Run one preparation command; a failure says which, with the end of its output."""
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{what} failed:\n{(done.stdout + done.stderr)[-3000:]}")


# -- the server -------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """gunicorn on 127.0.0.1 at a free port; a context manager that always stops it."""

    def __init__(self, env: dict, workers: int, log_path: str):
        self.env, self.workers, self.log_path = env, workers, log_path
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:  # noqa: PYI034 - a plain class, never subclassed
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "60", "--graceful-timeout", "10", "--no-control-socket", "pmo_web:create_app()"],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_until_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_until_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=2) as response:
                    if response.status == 200:
                        # /health answers as soon as one worker is up; give the others a moment.
                        time.sleep(1.0)
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer on {self.base} within {seconds} s")

    def __exit__(self, *_exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: the workers finish their requests
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


# -- the run and its checks -----------------------------------------------------------------
# The target for the 95th percentile; reported, not enforced (a shared machine may miss it).
P95_TARGET_MS = 300


def latency_table(timings: list[tuple[str, str, float]]) -> dict[str, tuple[int, float, float, float]]:
    """{group: (requests, p50 ms, p95 ms, max ms)}: all, reads (GET), writes (POST), then each action."""
    groups: dict[str, list[float]] = defaultdict(list)
    for action, method, seconds in timings:
        groups["all"].append(seconds)
        groups["reads (GET)" if method == "GET" else "writes (POST)"].append(seconds)
        groups[action].append(seconds)

    def stats(values: list[float]) -> tuple[int, float, float, float]:
        values = sorted(values)

        def percentile(p: float) -> float:
            return values[min(len(values) - 1, int(p * len(values)))] * 1000

        return len(values), percentile(0.50), percentile(0.95), values[-1] * 1000

    order = ["all", "reads (GET)", "writes (POST)"] + sorted(set(groups) - {"all", "reads (GET)", "writes (POST)"})
    return {group: stats(groups[group]) for group in order if groups.get(group)}


@dataclass
class Summary:
    database: str
    users: int
    seconds: float
    requests: int
    statuses: dict
    errors: list
    conflicts: dict
    latency: dict
    writes_expected: dict
    writes_found: dict
    problems: list
    server_log_problems: list

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p95_ms(self) -> float:
        return self.latency.get("all", (0, 0.0, 0.0, 0.0))[2]

    @property
    def lost_writes(self) -> dict:
        return {kind: (self.writes_expected[kind], self.writes_found.get(kind))
                for kind in self.writes_expected if self.writes_expected[kind] != self.writes_found.get(kind)}

    @property
    def ok(self) -> bool:
        return (not self.errors and not self.lost_writes and not self.problems and not self.server_log_problems
                and self.requests > 0)

    def report(self) -> str:
        conflicts = sum(self.conflicts.values())
        lines = [
            f"{self.users} users, {self.seconds:.1f} s, gunicorn on {self.database}: "
            f"{self.requests} requests, {self.rps:.1f}/s; statuses {dict(sorted(self.statuses.items()))}",
            f"  {'latency (ms)':<21} {'requests':>8} {'p50':>6} {'p95':>6} {'max':>7}"
            f"   (p95 target {P95_TARGET_MS} ms: {'met' if self.p95_ms <= P95_TARGET_MS else 'missed'})",
        ]
        lines += [f"  {group:<21} {count:>8} {p50:>6.0f} {p95:>6.0f} {high:>7.0f}"
                  for group, (count, p50, p95, high) in self.latency.items()]
        lines += [
            f"errors {len(self.errors)}; conflicts (refused as expected under concurrency) {conflicts}"
            + (f": {', '.join(f'{action} {n}' for action, n in sorted(self.conflicts.items()))}" if conflicts else ""),
            "writes acknowledged/found: " + ", ".join(
                f"{kind} {self.writes_expected[kind]}/{self.writes_found.get(kind)}" for kind in self.writes_expected),
            f"lost writes {len(self.lost_writes)}; integrity problems {len(self.problems)}; "
            f"server log problems {len(self.server_log_problems)}",
        ]
        lines += [f"  error: {error}" for error in self.errors[:20]]
        lines += [f"  problem: {problem}" for problem in self.problems[:20]]
        lines += [f"  server: {problem}" for problem in self.server_log_problems[:20]]
        lines.append("OK: 0 errors, 0 lost writes" if self.ok else "FAILED")
        return "\n".join(lines)


def _high_water_marks(engine) -> dict:
    from sqlalchemy import text

    with engine.connect() as connection:
        return {table: connection.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar()
                for table in ("initiatives", "audit_events", "scores")}


def _json(value):
    """A JSON column as read by a plain statement: text on SQLite, already decoded on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def check_writes(engine, before: dict, tally: Tally, targets: dict) -> tuple[dict, dict, list[str]]:
    """(expected, found, problems): what the server acknowledged against what the database holds
    now, beyond the marks taken before the run, read through SQLAlchemy on either database."""
    from sqlalchemy import text

    with engine.connect() as connection:
        new_ids = set(connection.execute(text("SELECT id FROM initiatives WHERE id > :mark"),
                                         {"mark": before["initiatives"]}).scalars())
        trail = connection.execute(text(
            "SELECT kind, \"trigger\", gate_review_id, detail FROM audit_events WHERE id > :mark"),
            {"mark": before["audit_events"]}).all()
        raid_ids = {item_id for _initiative, item_ids in targets["raid"] for item_id in item_ids}
        raid_rows = [row for row in connection.execute(text("SELECT id, title, version FROM raid_items")).all()
                     if row.id in raid_ids]
        seeded = set(targets["reviews"])
        reviews = {row.id: row for row in connection.execute(
            text("SELECT id, quorum, state FROM gate_reviews")).all() if row.id in seeded}
        stored = [(row.review_id, row.email, row.decision) for row in connection.execute(text(
            "SELECT d.review_id, u.email, d.decision FROM gate_decisions d JOIN users u ON u.id = d.approver_id"
        )).all() if row.review_id in seeded]
        scores = connection.execute(text("SELECT count(*) FROM scores WHERE id > :mark"),
                                    {"mark": before["scores"]}).scalar()

    # RAID: every acknowledged title is in the item's audit trail, each save bumped the version once,
    # and the row holds the title of one of the acknowledged saves (the last to commit).
    saved_titles: dict[int, set] = defaultdict(set)
    raid_edits = 0
    for event in trail:
        if event.trigger == "raid_item.updated":
            detail = _json(event.detail)
            if detail["id"] in raid_ids:
                raid_edits += 1
                if "title" in detail["changes"]:
                    saved_titles[detail["id"]].add(detail["changes"]["title"]["after"])
    acknowledged_saves = sum(len(titles) for titles in tally.raid_saves.values())
    problems = [f"RAID item {row.id} holds {row.title!r}, which no acknowledged save wrote"
                for row in raid_rows if tally.raid_saves.get(row.id) and row.title not in tally.raid_saves[row.id]]

    # Gates: no review has more decisions than its quorum allows, one per approver, and the
    # review is decided exactly when its decisions settle it.
    by_review: dict[int, list] = defaultdict(list)
    for review_id, email, decision in stored:
        by_review[review_id].append((email, decision))
    for review_id, review in reviews.items():
        decisions = by_review.get(review_id, [])
        approvers = [email for email, _decision in decisions]
        approvals = sum(decision in ("approve", "approve_with_conditions") for _email, decision in decisions)
        if len(decisions) > review.quorum:
            problems.append(f"gate review {review_id} has {len(decisions)} decisions for a quorum of {review.quorum}")
        if len(set(approvers)) != len(approvers):
            problems.append(f"gate review {review_id} counts an approver twice: {sorted(approvers)}")
        settled = approvals >= review.quorum or approvals < len(decisions)
        if (review.state == "decided") != settled:
            problems.append(f"gate review {review_id} is {review.state} after {decisions}")
    acknowledged = [(review_id, email) for review_id, email, _decision in tally.decisions]
    if len(set(acknowledged)) != len(acknowledged):
        problems.append("one approver's decision on a gate review was acknowledged twice")

    expected = {
        "requests created": len(tally.created),
        "created ids matching": len(tally.created),
        "submit events": len(tally.created),
        "moves into triage": len(tally.moved),
        "scores": len(tally.scored),
        "RAID saves": acknowledged_saves,
        "RAID edits audited": acknowledged_saves,
        "RAID versions": acknowledged_saves,
        "gate decisions": len(tally.decisions),
        "gate decisions matching": len(tally.decisions),
        "gate decision events": len(tally.decisions),
    }
    found = {
        "requests created": len(new_ids),
        # Created, acknowledged and stored are the same initiatives, not just the same number.
        "created ids matching": len(new_ids & tally.created),
        "submit events": sum(event.trigger == "submit" for event in trail),
        "moves into triage": sum(event.trigger == "start_triage" for event in trail),
        "scores": scores,
        "RAID saves": sum(len(set(titles) & saved_titles[item_id]) for item_id, titles in tally.raid_saves.items()),
        "RAID edits audited": raid_edits,
        "RAID versions": sum(row.version - 1 for row in raid_rows),
        "gate decisions": len(stored),
        "gate decisions matching": len(set(stored) & set(tally.decisions)),
        "gate decision events": sum(event.kind == "gate_decision" and event.gate_review_id in seeded
                                    for event in trail),
    }
    return expected, found, problems


def _server_log_problems(log_path: str) -> list[str]:
    """Lines of the server log that show trouble: locked database, tracebacks, dead workers."""
    with open(log_path, encoding="utf-8", errors="replace") as log:
        return [line.strip()[:300] for line in log
                if re.search(r"database is locked|deadlock detected|Traceback|WORKER TIMEOUT"
                             r"|\"level\": \"(ERROR|CRITICAL)\"", line)]


def run(users: int = 50, seconds: float = 60, workers: int = 4, think: float = 1.0, seed: int = 2026,
        schema: str = "migrations", keep: str | None = None, database_url: str | None = None) -> Summary:
    """Prepare, serve, load, check; gunicorn is stopped and the database removed whatever happens."""
    folder = keep or tempfile.mkdtemp(prefix="pmo-load-")
    os.makedirs(folder, exist_ok=True)
    try:
        with fresh_database(database_url, folder, keep=bool(keep)) as url:
            return _run_on(url, folder, users, seconds, workers, think, seed, schema)
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _run_on(url: str, folder: str, users: int, seconds: float, workers: int, think: float, seed: int,
            schema: str) -> Summary:
    from sqlalchemy import create_engine

    env = _environment(url)
    # Enough reviews that approvers do not run out: a fifth of the users approve, each deciding
    # about one review every 7 s on a quiet machine; half the reviews take two decisions.
    targets = prepare(env, schema, os.path.join(folder, "targets.json"), reviews=max(10, int(users * seconds) // 15))
    targets["reviews"] = set(targets["reviews"])
    engine = create_engine(url)
    try:
        before = _high_water_marks(engine)
        tally = Tally()
        rng = random.Random(seed)
        log_path = os.path.join(folder, "gunicorn.log")
        with Gunicorn(env, workers, log_path) as server:
            staff, per_role = [], Counter()
            for n in range(users):
                # Spread each role's users over its accounts; beyond that, accounts are shared
                # (several sessions of one person), which the app must cope with too.
                role = ROLE_MIX[n % len(ROLE_MIX)]
                email = ACCOUNTS[role][per_role[role] % len(ACCOUNTS[role])]
                per_role[role] += 1
                staff.append(StaffMember(server.base, role, email, tally, random.Random(rng.random()), think,
                                         targets))
            started = time.monotonic()
            deadline = started + seconds
            # Staff arrive over the first quarter of the run (at most 15 s), not all in the same
            # instant: each sign-in is a deliberately slow password hash.
            ramp = min(seconds / 4, 15.0)
            threads = [threading.Thread(target=member.work_until, args=(started + ramp * n / users, deadline),
                                        daemon=True) for n, member in enumerate(staff)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=seconds + REQUEST_TIMEOUT + 30)
            elapsed = time.monotonic() - started
            if any(thread.is_alive() for thread in threads):
                tally.error("a simulated user was still waiting for a response after the run")
        # Each card moved into triage once only: a second acknowledged move would be a double count.
        if len(set(tally.moved)) != len(tally.moved):
            tally.error("a card was acknowledged as moved into triage twice")
        expected, found, problems = check_writes(engine, before, tally, targets)
    finally:
        engine.dispose()
    return Summary(
        database={"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(engine.dialect.name, engine.dialect.name),
        users=users, seconds=elapsed, requests=sum(tally.statuses.values()), statuses=dict(tally.statuses),
        errors=tally.errors + [f"HTTP {status} x{count}" for status, count in tally.statuses.items() if status >= 500],
        conflicts=dict(tally.conflicts), latency=latency_table(tally.timings),
        writes_expected=expected, writes_found=found, problems=problems,
        server_log_problems=_server_log_problems(log_path),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--think", type=float, default=1.0, help="longest pause between a user's actions, s")
    parser.add_argument("--database-url", metavar="URL",
                        help="default: a SQLite file in a temporary folder; a PostgreSQL database named "
                             "loadtest... is dropped, created afresh, and dropped at the end")
    parser.add_argument("--schema", choices=("migrations", "create-all"), default="migrations",
                        help="how to build the schema (create-all only while migrations lag the models)")
    parser.add_argument("--keep", metavar="FOLDER", help="keep the database and gunicorn log (in FOLDER)")
    args = parser.parse_args(argv)
    summary = run(args.users, args.seconds, args.workers, args.think, schema=args.schema, keep=args.keep,
                  database_url=args.database_url)
    print(summary.report())
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
