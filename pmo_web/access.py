"""Who may see and do what (docs/rules.md 2), checked on every view and every object.

Lifecycle moves are checked again by workflows/; this module answers the questions a
view asks before it gets that far: may this user open this screen, see this initiative?

Visibility has two parts, both here and nowhere else (docs/rules.md 2 and 10):
- an unsubmitted initiative (a draft, or one withdrawn while still a draft) is its
  author's alone: no one else sees it in any list, export or API page, or by its id,
  admins included;
- any other initiative is seen by the roles that see the whole portfolio, its author,
  and the author's department.
`visible_clause` says it in SQL for lists, `can_see` in Python for a loaded row, and
`initiative_or_404` is what every per-initiative page loads through.
"""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import and_, or_, select

from .extensions import db
from .models import Initiative, Setting
from .models.users import RANK_LEVEL

# Roles that see every department's initiatives (read at least).
SEE_ALL_ROLES = ("pmo", "approver", "viewer", "admin")
# Roles that may draft and submit requests of their own.
REQUEST_ROLES = ("requester", "pmo", "approver", "admin")


def roles_required(*roles: str):
    """Decorator: the signed-in user must hold one of `roles`, else 403."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def portfolio_readers_only(view=None, *, description: str | None = None):
    """Decorator: the signed-in user must be able to read the portfolio (can_read_portfolio:
    the PMO, approvers, admins, and others from the minimum rank), else 403."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can_read_portfolio(current_user):
                abort(403, description=description)
            return view(*args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate


def is_unsubmitted(initiative: Initiative) -> bool:
    """True for a draft, and for one withdrawn before it was ever submitted (docs/rules.md 10)."""
    return initiative.state == "draft" or (initiative.state == "withdrawn" and initiative.submitted_at is None)


def unsubmitted_clause():
    """SQL twin of is_unsubmitted."""
    return or_(Initiative.state == "draft",
               and_(Initiative.state == "withdrawn", Initiative.submitted_at.is_(None)))


def visible_clause(user):
    """SQL condition selecting the initiatives `user` may read."""
    own = Initiative.owner_id == user.id
    if user.has_role(*SEE_ALL_ROLES):
        return or_(own, ~unsubmitted_clause())
    if user.department_id is None:
        return own
    return or_(own, and_(Initiative.department_id == user.department_id, ~unsubmitted_clause()))


def can_see(user, initiative: Initiative) -> bool:
    """Python twin of visible_clause for an object already loaded."""
    if initiative.owner_id == user.id:
        return True
    if is_unsubmitted(initiative):
        return False
    return user.has_role(*SEE_ALL_ROLES) or (
        user.department_id is not None and initiative.department_id == user.department_id)


def initiative_or_404(initiative_id: int) -> Initiative:
    """Load one initiative the current user may see; 404 otherwise (no existence leak)."""
    initiative = db.session.get(Initiative, initiative_id)
    if initiative is None or not can_see(current_user, initiative):
        abort(404)
    return initiative


def can_manage(user) -> bool:
    """Triage, score, request gates, manage delivery and registers: PMO and admin."""
    return user.has_role("pmo", "admin")


def can_read_portfolio(user) -> bool:
    """Dashboard and portfolio: PMO, approvers and admins; others need the minimum rank."""
    if user.has_role("pmo", "approver", "admin"):
        return True
    minimum = RANK_LEVEL.get(Setting.get("dashboard_min_rank"), 2)
    return user.has_role("viewer", "requester") and user.rank_level >= minimum


def decides_gates(user) -> bool:
    """True for holders of a role that decides some gate (approver, or one an admin set)."""
    from .models import GateSetting

    roles = {"approver"} | set(db.session.scalars(select(GateSetting.approver_role)))
    return user.has_role(*roles)


def visible_initiatives(user):
    """A select() of the initiatives `user` may read, for views to refine."""
    return select(Initiative).where(visible_clause(user))


# The screens My work and the "What happens next" panel link to, by who may open them, as
# each view checks it (tests/security/route_matrix.py declares the same). Asked before a link
# is drawn, so neither page offers a link that would answer 403.
MANAGER_SCREENS = frozenset({"triage.board", "scoring.score", "gates.request_review", "review.satisfaction",
                             "lessons.new", "reports.new", "raid.item_edit"})
ADMIN_SCREENS = frozenset({"admin.index", "admin.users", "admin.user_edit", "admin.gates"})
OWNER_DRAFT_SCREENS = frozenset({"intake.edit"})


def may_open(user, endpoint: str, initiative: Initiative | None = None) -> bool:
    """True when `user` may open the screen `endpoint` (of `initiative`, when it names one)."""
    if initiative is not None and not can_see(user, initiative):
        return False
    if endpoint in MANAGER_SCREENS:
        return can_manage(user)
    if endpoint in ADMIN_SCREENS:
        return user.has_role("admin")
    if endpoint in OWNER_DRAFT_SCREENS:
        return initiative is not None and initiative.owner_id == user.id and initiative.state == "draft"
    if endpoint == "gates.queue":
        return decides_gates(user)
    if endpoint in ("initiatives.portfolio", "dashboard.index"):
        return can_read_portfolio(user)
    if endpoint == "gates.index":
        return user.has_role("pmo", "admin", "approver")
    return True
