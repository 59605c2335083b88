"""A bounded load test: gunicorn with several workers on one SQLite file, on loopback only.

    .venv/bin/python -m tests.load.loadtest --users 50 --seconds 60

It prepares a fresh database in a temporary folder (`flask db upgrade`, `flask seed-demo`),
starts gunicorn on 127.0.0.1 at a free port, and runs simulated staff for the given time,
each signed in as one of the demo accounts and doing what that role does all day:

- requesters read their requests and write and submit new ones (the intake form, with the
  CSRF token taken from the page);
- the PMO reads the kanban and moves newly submitted cards into triage, and scores
  initiatives on the prioritisation matrix;
- approvers, viewers and admins read the gate queue, backlog, portfolio and initiative pages.

Every response is counted. Afterwards it checks two things and exits non-zero if either
fails: no errors (no 5xx, no connection failure, no status a correct app would not send),
and no lost writes (every create, submit, move and score the server acknowledged is in
the database, and nothing else is). Gunicorn is always stopped, even on failure.

Concurrent PMO staff sometimes pick the same card: the second move is correctly refused
(409) and counted as a conflict, not an error; the database check then proves the card
moved once.
"""
from __future__ import annotations

import argparse
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
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO_PASSWORD = "demo-password-2026"
# Demo accounts by role (pmo_web/demo.py PEOPLE); each simulated user signs in as one.
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

BODY_TOKEN = re.compile(r"<body\b[^>]*\bhx-headers='([^']*)'")
FORM_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
INITIATIVE_LINK = re.compile(r'href="/initiatives/(\d+)"')
CREATED = re.compile(r"/initiatives/(\d+)$")
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
    latencies: list = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)
    conflicts: int = 0
    created: set = field(default_factory=set)      # initiatives created and submitted (303)
    moved: list = field(default_factory=list)      # initiatives moved into triage (303)
    scored: list = field(default_factory=list)     # initiatives scored (303)

    def response(self, seconds: float, status: int) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] += 1

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


class Unexpected(Exception):
    """A response a correct app would not give (counted as an error)."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Each redirect is a response of its own, counted and followed by the caller."""

    def redirect_request(self, *args, **kwargs):
        return None


