"""What an initiative's pages show about its gates besides the review itself: the rework to
do (the comment of a gate that returned it), a deferral and its date, and the conditions
set at earlier gates (docs/rules.md 9). Shown on the initiative page and on the stage pages
where the work is done, from one place so they all say the same."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_login import current_user

from .. import access
from ..models import GateCondition, GateDecision, GateReview, Initiative
from . import conditions as gate_conditions
from .service import GATES, last_review, settling_decision


@dataclass
class GatePanel:
    """The gate facts one initiative's pages show, for the signed-in user."""

    initiative: Initiative
    today: date
    rework: GateReview | None = None  # returned for rework (or rejected at G3/G4), not yet asked for again
    deferred: GateReview | None = None  # deferred, waiting to be asked for again
    decision: GateDecision | None = None  # what the approver said (rework or deferral)
    conditions: list[GateCondition] = field(default_factory=list)
    may_request: bool = False  # the PMO, who asks for the gate again

    @property
    def open_conditions(self) -> list[GateCondition]:
        return [c for c in self.conditions if c.state == "open"]

    @property
    def overdue_conditions(self) -> list[GateCondition]:
        return [c for c in self.conditions if c.overdue_on(self.today)]

    @property
    def home(self) -> tuple[str, dict]:
        """The stage page where the conditions are worked on now: (endpoint, values)."""
        return gate_conditions.conditions_home(self.initiative)

    def may_close(self, condition: GateCondition, action: str) -> bool:
        """True when the signed-in user may mark `condition` met ("meet") or waive it ("waive")."""
        return gate_conditions.may(condition, current_user, action)


def gate_panel(initiative: Initiative, today: date | None = None) -> GatePanel:
    """The rework, deferral and conditions of one initiative, in a fixed few queries."""
    panel = GatePanel(initiative, today or date.today(), conditions=gate_conditions.conditions_of(initiative.id),
                      may_request=access.can_manage(current_user))
    review = last_review(initiative)
    if review is None or initiative.state != GATES[review.gate].from_state:
        return panel
    if review.state == "deferred":
        panel.deferred, panel.decision = review, settling_decision(review)
    elif review.state == "decided" and review.outcome in ("returned", "rejected"):
        panel.rework, panel.decision = review, settling_decision(review)
    return panel
