"""Fixtures for notifications: a local SMTP sink (aiosmtpd) and an app that mails it."""
from __future__ import annotations

import socket
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from pmo_web.extensions import db
from tests import factories


class Sink:
    """Collects every message; answers 451 (try again later) while `failures` remain."""

    def __init__(self):
        self.messages = []
        self.failures = 0

    async def handle_DATA(self, _server, _session, envelope):
        if self.failures:
            self.failures -= 1
            return "451 4.3.0 Try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app):
    """A running SMTP sink, and the app configured to send to it in the committing thread."""
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, MAIL_FROM="pmo@example.test",
                      NOTIFICATIONS_SEND_INLINE=True, PUBLIC_BASE_URL="https://pmo.example.test")
    yield sink
    controller.stop()


@pytest.fixture
def approvers(users):
    """The approver of the users fixture and a second one."""
    second = factories.make_user(roles=("approver",), email="approver2@example.test",
                                 department=users["approver"].department)
    db.session.commit()
    return [users["approver"], second]
