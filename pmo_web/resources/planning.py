"""Resource planning arithmetic: months of the financial year, FTE values, allocation
totals and over-allocation, skill gaps and what-if. Pure Python: no Flask, no database,
so every rule here is tested with hand-built numbers (tests/test_resources_planning.py).

Words used throughout:

* **capacity** of a person in a month: their contracted FTE (1.0 full time, 0.6 part time)
  less the leave booked that month, never below zero;
* **allocated**: the sum of their allocations to initiatives that month;
* **over-allocated**: allocated above capacity (the excess is shown, not just a colour);
* **demand**: what an initiative says it needs of a skill at a minimum proficiency, in FTE
  per month; **supply**: the capacity of the people whose main skill that is, at their
  proficiency in it (a person's time counts once, towards their main skill);
* **gap** for one skill in one month: the demand that the supply cannot cover when anyone
  may do work that needs their level or a lower one. That is the largest shortfall over
  the levels L = 4, 3, 2, 1 of (demand needing at least L) - (supply at L or above),
  and 0 when there is none (Hall's condition for nested sets; see `gap_for`).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal("0")
ONE = Decimal("1")
CENT = Decimal("0.01")

PROFICIENCIES = ((1, "Aware"), (2, "Practitioner"), (3, "Expert"), (4, "Lead"))
PROFICIENCY_LABELS = dict(PROFICIENCIES)
PROFICIENCY_MEANINGS = {
    1: "Knows the basics and the words; works on it with guidance.",
    2: "Does the work unsupervised on ordinary initiatives.",
    3: "Handles complex or high-risk work; others ask them.",
    4: "Sets the standard, leads a team or the practice across the force.",
}
LEVELS_DOWN = (4, 3, 2, 1)

# The most a person can be allocated to one initiative in one month, and the most one
# line of demand can ask for in a month (several people's worth).
MAX_ALLOCATION = ONE
MAX_DEMAND = Decimal("20")
MAX_LEAVE = ONE
MAX_CAPACITY = ONE

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


# ------------------------------------------------------------------------ the calendar


def financial_year_of(day: date) -> int:
    """The financial year (April to March) a day falls in, named by the year it starts."""
    return day.year if day.month >= 4 else day.year - 1


def months_of_year(year: int) -> list[date]:
    """The first day of each month of financial year `year`: April `year` to March `year + 1`."""
    return [date(year + (i + 3) // 12, (i + 3) % 12 + 1, 1) for i in range(12)]


def year_label(year: int) -> str:
    """2026 -> "2026/27"."""
    return f"{year}/{(year + 1) % 100:02d}"


def month_key(month: date) -> str:
    """The month as it appears in URLs and form names: "2026-04"."""
    return f"{month.year:04d}-{month.month:02d}"


def parse_month(text: str) -> date | None:
    """"2026-04" -> date(2026, 4, 1); None for anything else."""
    if not isinstance(text, str) or len(text) != 7 or text[4] != "-":
        return None
    year, month = text[:4], text[5:]
    if not (year.isdigit() and month.isdigit()):
        return None
    if not (2000 <= int(year) <= 2100 and 1 <= int(month) <= 12):
        return None
    return date(int(year), int(month), 1)


def month_label(month: date) -> str:
    """date(2026, 4, 1) -> "April 2026"."""
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


def quarter_of(month: date) -> tuple[int, int]:
    """(financial year, quarter 1-4): Q1 is April to June, Q4 January to March."""
    return financial_year_of(month), (month.month - 4) % 12 // 3 + 1


def quarter_label(quarter: tuple[int, int]) -> str:
    """(2026, 3) -> "Q3 2026/27 (October to December 2026)"."""
    year, number = quarter
    months = months_of_year(year)[(number - 1) * 3:number * 3]
    first, last = months[0], months[-1]
    span = (f"{MONTH_NAMES[first.month - 1]} to {month_label(last)}" if first.year == last.year
            else f"{month_label(first)} to {month_label(last)}")
    return f"Q{number} {year_label(year)} ({span})"


# ------------------------------------------------------------------------ FTE values


class FteError(ValueError):
    """A value typed into an FTE cell that cannot be saved; the message says why."""


def parse_fte(text: str | None, maximum: Decimal = MAX_ALLOCATION, what: str = "allocation") -> Decimal:
    """An FTE typed by a person: "" is none (0), "0.5", ".25" and "1" are fine.

    Refused (FteError with a message for the cell): words, negatives, more than `maximum`,
    more than two decimal places, and the number-shaped oddities NaN and Infinity.
    """
    text = (text or "").strip()
    if not text:
        return ZERO
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise FteError(f"Enter the {what} as a number of FTE, like 0.5") from None
    if not value.is_finite():
        raise FteError(f"Enter the {what} as a number of FTE, like 0.5")
    if value < 0:
        raise FteError(f"The {what} cannot be negative")
    if value > maximum:
        limit = "1.0 (one full-time person)" if maximum == ONE else f"{maximum}"
        raise FteError(f"The {what} cannot be more than {limit}")
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise FteError(f"Enter the {what} with no more than 2 decimal places, like 0.25")
    return value.quantize(CENT)


def fte_text(value: Decimal | None) -> str:
    """0.5 -> "0.50", None -> "0.00": the two decimal places every FTE figure shows."""
    return f"{(value or ZERO).quantize(CENT, rounding=ROUND_HALF_UP)}"


# ------------------------------------------------------------------ people and months


def capacity_in_month(contracted: Decimal, leave: Decimal | None) -> Decimal:
    """Contracted FTE less leave that month, never below zero."""
    return max(ZERO, contracted - (leave or ZERO))


@dataclass(frozen=True)
class PersonMonth:
    """One person's month: what they can give and what they are booked for."""

    allocated: Decimal
    capacity: Decimal

    @property
    def excess(self) -> Decimal:
        """FTE allocated above capacity (0 when within it)."""
        return max(ZERO, self.allocated - self.capacity)

    @property
    def is_over(self) -> bool:
        return self.allocated > self.capacity

    @property
    def free(self) -> Decimal:
        return max(ZERO, self.capacity - self.allocated)

    @property
    def utilisation(self) -> Decimal | None:
        return utilisation(self.allocated, self.capacity)


