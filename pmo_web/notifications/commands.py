"""Cron-friendly commands: retry the outbox, and send the daily digest (once a day)."""
from __future__ import annotations

from datetime import date

import click
from flask import current_app

from . import digest
from .blueprint import bp
from .mail import send_outbox


@bp.cli.command("send-notifications")
def send_notifications():
    """Send every notification email that is due (new, or waiting for a retry)."""
    sent, failed = send_outbox(current_app._get_current_object())
    click.echo(f"Sent {sent} email(s); {failed} failed and will be retried.")


@bp.cli.command("send-digest")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to send for (default: today). Each user gets one digest per day.")
def send_digest(day):
    """Send each user the day's digest of what waits for them; safe to run again."""
    app = current_app._get_current_object()
    # A command's process ends when it is done: send in this thread, not a daemon one.
    app.config["NOTIFICATIONS_SEND_INLINE"] = True
    sent, failed = send_outbox(app)  # retries first, so a digest never waits behind them
    click.echo(f"Retried the outbox: sent {sent}, failed {failed}.")
    today = day.date() if day else date.today()
    done = digest.run(today)
    click.echo(f"Digest for {today.isoformat()}: {done['digests']} email(s) queued, "
               f"{done['notified']} new notification(s), {done['skipped']} user(s) already done today.")
