"""A short-lived cache of the dashboard's rendered KPIs.

Cycle time alone reads the whole audit trail (100,000 events at force scale take SQLite
about 200 ms to walk with LEAD()), so the dashboard cannot be worked out afresh within
the 50 ms a page may take (issue 7). The KPI section is rendered once for each audience,
set of filters and day, and reused until either `DASHBOARD_CACHE_SECONDS` (60 by default;
0 turns the cache off) have passed or this process writes any row a KPI reads, whichever
comes first. Writes by another process (another worker, a CLI import) show within the
time limit.

Audiences: readers who see every department share an entry; anyone else (a requester of
the minimum rank sees their own department) has one of their own. The page's links depend
on whether the reader decides gates or may open the gate list, so those are in the key too.
"""
from __future__ import annotations

import threading
import time
from datetime import date

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from .. import access
from ..models import (
    Allocation,
    AuditEvent,
    Benefit,
    Department,
    GateReview,
    Initiative,
    Leave,
    Milestone,
    Person,
    Programme,
    RaidItem,
)

# The models whose rows the KPIs read: writing any of them makes every entry stale.
READ_BY_KPIS = (Allocation, AuditEvent, Benefit, Department, GateReview, Initiative, Leave, Milestone, Person,
                Programme, RaidItem)
DEFAULT_SECONDS = 60
MAX_ENTRIES = 500

_lock = threading.Lock()
_generation = 0


def register() -> None:
    """Watch every session for writes the KPIs read (once per process; pmo_web/wiring.py)."""
    if not event.contains(Session, "before_flush", _note_writes):
        event.listen(Session, "before_flush", _note_writes)


def _note_writes(session, _flush_context, _instances) -> None:
    """Any flush that adds, changes or removes a row the KPIs read starts a new generation
    (on flush, not commit: a page read in the same transaction must not see old figures)."""
    global _generation
    if any(isinstance(row, READ_BY_KPIS) for row in (*session.new, *session.dirty, *session.deleted)):
        with _lock:
            _generation += 1


def audience(user, decides_gates: bool) -> tuple:
    """Who the figures are for: everyone who sees the whole portfolio, or this one user."""
    sees = ("all",) if user.has_role(*access.SEE_ALL_ROLES) else ("user", user.id)
    return (*sees, decides_gates, user.has_role("pmo", "admin", "approver"))


def rendered(key: tuple, render):
    """The rendered KPIs for `key` (audience, filters), from the cache or by calling `render()`
    (Markup, or a dict of Markup parts: what is cached is what it returns)."""
    seconds = current_app.config.get("DASHBOARD_CACHE_SECONDS", DEFAULT_SECONDS)
    if not seconds:
        return render()
    entries = current_app.extensions.setdefault("dashboard_cache", {})
    key = (*key, date.today())
    now = time.monotonic()
    with _lock:
        generation = _generation
        found = entries.get(key)
    if found and found[0] == generation and now - found[1] < seconds:
        return found[2]
    html = render()
    with _lock:
        if len(entries) >= MAX_ENTRIES:
            entries.clear()
        entries[key] = (generation, now, html)
    return html
