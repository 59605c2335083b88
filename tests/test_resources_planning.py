"""The resource arithmetic (pmo_web/resources/planning.py), with hand-worked numbers."""
from datetime import date
from decimal import Decimal as D

import pytest

from pmo_web.resources import planning
from pmo_web.resources.planning import LevelFte, PersonMonth, gap_for, gap_table, parse_fte, what_if

APRIL, MAY, JUNE, OCTOBER = date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1), date(2026, 10, 1)


def test_the_financial_year_runs_april_to_march():
    months = planning.months_of_year(2026)
    assert months[0] == date(2026, 4, 1) and months[8] == date(2026, 12, 1)
    assert months[9] == date(2027, 1, 1) and months[-1] == date(2027, 3, 1) and len(months) == 12
    assert planning.financial_year_of(date(2027, 3, 31)) == 2026
    assert planning.financial_year_of(date(2027, 4, 1)) == 2027
    assert planning.year_label(2026) == "2026/27" and planning.year_label(2099) == "2099/00"
    assert planning.quarter_of(date(2026, 11, 1)) == (2026, 3)
    assert planning.quarter_of(date(2027, 2, 1)) == (2026, 4)
    assert planning.quarter_label((2026, 3)) == "Q3 2026/27 (October to December 2026)"
    assert planning.quarter_label((2026, 4)) == "Q4 2026/27 (January to March 2027)"


@pytest.mark.parametrize("text, month", [("2026-04", date(2026, 4, 1)), ("2026-13", None), ("2026-4", None),
                                         ("bogus", None), ("9999-01", None), ("", None), ("2026/04", None)])
def test_months_in_urls(text, month):
    assert planning.parse_month(text) == month


@pytest.mark.parametrize("typed, value", [("", D("0")), ("0", D("0")), ("0.5", D("0.50")), (".25", D("0.25")),
                                          (" 1 ", D("1.00")), ("1.0", D("1.00")), ("0.10", D("0.10"))])
def test_an_allocation_cell_takes_fte_from_nothing_to_one(typed, value):
    assert parse_fte(typed) == value


@pytest.mark.parametrize("typed, message", [
    ("-0.1", "cannot be negative"), ("1.01", "cannot be more than 1.0"), ("abc", "as a number"),
    ("NaN", "as a number"), ("Infinity", "as a number"), ("1e309", "cannot be more than"),
    ("0.125", "2 decimal places"), ("½", "as a number"), ("99999999999999999999", "cannot be more than"),
])
def test_an_allocation_cell_refuses_what_is_not_an_fte(typed, message):
    with pytest.raises(planning.FteError, match=message):
        parse_fte(typed)


def test_demand_may_ask_for_several_people():
    assert parse_fte("2.5", planning.MAX_DEMAND, "demand") == D("2.50")
    with pytest.raises(planning.FteError, match="demand cannot be more than 20"):
        parse_fte("21", planning.MAX_DEMAND, "demand")


def test_allocations_add_up_per_person_and_month():
    rows = [("ann", APRIL, D("0.5")), ("ann", APRIL, D("0.3")), ("ann", MAY, D("0.2")), ("bob", APRIL, D("1"))]
    assert planning.sum_allocations(rows) == {("ann", APRIL): D("0.8"), ("ann", MAY): D("0.2"),
                                              ("bob", APRIL): D("1")}


def test_over_allocation_is_the_booking_above_capacity_after_leave():
    # Part time (0.6); a quarter off in May; booked 0.5 / 0.5 / 0.7.
    months = planning.person_months([APRIL, MAY, JUNE], {APRIL: D("0.5"), MAY: D("0.5"), JUNE: D("0.7")},
                                    D("0.6"), {MAY: D("0.25")})
    assert months[APRIL] == PersonMonth(D("0.5"), D("0.6"))
    assert months[MAY].capacity == D("0.35")
    assert planning.over_allocated(months) == {MAY: D("0.15"), JUNE: D("0.1")}
    assert months[APRIL].free == D("0.1") and not months[APRIL].is_over
    # Leave above the contracted FTE leaves no capacity, not a negative one.
    assert planning.capacity_in_month(D("0.5"), D("1")) == 0
    # Exactly at capacity is fully booked, not over.
    assert not PersonMonth(D("1"), D("1")).is_over and PersonMonth(D("1"), D("1")).utilisation == 1
    assert planning.utilisation(D("1"), D("0")) is None


