"""The benchmark behind `make bench`: key pages and actions at demo scale and at force scale.

    .venv/bin/python -m bench.bench                  # SQLite, 30 timed requests each
    .venv/bin/python -m bench.bench --requests 50 --db postgres
    .venv/bin/python -m bench.bench --only kanban,raid_save

For each database it builds a fresh schema with the migrations, loads the demo portfolio
(`seed-demo`), prepares the same targets at both scales (an initiative in delivery with 50
RAID items, scored initiatives with gate reviews waiting for a decision), measures every
page and action, then adds force-scale data (`seed-scale`: 5,000 initiatives, 50,000 RAID
items, 100,000 audit events ...) and measures again.

Server time is the time the Flask app takes to answer a request made through its WSGI
interface in this process (no network, no browser), after warm-up requests; statements are
the SQL statements the request sent (counted by an engine event). A page's statement
count must be the same at both scales: a difference means a query per row somewhere.

Results are printed as a table and written to bench/results.json in the shape
{"machine": ..., "runs": [{"db", "scale", "name", "median_ms", "p95_ms", "statements",
"bytes"}, ...]}. CSRF protection is off for the measuring client (it posts no tokens);
everything else is the production configuration.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from html.parser import HTMLParser

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results.json")
WARM_UP = 3
HTMX = {"HX-Request": "true"}


@dataclass
class Case:
    """One page or action to time. `request(ctx, n)` gives (method, url, data, headers) for
    the n-th request, so actions that change a row can aim at a fresh one each time."""

    name: str
    endpoint: str
    request: Callable[[dict, int], tuple]
    role: str = "pmo"
    # Asks that need fresh rows each time (a gate decision) say how many they consume.
    consumes: bool = False


class FormFields(HTMLParser):
    """The fields of the first form in a fragment, with the values it would post."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in attrs:
                    self.fields[name] = attrs.get("value", "on")
            elif kind != "submit":
                self.fields[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(html: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(html)
    return parser.fields


def cases() -> list[Case]:
    """The pages and actions the issue names, in the order the table prints them."""

    def get(url_of):
        return lambda ctx, n: ("GET", url_of(ctx), None, {})

    def raid_save(ctx, n):
        client, url = ctx["clients"]["pmo"], f"/initiatives/{ctx['target']}/raid/{ctx['raid_item']}/edit"
        fields = form_fields(client.get(url, headers=HTMX).get_data(as_text=True))
        title_field = next(name for name in fields if name.endswith("title"))
        fields[title_field] = f"Supplier may deliver late (review {n})"
        return "POST", url, fields, HTMX

    def gate_decision(ctx, n):
        review_id = ctx["reviews"].pop()
        return "POST", f"/gates/{review_id}/decision", {"decision": "approve", "comment": "Benchmark approval"}, {}

    def similar(ctx, n):
        return ("POST", "/requests/similar",
                {"title": "Body worn video camera replacement for response officers",
                 "description": "Replace the ageing body worn video cameras used by response teams."}, HTMX)

    return [
        Case("kanban", "triage.board", get(lambda ctx: "/triage")),
        Case("portfolio", "initiatives.portfolio", get(lambda ctx: "/initiatives")),
        Case("initiative_page", "initiatives.show", get(lambda ctx: f"/initiatives/{ctx['target']}")),
        Case("raid_log", "raid.log", get(lambda ctx: f"/initiatives/{ctx['target']}/raid")),
        Case("dashboard", "dashboard.index", get(lambda ctx: "/dashboard")),
        Case("lessons_search", "lessons.library", get(lambda ctx: "/lessons?q=supplier+training")),
        Case("duplicate_check", "intake.similar", similar, role="requester"),
        Case("raid_save", "raid.item_edit", raid_save),
        Case("gate_decision", "gates.decide", gate_decision, role="approver", consumes=True),
        Case("portfolio_xlsx", "exports.download", get(lambda ctx: "/exports/portfolio.xlsx")),
    ]


# ----------------------------------------------------------------------------- the run


def build_app(database_url: str):
    import logging

    from pmo_web import create_app

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench-" + "x" * 40,
        "WTF_CSRF_ENABLED": False, "ORGANISATION_NAME": "Northshire Police", "SECURITY_MARKING": "OFFICIAL",
        # The measuring clients sign in with a password alone; the second factor is sign-in's
        # business, not the pages'.
        "MFA_REQUIRED_ROLES": "",
    })
    # The app's JSON request log (a line per request) would bury the table; its cost stays.
    logging.getLogger("pmo_web").handlers[0].setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return app


