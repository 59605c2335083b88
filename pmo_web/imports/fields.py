"""What a tracker's columns can be imported as, and how each cell is checked and converted.

Each `Target` is one field of an initiative a column may be mapped to. Coded values
(states, cost bands, funding types, delivery confidence) and reference data (departments,
programmes, strategic priorities, people) are matched case-insensitively by the label the
app shows or by the code it stores, so a portfolio export, which writes labels, comes back
as it went out. Reference data is loaded once per check (`Lookups.load`: five queries
whatever the number of rows), never once per row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from workflows.lifecycle import STATE_LABELS

from ..extensions import db
from ..models import Department, Initiative, Programme, StrategicPriority, User
from ..models.initiatives import CONFIDENCE, COST_BANDS, FUNDING_TYPES
from ..tabular import PORTFOLIO
from .reading import normalise

TEXT, STATE, CHOICE, DEPARTMENT, PROGRAMME, PRIORITY, PERSON, MONEY, DATE, SCORE = (
    "text", "state", "choice", "department", "programme", "priority", "person", "money", "date", "score")
# A merged initiative needs the one it was merged into, which a tracker row cannot name.
NOT_IMPORTABLE_STATES = ("merged",)
IMPORTABLE_STATES = tuple((code, label) for code, label in STATE_LABELS.items()
                          if code not in NOT_IMPORTABLE_STATES)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y")
MONEY_LIMIT = Decimal("1e12")  # Numeric(14, 2)


@dataclass(frozen=True)
class Target:
    """One initiative field a column may be imported into."""

    name: str  # the field, and the value of the mapping select
    label: str
    kind: str = TEXT
    required: bool = False
    max_length: int | None = None
    choices: tuple[tuple[str, str], ...] = ()
    aliases: tuple[str, ...] = ()  # other headings trackers use for it

    def headings(self) -> set[str]:
        """Normalised headings this target is matched with: its label, its aliases and the
        portfolio export's heading for the same column."""
        exported = {normalise(column.label) for column in PORTFOLIO.columns if column.key == self.name}
        return {normalise(self.label), *(normalise(a) for a in self.aliases), *exported}


TARGETS: tuple[Target, ...] = (
    Target("title", "Title", required=True, max_length=200, aliases=("initiative", "project", "project name", "name")),
    Target("state", "State", STATE, required=True, choices=IMPORTABLE_STATES, aliases=("status", "lifecycle state")),
    Target("department", "Department", DEPARTMENT, required=True, aliases=("business unit", "department name")),
    Target("description", "Description"),
    Target("problem", "Problem to solve", aliases=("problem",)),
    Target("sponsor", "Sponsor", max_length=120, aliases=("senior responsible owner", "sro")),
    Target("desired_outcome", "Desired outcome", aliases=("outcome",)),
    Target("deadline_driver", "Deadline driver"),
    Target("cost_band", "Rough cost", CHOICE, choices=COST_BANDS, aliases=("cost band",)),
    Target("strategic_priority", "Strategic priority", PRIORITY),
    Target("owner", "Requester", PERSON, aliases=("requested by", "owner")),
    Target("manager", "Manager", PERSON, aliases=("project manager", "programme manager")),
    Target("programme", "Programme", PROGRAMME, aliases=("program",)),
    Target("funding_type", "Funding type", CHOICE, choices=FUNDING_TYPES, aliases=("funding",)),
    Target("budget_approved", "Approved budget (GBP)", MONEY, aliases=("approved budget", "budget")),
    Target("budget_forecast", "Forecast cost (GBP)", MONEY, aliases=("forecast cost", "forecast")),
    Target("budget_actual", "Actual cost (GBP)", MONEY, aliases=("actual cost", "actual")),
    Target("planned_end", "Planned end", DATE, aliases=("planned end date", "end date")),
    Target("forecast_end", "Forecast end", DATE, aliases=("forecast end date",)),
    Target("delivery_confidence", "Delivery confidence", CHOICE, choices=CONFIDENCE, aliases=("rag", "confidence")),
    Target("confidence_justification", "Confidence justification"),
    Target("satisfaction_score", "Stakeholder satisfaction (1-5)", SCORE),
    Target("outcome_reason", "Reason it ended", aliases=("outcome reason", "closure reason")),
)
TARGET_BY_NAME = {target.name: target for target in TARGETS}
REQUIRED = tuple(target for target in TARGETS if target.required)
# The model attribute each reference-data target fills.
ID_ATTRIBUTES = {DEPARTMENT: "department_id", PROGRAMME: "programme_id", PRIORITY: "strategic_priority_id"}


