"""SQLAlchemy models, one module per aggregate. Import from here."""
from .api_tokens import ApiToken
from .audit import AuditEvent
from .cases import BusinessCase, CaseBenefit, CaseCost, CaseOption, CaseRisk
from .delivery import Benefit, Lesson, Milestone
from .gates import GateCondition, GateDecision, GateReview, GateSetting
from .governance import AgendaItem, Board, BoardEscalation, Meeting, Minute
from .imports import ImportMapping, ImportUpload
from .initiatives import Initiative
from .mfa import RecoveryCode, SecondFactor
from .notifications import DigestSent, EmailOutbox, Notification, NotificationPreference
from .raid import RaidItem
from .reference import Department, Programme, Setting, StrategicPriority
from .reports import HighlightReport
from .resources import Allocation, Assignment, DemandLine, DemandMonth, Leave, Person, PersonSkill, Skill
from .scoring import Score, ScoreAlignment
from .sessions import LoginAttempt, UserSession
from .snapshots import KpiSnapshot
from .users import RANKS, ROLES, User, UserRole

__all__ = [
    "ApiToken",
    "AuditEvent",
    "BusinessCase", "CaseBenefit", "CaseCost", "CaseOption", "CaseRisk",
    "Benefit", "Lesson", "Milestone",
    "GateCondition", "GateDecision", "GateReview", "GateSetting",
    "AgendaItem", "Board", "BoardEscalation", "Meeting", "Minute",
    "ImportMapping", "ImportUpload",
    "Initiative",
    "RecoveryCode", "SecondFactor",
    "DigestSent", "EmailOutbox", "Notification", "NotificationPreference",
    "RaidItem",
    "Department", "Programme", "Setting", "StrategicPriority",
    "HighlightReport",
    "Allocation", "Assignment", "DemandLine", "DemandMonth", "Leave", "Person", "PersonSkill", "Skill",
    "Score", "ScoreAlignment",
    "LoginAttempt", "UserSession",
    "KpiSnapshot",
    "RANKS", "ROLES", "User", "UserRole",
]

# What saving a row sets off (audit chain, history, notifications ...) is wired in
# pmo_web/wiring.py, which create_app calls.