class StaffMember:
    """One simulated user: a cookie jar, a CSRF token, and the habits of a role."""

    def __init__(self, base: str, role: str, email: str, tally: Tally, rng: random.Random, think: float):
        self.base, self.role, self.email, self.tally, self.rng, self.think = base, role, email, tally, rng, think
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects())
        self.token = ""

    # -- HTTP ------------------------------------------------------------------------------
    def request(self, method: str, path: str, data: dict | list | None = None,
                expect: tuple[int, ...] = (200,)) -> tuple[int, str, str]:
        """One request; returns (status, body, location). Raises Unexpected on a wrong status."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, method=method)
        if self.token and method != "GET":
            request.add_header("X-CSRFToken", self.token)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                status, text, location = response.status, response.read().decode(), response.headers.get("Location", "")
        except urllib.error.HTTPError as refusal:
            status, text, location = refusal.code, refusal.read().decode(errors="replace"), refusal.headers.get("Location", "")
        self.tally.response(time.perf_counter() - started, status)
        if status not in expect:
            raise Unexpected(f"{self.email}: {method} {path} -> {status} (expected {expect})")
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
            try:
                task()
            except Exception as failure:  # noqa: BLE001
                self.tally.error(f"{task.__name__}: {failure!r}")
            time.sleep(self.rng.uniform(0, self.think))

    def _requester_tasks(self):
        return [self.submit_request, self.submit_request, self.read_my_requests, self.read_initiative]

    def _pmo_tasks(self):
        return [self.start_triage, self.start_triage, self.score, self.read_board, self.read_backlog]

    def _approver_tasks(self):
        return [self.read_gate_queue, self.read_backlog, self.read_portfolio, self.read_initiative]

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
        """Move a newly submitted card into triage; another PMO may have just done so (409)."""
        moves = [(action, initiative_id, _hidden_fields(form))
                 for action, initiative_id, form in MOVE_FORM.findall(self.get("/triage"))]
        moves = [move for move in moves if move[2].get("trigger") == "start_triage"]
        if not moves:
            return
        action, initiative_id, fields = self.rng.choice(moves)
        # Everything the card's form sends (the trigger, and a record version if it has one).
        status, _text, _location = self.request("POST", html.unescape(action), fields, expect=(303, 409))
        with self.tally.lock:
            if status == 303:
                self.tally.moved.append(int(initiative_id))
            else:
                self.tally.conflicts += 1

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
        with self.tally.lock:
            if status == 303:
                self.tally.scored.append(initiative_id)
            else:
                self.tally.conflicts += 1


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


# -- the server -------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(database: str) -> dict:
    env = dict(os.environ)
    env.update(DATABASE_URL=f"sqlite:///{database}", SECRET_KEY=secrets.token_hex(32), PMO_ENV="development",
               PYTHONPATH=ROOT)
    return env


def prepare(database: str, env: dict, schema: str = "migrations") -> None:
    """A fresh database with the demo portfolio: migrations (or create_all), then seed-demo."""
    flask = [sys.executable, "-m", "flask", "--app", "pmo_web"]
    if schema == "migrations":
        _step([*flask, "db", "upgrade"], env)
    else:
        script = ("from pmo_web import create_app; from pmo_web.extensions import db\n"
                  "app = create_app()\nwith app.app_context(): db.create_all()")
        _step([sys.executable, "-c", script], env)
    _step([*flask, "seed-demo"], env)


def _step(command: list[str], env: dict) -> None:
    """Run one preparation command; a failure says which, with the end of its output."""
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command[3:])} failed:\n{(done.stdout + done.stderr)[-3000:]}")


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
@dataclass
class Summary:
    users: int
    seconds: float
    requests: int
    statuses: dict
    errors: list
    conflicts: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    writes_expected: dict
    writes_found: dict
    server_log_problems: list

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def lost_writes(self) -> dict:
        return {kind: (self.writes_expected[kind], self.writes_found.get(kind))
                for kind in self.writes_expected if self.writes_expected[kind] != self.writes_found.get(kind)}

    @property
    def ok(self) -> bool:
        return not self.errors and not self.lost_writes and not self.server_log_problems and self.requests > 0

    def report(self) -> str:
        lines = [
            f"users {self.users}, {self.seconds:.1f} s, gunicorn on SQLite",
            f"requests {self.requests} ({self.rps:.1f}/s); statuses {dict(sorted(self.statuses.items()))}",
            f"latency p50 {self.p50_ms:.0f} ms, p95 {self.p95_ms:.0f} ms, max {self.max_ms:.0f} ms",
            f"errors {len(self.errors)}; refused as conflicts (409, expected under concurrency) {self.conflicts}",
            "writes expected vs found: " + ", ".join(
                f"{kind} {self.writes_expected[kind]}/{self.writes_found.get(kind)}" for kind in self.writes_expected),
            f"server log problems {len(self.server_log_problems)}",
        ]
        lines += [f"  error: {error}" for error in self.errors[:20]]
        lines += [f"  server: {problem}" for problem in self.server_log_problems[:20]]
        lines.append("OK: 0 errors, 0 lost writes" if self.ok else "FAILED")
        return "\n".join(lines)


def _high_water_marks(database: str) -> dict:
    with sqlite3.connect(database) as connection:
        return {table: connection.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
                for table in ("initiatives", "audit_events", "scores")}


def _writes_found(database: str, before: dict, created: set) -> dict:
    """What the database holds now, beyond the marks taken before the run."""
    with sqlite3.connect(database) as connection:
        new_ids = {row[0] for row in connection.execute(
            "SELECT id FROM initiatives WHERE id > ?", (before["initiatives"],))}
        submits = connection.execute(
            "SELECT count(*) FROM audit_events WHERE id > ? AND \"trigger\" = 'submit'",
            (before["audit_events"],)).fetchone()[0]
        moves = connection.execute(
            "SELECT count(*) FROM audit_events WHERE id > ? AND \"trigger\" = 'start_triage'",
            (before["audit_events"],)).fetchone()[0]
        scores = connection.execute("SELECT count(*) FROM scores WHERE id > ?", (before["scores"],)).fetchone()[0]
    return {
        "requests created": len(new_ids),
        # Created, acknowledged and stored are the same initiatives, not just the same number.
        "created ids matching": len(new_ids & created),
        "submit events": submits,
        "moves into triage": moves,
        "scores": scores,
    }


def _server_log_problems(log_path: str) -> list[str]:
    """Lines of the server log that show trouble: locked database, tracebacks, dead workers."""
    with open(log_path, encoding="utf-8", errors="replace") as log:
        return [line.strip()[:300] for line in log
                if re.search(r"database is locked|Traceback|WORKER TIMEOUT|\"level\": \"(ERROR|CRITICAL)\"", line)]


def run(users: int = 50, seconds: float = 60, workers: int = 4, think: float = 1.0, seed: int = 2026,
        schema: str = "migrations", keep: str | None = None) -> Summary:
    """Prepare, serve, load, check; gunicorn is stopped whatever happens."""
    folder = keep or tempfile.mkdtemp(prefix="pmo-load-")
    os.makedirs(folder, exist_ok=True)
    try:
        return _run_in(folder, users, seconds, workers, think, seed, schema)
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _run_in(folder: str, users: int, seconds: float, workers: int, think: float, seed: int,
            schema: str) -> Summary:
    database = os.path.join(folder, "load.sqlite")
    env = _environment(database)
    prepare(database, env, schema)
    before = _high_water_marks(database)
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
            staff.append(StaffMember(server.base, role, email, tally, random.Random(rng.random()), think))
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
    latencies = sorted(tally.latencies) or [0.0]

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    expected = {
        "requests created": len(tally.created),
        "created ids matching": len(tally.created),
        "submit events": len(tally.created),
        "moves into triage": len(tally.moved),
        "scores": len(tally.scored),
    }
    # Each card moved into triage once only: a second acknowledged move would be a double count.
    if len(set(tally.moved)) != len(tally.moved):
        tally.error("a card was acknowledged as moved into triage twice")
    return Summary(
        users=users, seconds=elapsed, requests=sum(tally.statuses.values()), statuses=dict(tally.statuses),
        errors=tally.errors + [f"HTTP {status} x{count}" for status, count in tally.statuses.items() if status >= 500],
        conflicts=tally.conflicts, p50_ms=percentile(0.50), p95_ms=percentile(0.95), max_ms=latencies[-1] * 1000,
        writes_expected=expected, writes_found=_writes_found(database, before, tally.created),
        server_log_problems=_server_log_problems(log_path),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--think", type=float, default=1.0, help="longest pause between a user's actions, s")
    parser.add_argument("--schema", choices=("migrations", "create-all"), default="migrations",
                        help="how to build the schema (create-all only while migrations lag the models)")
    parser.add_argument("--keep", metavar="FOLDER", help="keep the database and gunicorn log in FOLDER")
    args = parser.parse_args(argv)
    summary = run(args.users, args.seconds, args.workers, args.think, schema=args.schema, keep=args.keep)
    print(summary.report())
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
