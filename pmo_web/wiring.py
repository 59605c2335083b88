"""Every side effect of saving a row, wired in one place: `create_app` calls `wire`.

A service function such as `gates.service.record_decision` adds rows and nothing else; what
else happens when those rows reach the database is listed here, so nobody has to discover it.
Each effect is a SQLAlchemy event listener rather than a call in each service because it must
happen for every write of its kind, whoever writes it (a route, a CLI command, an import, the
demo loader), in the same transaction, and a forgotten call would be a silent hole in the
audit trail or a missed notification.

Order matters within one event, and is the order below: the audit chain forgets its cached
head before history collects the changes, which it does before the row versions are stamped.

Listeners are attached once per process (SQLAlchemy's event registry is global, and tests
build several apps); the schema hooks must be in place before `db.create_all` builds the
tables, which tests do after `create_app`.
"""
from __future__ import annotations

_schema_hooks_installed = False


def wire(app) -> None:
    """Attach every listener (once per process) and the app-level handlers (per app)."""
    from . import audit, concurrency, history, search
    from .dashboard import cache
    from .models import AuditEvent, Lesson
    from .models.resources import register_people_sync
    from .notifications import events

    global _schema_hooks_installed
    if not _schema_hooks_installed:
        # The audit trail's append-only guards (triggers refusing UPDATE and DELETE) and the
        # lessons library's full-text index are created with their tables by create_all; the
        # migrations create them on a migrated database.
        audit.install_schema_hooks(AuditEvent.__table__)
        search.watch(Lesson.__table__)
        _schema_hooks_installed = True

    # Audit chain: each new audit event carries the hash of the one before it, so a changed
    # or deleted row breaks the chain (`flask audit-verify`).
    audit.watch(AuditEvent)
    # History: every create, change, removal and undo of a register row (RAID, lessons,
    # benefits, milestones ...) becomes an audit event with its before and after values.
    history.register()
    # Optimistic locking: who changed each versioned row; a lost race answers 409.
    concurrency.register(app)
    # The dashboard's KPI cache starts a new generation when a row the KPIs read changes.
    cache.register()
    # Resources: every user is a person in the resource matrix, kept in step with the user.
    register_people_sync()
    # Notifications: made from the audit events of the transaction, in it; emailed after it
    # commits (the outbox), so a rolled-back change tells nobody.
    events.register()
