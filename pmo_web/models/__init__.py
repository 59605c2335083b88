"""SQLAlchemy models, one module per aggregate. Import from here."""
from .audit import AuditEvent
from .cases import BusinessCase, CaseBenefit, CaseCost, CaseOption, CaseRisk
from .delivery import Benefit, Lesson, Milestone
from .gates import GateCondition, GateDecision, GateReview, GateSetting
from .initiatives import Initiative
from .reference import Department, Programme, Setting, StrategicPriority
from .scoring import Score, ScoreAlignment
from .sessions import LoginAttempt, UserSession
from .users import RANKS, ROLES, User, UserRole

__all__ = [
    "AuditEvent", "Benefit", "BusinessCase", "CaseBenefit", "CaseCost", "CaseOption",
    "CaseRisk", "Department", "GateCondition", "GateDecision", "GateReview", "GateSetting",
    "Initiative", "Lesson", "LoginAttempt", "Milestone", "Programme", "RANKS", "ROLES", "Score",
    "ScoreAlignment", "Setting", "StrategicPriority", "User", "UserRole", "UserSession",
]