def fresh_schema(app) -> None:
    """Drop whatever is there and build the schema from the migrations."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from pmo_web.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade(directory=os.path.join(ROOT, "migrations"))


def prepare_targets(app, count: int) -> dict:
    """The same kind of targets at each scale: an initiative in delivery with 50 RAID items
    and `count` scored initiatives each with a Gate 1 review awaiting a decision."""
    from sqlalchemy import func, select

    from pmo_web.extensions import db
    from pmo_web.gates import service
    from pmo_web.models import Initiative, RaidItem, Score, User

    with app.app_context():
        pmo = db.session.scalar(select(User).where(User.email == "pmo@demo.local"))
        target = db.session.scalar(select(Initiative).where(Initiative.state == "delivery").order_by(Initiative.id))
        existing = db.session.scalar(select(func.count(RaidItem.id)).where(RaidItem.initiative_id == target.id))
        for n in range(max(0, 50 - existing)):
            rated = n % 4 == 0
            db.session.add(RaidItem(initiative_id=target.id, kind=("risk", "issue", "assumption", "dependency")[n % 4],
                                    title=f"Benchmark item {n}", status=("open", "open", "unvalidated", "open")[n % 4],
                                    likelihood=(n % 5) + 1 if rated else None, impact=(n % 3) + 2 if rated else None,
                                    owner_id=pmo.id, review_date=date.today() + timedelta(days=n),
                                    due_date=date.today()))
        db.session.commit()
        raid_item = db.session.scalar(select(RaidItem.id)
                                      .where(RaidItem.initiative_id == target.id, RaidItem.kind == "risk"))
        template = db.session.scalar(select(Score).order_by(Score.id.desc()))
        reviews = []
        for n in range(count):
            initiative = Initiative(title=f"Benchmark gate {n}", description="For the benchmark.", problem="Slow.",
                                    desired_outcome="Fast.", owner_id=target.owner_id,
                                    department_id=target.department_id, cost_band="10k_100k", state="scoring",
                                    strategic_priority_id=target.strategic_priority_id)
            db.session.add(initiative)
            db.session.flush()
            db.session.add(Score(initiative_id=initiative.id, scorer_id=pmo.id, urgency=3, complexity=3, desirability=3,
                                 alignment=3, weights=template.weights, total=60, band="Medium", rationale="Benchmark"))
            db.session.flush()
            reviews.append(service.request_review(initiative, pmo, note="Benchmark").id)
        db.session.commit()
        return {"target": target.id, "raid_item": raid_item, "reviews": reviews}


def signed_in_clients(app, password: str) -> dict:
    clients = {}
    for role in ("pmo", "approver", "requester"):
        client = app.test_client()
        response = client.post("/login", data={"email": f"{role}@demo.local", "password": password})
        if response.status_code != 302:
            raise SystemExit(f"bench: could not sign in as {role} ({response.status_code})")
        clients[role] = client
    return clients


def measure(app, ctx: dict, case: Case, requests: int) -> dict | None:
    """Median and p95 server time, statements and bytes of one case; None if not built yet."""
    from sqlalchemy import event

    from pmo_web.extensions import db

    if case.endpoint not in app.view_functions:
        return None
    client = ctx["clients"][case.role]
    counted: list[int] = []
    times: list[float] = []
    size = statements = 0
    with app.app_context():
        engine = db.engine
    listener = lambda *args: counted.append(1)  # noqa: E731
    for n in range(WARM_UP + requests):
        method, url, data, headers = case.request(ctx, n)
        counted.clear()
        event.listen(engine, "before_cursor_execute", listener)
        started = time.perf_counter()
        response = client.open(url, method=method, data=data, headers=headers)
        body = response.get_data()  # a streamed download is timed to its last byte
        elapsed = (time.perf_counter() - started) * 1000
        event.remove(engine, "before_cursor_execute", listener)
        if response.status_code >= 400 or (method == "POST" and response.status_code not in (200, 302, 303)):
            raise SystemExit(f"bench: {case.name} {method} {url} answered {response.status_code}")
        if "/login" in response.headers.get("Location", ""):
            raise SystemExit(f"bench: {case.name} {method} {url} was sent to sign in")
        if n >= WARM_UP:
            times.append(elapsed)
            size, statements = len(body), len(counted)
    times.sort()
    result = {"median_ms": round(statistics.median(times), 1),
              "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
              "statements": statements, "bytes": size}
    cards = body.count(b'<li id="card-')
    if cards:  # the board: how many cards it drew, and what each costs in HTML
        result["cards"] = cards
    return result


def run_database(db_name: str, url: str, requests: int, only: set[str] | None, echo) -> list[dict]:
    from pmo_web.demo import DEMO_PASSWORD, seed
    from pmo_web.extensions import db
    from pmo_web.scale import Sizes, seed_scale

    app = build_app(url)
    fresh_schema(app)
    chosen = [case for case in cases() if not only or case.name in only]
    gate_reviews_needed = WARM_UP + requests
    runs = []
    for scale in ("demo", "seed-scale"):
        with app.app_context():
            if scale == "demo":
                seed()
            else:
                started = time.perf_counter()
                seed_scale(Sizes(), add=True, echo=lambda *_: None)
                echo(f"  seed-scale loaded in {time.perf_counter() - started:.0f} s")
            db.session.remove()
        ctx = prepare_targets(app, gate_reviews_needed)
        ctx["clients"] = signed_in_clients(app, DEMO_PASSWORD)
        for case in chosen:
            result = measure(app, ctx, case, requests)
            row = {"db": db_name, "scale": scale, "name": case.name}
            if result is None:
                echo(f"  {scale:<10} {case.name:<16} not built yet ({case.endpoint})")
                continue
            row.update(result)
            runs.append(row)
            cards = f"  {row['cards']} cards, {row['bytes'] / row['cards']:,.0f} bytes a card" if "cards" in row else ""
            echo(f"  {scale:<10} {case.name:<16} median {row['median_ms']:>7.1f} ms  p95 {row['p95_ms']:>7.1f} ms  "
                 f"{row['statements']:>3} statements  {row['bytes']:>9,} bytes{cards}")
    return runs


def table(runs: list[dict]) -> str:
    """Demo against seed-scale per page: medians, the growth ratio, p95, statements, bytes."""
    lines = [f"{'db':<10} {'page':<16} {'demo ms':>8} {'scale ms':>9} {'growth':>7} {'scale p95':>10} "
             f"{'statements':>11} {'scale bytes':>12}"]
    by_key = {(r["db"], r["scale"], r["name"]): r for r in runs}
    for (db_name, scale, name), row in by_key.items():
        if scale != "demo" or (db_name, "seed-scale", name) not in by_key:
            continue
        big = by_key[(db_name, "seed-scale", name)]
        growth = big["median_ms"] / row["median_ms"] if row["median_ms"] else float("inf")
        statements = (f"{row['statements']}" if row["statements"] == big["statements"]
                      else f"{row['statements']}->{big['statements']}!")
        lines.append(f"{db_name:<10} {name:<16} {row['median_ms']:>8.1f} {big['median_ms']:>9.1f} {growth:>6.2f}x "
                     f"{big['p95_ms']:>10.1f} {statements:>11} {big['bytes']:>12,}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per case (after warm-up)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default=None,
                        help="default: SQLite, and PostgreSQL too when PMO_TEST_DATABASE_URL is set")
    parser.add_argument("--only", help="comma-separated case names")
    parser.add_argument("--output", default=RESULTS)
    args = parser.parse_args(argv)
    postgres_url = os.environ.get("PMO_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    chosen = args.db or ("both" if os.environ.get("PMO_TEST_DATABASE_URL") else "sqlite")
    only = set(args.only.split(",")) if args.only else None
    runs = []
    with tempfile.TemporaryDirectory(prefix="pmo-bench-") as folder:
        if chosen in ("sqlite", "both"):
            print("SQLite:")
            runs += run_database("sqlite", f"sqlite:///{folder}/bench.sqlite", args.requests, only, print)
        if chosen in ("postgres", "both"):
            print("PostgreSQL:")
            runs += run_database("postgresql", postgres_url, args.requests, only, print)
    print()
    print(table(runs))
    machine = f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    with open(args.output, "w") as out:
        json.dump({"machine": machine, "runs": runs}, out, indent=1)
    print(f"\nwritten to {os.path.relpath(args.output, ROOT)}")
    growing = [r for r in runs if r["scale"] == "seed-scale" and any(
        d["statements"] != r["statements"] for d in runs
        if d["scale"] == "demo" and d["name"] == r["name"] and d["db"] == r["db"])]
    return 1 if growing else 0


if __name__ == "__main__":
    sys.exit(main())
