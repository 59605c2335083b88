"""The import's steps on the server: keep an upload, remember mappings, import all or nothing."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import SQLAlchemyError

from .. import workflow
from ..extensions import db
from ..models import ImportMapping, ImportUpload
from ..models.base import utcnow
from . import reading
from .fields import TARGETS, TEXT, Checked, Lookups, check, remembered_form, target_columns

log = logging.getLogger(__name__)

UPLOAD_LIFETIME = timedelta(days=1)
# Every column an import may fill, empty: all rows are inserted with the same columns
# (one executemany), text left empty is "" (those columns are NOT NULL), the rest NULL.
EMPTY_VALUES = {column: "" if target.kind == TEXT else None for target in TARGETS
                for column in target_columns(target)}


class ImportFailed(RuntimeError):
    """The import stopped part-way; everything it had done was rolled back."""


class AlreadyImported(RuntimeError):
    """Another request imported the upload first; this one did nothing."""


def keep_upload(user, file_name: str, headings: list[str], rows: list) -> ImportUpload:
    """Store a parsed file for `user` (not committed); expired uploads of anyone go first."""
    now = utcnow()
    db.session.execute(delete(ImportUpload).where(ImportUpload.expires_at < now))
    upload = ImportUpload(owner_id=user.id, file_name=file_name[:255], header_key=reading.header_key(headings),
                          headers=headings, rows=rows, created_at=now, expires_at=now + UPLOAD_LIFETIME)
    db.session.add(upload)
    return upload


def remembered_mapping(upload: ImportUpload) -> dict[str, str] | None:
    """The mapping last used for this upload's set of headings, if one was."""
    saved = db.session.get(ImportMapping, upload.header_key)
    return saved.mapping if saved else None


def check_upload(upload: ImportUpload) -> Checked:
    """The upload's rows checked against its mapping, with reference data loaded once."""
    return check(upload.headers, upload.rows, upload.mapping or {}, Lookups.load())


def run(upload: ImportUpload, user, checked: Checked) -> list[int]:
    """Import every row of a checked upload, or none: one transaction, committed at the end.

    First the upload is claimed: marked imported only if it is not yet, by one conditional
    UPDATE in the same transaction as the import. Its row lock makes a simultaneous run of
    the same upload (a double click, two tabs) wait for this one to finish, then find the
    upload claimed and raise AlreadyImported; a failed import rolls the claim back with the
    rest, so the upload can be imported again. The initiatives and their audit rows are
    inserted in batches (pmo_web.workflow.place_imported); the mapping is remembered for the
    same headings next time; the upload keeps the new ids for the summary page and drops its
    rows. Any failure rolls back all of it and raises ImportFailed.
    """
    try:
        now = utcnow()
        claimed = db.session.execute(update(ImportUpload).where(
            ImportUpload.id == upload.id, ImportUpload.imported_at.is_(None)).values(imported_at=now))
        if claimed.rowcount != 1:
            db.session.rollback()
            raise AlreadyImported(upload.id)
        placed = []
        for number, values in checked.rows:
            state = values.pop("state")
            placed.append(({**EMPTY_VALUES, "owner_id": user.id, **values}, state, number))
        ids = workflow.place_imported(placed, user, upload.file_name)
        _remember(upload, user)
        upload.imported_ids = ids
        upload.imported_at = now
        upload.rows = []
        db.session.commit()
    except SQLAlchemyError as error:
        upload_id = upload.id
        db.session.rollback()
        log.warning("import rolled back", extra={"upload_id": upload_id, "error": type(error).__name__})
        raise ImportFailed(str(error)) from error
    log.info("tracker imported", extra={"upload_id": upload.id, "rows": len(placed)})
    return upload.imported_ids


def _remember(upload: ImportUpload, user) -> None:
    saved = db.session.get(ImportMapping, upload.header_key)
    if saved is None:
        saved = ImportMapping(header_key=upload.header_key)
        db.session.add(saved)
    saved.mapping = remembered_form(upload.headers, upload.mapping or {})
    saved.updated_by_id = user.id
    saved.updated_at = utcnow()
