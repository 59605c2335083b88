"""Reading what was notified."""
from sqlalchemy import select

from pmo_web.extensions import db
from pmo_web.models import EmailOutbox, Notification


def notifications_of(user, kind: str | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def outbox() -> list[EmailOutbox]:
    return list(db.session.scalars(select(EmailOutbox).order_by(EmailOutbox.id)))
