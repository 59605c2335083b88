"""Template globals and filters shared by every page."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from flask import current_app, has_request_context, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from workflows import lifecycle
from workflows.lifecycle import STATE_LABELS

from . import access
from .extensions import db
from .models import GateReview, Notification
from .tags import state_tag_class

# Where one request keeps its base context (on the request itself: `g` may outlive it in tests).
_CONTEXT_KEY = "pmo_web.base_context"


def register(app) -> None:
    """Install filters and the context every template can rely on."""

    @app.context_processor
    def base_context():
        # Worked out once per request: a page rendered from several templates (or a
        # template rendered per row) must not repeat these queries each time.
        cache = request.environ if has_request_context() else {}
        if _CONTEXT_KEY in cache:
            return cache[_CONTEXT_KEY]
        awaiting, decides = 0, False
        if current_user.is_authenticated and access.checked(current_user, access.decides_gates):
            decides = True
            awaiting = db.session.scalar(
                select(func.count()).select_from(GateReview.awaiting(current_user).subquery()))
        unread = my_work = 0
        if current_user.is_authenticated:
            from .mywork import count_for  # imports the areas' services: after the app is built

            my_work = count_for(current_user, date.today())
            unread = db.session.scalar(select(func.count(Notification.id)).where(
                Notification.user_id == current_user.id, Notification.read_at.is_(None)))
        context = {
            "unread_notification_count": unread,
            "my_work_count": my_work,
            "awaiting_decision_count": awaiting,
            "decides_gates": decides,
            "organisation_name": current_app.config["ORGANISATION_NAME"],
            "security_marking": current_app.config["SECURITY_MARKING"],
            "can_manage": access.can_manage(current_user) if current_user.is_authenticated else False,
            "can_read_portfolio": (access.checked(current_user, access.can_read_portfolio)
                                   if current_user.is_authenticated else False),
        }
        cache[_CONTEXT_KEY] = context
        return context

    app.add_template_global(url_for_row)
    app.add_template_global(main_menu)
    app.add_template_global(may_open)
    # The named groups of states (lifecycle.DELIVERED_STATES, ...): templates ask these, never list states.
    app.add_template_global(lifecycle, "lifecycle")
    app.add_template_filter(gbp)
    app.add_template_filter(uk_date)
    app.add_template_filter(uk_datetime)
    app.add_template_filter(duration)
    app.add_template_filter(state_label)
    app.add_template_filter(state_tag_class)


# Stands for the row id while a URL pattern is built: the largest id a URL accepts, which no
# real row reaches (see RowIdConverter).
_ROW_MARKER = str(2**31 - 1)
_PATTERNS_KEY = "pmo_web.url_patterns"


def url_for_row(endpoint: str, id_name: str, row_id: int, **values) -> str:
    """url_for(endpoint, **{id_name: row_id}, **values), with the URL built once per request
    and then filled in for each row: a board of hundreds of cards otherwise spends much of
    its time in url_for."""
    patterns = request.environ.setdefault(_PATTERNS_KEY, {})
    key = (endpoint, id_name, repr(sorted(values.items())))
    if key not in patterns:
        patterns[key] = url_for(endpoint, **{id_name: _ROW_MARKER}, **values).split(_ROW_MARKER)
    return str(int(row_id)).join(patterns[key])


def may_open(endpoint: str) -> bool:
    """In templates: may the signed-in user open the page at `endpoint`? (access.may_open)"""
    return current_user.is_authenticated and access.may_open(current_user, endpoint)


def main_menu(awaiting_decision_count: int = 0, my_work_count: int = 0) -> list[dict]:
    """The main menu of the signed-in user on this page (pmo_web/navigation.py)."""
    from .navigation import main_menu as menu

    return menu(current_user, request.endpoint or "", awaiting_decision_count, my_work_count)


def gbp(value) -> str:
    """£1,234,567 (no pence for portfolio figures); an em dash when unknown."""
    if value is None or value == "":
        return "—"
    return f"£{Decimal(value):,.0f}"


def uk_date(value) -> str:
    """25 November 2026."""
    if not value:
        return "—"
    return f"{value.day} {value:%B %Y}"


def uk_datetime(value) -> str:
    """25 November 2026, 16:45 (UTC)."""
    if not value:
        return "—"
    return f"{value.day} {value:%B %Y, %H:%M}"


def duration(value) -> str:
    """A timedelta as '3 days' / '5 hours' / 'under an hour'."""
    if value is None:
        return "—"
    seconds = value.total_seconds()
    days = int(seconds // 86400)
    if days >= 1:
        return f"{days} day{'s' if days != 1 else ''}"
    hours = int(seconds // 3600)
    if hours >= 1:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return "under an hour"


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


def now_utc() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return date.today()
