"""The queries behind the lessons log and library, each page in a fixed number of statements.

The library's search is full-text and ranked by relevance on either database
(pmo_web/search.py); without search words lessons come newest first. Every list is
limited to the initiatives the user may see (access.visible_clause).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from flask import url_for
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import access
from ..extensions import db
from ..models import Initiative, Lesson
from ..paging import paginate_ids_first
from ..search import SearchTerms, highlight, parse_query, ranked_lesson_ids, snippet

LIBRARY_PAGE_SIZE = 20
LAST_PAGE = (2**31 - 1) // LIBRARY_PAGE_SIZE
# An initiative named in a lesson's dependencies by its reference, e.g. CR-0012.
REFERENCE = re.compile(r"\bCR-(\d{1,9})\b", re.IGNORECASE)
LARGEST_ID = 2**31 - 1
LINK = Markup('<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden">: {}</span></a>')


def _referenced_ids(texts: Iterable[str]) -> set[int]:
    return {int(found) for text in texts for found in REFERENCE.findall(text or "") if int(found) <= LARGEST_ID}


def dependency_links(lessons: Iterable[Lesson | None]) -> Callable[[str], Markup]:
    """A function that draws a dependencies text with each CR-nnnn the user may see as a link.

    One query for all the lessons given (none when they name no initiative); a reference to
    an initiative that does not exist, or that the user may not see, stays plain text."""
    ids = _referenced_ids(lesson.dependencies for lesson in lessons if lesson is not None)
    linked = {}
    if ids:
        linked = {initiative.id: initiative for initiative in db.session.scalars(
            select(Initiative).where(Initiative.id.in_(ids), access.visible_clause(current_user)))}

    def draw(text: str) -> Markup:
        pieces, cursor = [], 0
        for match in REFERENCE.finditer(text or ""):
            initiative = linked.get(int(match.group(1))) if int(match.group(1)) <= LARGEST_ID else None
            if initiative is None:
                continue
            pieces.append(escape(text[cursor:match.start()]))
            pieces.append(LINK.format(url_for("initiatives.show", initiative_id=initiative.id), match.group(0),
                                      initiative.title))
            cursor = match.end()
        pieces.append(escape((text or "")[cursor:]))
        return Markup("").join(pieces)

    return draw


def log_context(initiative: Initiative, with_deleted: bool, deleted_only: bool = False) -> dict:
    """The lessons log of one initiative: live lessons newest first and, for those who may
    restore them, the deleted ones. `deleted_only` loads just the deleted list (after a
    delete or an undo, when only that list is refreshed beside the row)."""
    base = (select(Lesson).where(Lesson.initiative_id == initiative.id)
            .options(selectinload(Lesson.logged_by)))
    deleted = db.session.scalars(base.where(Lesson.deleted_at.is_not(None))
                                 .order_by(Lesson.deleted_at.desc(), Lesson.id.desc())).all() if with_deleted else []
    if deleted_only:
        return {"deleted_lessons": deleted}
    lessons = db.session.scalars(base.where(Lesson.deleted_at.is_(None))
                                 .order_by(Lesson.date_added.desc(), Lesson.id.desc())).all()
    return {"lessons": lessons, "deleted_lessons": deleted, "dependency_links": dependency_links(lessons)}


def library_page(user, filters, page_number: int) -> dict:
    """One page of the library for `user`: matching lessons (best match first when searching),
    each with a highlighted snippet, the total, and what was searched."""
    terms = parse_query(filters.q.data)
    ids = (select(Lesson.id).join(Initiative, Lesson.initiative_id == Initiative.id)
           .where(Lesson.deleted_at.is_(None), access.visible_clause(user), *filters.conditions()))
    if terms:
        ranked = ranked_lesson_ids(db.engine.dialect.name, terms)
        ids = (ids.join(ranked, ranked.c.lesson_id == Lesson.id)
               .order_by(ranked.c.relevance.desc(), Lesson.date_added.desc(), Lesson.id.desc()))
    else:
        ids = ids.order_by(Lesson.date_added.desc(), Lesson.id.desc())
    # What a result shows: its initiative (without the owner an initiative brings) and programme.
    load = select(Lesson).options(joinedload(Lesson.initiative).lazyload(Initiative.owner),
                                  joinedload(Lesson.initiative).joinedload(Initiative.programme))
    page = paginate_ids_first(ids, load, Lesson, max(1, min(page_number, LAST_PAGE)), LIBRARY_PAGE_SIZE)
    return {"results_page": page, "terms": terms, "results": [_result(lesson, terms) for lesson in page.items],
            "searched": bool(terms), "typed_nothing_usable": bool((filters.q.data or "").strip()) and not terms}


def _result(lesson: Lesson, terms: SearchTerms) -> dict:
    field, excerpt = snippet(lesson, terms)
    return {"lesson": lesson, "title": _title(lesson, terms), "snippet": excerpt, "snippet_field": field}


def _title(lesson: Lesson, terms: SearchTerms) -> Markup:
    return highlight(lesson.title or "Untitled lesson", terms)
