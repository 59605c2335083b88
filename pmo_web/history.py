"""Every edit of a register or governance record is audited with its before and after values.

A model opts in by subclassing ``Audited`` and naming itself (``audit_noun``). On every
flush the session is watched: for each new, changed or deleted row of an audited model
one ``AuditEvent`` of kind ``"record_edit"`` is added to the same transaction, so an edit
and its audit row commit or roll back together. Its ``trigger`` says what happened
(``raid_item.created``, ``lesson.updated``, ``benefit.deleted``, ``.removed`` /
``.restored`` for a soft delete or its undo, and a model's own words such as
``meeting.held``), its subject is the record (``subject_kind`` = the noun,
``subject_id``), and ``detail`` holds the row's id and, per changed column,
``{"before": ..., "after": ...}`` as JSON-safe values (a key column set through a
relationship is read after the flush, when the row it points at has its id). Register
rows are on their initiative's trail (``initiative_id``); governance records are no
initiative's.

One action that writes several rows makes one event: ``record_within(row, whole)`` says
that this transaction's change to ``row`` is part of the change to ``whole`` (marking a
meeting held saves its agenda), and is listed under ``"parts"`` in the event of
``whole`` (so both must be flushed together). A part whose whole is not changed in the
same flush is recorded on its own rather than lost.

Views do not have to remember to audit: it happens for any change made through the ORM.
Bulk ``UPDATE``/``INSERT`` statements bypass the ORM and are therefore not audited; the
demo and scale loaders use them knowingly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from flask import has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import MANYTOONE, Session

KIND = "record_edit"
# Columns that describe the save rather than the record.
IGNORED = frozenset({"version", "changed_by", "changed_at", "created_at", "id"})
_PENDING = "history_pending"
_WITHIN = "history_within"


class Audited:
    """Mixin: audit every create, change and delete of this model's rows.

    ``audit_noun`` names the record in the trail (``"raid_item"``) and is its events'
    ``subject_kind``. A register row has an ``initiative_id`` and its events are on that
    initiative's trail; a record that belongs to no initiative (a board, a meeting) sets
    ``audit_per_initiative = False``.
    """

    audit_noun: str = ""
    audit_per_initiative: bool = True

    def audit_action(self, action: str, changes: dict) -> str:
        """The word the trail uses for this change ("created", "updated" ...); a model
        whose change has a name of its own in the PMO's words overrides this."""
        return action


def record_within(row, whole) -> None:
    """Record the change about to be flushed to `row` inside the event of `whole`."""
    from .extensions import db

    db.session.info.setdefault(_WITHIN, {})[id(row)] = (row, whole)


def jsonable(value):
    """A column value as JSON: dates and times as ISO text, decimals as text, everything else as is."""
    if isinstance(value, (date, datetime, time)):
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


def _set_through_relationships(row, changes: dict) -> dict:
    """{column: value before} for the key columns the flush will fill from a many-to-one
    relationship set on `row` (the row it now points at may get its id only in this flush);
    their new values are read after the flush."""
    state = inspect(row)
    columns = set(_columns(row))
    keys = {}
    for relationship in state.mapper.relationships:
        if (relationship.direction is not MANYTOONE or relationship.viewonly
                or not state.attrs[relationship.key].history.has_changes()):
            continue
        for column in relationship.local_columns:
            key = state.mapper.get_property_by_column(column).key
            if key in columns and key not in changes:
                keys[key] = jsonable(getattr(row, key))
    return keys


def _snapshot(row, side: str) -> dict:
    return {key: {side: jsonable(getattr(row, key))} for key in _columns(row)
            if getattr(row, key) not in (None, "")}


def _actor_id():
    if not has_request_context():
        return None
    from flask_login import current_user

    return current_user.id if getattr(current_user, "is_authenticated", False) else None


@dataclass
class _Change:
    """One audited row's change in a flush, noted before it while the old values are known."""

    row: Audited
    action: str
    changes: dict | None  # None for a new row: its snapshot is taken after the flush (ids known)
    whole: object | None = None  # the row whose event lists this change (record_within)
    through: dict = field(default_factory=dict)  # _set_through_relationships

    def described(self) -> dict:
        """The changes as the event keeps them, now that the flush has written the row."""
        if self.changes is None:
            return _snapshot(self.row, "after")
        changes = dict(self.changes)
        for key, before in self.through.items():
            after = jsonable(getattr(self.row, key))
            if after != before:
                changes[key] = {"before": before, "after": after}
        return changes


def _collect(session: Session, _flush_context, _instances) -> None:
    """Before a flush: note what is about to change, while the old values are still known."""
    pending = session.info.setdefault(_PENDING, [])
    within = session.info.get(_WITHIN, {})

    def note(row, action, changes, through=None):
        whole = within.pop(id(row), (None, None))[1]
        pending.append(_Change(row, row.audit_action(action, changes or {}), changes, whole, through or {}))

    for row in session.new:
        if isinstance(row, Audited):
            note(row, "created", None)
    for row in session.dirty:
        if isinstance(row, Audited) and session.is_modified(row, include_collections=False):
            changes = _changes(row)
            through = _set_through_relationships(row, changes)
            if not changes and not through:
                continue
            action = "updated"
            if "deleted_at" in changes:
                action = "removed" if changes["deleted_at"]["after"] else "restored"
            note(row, action, changes, through)
    for row in session.deleted:
        if isinstance(row, Audited):
            note(row, "deleted", _snapshot(row, "before"))


def _record(session: Session, _flush_context) -> None:
    """After the flush: ids are known; add the audit rows (flushed before the commit ends)."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    from .models.audit import AuditEvent

    actor = _actor_id()
    # A row set through a relationship to the row it already pointed at has not changed.
    described = [(change, changes) for change in pending
                 if (changes := change.described()) or change.action != "updated"]
    recorded = {id(change.row) for change, _changes in described}
    for change, changes in described:
        if change.whole is not None and id(change.whole) in recorded:
            continue  # listed in the event of its whole
        row = change.row
        detail = {"record": row.audit_noun, "id": row.id, "changes": changes}
        parts = [{"record": part.row.audit_noun, "id": part.row.id, "action": part.action, "changes": part_changes}
                 for part, part_changes in described if part.whole is row]
        if parts:
            detail["parts"] = parts
        session.add(AuditEvent(
            initiative_id=row.initiative_id if row.audit_per_initiative else None,
            subject_kind=row.audit_noun, subject_id=row.id, kind=KIND,
            trigger=f"{row.audit_noun}.{change.action}", actor_id=actor, detail=detail))


def _forget(session: Session, *_args) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_WITHIN, None)


def register() -> None:
    """Watch every session (once per process; pmo_web/wiring.py)."""
    if event.contains(Session, "before_flush", _collect):
        return
    event.listen(Session, "before_flush", _collect)
    event.listen(Session, "after_flush_postexec", _record)
    event.listen(Session, "after_rollback", _forget)
    event.listen(Session, "after_commit", _forget)
