"""Notifications derived from the audit trail, in the transaction that wrote it.

Every transition, gate request, gate decision and register edit already adds an
`AuditEvent` to the session that makes the change. The session is watched: after each
flush the new audit events are read, and the notifications they call for (and their
emails, as `EmailOutbox` rows) are added to the same transaction. A rollback removes them
with the change; only after a commit are the new outbox rows handed to the sender
(pmo_web/notifications/mail.py). No view has to remember to notify anyone.

Which events notify whom:
- gate requested -> every active holder of the gate's approver role who may see the
  initiative and may decide it (not its owner; GateReview.awaiting's rule);
- gate decision, or the PMO accepting, rejecting or merging a request -> its owner;
- a decision that settles a gate review (approved, rejected, deferred, returned for
  rework) -> also the PMO officer who requested it (docs/rules.md 9), pointed at what to do
  next: for rework, the initiative page, where the approver's comment stays;
- information requested -> its owner;
- a RAID item given an owner (created or changed) -> that owner, unless they did it.
"""
from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from .mail import path_for

_EVENTS = "notifications.audit_events"
_OUTBOX = "notifications.outbox_ids"
# Transitions that are the PMO's decision on a request, told to its owner.
DECIDING_TRIGGERS = {"accept": "accepted", "reject": "rejected", "merge": "merged into another"}
# One approver's decision, as its owner reads it.
DECIDED = {"approve": "approved", "approve_with_conditions": "approved with conditions",
           "reject": "rejected", "defer": "deferred", "return_for_rework": "returned for rework"}
# A settled review's outcome, as the PMO officer who requested it reads it.
OUTCOME_WORDS = {"approved": "approved", "rejected": "rejected", "deferred": "deferred",
                 "returned": "returned for rework (see what to fix)"}


def email_configured(app=None) -> bool:
    """Email is sent only when an SMTP host is set; otherwise notifications are in-app only."""
    return bool((app or current_app).config.get("SMTP_HOST"))


def _collect(session: Session, _context) -> None:
    """After a flush: note the audit events and outbox rows it inserted (ids now known)."""
    from ..models import AuditEvent, EmailOutbox

    for row in session.new:
        if isinstance(row, AuditEvent):
            session.info.setdefault(_EVENTS, []).append(row)
        elif isinstance(row, EmailOutbox):
            session.info.setdefault(_OUTBOX, []).append(row.id)


def _notify(session: Session, _context) -> None:
    """Still in the flush's transaction: add the notifications the new events call for."""
    events = session.info.pop(_EVENTS, None)
    if not events or not has_app_context():
        return
    with session.no_autoflush:
        for audit_event in events:
            for recipient, kind, headline, link, raid_item_id in _recipients(session, audit_event):
                add_notification(session, recipient, kind, headline, link, audit_event.initiative_id,
                                 raid_item_id=raid_item_id)


def _after_commit(session: Session) -> None:
    """The change is committed: its emails may go now (never before)."""
    ids = session.info.pop(_OUTBOX, None)
    if ids and has_app_context():
        from .mail import dispatch

        dispatch(current_app._get_current_object(), ids)


def _forget(session: Session, *_args) -> None:
    session.info.pop(_EVENTS, None)
    session.info.pop(_OUTBOX, None)


def register() -> None:
    """Watch every session (once per process)."""
    if event.contains(Session, "after_flush", _collect):
        return
    event.listen(Session, "after_flush", _collect)
    event.listen(Session, "after_flush_postexec", _notify)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _forget)


def headline_title(initiative) -> str:
    """`CR-0042 Title` on one line, shortened: it goes into a subject header."""
    title = " ".join((initiative.title or "").split())
    if len(title) > 120:
        title = title[:119] + "…"
    return f"{initiative.reference} {title}"


def _may_notify(audit_event) -> bool:
    """Cheap first look: most audit events (register edits, other transitions) tell nobody."""
    if audit_event.kind == "record_edit":
        return audit_event.trigger in ("raid_item.created", "raid_item.updated") and bool(
            ((audit_event.detail or {}).get("changes") or {}).get("owner_id"))
    if audit_event.kind == "transition":
        return audit_event.trigger == "request_info" or audit_event.trigger in DECIDING_TRIGGERS
    return audit_event.kind in ("gate_requested", "gate_decision")


