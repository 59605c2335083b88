"""Paging long lists: a page number from the address, bounded, and pages of rows.

Flask-SQLAlchemy's `db.paginate` returns one entity per row; lists that select several
columns (a rank, a band and the initiative) use `paginate_rows`, which keeps whole rows
and offers the same page object to templates (and to templates/_pagination.html).
"""
from __future__ import annotations

from flask import request
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import func, select

from .extensions import db
from .fields import whole_number

# An offset past the database's integers fails; a page beyond the last is simply empty.
MAX_OFFSET = 2**31 - 1


def page_number(per_page: int) -> int:
    """The ?page= asked for, at least 1 and never so large its offset overflows."""
    return max(1, min(request.args.get("page", 1, type=whole_number), MAX_OFFSET // per_page))


class RowPagination(SelectPagination):
    """A page of result rows (every selected column), not only the first entity."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def paginate_rows(select, per_page: int) -> RowPagination:
    """The page of `select`'s rows the address asks for."""
    return RowPagination(select=select, session=db.session(), page=page_number(per_page),
                         per_page=per_page, error_out=False)


class IdFirstPagination(Pagination):
    """A page found by its ids first, then its rows loaded by id.

    For lists ordered by something costly (a search's relevance over thousands of matches):
    one statement sorts only ids, takes the page and counts every match with a window
    function, and a second loads just the page's rows with what they show. The usual
    pagination would sort whole joined rows and then run the search again to count.
    """

    def _query_items(self) -> list:
        ids_select, load, model = (self._query_args[name] for name in ("ids", "load", "model"))
        rows = db.session.execute(ids_select.add_columns(func.count().over().label("total"))
                                  .limit(self.per_page).offset(self._query_offset)).all()
        self._total_seen = rows[0].total if rows else None
        if not rows:
            return []
        loaded = {row.id: row for row in db.session.scalars(load.where(model.id.in_([row[0] for row in rows])))}
        return [loaded[row[0]] for row in rows]

    def _query_count(self) -> int:
        if self._total_seen is not None:
            return self._total_seen
        # A page past the end has no row to carry the total: count the matches instead.
        return db.session.scalar(select(func.count()).select_from(self._query_args["ids"].order_by(None).subquery()))


def paginate_ids_first(ids_select, load, model, page: int, per_page: int) -> IdFirstPagination:
    """Page `ids_select` (one column: `model`'s id, in the order wanted) and load the page's
    rows with `load` (a select of `model` with its loader options)."""
    return IdFirstPagination(ids=ids_select, load=load, model=model, page=page, per_page=per_page,
                             error_out=False, count=True)
