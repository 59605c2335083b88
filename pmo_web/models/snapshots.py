"""The dashboard's headline figures as they stood on a day, so a month later the page can say
how each one has changed (pmo_web/dashboard/tiles.py).

One row per audience and filters per day: `scope` names whose figures they are ("all" for
readers who see every department, "user:<id>" for one who sees only their own) and the
filters chosen; `figures` maps each headline's key to its number (None when there was no
data). Rows are written by the dashboard the first time it works its figures out on a day.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class KpiSnapshot(db.Model):
    """The headline figures one audience saw on one day."""

    __tablename__ = "kpi_snapshots"
    __table_args__ = (UniqueConstraint("scope", "taken_on", name="uq_kpi_snapshots_scope_taken_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(200))
    taken_on: Mapped[date]
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
