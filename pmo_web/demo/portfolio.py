"""The demo's force and portfolio: departments, people, programmes, the initiatives and the
path each takes, and the text its business cases, gates and lessons are written from. The data
lives in data/*.json (force, initiatives, cases, gates, lessons); this module reads it into the
shapes walk.py replays through the real workflow."""
from __future__ import annotations

from dataclasses import dataclass, field

from .datafiles import load

# --------------------------------------------------------------------------- the force

_FORCE = load("force")
DEPARTMENTS = tuple(_FORCE["departments"])
# docs/rules.md 3: the default strategic priorities, in order. Keys are used in the tables below;
# a score's alignments are listed in this order.
PRIORITIES = tuple(_FORCE["priorities"].items())
# key: (name, description, start year, end year)
PROGRAMMES = {key: (p["name"], p["description"], p["start_year"], p["end_year"])
              for key, p in _FORCE["programmes"].items()}
# (gate, quorum, quorum when capital-funded): capital investment decisions need two approvers.
GATE_SETTINGS = tuple((g["gate"], g["quorum"], g["capital_quorum"]) for g in _FORCE["gate_settings"])
GATE_CODES = tuple(code for code, _quorum, _capital in GATE_SETTINGS)

# The five published demo logins first (one per role), then the rest of the cast: the Director
# of Finance (so capital investment decisions can meet a quorum of two), the Assistant Chief
# Constable who chairs the Corporate Delivery Board, project managers and a business analyst,
# and a requester in each department.
# (email, name, rank or staff-grade equivalent, department, roles)
PEOPLE = tuple((p["email"], p["name"], p["rank"], p["department"], tuple(p["roles"])) for p in _FORCE["people"])
DEMO_LOGINS = tuple(person[0] for person in PEOPLE[:5])
PMO_LEAD = "pmo@demo.local"
HEAD_OF_CHANGE = "approver@demo.local"
FINANCE_DIRECTOR = "rachel.adeyemi@demo.local"
BOARD_CHAIR = "mark.thornton@demo.local"
PROJECT_MANAGERS = ("pmo@demo.local", "sarah.whitfield@demo.local", "james.kowalski@demo.local",
                    "aisha.rahman@demo.local", "lee.hughes@demo.local")
# Each department's requests come from its one requester in PEOPLE.
OWNER_OF = {dept: email for email, _name, _rank, dept, roles in PEOPLE if roles == ("requester",)}

# Senior responsible owners named on requests; they also own the benefits in the business.
SPONSORS = _FORCE["sponsors"]

# ----------------------------------------------------------------------- the portfolio


@dataclass(frozen=True, kw_only=True)
class DemoInitiative:
    """One request and the path it takes: `route` (ROUTES) says how far it travels,
    `then` adds a way out (reject, withdraw, cancel, merge), `detours` add side trips
    (info: a question from triage; pause: on hold and resumed; rescore: scored twice)."""

    title: str
    department: str
    route: str
    kind: str  # digital | estates | fleet | service: shapes costs, milestones, risks, lessons
    cost_band: str
    priority: str  # a PRIORITIES key
    description: str
    problem: str
    outcome: str
    deadline: str = ""
    funding: str = "revenue"
    programme: str | None = None  # a PROGRAMMES key
    then: tuple[str, ...] = ()
    detours: tuple[str, ...] = ()
    # urgency, complexity, desirability, then alignment to each priority in PRIORITIES order
    score: tuple[int, int, int, tuple[int, int, int, int]] | None = None
    override: tuple[str, str] | None = None  # band, comment
    hours: int = 0  # officer and staff hours released a year
    saving: int = 0  # cash-releasing saving, GBP a year
    quality: tuple[str, str, str, str] | None = None  # benefit, measure, baseline, target
    gates: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)  # code -> each review's decisions
    reasons: dict[str, str] = field(default_factory=dict)  # trigger -> reason, question or answer
    confidence: tuple[str, str] | None = None  # delivery confidence, justification
    overrun: float = 0.0  # fraction over the approved budget
    slip: int = 0  # days late against the baseline plan
    variance: bool = False  # the last milestone stays open with a variance accepted at Gate 3
    satisfaction: tuple[int, str] | None = None
    lesson: dict[str, str] | None = None  # what this initiative taught, logged at benefits review
    merge_into: str | None = None  # the surviving initiative's title



def _initiative(record: dict) -> DemoInitiative:
    """One entry of data/initiatives.json: its lists are the dataclass's tuples."""
    fields = {name: _tuples(value) for name, value in record.items()}
    if "gates" in record:
        fields["gates"] = {code: [tuple(decisions) for decisions in reviews]
                           for code, reviews in record["gates"].items()}
    return DemoInitiative(**fields)


def _tuples(value):
    """JSON's lists as tuples, all the way down (objects stay dicts)."""
    if isinstance(value, list):
        return tuple(_tuples(item) for item in value)
    if isinstance(value, dict):
        return {key: _tuples(item) for key, item in value.items()}
    return value


INITIATIVES = tuple(_initiative(record) for record in load("initiatives"))

# ------------------------------------------------------------------ how work is shaped

_CASES = load("cases")
# cost band: (fewest, most) thousands of pounds
BAND_THOUSANDS = _tuples(_CASES["band_thousands"])


def _cost_line(line: dict) -> tuple[str, str, str, float]:
    return line["description"], line["category"], line["nature"], line["share"]


# (kind, funding): (description, category, nature, share of the total); recurring lines are per year.
COST_LINES = {(kind, funding): tuple(_cost_line(line) for line in lines)
              for kind, by_funding in _CASES["cost_lines"].items() for funding, lines in by_funding.items()}
REWORK_COST = _cost_line(_CASES["rework_cost"])
# The options and cases of a business case, by kind of work (and for funding, by funding).
DO_MINIMUM = _CASES["do_minimum"]
COMMERCIAL = _CASES["commercial"]
FUNDING_SOURCE = _CASES["funding_source"]
# kind: ((description, mitigation), ...)
RISKS = {kind: tuple((risk["description"], risk["mitigation"]) for risk in risks)
         for kind, risks in _CASES["risks"].items()}
MILESTONES = _tuples(_CASES["milestones"])
VARIANCE_NOTE = _CASES["variance_note"]

_LESSONS = load("lessons")
# The portfolio's common lessons by kind of work, handed out in turn.
LESSONS = {kind: tuple(lessons) for kind, lessons in _LESSONS["by_kind"].items()}
# Logged when an initiative is cancelled: what the portfolio learns from work it stopped.
CANCELLATION_LESSON = _LESSONS["cancellation"]

# What each gate's requests, decisions and conditions say, by gate (decisions by decision).
_GATES = load("gates")
GATE_NOTES = _GATES["notes"]
APPROVAL_COMMENTS = _GATES["approval_comments"]
DECISION_COMMENTS = _GATES["decision_comments"]
CONDITIONS = _GATES["conditions"]
# What shows that a condition of each gate is met, recorded by the PMO.
CONDITION_EVIDENCE = _GATES["condition_evidence"]
# trigger: the reason, question or answer given when an initiative has none of its own
DEFAULT_REASONS = _GATES["default_reasons"]
