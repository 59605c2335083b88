"""Optimistic locking: the one place that decides whether an edit may be saved.

Every record two people can edit has a `version` (models.base.Versioned). An edit form
carries, in a hidden `version` field, the version(s) it was drawn from. `save()` compares
that with the row(s) as they are now:

* the same: the form's values are applied and committed;
* different (someone saved in between), missing or garbled: nothing is written and a
  `Conflict` comes back, listing the other person's saved values beside the user's own.
  The view answers 409 with the form still holding what the user typed and its version
  moved on to the one just shown, so saving again is a deliberate choice to replace it.

Two saves that race past the comparison at the same instant are caught by the database:
SQLAlchemy's `version_id_col` makes the UPDATE match only the version it read, and the
loser's StaleDataError becomes the same conflict (or, on any other screen, a 409 page).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import current_app, has_request_context
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from wtforms import FieldList, FormField, HiddenField

from workflows.lifecycle import IllegalTransition

from .extensions import db
from .htmx import render
from .models.base import Versioned, utcnow

# Fields that are machinery, not something a person typed, or must never be shown back.
HIDDEN_TYPES = {"CSRFTokenField", "SubmitField", "HiddenField", "PasswordField"}


class VersionedForm:
    """Mixin for a form (PmoForm) that edits versioned rows: adds the hidden version field.

    Filled from `obj=row` on a GET (the row's `version` attribute); forms built from
    `data=` put `"version": token(rows)` in it. Views never copy it onto a row.
    """

    version = HiddenField()

    def saved_values(self, rows) -> dict[str, object]:
        """The saved value behind each visible field, by field name, for the conflict panel.

        By default a field shows the attribute of the same name (less any prefix, as in
        the inline rows' "milestone-7-name") on the (first) row; forms whose fields do not
        map one-to-one onto a row override this.
        """
        row = rows[0]
        return {f.name: getattr(row, f.short_name) for f in visible_fields(self) if hasattr(row, f.short_name)}


@dataclass
class Difference:
    """One field where the saved record and the user's submission disagree."""

    label: str
    saved: str
    yours: str


@dataclass
class Conflict:
    """What the conflict panel shows: who saved, when, and where it differs from this form."""

    changed_by: str
    changed_at: datetime | None
    differences: list[Difference] = field(default_factory=list)


def token(*rows) -> str:
    """The version token an edit form carries: one number per row, "0" for a row not yet saved."""
    return ".".join(str(row.version) if row is not None and row.version else "0" for row in rows)


def submitted_token(form) -> str | None:
    """The version the browser sent back, exactly as sent (None when the field was left out).

    Read from raw_data: WTForms would otherwise fall back to the row's current version
    for a missing field, turning a post without a version into a silent overwrite.
    """
    raw = form.version.raw_data
    return raw[0] if raw else None


def save(form, rows, apply: Callable[[], None], reload: Callable[[], list] | None = None) -> Conflict | None:
    """Apply `form` to `rows` and commit, unless they changed since the form was drawn.

    `rows` is the list of rows the form edits (None for one not created yet); `apply`
    copies the form's fields onto them. `reload` fetches the rows again after a lost race
    (by default the same rows, which reload themselves once expired). Returns None when
    saved, or the Conflict to show.
    """
    rows = list(rows)
    if submitted_token(form) != token(*rows):
        return _conflict(form, rows)
    apply()
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError):
        # Another save committed between our read and our write: the UPDATE matched no
        # row of the version read, or the row we meant to create exists now.
        db.session.rollback()
        return _conflict(form, reload() if reload else rows)
    return None


def _conflict(form, rows) -> Conflict:
    """Describe the saved state against the submission, and move the form on to that state."""
    form.version.data = token(*rows)
    existing = [row for row in rows if row is not None]
    latest = max(existing, key=lambda row: row.changed_at.timestamp() if row.changed_at else 0, default=None)
    saved = form.saved_values(rows) if existing else {}
    differences = []
    for each in visible_fields(form):
        if each.name not in saved:
            continue
        theirs, yours = as_text(each, saved[each.name]), as_text(each, each.data)
        if theirs != yours:
            differences.append(Difference(label_of(form, each), theirs, yours))
    return Conflict(changed_by=(latest.changed_by if latest else "") or "",
                    changed_at=latest.changed_at if latest else None, differences=differences)


def visible_fields(form) -> Iterable:
    """Every field a person fills in, descending into lists of sub-forms (gate settings)."""
    for each in form:
        if isinstance(each, FieldList):
            for entry in each:
                yield from (visible_fields(entry.form) if isinstance(entry, FormField) else [entry])
        elif isinstance(each, FormField):
            yield from visible_fields(each.form)
        elif each.type not in HIDDEN_TYPES:
            yield each


def label_of(form, each) -> str:
    """The field's label, or the form's own wording for it (a gate's rows say which gate)."""
    describe = getattr(form, "conflict_label", None)
    return describe(each) if describe else each.label.text


def as_text(each, value) -> str:
    """A value as the person would recognise it: choice labels, UK dates, pounds, Yes/No."""
    if value is None or value == "" or value == []:
        return "Not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(sorted(as_text(each, item) for item in value))
    labels = _choice_labels(each)
    if labels and str(value) in labels:
        return labels[str(value)]
    if isinstance(value, datetime):
        return f"{value.day} {value:%B %Y, %H:%M}"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, Decimal):
        return f"£{value:,.2f}"
    return str(value).strip() or "Not given"


def _choice_labels(each) -> dict[str, str]:
    choices = getattr(each, "choices", None)
    if not choices or isinstance(choices, dict):
        return {}
    labels = {}
    for choice in choices:
        value, label = (choice.value, choice.label) if hasattr(choice, "value") else (choice[0], choice[1])
        labels[str(value)] = str(label)
    return labels


# ------------------------------------------------------------------ app-wide wiring


def register(app) -> None:
    """Stamp who changed each versioned row, and answer a lost race anywhere with 409."""
    if not event.contains(Session, "before_flush", _stamp_changes):
        event.listen(Session, "before_flush", _stamp_changes)

    @app.errorhandler(StaleDataError)
    def stale(error):
        db.session.rollback()
        current_app.logger.info("Concurrent edit refused: %s", error)
        refusal = IllegalTransition([(
            "Someone else saved a change to this record at the same moment, so yours was not "
            "saved. Reload the page to see their change, then make yours again.")])
        return render("errors/workflow.html", "errors/_workflow.html", status=409, error=refusal)


def _stamp_changes(session, _flush_context, _instances) -> None:
    """Record who changed each versioned row and when; a change to a collection (a user's
    roles) counts too, so it also moves the row's version on."""
    who = ""
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        who = current_user.name
    for row in (*session.new, *session.dirty):
        if isinstance(row, Versioned) and (row in session.new or session.is_modified(row)):
            row.changed_by = who
            row.changed_at = utcnow()
