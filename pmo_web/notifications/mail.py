"""Sending the outbox by SMTP, after the commit and never in the way of the request.

A committed transaction hands the ids of its new outbox rows to `dispatch`: a small
daemon thread per process sends them (or, with NOTIFICATIONS_SEND_INLINE, the committing
thread does, so tests are deterministic). A failure counts an attempt and sets a later
time to try again (doubling each time); `flask send-notifications`, run by cron, sends
whatever is due. A sender first claims a row by moving its next attempt forward in one
UPDATE, so two processes (or hosts) never send the same email twice at once.

An email carries the security marking, the kind, the initiative's reference and title
and a link: never a comment, question or register content.
"""
from __future__ import annotations

import os
import queue
import smtplib
import ssl
import threading
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import EmailOutbox, NotificationPreference
from ..models.base import utcnow
from ..models.notifications import KIND_LABELS

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
# How long a sender holds a row it has claimed before another may try it.
CLAIM = timedelta(minutes=10)
QUEUE_SIZE = 1000


def wants_email(session: Session, user_id: int, kind: str) -> bool:
    """True unless the user chose "in-app only" for this kind (email is the default)."""
    choice = session.scalar(select(NotificationPreference.email).where(
        NotificationPreference.user_id == user_id, NotificationPreference.kind == kind))
    return choice is not False


def path_for(endpoint: str, **values) -> str:
    """The path of a page, with or without a request (the flush may run in a CLI command)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def absolute(link: str) -> str:
    """A path of this app as the address people open it at (PUBLIC_BASE_URL)."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "http://localhost:5000").rstrip("/")
    return base + link


def subject_line(headline: str) -> str:
    marking = current_app.config["SECURITY_MARKING"]
    return " ".join(f"[{marking}] {headline}".split())[:400]


def compose(notification) -> tuple[str, str]:
    """Subject and plain-text body of one notification's email: headline and link only."""
    body = (f"{KIND_LABELS.get(notification.kind, notification.kind)}\n\n"
            f"{notification.headline}\n{absolute(notification.link)}\n\n"
            f"{footer()}")
    return subject_line(notification.headline), body


def footer() -> str:
    marking = current_app.config["SECURITY_MARKING"]

    return (f"Choose which notifications you receive by email: {absolute(path_for('notifications.preferences'))}\n"
            f"{current_app.config['ORGANISATION_NAME']} Portfolio Management Office. Marking: {marking}.\n")


def message_for(row: EmailOutbox, config) -> EmailMessage:
    """The email itself; EmailMessage refuses header injection (no raw header text)."""
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = config.get("MAIL_FROM") or "pmo@localhost"
    message["To"] = row.to_address
    message["Message-ID"] = make_msgid(domain=(config.get("MAIL_FROM") or "pmo@localhost").rpartition("@")[2])
    message.set_content(row.body)
    return message


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes, at most six hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def send_outbox(app, ids=None) -> tuple[int, int]:
    """Send the given outbox rows, or every row that is due; (sent, failed).

    Runs on a session of its own (the committing session has finished), so it can be
    called after a commit, from the sender thread or from the command line.
    """
    with app.app_context():
        with Session(db.engine) as session:
            now = utcnow()
            due = select(EmailOutbox.id).where(EmailOutbox.sent_at.is_(None),
                                               EmailOutbox.next_attempt_at <= now)
            if ids is not None:
                due = due.where(EmailOutbox.id.in_(list(ids)))
            claimed = []
            for outbox_id in session.scalars(due.order_by(EmailOutbox.id)).all():
                taken = session.execute(update(EmailOutbox).where(
                    EmailOutbox.id == outbox_id, EmailOutbox.sent_at.is_(None),
                    EmailOutbox.next_attempt_at <= now).values(next_attempt_at=now + CLAIM))
                if taken.rowcount == 1:
                    claimed.append(outbox_id)
            session.commit()
            if not claimed:
                return 0, 0
            rows = session.scalars(select(EmailOutbox).where(EmailOutbox.id.in_(claimed))
                                   .order_by(EmailOutbox.id)).all()
            sent, failed = _deliver(app.config, rows)
            session.commit()
            return sent, failed


def _deliver(config, rows) -> tuple[int, int]:
    """Send each row over one SMTP connection; record success or the failure and retry time."""
    sent = failed = 0
    try:
        smtp = _connect(config)
    except (OSError, smtplib.SMTPException) as error:
        for row in rows:
            _failed(row, error)
        return 0, len(rows)
    with smtp:
        for row in rows:
            try:
                smtp.send_message(message_for(row, config))
            except (OSError, smtplib.SMTPException) as error:
                _failed(row, error)
                failed += 1
                continue
            row.attempts += 1
            row.sent_at = utcnow()
            row.next_attempt_at = None
            row.last_error = ""
            sent += 1
    return sent, failed


def _connect(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25),
                        timeout=float(config.get("SMTP_TIMEOUT_SECONDS", 10)))
    if config.get("SMTP_STARTTLS"):
        smtp.starttls(context=ssl.create_default_context())
    if config.get("SMTP_USERNAME"):
        smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
    return smtp


def _failed(row: EmailOutbox, error: Exception) -> None:
    row.attempts += 1
    row.last_error = f"{type(error).__name__}: {error}"[:300]
    row.next_attempt_at = None if row.attempts >= MAX_ATTEMPTS else utcnow() + retry_delay(row.attempts)


# ------------------------------------------------------------------ the sender thread
_queue: queue.Queue | None = None
_queue_pid: int | None = None
_queue_lock = threading.Lock()


def dispatch(app, ids) -> None:
    """Hand committed outbox rows to the sender; never raises into the committing request."""
    if not email_on(app):
        return
    if app.config.get("NOTIFICATIONS_SEND_INLINE"):
        try:
            send_outbox(app, ids)
        except Exception:  # noqa: BLE001  (the change is committed; the cron retries)
            app.logger.exception("notification email failed; it will be retried")
        return
    try:
        _sender_queue(app).put_nowait(list(ids))
    except queue.Full:
        # The rows stay due in the outbox: `flask send-notifications` sends them.
        app.logger.warning("notification email queue full; left for send-notifications")


def email_on(app) -> bool:
    return bool(app.config.get("SMTP_HOST"))


def _sender_queue(app) -> queue.Queue:
    """This process's queue and its daemon thread (a forked worker starts its own)."""
    global _queue, _queue_pid
    with _queue_lock:
        if _queue is None or _queue_pid != os.getpid():
            _queue, _queue_pid = queue.Queue(maxsize=QUEUE_SIZE), os.getpid()
            threading.Thread(target=_run_sender, args=(app, _queue), name="pmo-email-sender",
                             daemon=True).start()
        return _queue


def _run_sender(app, work: queue.Queue) -> None:
    while True:
        ids = work.get()
        try:
            send_outbox(app, ids)
        except Exception:  # noqa: BLE001  (keep the thread alive; the cron retries)
            app.logger.exception("notification email failed; it will be retried")
