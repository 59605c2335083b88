"""The signed-in user's notifications (newest first, mark read) and email preferences.

Everyone has notifications of their own and nobody else's: a notification of another user
is not found (404). Marking read works with htmx (the item and the header's count are
swapped) and without JavaScript (a 303 back to the list).
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select, update

from ..extensions import db
from ..htmx import is_partial, render
from ..models import Notification, NotificationPreference
from ..models.base import utcnow
from ..paging import page_number
from .blueprint import bp
from .events import email_configured
from .forms import PreferencesForm

PAGE_SIZE = 25
MAX_ID = 2**31 - 1  # larger than any row id, and than the column holds


def _page():
    """The signed-in user's notifications on the page asked for, newest first."""
    query = (select(Notification).where(Notification.user_id == current_user.id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return db.paginate(query, page=page_number(PAGE_SIZE), per_page=PAGE_SIZE, error_out=False)


@bp.get("/notifications")
@login_required
def index():
    """The user's notifications, newest first, unread ones marked."""
    return render("notifications/index.html", notifications=_page())


@bp.post("/notifications/read")
@login_required
def mark_read():
    """Mark one of the user's notifications read (the id travels in the form). Opening one
    (the form's `open`) marks it read too, then goes where it points (a POST: GET changes nothing)."""
    notification_id = request.form.get("notification_id", type=int)
    if notification_id is None:  # no notification named (not a form of ours): nothing to do
        return redirect(url_for(".index"), 303)
    notification = db.session.get(Notification, notification_id) if 0 < notification_id <= MAX_ID else None
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    if request.form.get("open"):
        return redirect(_on_this_site(notification.link), 303)
    if is_partial():
        return render("notifications/index.html", "notifications/_item.html",
                      notification=notification, focus=True, item_oob=True)
    return redirect(url_for(".index", page=request.form.get("page", 1, type=int)), 303)


def _on_this_site(link: str) -> str:
    """The notification's link (a path of this site, written by the app), else the list."""
    if not link.startswith("/") or link.startswith("//") or "\\" in link:
        return url_for(".index")
    return request.script_root + link


@bp.post("/notifications/read-all")
@login_required
def mark_all_read():
    """Mark every unread notification of the user read."""
    db.session.execute(update(Notification).where(
        Notification.user_id == current_user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    if is_partial():
        return render("notifications/index.html", "notifications/_list.html", notifications=_page(), oob=True,
                      message="All notifications are marked as read.")
    flash("All notifications are marked as read.", "success")
    return redirect(url_for(".index"), 303)


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """Per kind: email and in-app, or in-app only."""
    rows = {row.kind: row for row in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == current_user.id))}
    form = PreferencesForm.for_choices({kind: row.email for kind, row in rows.items()})
    if form.validate_on_submit():
        for kind, wants_email in form.choices().items():
            row = rows.get(kind) or NotificationPreference(user_id=current_user.id, kind=kind)
            row.email = wants_email
            db.session.add(row)
        db.session.commit()
        flash("Your notification settings are saved.", "success")
        return redirect(url_for(".preferences"), 303)
    status = 422 if form.errors else 200
    return render("notifications/preferences.html", status=status, form=form,
                  email_configured=email_configured())
