"""The daily digest: once a day, each user who wants email gets one message listing what
waits for them (titles and links only).

What waits: gates awaiting their decision, their open risks past the review date,
highlight reports due on the initiatives they manage (in delivery, and no report issued
since the start of the last calendar month), deferred gates whose date to come back has
come (for the PMO officer who requested the gate and the PMO team, docs/rules.md 9), and open
gate conditions past their due date (for the condition's owner, when a user, and the PMO
officer who requested the gate that set it). All but the first become in-app
notifications too (once each: nothing happens at the moment a date passes, so no event
made them). A `DigestSent` row per user and day makes running the command twice that day
send nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import and_, exists, select

from workflows.lifecycle import TERMINAL_STATES

from .. import access
from ..extensions import db
from ..gates.conditions import conditions_overdue
from ..gates.service import deferred_reviews
from ..models import (
    DigestSent,
    EmailOutbox,
    GateReview,
    GateSetting,
    HighlightReport,
    Initiative,
    Notification,
    NotificationPreference,
    RaidItem,
    User,
    UserRole,
)
from ..models.notifications import KIND_LABELS
from .events import add_notification, email_configured, headline_title
from .mail import absolute, footer, path_for, subject_line

DIGEST_KINDS = ("gate_awaiting", "deferral_due", "condition_overdue", "raid_overdue", "report_due")


@dataclass
class Waiting:
    """What waits for one user: (kind, headline, link) lines."""

    user: User
    lines: list[tuple[str, str, str]] = field(default_factory=list)


def report_window_start(today: date) -> date:
    """The first day of last calendar month: a report issued since then is recent enough."""
    return date(today.year - (today.month == 1), 12 if today.month == 1 else today.month - 1, 1)


def run(today: date) -> dict:
    """Notify and mail everyone for `today`; returns counts of what was done."""
    done = {"notified": 0, "digests": 0, "skipped": 0}
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)).all()
    already = set(db.session.scalars(select(DigestSent.user_id).where(DigestSent.day == today)))
    email_off = {(p.user_id, p.kind) for p in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.email.is_(False)))}
    # Who has anything of each sort at all, so most users cost no query of their own.
    gate_roles = {"approver"} | set(db.session.scalars(select(GateSetting.approver_role)))
    risk_owners = set(db.session.scalars(_overdue(today).with_only_columns(RaidItem.owner_id).distinct()))
    managers = set(db.session.scalars(select(Initiative.manager_id).where(Initiative.state == "delivery")))
    gate_lines = _gate_lines(today)
    for user in users:
        if user.id in already:
            done["skipped"] += 1
            continue
        waiting = Waiting(user)
        if user.id in risk_owners:
            done["notified"] += _overdue_risks(user, today, waiting)
        if user.id in managers:
            done["notified"] += _reports_due(user, today, waiting)
        done["notified"] += _tell(user, gate_lines.get(user.id, []), waiting)
        reviews = db.session.scalars(GateReview.awaiting(user)) if user.has_role(*gate_roles) else []
        for review in reviews:
            waiting.lines.append(("gate_awaiting",
                                  f"Gate {review.gate.removeprefix('G')} awaits your decision: "
                                  f"{headline_title(review.initiative)}",
                                  path_for("gates.review", review_id=review.id)))
        mailed = [line for line in waiting.lines if (user.id, line[0]) not in email_off]
        db.session.add(DigestSent(user_id=user.id, day=today, items=len(mailed)))
        if mailed and email_configured() and user.email:
            db.session.add(EmailOutbox(user_id=user.id, to_address=user.email,
                                       subject=subject_line(f"Your PMO digest for {today:%d %B %Y}: "
                                                            f"{len(mailed)} item{'s' if len(mailed) != 1 else ''}"),
                                       body=digest_body(mailed)))
            done["digests"] += 1
        db.session.commit()  # per user: the emails go after each commit
    return done


def digest_body(lines) -> str:
    parts = ["What waits for you in the PMO today:\n"]
    for kind in DIGEST_KINDS:
        of_kind = [line for line in lines if line[0] == kind]
        if of_kind:
            parts.append(f"{KIND_LABELS[kind]} ({len(of_kind)}):")
            parts.extend(f"- {headline}\n  {absolute(link)}" for _kind, headline, link in of_kind)
            parts.append("")
    parts.append(footer())
    return "\n".join(parts)


def _overdue(today: date):
    """Open risks of live initiatives whose review date has passed."""
    return (select(RaidItem).join(Initiative, Initiative.id == RaidItem.initiative_id)
            .where(RaidItem.deleted_at.is_(None), RaidItem.kind == "risk", RaidItem.status == "open",
                   RaidItem.review_date < today, ~Initiative.state.in_(TERMINAL_STATES)))


def _overdue_risks(user: User, today: date, waiting: Waiting) -> int:
    """Their open risks past the review date; a notification for each not told before."""
    told = select(Notification.id).where(Notification.user_id == user.id, Notification.kind == "raid_overdue",
                                         Notification.raid_item_id == RaidItem.id)
    rows = db.session.execute(
        _overdue(today).add_columns(~exists(told)).where(RaidItem.owner_id == user.id)
        .order_by(RaidItem.review_date, RaidItem.id)).all()
    new = 0
    for item, untold in rows:
        headline = f"A RAID item on {headline_title(item.initiative)} is past its review date"
        link = path_for("raid.log", initiative_id=item.initiative_id) + f"#raid-item-{item.id}"
        waiting.lines.append(("raid_overdue", headline, link))
        if untold:
            _in_app_only(user, "raid_overdue", headline, link, item.initiative_id, item.id)
            new += 1
    return new


def _reports_due(user: User, today: date, waiting: Waiting) -> int:
    """Initiatives they manage in delivery with no report issued since last month began."""
    since = report_window_start(today)
    issued = select(HighlightReport.id).where(
        HighlightReport.initiative_id == Initiative.id, HighlightReport.status == "issued",
        HighlightReport.issued_at >= datetime(since.year, since.month, 1, tzinfo=UTC))
    told = select(Notification.id).where(
        Notification.user_id == user.id, Notification.kind == "report_due",
        Notification.initiative_id == Initiative.id,
        Notification.created_at >= datetime(today.year, today.month, 1, tzinfo=UTC))
    rows = db.session.execute(
        select(Initiative, ~exists(told)).where(and_(Initiative.manager_id == user.id,
                                                     Initiative.state == "delivery", ~exists(issued)))
        .order_by(Initiative.id)).all()
    new = 0
    for initiative, untold in rows:
        headline = f"A highlight report is due for {headline_title(initiative)}"
        link = path_for("reports.index", initiative_id=initiative.id)
        waiting.lines.append(("report_due", headline, link))
        if untold:
            _in_app_only(user, "report_due", headline, link, initiative.id, None)
            new += 1
    return new


def _gate_lines(today: date) -> dict[int, list[tuple[str, str, str, int]]]:
    """What the gates owe today, by user id: (kind, headline, link, initiative id) lines.

    A deferral whose date has come goes to the PMO officer who requested the gate and to
    every PMO officer who may see the initiative; an overdue condition to its owner (a user)
    and to the PMO officer who requested the gate that set it.
    """
    lines: dict[int, list[tuple[str, str, str, int]]] = {}
    pmo_team = db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                  .where(UserRole.role == "pmo", User.active.is_(True))).unique().all()
    for review in deferred_reviews(due_by=today):
        initiative = review.initiative
        until = review.defer_until
        headline = (f"Gate {review.gate.removeprefix('G')} on {headline_title(initiative)} is due to be "
                    f"looked at again: it was deferred until {until.day} {until:%B %Y}")
        told = {user.id: user for user in pmo_team if access.can_see(user, initiative)}
        if review.requested_by.active:
            told[review.requested_by_id] = review.requested_by
        link = path_for("gates.review", review_id=review.id)
        for user_id in told:
            lines.setdefault(user_id, []).append(("deferral_due", headline, link, initiative.id))
    for condition in conditions_overdue(today):
        initiative = condition.initiative
        headline = f"A condition of Gate {condition.gate.removeprefix('G')} on {headline_title(initiative)} is overdue"
        # The condition's own page: one address whatever stage the initiative has reached.
        link = path_for("gates.condition", initiative_id=initiative.id, condition_id=condition.id)
        requester = condition.decision.review.requested_by
        for user in {u.id: u for u in (condition.owner_user, requester) if u is not None and u.active}.values():
            if access.can_see(user, initiative):
                lines.setdefault(user.id, []).append(("condition_overdue", headline, link, initiative.id))
    return lines


def _tell(user: User, lines, waiting: Waiting) -> int:
    """Add `lines` to the user's digest; notify in the app those not told before (by link)."""
    if not lines:
        return 0
    told = set(db.session.scalars(select(Notification.link).where(
        Notification.user_id == user.id, Notification.kind.in_({kind for kind, *_ in lines}))))
    new = 0
    for kind, headline, link, initiative_id in lines:
        waiting.lines.append((kind, headline, link))
        if link not in told:
            _in_app_only(user, kind, headline, link, initiative_id, None)
            told.add(link)
            new += 1
    return new


def _in_app_only(user, kind, headline, link, initiative_id, raid_item_id) -> None:
    """The digest's own notifications are told in the app; the digest email carries them."""
    add_notification(db.session, user, kind, headline, link, initiative_id, raid_item_id=raid_item_id,
                     email=False)
