"""Who may see and do what (DOMAIN.md 2), checked on every view and every object.

Lifecycle moves are checked again by workflows/; this module answers the questions a
view asks before it gets that far: may this user open this screen, see this initiative?
"""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import or_, select

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


def visible_clause(user):
    """SQL condition selecting the initiatives `user` may read."""
    if user.has_role(*SEE_ALL_ROLES):
        return True
    return or_(Initiative.owner_id == user.id, Initiative.department_id == user.department_id)


def can_see(user, initiative: Initiative) -> bool:
    """Python twin of visible_clause for an object already loaded."""
    return (
        user.has_role(*SEE_ALL_ROLES)
        or initiative.owner_id == user.id
        or (user.department_id is not None and initiative.department_id == user.department_id)
    )


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
