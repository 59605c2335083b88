"""Paging long lists: a page number from the address, bounded, and pages of rows.

Flask-SQLAlchemy's `db.paginate` returns one entity per row; lists that select several
columns (a rank, a band and the initiative) use `paginate_rows`, which keeps whole rows
and offers the same page object to templates (and to templates/_pagination.html).
"""
from __future__ import annotations

from flask import request
from flask_sqlalchemy.pagination import SelectPagination

from .extensions import db

# An offset past the database's integers fails; a page beyond the last is simply empty.
MAX_OFFSET = 2**31 - 1


def page_number(per_page: int) -> int:
    """The ?page= asked for, at least 1 and never so large its offset overflows."""
    return max(1, min(request.args.get("page", 1, type=int), MAX_OFFSET // per_page))


class RowPagination(SelectPagination):
    """A page of result rows (every selected column), not only the first entity."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def paginate_rows(select, per_page: int) -> RowPagination:
    """The page of `select`'s rows the address asks for."""
    return RowPagination(select=select, session=db.session(), page=page_number(per_page),
                         per_page=per_page, error_out=False)
