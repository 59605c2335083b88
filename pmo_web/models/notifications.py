"""Notifications: what a user is told in the app, how they want to be told, and the mail
waiting to be sent.

A notification is made in the same transaction as the change it reports (see
pmo_web/notifications/events.py), so a rolled-back change leaves none. An email is an
`EmailOutbox` row made in that same transaction and sent only after it commits.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

# (kind, what the user is told, the label of its preference). Events make the first five;
# the daily digest finds the last four (nothing happens at the moment they become due).
KINDS = (
    ("gate_awaiting", "A gate awaits your decision"),
    ("gate_decision", "A decision on your request"),
    ("gate_outcome", "The outcome of a gate you requested"),
    ("info_requested", "More information is requested"),
    ("raid_assigned", "A RAID item is assigned to you"),
    ("raid_overdue", "A RAID item is past its review date"),
    ("report_due", "A highlight report is due"),
    ("deferral_due", "A deferred gate is due to be looked at again"),
    ("condition_overdue", "A gate condition is overdue"),
)
KIND_LABELS = dict(KINDS)


class Notification(db.Model):
    """One thing one user should know about, with the page it concerns; read or unread.

    Only the title of the initiative and a short headline are kept: never the content of
    a comment, a question or a RAID description, so a notification (and the email made
    from it) carries no more than the title and the link.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    headline: Mapped[str] = mapped_column(String(300))
    # The page it concerns, as a path of this app (/gates/12); made absolute for email.
    link: Mapped[str] = mapped_column(String(300))
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiatives.id"), index=True)
    raid_item_id: Mapped[int | None] = mapped_column(ForeignKey("raid_items.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at = mapped_column(UTCDateTime, nullable=True)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


class NotificationPreference(db.Model):
    """A user's choice for one kind: email and in-app (no row: the default) or in-app only."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    email: Mapped[bool] = mapped_column(default=True)


class EmailOutbox(db.Model):
    """One email to send. Made in the transaction that caused it, sent after the commit by
    the process's sender thread, or later by `flask send-notifications` (a retry).

    `next_attempt_at` is when it may be tried next; a sender claims a row by moving it
    forward, so two processes never send the same row at once. A row that failed
    MAX_ATTEMPTS times keeps `next_attempt_at` empty and its last error.
    """

    __tablename__ = "email_outbox"
    __table_args__ = (Index("ix_email_outbox_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(400))
    body: Mapped[str] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(300), default="")

    # So the unit of work inserts the notification first, and its id is known here.
    notification = relationship("Notification")


class DigestSent(db.Model):
    """The daily digest went to this user on this day: running the command again that day
    sends nothing new."""

    __tablename__ = "digests_sent"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date]
    items: Mapped[int] = mapped_column(default=0)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
