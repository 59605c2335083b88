"""Reference data an admin maintains: departments, programmes, priorities, settings."""
from __future__ import annotations

import json

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import Versioned


class Department(Versioned, db.Model):
    """A business unit that sends requests (e.g. Contact Management)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class Programme(Versioned, db.Model):
    """A group of initiatives managed together (e.g. a capital programme)."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    start_year: Mapped[int | None]
    end_year: Mapped[int | None]

    def __str__(self) -> str:
        return self.name


class StrategicPriority(Versioned, db.Model):
    """One of the organisation's strategic priorities that requests are aligned to."""

    __tablename__ = "strategic_priorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def active_ordered(cls) -> list[StrategicPriority]:
        """The active priorities in the admin's order."""
        return list(db.session.scalars(select(cls).where(cls.active).order_by(cls.position, cls.id)))


class Setting(Versioned, db.Model):
    """A configurable value kept as JSON under a key (weights, minimum rank ...)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value_json: Mapped[str] = mapped_column(Text)

    DEFAULTS = {
        "scoring_weights": {"urgency": 30, "desirability": 30, "alignment": 25, "complexity": 15},
        "dashboard_min_rank": "sergeant",
    }

    @classmethod
    def get(cls, key: str):
        """The stored value for `key`, or its default."""
        row = db.session.get(cls, key)
        return json.loads(row.value_json) if row else cls.DEFAULTS.get(key)

    @classmethod
    def put(cls, key: str, value) -> None:
        """Store `value` under `key` (added to the session, not committed)."""
        row = db.session.get(cls, key)
        if row is None:
            row = cls(key=key)
            db.session.add(row)
        row.value_json = json.dumps(value)
