"""The prioritisation matrix (docs/rules.md 3): level descriptors and the 0-100 score.

Pure functions and plain data only, so the arithmetic can be checked by hand in unit
tests and the same descriptors are shown to every scorer. Fractions keep the weighted
mean exact until the single rounding at the end (half up, as people round on paper).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from math import floor

HIGH_FROM = 70
MEDIUM_FROM = 40
BANDS = ("High", "Medium", "Low")


@dataclass(frozen=True)
class Level:
    """One point on a factor's scale: its number, a short name and what it means."""

    value: int
    name: str
    descriptor: str

    @property
    def label(self) -> str:
        return f"{self.value} – {self.name}"


@dataclass(frozen=True)
class Factor:
    """A factor of the matrix with the question the scorer answers and its levels."""

    key: str
    label: str
    question: str
    levels: tuple[Level, ...]

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(level.value for level in self.levels)


URGENCY = Factor("urgency", "Urgency", "How soon must this be done, and what drives the date?", (
    Level(1, "No time driver",
          "No date to meet. It can start whenever capacity allows and waiting costs little."),
    Level(2, "Within two years",
          "Wanted within two years, or tied loosely to another change (an estates move, a "
          "contract renewal) whose timing is flexible."),
    Level(3, "Within 12 months",
          "Needed within 12 months: a contract or licence ends, a linked go-live is planned, "
          "or a backlog is growing."),
    Level(4, "Within 6 months",
          "Needed within 6 months: a firm external date such as a supplier ending support or "
          "an HMICFRS recommendation, or a risk to service that is rising."),
    Level(5, "Statutory or safety-critical",
          "A statutory or regulatory deadline, or an immediate risk to public or officer "
          "safety (for example an unsupported critical system)."),
))

COMPLEXITY = Factor("complexity", "Complexity",
                    "How hard is it to deliver? Higher complexity lowers the priority score.", (
    Level(1, "Simple",
          "One team, an off-the-shelf product or a small process change, under £10,000, "
          "no new technology or partners."),
    Level(2, "Contained",
          "One or two departments, configuration of systems the force already runs, "
          "£10,000 to £100,000."),
    Level(3, "Moderate",
          "Several departments, some integration or process redesign, one external supplier, "
          "£100,000 to £500,000."),
    Level(4, "Complex",
          "Force-wide or regional change, several suppliers, significant integration or data "
          "migration, £500,000 to £1 million."),
    Level(5, "Very complex",
          "Force-wide with several partners (other forces, local authorities, health), novel "
          "technology, over £1 million."),
))

DESIRABILITY = Factor("desirability", "Desirability",
                      "How much will the public or the service gain?", (
    Level(1, "Nice to have",
          "A convenience for one team; no measurable benefit to the public or the service."),
    Level(2, "Some benefit",
          "A modest gain for one department, such as a little time saved or a tidier process, "
          "hard to measure."),
    Level(3, "Clear benefit",
          "A clear, measurable gain for one or more departments (officer hours released, "
          "fewer errors) or one the public will notice."),
    Level(4, "Significant benefit",
          "A significant gain across the force or for many members of the public, such as "
          "faster response or a better service to victims."),
    Level(5, "Large benefit",
          "A large benefit to the public or the service: changes how a core service is "
          "delivered, or releases substantial money or officer time."),
))

ALIGNMENT = Factor("alignment", "Strategic alignment",
                   "How much does it advance each strategic priority? The best one counts.", (
    Level(0, "None", "Does nothing for this priority."),
    Level(1, "Incidental", "Touches this priority only indirectly or by chance."),
    Level(2, "Some", "Helps this priority as a side effect of its main aim."),
    Level(3, "Clear", "One of its stated outcomes clearly supports this priority."),
    Level(4, "Strong", "A main outcome directly advances this priority."),
    Level(5, "Essential",
          "It exists to deliver this priority, or the priority cannot be met without it."),
))

FACTORS = (URGENCY, COMPLEXITY, DESIRABILITY, ALIGNMENT)
FACTOR_BY_KEY = {factor.key: factor for factor in FACTORS}


@dataclass(frozen=True)
class Contribution:
    """What one factor adds to the total: its level, scaled value and weighted points."""

    factor: Factor
    level: int
    scaled: Fraction  # 0-100, after complexity is reversed
    weight: int
    points: Fraction  # share of the 0-100 total


def band_for(total: int) -> str:
    """High >= 70, Medium 40-69, Low < 40."""
    if total >= HIGH_FROM:
        return "High"
    if total >= MEDIUM_FROM:
        return "Medium"
    return "Low"


def best_alignment(alignments: Mapping[int, int]) -> int:
    """The alignment that counts: the best against any one priority (0 when none are set)."""
    for value in alignments.values():
        _check(ALIGNMENT, value)
    return max(alignments.values(), default=0)


def breakdown(urgency: int, complexity: int, desirability: int, alignments: Mapping[int, int],
              weights: Mapping[str, int]) -> tuple[Contribution, ...]:
    """Each factor's contribution to the total, in matrix order."""
    for factor, value in ((URGENCY, urgency), (COMPLEXITY, complexity), (DESIRABILITY, desirability)):
        _check(factor, value)
    weight_sum = sum(weights[f.key] for f in FACTORS)
    if weight_sum <= 0 or any(weights[f.key] < 0 for f in FACTORS):
        raise ValueError("Scoring weights must be zero or more and not all zero")
    alignment = best_alignment(alignments)
    scaled = {
        "urgency": Fraction(urgency - 1, 4) * 100,
        # Complexity counts against priority: a 1 (simple) scores like a 5 elsewhere.
        "complexity": Fraction((6 - complexity) - 1, 4) * 100,
        "desirability": Fraction(desirability - 1, 4) * 100,
        "alignment": Fraction(alignment, 5) * 100,
    }
    levels = {"urgency": urgency, "complexity": complexity, "desirability": desirability,
              "alignment": alignment}
    return tuple(
        Contribution(factor=f, level=levels[f.key], scaled=scaled[f.key], weight=weights[f.key],
                     points=scaled[f.key] * weights[f.key] / weight_sum)
        for f in FACTORS
    )


def total_of(contributions: tuple[Contribution, ...]) -> int:
    """The 0-100 total: the exact weighted mean, rounded half up."""
    return round_half_up(sum((c.points for c in contributions), Fraction(0)))


def compute(urgency: int, complexity: int, desirability: int, alignments: Mapping[int, int],
            weights: Mapping[str, int]) -> tuple[int, str]:
    """The priority score 0-100 and its band for one set of factor levels."""
    total = total_of(breakdown(urgency, complexity, desirability, alignments, weights))
    return total, band_for(total)


def round_half_up(value: Fraction) -> int:
    """Round to the nearest whole number, halves upwards (Python's round() goes to even)."""
    return floor(value + Fraction(1, 2))


def _check(factor: Factor, value: int) -> None:
    if value not in factor.values:
        raise ValueError(f"{factor.label} must be one of {factor.values}, not {value!r}")
