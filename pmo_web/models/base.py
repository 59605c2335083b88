"""Column helpers shared by the models."""
from datetime import UTC, datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Timezone-aware now in UTC; every stored timestamp is UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC datetimes and always returns them timezone-aware.

    SQLite drops the zone; without this, arithmetic between stored and fresh
    timestamps (time in stage, ages on cards) would mix naive and aware values.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if value is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Versioned:
    """Optimistic locking for a record that two people can edit (see pmo_web/concurrency.py).

    `version` counts the saves of the row. SQLAlchemy checks and increments it in every
    UPDATE (`version_id_col`), so a save that races another one fails instead of silently
    overwriting it; edit forms carry the version they were loaded with so a save made from
    a stale page is refused before it is tried. `changed_by` and `changed_at` (set on each
    update by pmo_web.concurrency) tell the second person whose save they ran into. The
    name is kept as text, not a key to users, so reference tables do not depend on users.
    """

    version: Mapped[int] = mapped_column(default=1, server_default="1")
    changed_by: Mapped[str] = mapped_column(String(120), default="", server_default="")
    changed_at = mapped_column(UTCDateTime, nullable=True)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}