def target_columns(target: Target) -> tuple[str, ...]:
    """The initiative column a target fills (state is placed by pmo_web.workflow instead)."""
    if target.kind == STATE:
        return ()
    if target.kind in ID_ATTRIBUTES:
        return (ID_ATTRIBUTES[target.kind],)
    return (f"{target.name}_id",) if target.kind == PERSON else (target.name,)


def guess_mapping(headings: list[str], remembered: dict[str, str] | None) -> dict[str, str]:
    """{column index as text: target name} offered for these headings: the mapping
    remembered for the same set of headings, else each heading matched to a target by name
    (each target once, first column first)."""
    if remembered:
        return {str(index): remembered[normalise(heading)] for index, heading in enumerate(headings)
                if remembered.get(normalise(heading)) in TARGET_BY_NAME}
    mapping, taken = {}, set()
    for index, heading in enumerate(headings):
        target = next((t for t in TARGETS if t.name not in taken and normalise(heading) in t.headings()), None)
        if target is not None:
            mapping[str(index)] = target.name
            taken.add(target.name)
    return mapping


def remembered_form(headings: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """The mapping as it is remembered: {normalised heading: target name}."""
    return {normalise(headings[int(index)]): name for index, name in mapping.items()}


def _key(text: str) -> str:
    """How coded values and names are compared: case, underscores and spacing ignored."""
    return " ".join(text.replace("_", " ").lower().split())


@dataclass
class Lookups:
    """Reference data and existing titles, loaded once for a whole file."""

    departments: dict[str, tuple[int, str]]
    programmes: dict[str, tuple[int, str]]
    priorities: dict[str, tuple[int, str]]
    people: dict[str, list[tuple[int, str]]]  # by name and by email; a name may be shared
    existing_titles: set[str]

    @classmethod
    def load(cls) -> Lookups:
        def by_name(model):
            return {_key(name): (row_id, name) for row_id, name in db.session.execute(select(model.id, model.name))}

        people: dict[str, list[tuple[int, str]]] = {}
        for user_id, name, email in db.session.execute(select(User.id, User.name, User.email).where(User.active)):
            people.setdefault(_key(name), []).append((user_id, name))
            people.setdefault(_key(email), []).append((user_id, name))
        # Lower-cased here, not by SQL: SQLite's lower() leaves letters outside ASCII alone.
        titles = {" ".join(title.lower().split()) for title in db.session.scalars(select(Initiative.title))}
        return cls(by_name(Department), by_name(Programme), by_name(StrategicPriority), people, titles)


@dataclass(frozen=True)
class RowError:
    """One problem in the file: where it is, what the cell holds and what is wrong."""

    row: int
    column: str
    value: str
    problem: str


@dataclass
class Checked:
    """A file checked against a mapping: each row's values ready to import, and the errors."""

    rows: list[tuple[int, dict]] = field(default_factory=list)  # (row number, {attribute: value})
    shown: list[tuple[int, dict]] = field(default_factory=list)  # (row number, {target: text}) for the preview
    errors: list[RowError] = field(default_factory=list)


class Problem(ValueError):
    """A cell that cannot be imported; the message says why."""


def check(headings: list[str], rows: list, mapping: dict[str, str], lookups: Lookups,
          shown_rows: int = 10) -> Checked:
    """Every row converted through the mapping, every problem reported with its row and column."""
    columns = [(int(index), TARGET_BY_NAME[name]) for index, name in sorted(mapping.items(), key=lambda i: int(i[0]))
               if name in TARGET_BY_NAME]
    result = Checked()
    titles_in_file: dict[str, int] = {}
    for number, cells in rows:
        values, shown = {}, {}
        for index, target in columns:
            raw = cells[index] if index < len(cells) else ""
            try:
                value, text = convert(target, raw, lookups)
            except Problem as problem:
                result.errors.append(RowError(number, headings[index], raw, str(problem)))
                shown[target.name] = raw
                continue
            shown[target.name] = text
            if value is not None:
                values.update(value)
        title = " ".join(str(values.get("title", "")).lower().split())
        if title:
            title_heading = headings[next(i for i, t in columns if t.name == "title")]
            if title in titles_in_file:
                result.errors.append(RowError(number, title_heading, values["title"],
                                              f"Same title as row {titles_in_file[title]} of this file"))
            elif title in lookups.existing_titles:
                result.errors.append(RowError(number, title_heading, values["title"],
                                              "An initiative with this title already exists"))
            titles_in_file.setdefault(title, number)
        result.rows.append((number, values))
        if len(result.shown) < shown_rows:
            result.shown.append((number, shown))
    return result


def convert(target: Target, raw: str, lookups: Lookups) -> tuple[dict | None, str]:
    """({attribute: value} or None for an empty cell, the text the preview shows); raises Problem."""
    if not raw:
        if target.required:
            raise Problem(f"{target.label} is missing")
        return None, ""
    if target.kind == TEXT:
        if target.max_length and len(raw) > target.max_length:
            raise Problem(f"{target.label} must be {target.max_length} characters or fewer")
        return {target.name: raw}, raw
    if target.kind in (STATE, CHOICE):
        return _coded(target, raw)
    if target.kind in ID_ATTRIBUTES:
        table = {DEPARTMENT: lookups.departments, PROGRAMME: lookups.programmes, PRIORITY: lookups.priorities}
        found = table[target.kind].get(_key(raw))
        if found is None:
            raise Problem(f"Unknown {target.label.lower()}")
        return {ID_ATTRIBUTES[target.kind]: found[0]}, found[1]
    if target.kind == PERSON:
        people = lookups.people.get(_key(raw), [])
        if not people:
            raise Problem("No active user has this name or email address")
        if len(people) > 1:
            raise Problem("More than one user has this name: give their email address instead")
        return {f"{target.name}_id": people[0][0]}, people[0][1]
    if target.kind == MONEY:
        amount = _money(raw)
        return {target.name: amount}, f"£{amount:,.2f}"
    if target.kind == DATE:
        day = _date(raw)
        return {target.name: day}, day.isoformat()
    if target.kind == SCORE:
        if not re.fullmatch(r"[1-5]", raw):
            raise Problem("Must be a whole number from 1 to 5")
        return {target.name: int(raw)}, raw
    raise AssertionError(target.kind)


def _coded(target: Target, raw: str) -> tuple[dict, str]:
    wanted = _key(raw)
    for code, label in target.choices:
        if wanted in (_key(code), _key(label)):
            return {target.name: code}, label
    if target.kind == STATE and wanted in (_key(code) for code in NOT_IMPORTABLE_STATES):
        raise Problem("Merged initiatives cannot be imported: import it as withdrawn, or not at all")
    what = "state" if target.kind == STATE else target.label.lower()
    raise Problem(f"Unknown {what}: use one of {', '.join(label for _code, label in target.choices)}")


def _money(raw: str) -> Decimal:
    text = raw.replace("£", "").replace(",", "").replace(" ", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise Problem("Not an amount of money (for example 12500 or £12,500.00)") from None
    if not amount.is_finite() or amount < 0 or amount >= MONEY_LIMIT:
        raise Problem("Must be an amount from £0 to under £1,000,000,000,000")
    return amount.quantize(Decimal("0.01"))


def _date(raw: str) -> date:
    text = raw.split(" ")[0] if re.match(r"\d{4}-\d{2}-\d{2}[ T]\d", raw) else raw
    text = text.split("T")[0] if re.match(r"\d{4}-\d{2}-\d{2}T", text) else text
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise Problem("Not a date: use a date such as 2026-05-31 or 31/05/2026")