def sum_allocations(rows: Iterable[tuple[object, date, Decimal]]) -> dict[tuple[object, date], Decimal]:
    """{(person, month): total FTE} from (person, month, fte) rows."""
    totals: dict[tuple[object, date], Decimal] = defaultdict(lambda: ZERO)
    for person, month, fte in rows:
        totals[person, month] += fte
    return dict(totals)


def person_months(months: Iterable[date], allocated: Mapping[date, Decimal], contracted: Decimal,
                  leave: Mapping[date, Decimal]) -> dict[date, PersonMonth]:
    """Each month of one person: the allocation total against capacity after leave."""
    return {month: PersonMonth(allocated.get(month, ZERO), capacity_in_month(contracted, leave.get(month)))
            for month in months}


def over_allocated(months: Mapping[date, PersonMonth]) -> dict[date, Decimal]:
    """{month: excess FTE} for the months a person is booked above their capacity."""
    return {month: each.excess for month, each in months.items() if each.is_over}


def utilisation(allocated: Decimal, capacity: Decimal) -> Decimal | None:
    """allocated / capacity as a fraction (1 = fully booked); None when there is no capacity."""
    if not capacity:
        return None
    return allocated / capacity


def pages_of(rows_per_person: list[tuple[object, int]], max_rows: int, max_people: int) -> list[list[object]]:
    """Split people (in order, with their number of grid rows) into pages of at most
    `max_people` people and, unless one person alone has more, `max_rows` rows."""
    pages: list[list[object]] = [[]]
    rows = 0
    for person, count in rows_per_person:
        count = max(count, 1)
        if pages[-1] and (len(pages[-1]) >= max_people or rows + count > max_rows):
            pages.append([])
            rows = 0
        pages[-1].append(person)
        rows += count
    return pages


# ------------------------------------------------------------------------- skill gaps


