"""Tracker imports: a file uploaded and waiting to be mapped and imported, and the column
mappings remembered per set of headings (pmo_web/imports)."""
from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class ImportUpload(db.Model):
    """One uploaded tracker file, parsed, kept on the server between the import's steps.

    The rows live here rather than in the session (a cookie could not hold 5,000 rows, and
    several workers must see the same upload). Only its owner opens it, or an administrator;
    it expires a day after upload and is deleted by the next upload after that. Once
    imported, its rows are dropped and `imported_ids` keeps what the summary page links to.
    """

    __tablename__ = "import_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    # sha256 of the normalised headings: the key of the remembered mapping.
    header_key: Mapped[str] = mapped_column(String(64))
    headers: Mapped[list] = mapped_column(JSON, default=list)
    rows: Mapped[list] = mapped_column(JSON, default=list)  # lists of strings, one per data row
    # {column index as text: field name}; None until the mapping step is saved.
    mapping: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    expires_at = mapped_column(UTCDateTime, index=True)
    imported_at = mapped_column(UTCDateTime, nullable=True)
    imported_ids: Mapped[list] = mapped_column(JSON, default=list)


class ImportMapping(db.Model):
    """The column mapping last used for a set of headings, offered again for the same set."""

    __tablename__ = "import_mappings"

    header_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # {normalised heading: field name}
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
