"""The prioritisation matrix arithmetic, checked against sums worked by hand (docs/rules.md 3)."""
from fractions import Fraction

import pytest

from pmo_web.scoring import matrix

DEFAULT = {"urgency": 30, "desirability": 30, "alignment": 25, "complexity": 15}


@pytest.mark.parametrize(("urgency", "complexity", "desirability", "alignment", "total", "band"), [
    # Urgency 1 -> 0; complexity 1 -> 6-1=5 -> 100; desirability 1 -> 0; alignment 0 -> 0.
    # (0*30 + 100*15 + 0*30 + 0*25) / 100 = 15
    (1, 1, 1, 0, 15, "Low"),
    # 0*30 + 75*15 + 25*30 + 80*25 = 3875 -> 38.75 -> 39
    (1, 2, 2, 4, 39, "Low"),
    # 0*30 + 100*15 + 0*30 + 100*25 = 4000 -> 40
    (1, 1, 1, 5, 40, "Medium"),
    # 75*30 + 25*15 + 75*30 + 80*25 = 6875 -> 68.75 -> 69
    (4, 4, 4, 4, 69, "Medium"),
    # 50*30 + 100*15 + 50*30 + 100*25 = 7000 -> 70
    (3, 1, 3, 5, 70, "High"),
    (5, 1, 5, 5, 100, "High"),
    (1, 5, 1, 0, 0, "Low"),
])
def test_default_weights(urgency, complexity, desirability, alignment, total, band):
    assert matrix.compute(urgency, complexity, desirability, {7: alignment}, DEFAULT) == (total, band)


def test_best_alignment_counts_and_the_others_do_not():
    low_elsewhere = matrix.compute(3, 3, 3, {1: 0, 2: 5, 3: 1}, DEFAULT)
    only_best = matrix.compute(3, 3, 3, {2: 5}, DEFAULT)
    # 50*30 + 50*15 + 50*30 + 100*25 = 6250 -> 62.5 -> 63 (half up)
    assert low_elsewhere == only_best == (63, "Medium")


def test_weights_that_do_not_sum_to_100_are_normalised():
    weights = {"urgency": 2, "desirability": 1, "alignment": 1, "complexity": 0}
    # (100*2 + 0*1 + 100*1 + 50*0) / 4 = 75
    assert matrix.compute(5, 3, 1, {1: 0, 2: 5}, weights) == (75, "High")
    # Scaling every weight leaves the score unchanged.
    doubled = {key: value * 10 for key, value in DEFAULT.items()}
    assert matrix.compute(4, 4, 4, {1: 4}, doubled) == matrix.compute(4, 4, 4, {1: 4}, DEFAULT)


def test_halves_round_up_not_to_even():
    equal = {"urgency": 1, "desirability": 1, "alignment": 1, "complexity": 1}
    # (0 + 0 + 50 + 40) / 4 = 22.5: Python's round() would give 22.
    assert matrix.compute(1, 5, 3, {1: 2}, equal) == (23, "Low")
    assert matrix.round_half_up(Fraction(79, 2)) == 40


@pytest.mark.parametrize(("total", "band"), [(0, "Low"), (39, "Low"), (40, "Medium"), (69, "Medium"),
                                             (70, "High"), (100, "High")])
def test_band_boundaries(total, band):
    assert matrix.band_for(total) == band


def test_contributions_add_up_to_the_exact_mean():
    parts = matrix.breakdown(4, 4, 4, {1: 4}, DEFAULT)
    assert [p.factor.key for p in parts] == ["urgency", "complexity", "desirability", "alignment"]
    assert [p.points for p in parts] == [Fraction(45, 2), Fraction(15, 4), Fraction(45, 2), 20]
    assert sum(p.points for p in parts) == Fraction(275, 4)


def test_no_priorities_means_no_alignment():
    assert matrix.compute(3, 1, 3, {}, DEFAULT) == (45, "Medium")


@pytest.mark.parametrize(("args", "weights"), [
    ((0, 3, 3, {1: 3}), DEFAULT),
    ((3, 6, 3, {1: 3}), DEFAULT),
    ((3, 3, 3, {1: 6}), DEFAULT),
    ((3, 3, 3, {1: 3}), {"urgency": 0, "desirability": 0, "alignment": 0, "complexity": 0}),
])
def test_out_of_range_input_is_refused(args, weights):
    with pytest.raises(ValueError):
        matrix.compute(*args, weights)


def test_every_level_has_a_descriptor():
    for factor in matrix.FACTORS:
        expected = tuple(range(0, 6)) if factor.key == "alignment" else tuple(range(1, 6))
        assert factor.values == expected
        assert all(level.descriptor and level.name for level in factor.levels)