@dataclass(frozen=True)
class Gap:
    """One skill in one month: demand against supply and what cannot be covered."""

    demand: Decimal
    supply: Decimal
    gap: Decimal
    # The proficiency at which the shortfall bites (0 when there is no gap): e.g. 3 when
    # there are enough people in total but too few experts.
    short_at: int = 0


def gap_for(demand: Mapping[int, Decimal], supply: Mapping[int, Decimal]) -> Gap:
    """The gap for one skill in one month, from FTE by proficiency needed and held.

    Anyone may cover work that needs their level or a lower one, so the demand needing at
    least L can only be met by the supply at L or above. The FTE that cannot be covered is
    the largest shortfall among L = 4, 3, 2, 1; matching the most senior work to the most
    senior people first achieves exactly that, so it is the true gap, not an estimate.
    """
    worst, short_at = ZERO, 0
    needed = held = ZERO
    for level in LEVELS_DOWN:
        needed += demand.get(level, ZERO)
        held += supply.get(level, ZERO)
        if needed - held > worst:
            worst, short_at = needed - held, level
    return Gap(demand=sum(demand.values(), ZERO), supply=sum(supply.values(), ZERO), gap=worst,
               short_at=short_at)


@dataclass(frozen=True)
class LevelFte:
    """One row of demand or supply: so much FTE of a skill at a proficiency in a month."""

    skill: object
    proficiency: int
    month: date
    fte: Decimal


def gap_table(demand: Iterable[LevelFte], supply: Iterable[LevelFte], skills: Iterable[object],
              months: Iterable[date]) -> dict[tuple[object, date], Gap]:
    """{(skill, month): Gap} for every skill and month asked for."""
    needed: dict[tuple[object, date], dict[int, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    held: dict[tuple[object, date], dict[int, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in demand:
        needed[row.skill, row.month][row.proficiency] += row.fte
    for row in supply:
        held[row.skill, row.month][row.proficiency] += row.fte
    months = list(months)
    return {(skill, month): gap_for(needed.get((skill, month), {}), held.get((skill, month), {}))
            for skill in skills for month in months}


# --------------------------------------------------------------------------- what if


@dataclass(frozen=True)
class GapChange:
    """What one initiative does to one skill's gap in one quarter (peak month of each)."""

    skill: object
    quarter: tuple[int, int]
    before: Decimal
    after: Decimal

    @property
    def opens(self) -> bool:
        """A new gap, where the team had enough before."""
        return self.before == 0 and self.after > 0


@dataclass
class WhatIf:
    """The effect of adding an initiative's demand to the committed portfolio."""

    changes: list[GapChange] = field(default_factory=list)
    covered: list[object] = field(default_factory=list)  # skills it needs that the team can cover
    needs_anything: bool = False


def what_if(baseline: Iterable[LevelFte], extra: Iterable[LevelFte], supply: Iterable[LevelFte],
            months: Iterable[date]) -> WhatIf:
    """Gaps with the `extra` demand added to the `baseline`, against `supply`.

    For each skill the extra demand needs and each quarter it needs it in, the peak monthly
    gap before and after; the quarters where it grows become GapChanges (largest first),
    and skills whose gap grows nowhere are `covered`.
    """
    baseline, extra, supply, months = list(baseline), list(extra), list(supply), list(months)
    extra = [row for row in extra if row.month in set(months) and row.fte > 0]
    skills = list(dict.fromkeys(row.skill for row in extra))
    if not skills:
        return WhatIf()
    before = gap_table(baseline, supply, skills, months)
    after = gap_table(baseline + extra, supply, skills, months)
    peaks: dict[tuple[object, tuple[int, int]], list[Decimal]] = {}
    for (skill, month), gap in after.items():
        key = (skill, quarter_of(month))
        previous = peaks.setdefault(key, [ZERO, ZERO])
        previous[0] = max(previous[0], before[skill, month].gap)
        previous[1] = max(previous[1], gap.gap)
    changes = [GapChange(skill, quarter, was, now) for (skill, quarter), (was, now) in peaks.items() if now > was]
    changes.sort(key=lambda change: (-(change.after - change.before), change.quarter))
    grown = {change.skill for change in changes}
    return WhatIf(changes=changes, covered=[skill for skill in skills if skill not in grown], needs_anything=True)
