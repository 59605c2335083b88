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

from flask import abort, current_app, has_request_context, request
from flask_login import current_user, login_required
from sqlalchemy import and_, or_, select

from .extensions import db
from .models import Initiative, Setting
from .models.users import RANK_LEVEL

# Roles that see every department's initiatives (read at least).
SEE_ALL_ROLES = ("pmo", "approver", "viewer", "admin")
# Roles that may draft and submit requests of their own.
REQUEST_ROLES = ("requester", "pmo", "approver", "admin")


def page_permission(check, description: str | None = None):
    """Decorator: the signed-in user must pass `check(user)` to open the view, else 403
    (with `description` as the 403 page's reason, when given).

    The check is kept on the view (`may_open` reads it there), so a menu or a link asks the
    very question the page asks before it answers: nobody is shown a link that gives 403.
    """

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not check(current_user):
                abort(403, description=description)
            return view(*args, **kwargs)

        wrapped.page_permission = check  # type: ignore[attr-defined]
        return wrapped

    return decorate


def roles_required(*roles: str):
    """Decorator: the signed-in user must hold one of `roles`, else 403."""
    return page_permission(lambda user: user.has_role(*roles))


def signed_in(_user) -> bool:
    """The permission of pages every signed-in user may open."""
    return True


# Where one request keeps the permissions it has worked out (on the request itself).
_CHECKED_KEY = "pmo_web.checked_permissions"


def checked(user, check) -> bool:
    """check(user), worked out once per request: a menu asks several links the same question
    (the minimum rank, who decides gates), each of which is a query."""
    if not has_request_context():
        return bool(check(user))
    answers = request.environ.setdefault(_CHECKED_KEY, {})
    key = (getattr(user, "id", None), check)
    if key not in answers:
        answers[key] = bool(check(user))
    return answers[key]


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


def may_request(user) -> bool:
    """Draft and submit requests of one's own."""
    return user.has_role(*REQUEST_ROLES)


def sees_gate_reviews(user) -> bool:
    """The list of every open gate review, and the ranked backlog: PMO, admins and approvers."""
    return user.has_role("pmo", "admin", "approver")


def is_admin(user) -> bool:
    return user.has_role("admin")


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


# Screens My work and the "What happens next" panel link to whose views check who may open
# them inside (tests/security/route_matrix.py declares the same); every other screen a link
# asks about declares its permission on the view (page_permission).
MANAGER_SCREENS = frozenset({"triage.board", "scoring.score", "gates.request_review", "review.satisfaction",
                             "lessons.new", "reports.new", "raid.item_edit"})
ADMIN_SCREENS = frozenset({"admin.index", "admin.users", "admin.user_edit", "admin.gates"})
OWNER_DRAFT_SCREENS = frozenset({"intake.edit"})


def may_open(user, endpoint: str, initiative: Initiative | None = None) -> bool:
    """True when `user` may open the screen `endpoint` (of `initiative`, when it names one):
    the permission its view declares (page_permission), asked before a link is drawn so that
    no menu or page offers a link that answers 403.

    A view of no initiative that declares no permission is an error here, not a yes: a link
    to it could not be shown or hidden truthfully."""
    if initiative is not None and not can_see(user, initiative):
        return False
    if endpoint in OWNER_DRAFT_SCREENS:
        return initiative is not None and initiative.owner_id == user.id and initiative.state == "draft"
    check = getattr(current_app.view_functions[endpoint], "page_permission", None)
    if check is not None:
        return checked(user, check)
    if endpoint in MANAGER_SCREENS:
        return can_manage(user)
    if endpoint in ADMIN_SCREENS:
        return user.has_role("admin")
    if initiative is None:
        raise LookupError(f"{endpoint} declares no page_permission, so no link can ask it")
    return True  # a screen of an initiative the user can see, open to all who see it
