"""Notification email in its production shape: handed to the worker's background thread after
the commit, so the request does not wait for the mail server (the web tests send inline)."""
from __future__ import annotations

import time

from aiosmtpd.controller import Controller

from pmo_web import create_app
from pmo_web.extensions import db
from pmo_web.gates import service
from tests import factories
from tests.web.notifications.conftest import Sink, free_port


def test_the_sender_thread_mails_after_the_commit(tmp_path):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SERVER_NAME": "localhost",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'mail.sqlite'}",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port})
    try:
        with app.app_context():
            db.create_all()
            department = factories.make_department("Estates")
            requester = factories.make_user(roles=("requester",), department=department)
            pmo = factories.make_user(roles=("pmo",), department=department)
            approver = factories.make_user(roles=("approver",), department=department)
            initiative = factories.make_initiative(owner=requester, state="scoring")
            factories.make_score(initiative, pmo)
            db.session.commit()
            service.request_review(initiative, pmo)
            db.session.flush()
            time.sleep(0.3)
            assert sink.messages == []  # nothing before the commit
            db.session.commit()
            deadline = time.monotonic() + 10
            while not sink.messages and time.monotonic() < deadline:
                time.sleep(0.05)
            assert [m["To"] for m in sink.messages] == [approver.email]
            db.session.remove()
            db.engine.dispose()
    finally:
        controller.stop()
