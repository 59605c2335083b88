"""SQLAlchemy models, one module per aggregate. Import from here."""
from .audit import AuditEvent
from .cases import BusinessCase, CaseBenefit, CaseCost, CaseOption, CaseRisk
from .delivery import Benefit, Lesson, Milestone
from .gates import GateCondition, GateDecision, GateReview, GateSetting
from .initiatives import Initiative
from .raid import RaidItem
from .reference import Department, Programme, Setting, StrategicPriority
from .scoring import Score, ScoreAlignment
from .sessions import LoginAttempt, UserSession
from .users import RANKS, ROLES, User, UserRole

__all__ = [
    "AuditEvent", "Benefit", "BusinessCase", "CaseBenefit", "CaseCost", "CaseOption",
    "CaseRisk", "Department", "GateCondition", "GateDecision", "GateReview", "GateSetting",
    "Initiative", "Lesson", "LoginAttempt", "Milestone", "Programme", "RaidItem", "RANKS", "ROLES", "Score",
    "ScoreAlignment", "Setting", "StrategicPriority", "User", "UserRole", "UserSession",
]

from .. import history  # noqa: E402  (audit every edit of a register row)

history.register()
