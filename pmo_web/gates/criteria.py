"""A gate's entry criteria as a checklist: every criterion by name, each met or not.

The lifecycle guards (workflows/lifecycle.py) list only what fails; the PMO and the
approvers also need to see what passes, so this module names every criterion of a gate
and reads its status from the same LifecycleFacts the guards read. The guards stay the
authority: requesting a review still goes through them.
"""
from __future__ import annotations

from dataclasses import dataclass

from workflows.lifecycle import LifecycleFacts

from ..models.cases import FIVE_CASES

# Each name BusinessCase.gaps() can give, paired with the criterion as the checklist says it.
# A gap of "Business case" alone means no case has been written, so every part fails.
_CASE_CRITERIA = [(label, f"{label} written") for _field, label in FIVE_CASES] + [
    ("At least one option", "At least one option appraised"),
    ("Costs", "Costs entered"),
    ("At least one planned benefit", "At least one planned benefit"),
]


@dataclass(frozen=True)
class Criterion:
    """One entry criterion of a gate; `outstanding` names what still fails (e.g. milestones)."""

    name: str
    met: bool
    outstanding: tuple[str, ...] = ()


def entry_checklist(gate_code: str, facts: LifecycleFacts) -> list[Criterion]:
    """Every entry criterion of `gate_code`, in the order docs/rules.md states them."""
    if gate_code == "G1":
        return [Criterion("A current score exists", facts.has_current_score)]
    if gate_code == "G2":
        gaps = set(facts.business_case_gaps)
        no_case = "Business case" in gaps
        return [Criterion(name, not no_case and gap not in gaps) for gap, name in _CASE_CRITERIA]
    if gate_code == "G3":
        open_milestones = facts.open_milestones_without_variance
        return [Criterion("No open milestone without an accepted variance", not open_milestones, open_milestones)]
    if gate_code == "G4":
        unmeasured = facts.benefits_without_actual
        return [
            Criterion("Every planned benefit has an actual or a reason", not unmeasured, unmeasured),
            Criterion("At least one lesson recorded", facts.lesson_count > 0),
            Criterion("Stakeholder satisfaction recorded", facts.satisfaction_recorded),
        ]
    raise ValueError(f"Unknown gate {gate_code!r}")

