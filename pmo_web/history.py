"""Every edit of a register row is audited with its before and after values.

A model opts in by subclassing ``Audited`` and naming itself (``audit_noun``). On every
flush the session is watched: for each new, changed or deleted row of an audited model
one ``AuditEvent`` of kind ``"record_edit"`` is added to the same transaction, so an edit
and its audit row commit or roll back together. Its ``trigger`` says what happened
(``raid_item.created``, ``lesson.updated``, ``benefit.deleted``, and ``.removed`` /
``.restored`` for a soft delete or its undo), and ``detail`` holds the row's id and, per
changed column, ``{"before": ..., "after": ...}`` as JSON-safe values.

Views do not have to remember to audit: it happens for any change made through the ORM.
Bulk ``UPDATE``/``INSERT`` statements bypass the ORM and are therefore not audited; the
demo and scale loaders use them knowingly.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

KIND = "record_edit"
# Columns that describe the save rather than the record.
IGNORED = frozenset({"version", "changed_by", "changed_at", "created_at", "id"})
_PENDING = "history_pending"


class Audited:
    """Mixin: audit every create, change and delete of this model's rows.

    ``audit_noun`` names the record in the trail (``"raid_item"``); the row must have an
    ``initiative_id`` (the trail is kept per initiative).
    """

    audit_noun: str = ""


def jsonable(value):
    """A column value as JSON: dates as ISO text, decimals as text, everything else as is."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _columns(row) -> list[str]:
    return [attr.key for attr in inspect(row).mapper.column_attrs
            if attr.key not in IGNORED and len(attr.columns) == 1 and attr.columns[0].table is not None
            and attr.columns[0].name in attr.columns[0].table.c]


def _changes(row) -> dict:
    """{column: {"before", "after"}} for the columns this flush changes on `row`."""
    state = inspect(row)
    changes = {}
    for key in _columns(row):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if jsonable(before) != jsonable(after):
            changes[key] = {"before": jsonable(before), "after": jsonable(after)}
    return changes


def _snapshot(row, side: str) -> dict:
    return {key: {side: jsonable(getattr(row, key))} for key in _columns(row)
            if getattr(row, key) not in (None, "")}


def _actor_id():
    if not has_request_context():
        return None
    from flask_login import current_user

    return current_user.id if getattr(current_user, "is_authenticated", False) else None


def _collect(session: Session, _flush_context, _instances) -> None:
    """Before a flush: note what is about to change, while the old values are still known."""
    pending = session.info.setdefault(_PENDING, [])
    for row in session.new:
        if isinstance(row, Audited):
            pending.append((row, "created", None))
    for row in session.dirty:
        if isinstance(row, Audited) and session.is_modified(row, include_collections=False):
            changes = _changes(row)
            if not changes:
                continue
            action = "updated"
            if "deleted_at" in changes:
                action = "removed" if changes["deleted_at"]["after"] else "restored"
            pending.append((row, action, changes))
    for row in session.deleted:
        if isinstance(row, Audited):
            pending.append((row, "deleted", _snapshot(row, "before")))


def _record(session: Session, _flush_context) -> None:
    """After the flush: ids are known; add the audit rows (flushed before the commit ends)."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    from .models.audit import AuditEvent

    actor = _actor_id()
    for row, action, changes in pending:
        if action == "created":
            changes = _snapshot(row, "after")
        session.add(AuditEvent(
            initiative_id=row.initiative_id, kind=KIND, trigger=f"{row.audit_noun}.{action}",
            actor_id=actor, detail={"record": row.audit_noun, "id": row.id, "changes": changes}))


def _forget(session: Session, *_args) -> None:
    session.info.pop(_PENDING, None)


def register() -> None:
    """Watch every session (called once, at import of the models)."""
    if event.contains(Session, "before_flush", _collect):
        return
    event.listen(Session, "before_flush", _collect)
    event.listen(Session, "after_flush_postexec", _record)
    event.listen(Session, "after_rollback", _forget)