def test_gap_on_a_hand_built_case():
    """Business analysis in one month. Needed: 1.0 at expert (3) and 0.5 at practitioner (2).
    Held: one expert at 0.6 (part time) and one practitioner full time (1.0).

    The expert work (1.0) can only be done by the expert (0.6): 0.4 short. All the work
    (1.5) against everyone (1.6) would look fine, which is why levels matter; at
    practitioner and up: needed 1.5, held 1.6, no shortfall. The gap is 0.4, at expert."""
    gap = gap_for({3: D("1.0"), 2: D("0.5")}, {3: D("0.6"), 2: D("1.0")})
    assert gap == planning.Gap(demand=D("1.5"), supply=D("1.6"), gap=D("0.4"), short_at=3)
    # A lead covers expert work: the same need with the expert a lead instead.
    assert gap_for({3: D("1.0"), 2: D("0.5")}, {4: D("0.6"), 2: D("1.0")}).gap == D("0.4")
    # Practitioners never cover expert work, however many.
    assert gap_for({3: D("1.0")}, {2: D("5")}).gap == D("1.0")
    # More demand than anyone: the whole shortfall, at the lowest level.
    assert gap_for({2: D("2.0")}, {2: D("0.5"), 4: D("0.5")}) == planning.Gap(D("2.0"), D("1.0"), D("1.0"), 2)
    assert gap_for({}, {2: D("1")}).gap == 0 and gap_for({}, {}).gap == 0


def test_gap_table_per_skill_and_month():
    demand = [LevelFte("ba", 3, APRIL, D("0.5")), LevelFte("ba", 3, APRIL, D("0.5")),
              LevelFte("ba", 2, MAY, D("0.5")), LevelFte("pm", 2, APRIL, D("0.5"))]
    supply = [LevelFte("ba", 3, APRIL, D("0.6")), LevelFte("ba", 3, MAY, D("0.6")),
              LevelFte("pm", 3, APRIL, D("1"))]
    table = gap_table(demand, supply, ["ba", "pm", "procurement"], [APRIL, MAY])
    assert table["ba", APRIL].gap == D("0.4") and table["ba", APRIL].demand == D("1.0")
    assert table["ba", MAY].gap == 0
    assert table["pm", APRIL].gap == 0
    assert table["procurement", MAY] == planning.Gap(D("0"), D("0"), D("0"), 0)


def test_what_if_says_which_gap_opens_or_widens_and_when():
    """The team: one BA (practitioner, 1.0). Committed: 0.8 BA in October, 1.2 in May.
    The new initiative asks 0.7 BA in October and 0.3 in May, and 0.5 PM in October
    (three PMs, plenty). October: 0.8 -> 1.5 against 1.0 opens a 0.5 gap (Q3). May: the
    gap is 0.2 already and becomes 0.5 (Q1 widens). Project management stays covered."""
    supply = [LevelFte("ba", 2, month, D("1")) for month in (MAY, OCTOBER)]
    supply += [LevelFte("pm", 3, month, D("3")) for month in (MAY, OCTOBER)]
    baseline = [LevelFte("ba", 2, OCTOBER, D("0.8")), LevelFte("ba", 2, MAY, D("1.2"))]
    extra = [LevelFte("ba", 2, OCTOBER, D("0.7")), LevelFte("ba", 2, MAY, D("0.3")),
             LevelFte("pm", 2, OCTOBER, D("0.5"))]
    result = what_if(baseline, extra, supply, [MAY, OCTOBER])
    assert result.needs_anything
    assert [(c.skill, c.quarter, c.before, c.after, c.opens) for c in result.changes] == [
        ("ba", (2026, 3), D("0"), D("0.5"), True),
        ("ba", (2026, 1), D("0.2"), D("0.5"), False),
    ]
    assert result.covered == ["pm"]


def test_what_if_of_an_initiative_that_needs_nothing():
    result = what_if([LevelFte("ba", 2, MAY, D("2"))], [], [], [MAY])
    assert not result.needs_anything and result.changes == [] and result.covered == []
    # Demand outside the months looked at does not count either.
    assert not what_if([], [LevelFte("ba", 2, OCTOBER, D("1"))], [], [MAY]).needs_anything


def test_grid_pages_hold_a_number_of_people_and_of_rows():
    people = [("a", 3), ("b", 0), ("c", 5), ("d", 2), ("e", 9), ("f", 1)]
    # b, on nothing, still takes a row ("not on any initiative"): a+b is 4 rows, c would make 9.
    assert planning.pages_of(people, max_rows=8, max_people=3) == [["a", "b"], ["c", "d"], ["e"], ["f"]]
    assert planning.pages_of(people, max_rows=100, max_people=4) == [["a", "b", "c", "d"], ["e", "f"]]
    assert planning.pages_of([], max_rows=8, max_people=3) == [[]]