def _recipients(session: Session, audit_event):
    """(user, kind, headline, link, raid item id) for each person this event concerns."""
    from .. import access
    from ..models import GateReview, Initiative, User, UserRole

    if not _may_notify(audit_event) or audit_event.initiative_id is None:
        return []  # events about governance records are on no initiative and tell nobody
    initiative = session.get(Initiative, audit_event.initiative_id)
    if initiative is None:
        return []
    about = headline_title(initiative)
    show = path_for("initiatives.show", initiative_id=initiative.id)
    owner = initiative.owner
    owner_told = owner is not None and owner.active and owner.id != audit_event.actor_id

    if audit_event.kind == "gate_requested" and audit_event.gate_review_id:
        review = session.get(GateReview, audit_event.gate_review_id)
        approvers = session.scalars(
            select(User).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == review.approver_role, User.active.is_(True),
                   User.id != initiative.owner_id).order_by(User.id)).unique().all()
        link = path_for("gates.review", review_id=review.id)
        headline = f"Gate {review.gate.removeprefix('G')} awaits your decision: {about}"
        return [(user, "gate_awaiting", headline, link, None)
                for user in approvers if access.can_see(user, initiative)]
    if audit_event.kind == "gate_decision":
        detail = audit_event.detail or {}
        gate = str(detail.get("gate", "")).removeprefix("G")
        told = []
        if owner_told:
            decision = DECIDED.get(detail.get("decision", ""), "decided")
            told.append((owner, "gate_decision", f"Gate {gate} on {about}: {decision}", show, None))
        if detail.get("outcome") in OUTCOME_WORDS and audit_event.gate_review_id:
            told += _requester_of_the_gate(session, audit_event, initiative, owner_told, about, show,
                                           f"Gate {gate} you asked for on {about}: {OUTCOME_WORDS[detail['outcome']]}")
        return told
    if audit_event.kind == "transition" and owner_told:
        if audit_event.trigger == "request_info":
            return [(owner, "info_requested", f"More information is requested on {about}", show, None)]
        if audit_event.trigger in DECIDING_TRIGGERS and not audit_event.gate_review_id:
            headline = f"Your request {about} was {DECIDING_TRIGGERS[audit_event.trigger]}"
            return [(owner, "gate_decision", headline, show, None)]
    if audit_event.kind == "record_edit" and audit_event.trigger in ("raid_item.created", "raid_item.updated"):
        detail = audit_event.detail or {}
        new_owner_id = ((detail.get("changes") or {}).get("owner_id") or {}).get("after")
        if new_owner_id and new_owner_id != audit_event.actor_id:
            user = session.get(User, new_owner_id)
            if user is not None and user.active and access.can_see(user, initiative):
                link = path_for("raid.log", initiative_id=initiative.id) + f"#raid-item-{detail['id']}"
                return [(user, "raid_assigned", f"A RAID item on {about} is assigned to you", link, detail["id"])]
    return []


def _requester_of_the_gate(session: Session, audit_event, initiative, owner_told: bool, about: str, show: str,
                           headline: str) -> list:
    """The PMO officer who requested the settled review, unless they decided it themselves or
    are its owner (told already); rework and rejection point at the initiative page, where the
    comment stays, the others at the review."""
    from .. import access
    from ..models import GateReview

    review = session.get(GateReview, audit_event.gate_review_id)
    pmo = review.requested_by if review is not None else None
    if (pmo is None or not pmo.active or pmo.id == audit_event.actor_id
            or (owner_told and pmo.id == initiative.owner_id) or not access.can_see(pmo, initiative)):
        return []
    outcome = (audit_event.detail or {}).get("outcome")
    link = show + "#gate-outcome" if outcome in ("returned", "rejected") else path_for("gates.review",
                                                                                      review_id=review.id)
    return [(pmo, "gate_outcome", headline, link, None)]


def add_notification(session: Session, user, kind: str, headline: str, link: str, initiative_id: int | None,
                     raid_item_id: int | None = None, email: bool = True):
    """Add one notification, and its email when the user wants email of this kind."""
    from ..models import EmailOutbox, Notification
    from .mail import compose, wants_email

    notification = Notification(user_id=user.id, kind=kind, headline=headline[:300], link=link,
                                initiative_id=initiative_id, raid_item_id=raid_item_id)
    session.add(notification)
    if email and email_configured() and user.email and wants_email(session, user.id, kind):
        subject, body = compose(notification)
        session.add(EmailOutbox(user_id=user.id, notification=notification, to_address=user.email,
                                subject=subject, body=body))
    return notification
