"""The lessons log of an initiative (inline editing) and the searchable lessons library.

Everyone who may see an initiative reads its lessons log; the PMO and admins keep it while
the initiative is in delivery, on hold or benefits review. Rows are edited in place with
htmx; without JavaScript the same URLs answer with the whole log. Deleting a lesson is a
soft delete that can be undone (and is kept in the history). The library lists the lessons
of every initiative the user may see, searched and filtered (see library.py).
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from workflows import editing

from .. import access, concurrency
from ..extensions import db
from ..htmx import is_partial, render
from ..models import Initiative, Lesson
from ..models.base import utcnow
from .blueprint import bp
from .forms import LessonForm, LibraryFilters, NewLessonForm
from .library import LIBRARY_PAGE_SIZE, dependency_links, library_page, log_context


def can_edit_lessons(initiative: Initiative) -> bool:
    """True when the signed-in user may change this initiative's lessons log now."""
    return access.can_manage(current_user) and editing.may_edit("lessons", initiative.state)


def check_may_edit(initiative: Initiative) -> None:
    """403 for anyone but the PMO and admins; 409 (the workflow's refusal, so htmx gets the
    reason as a fragment) when the initiative is not in a state that keeps a lessons log."""
    if not access.can_manage(current_user):
        abort(403)
    editing.require("lessons", initiative.state)


def lesson_or_404(initiative: Initiative, lesson_id: int, deleted: bool | None = False) -> Lesson:
    """One live lesson of this initiative (deleted=None: live or deleted); 404 otherwise."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.initiative_id != initiative.id:
        abort(404)
    if deleted is not None and (lesson.deleted_at is not None) != deleted:
        abort(404)
    return lesson


def respond(initiative: Initiative, fragment: str, status: int = 200, **context):
    """The fragment for htmx; otherwise the whole log built around the same context."""
    context.update(initiative=initiative, can_edit_lessons=can_edit_lessons(initiative))
    if is_partial():
        context.setdefault("dependency_links", dependency_links([context.get("lesson")]))
    else:
        context = {**log_context(initiative, context["can_edit_lessons"]), **context}
    return render("lessons/log.html", fragment, status, **context)


def changed(response):
    """Tell the page the lessons log changed (htmx event "lessons-changed"): the benefits
    review's closure readiness, which counts lessons, refreshes itself on it."""
    response.headers["HX-Trigger"] = "lessons-changed"
    return response


def back_to_row(initiative: Initiative, lesson: Lesson, message: str):
    """After a change without htmx: say what happened and show the lesson in the log."""
    flash(message, "success")
    return redirect(url_for(".log", initiative_id=initiative.id, _anchor=f"lesson-{lesson.id}"), 303)


@bp.get("/initiatives/<int:initiative_id>/lessons")
@login_required
def log(initiative_id: int):
    """The initiative's lessons log: every lesson in full, newest first."""
    initiative = access.initiative_or_404(initiative_id)
    return respond(initiative, "lessons/log.html")


@bp.get("/initiatives/<int:initiative_id>/lessons/<int:lesson_id>")
@login_required
def row(initiative_id: int, lesson_id: int):
    """One lesson as a table row (cancelling an edit or a delete); the log without htmx."""
    initiative = access.initiative_or_404(initiative_id)
    lesson = lesson_or_404(initiative, lesson_id)
    return respond(initiative, "lessons/_row.html", lesson=lesson)


@bp.route("/initiatives/<int:initiative_id>/lessons/new", methods=["GET", "POST"])
@login_required
def new(initiative_id: int):
    """Add a lesson: a blank form row at the top of the log; saving returns the new row."""
    initiative = access.initiative_or_404(initiative_id)
    check_may_edit(initiative)
    form = NewLessonForm(prefix="lesson-new")
    if form.validate_on_submit():
        lesson = Lesson(initiative_id=initiative.id, logged_by_id=current_user.id)
        form.apply_to(lesson)
        db.session.add(lesson)
        db.session.commit()
        if not is_partial():
            return back_to_row(initiative, lesson, f"Lesson ‘{lesson.title}’ added")
        return changed(respond(initiative, "lessons/_row.html", lesson=lesson))
    status = 422 if form.is_submitted() else 200
    return respond(initiative, "lessons/_form.html", status, lesson=None, lesson_form=form, lesson_editing="new")


@bp.route("/initiatives/<int:initiative_id>/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int, lesson_id: int):
    """Edit a lesson in place: its row becomes a form; saving returns the row."""
    initiative = access.initiative_or_404(initiative_id)
    lesson = lesson_or_404(initiative, lesson_id)
    check_may_edit(initiative)
    form = LessonForm(obj=lesson, prefix=f"lesson-{lesson.id}")
    conflict = None
    if form.validate_on_submit():
        conflict = concurrency.save(form, [lesson], lambda: form.apply_to(lesson))
        if conflict is None:
            if not is_partial():
                return back_to_row(initiative, lesson, f"Lesson ‘{lesson.title}’ saved")
            return changed(respond(initiative, "lessons/_row.html", lesson=lesson))
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return respond(initiative, "lessons/_form.html", status, lesson=lesson, lesson_form=form,
                   lesson_editing=lesson.id, row_conflict=conflict)


@bp.route("/initiatives/<int:initiative_id>/lessons/<int:lesson_id>/delete", methods=["GET", "POST"])
@login_required
def delete(initiative_id: int, lesson_id: int):
    """Ask to confirm in the row (GET), then delete: the row says so and offers to undo."""
    initiative = access.initiative_or_404(initiative_id)
    lesson = lesson_or_404(initiative, lesson_id)
    check_may_edit(initiative)
    if request.method == "GET":
        return respond(initiative, "lessons/_confirm_delete.html", lesson=lesson, lesson_confirming=lesson.id)
    lesson.deleted_at = utcnow()
    db.session.commit()
    if not is_partial():
        flash(f"Lesson ‘{lesson.title}’ deleted. You can restore it from the deleted lessons below.", "success")
        return redirect(url_for(".log", initiative_id=initiative.id, _anchor="deleted-lessons"), 303)
    return changed(respond(initiative, "lessons/_deleted.html", lesson=lesson,
                           **log_context(initiative, True, deleted_only=True)))


@bp.post("/initiatives/<int:initiative_id>/lessons/<int:lesson_id>/restore")
@login_required
def restore(initiative_id: int, lesson_id: int):
    """Undo a delete: the lesson is back in the log, the library and the closure criterion."""
    initiative = access.initiative_or_404(initiative_id)
    lesson = lesson_or_404(initiative, lesson_id, deleted=None)
    check_may_edit(initiative)
    if lesson.deleted_at is not None:  # restoring twice (a double press of Undo) changes nothing
        lesson.deleted_at = None
        db.session.commit()
    if not is_partial():
        return back_to_row(initiative, lesson, f"Lesson ‘{lesson.title}’ restored")
    # From the row's own Undo button the row comes back in place; from the deleted list the
    # row is added at the top of the log. Either way the deleted list is refreshed.
    return changed(respond(initiative, "lessons/_restored.html", lesson=lesson,
                           in_place=request.args.get("in_place") == "1",
                           **log_context(initiative, True, deleted_only=True)))


@bp.get("/lessons")
@access.page_permission(access.can_read_portfolio)
def library():
    """Every lesson the user may see, searched by relevance and filtered; htmx gets the results alone."""
    filters = LibraryFilters(formdata=request.args)
    page_number = request.args.get("page", 1, type=int)
    return render("lessons/library.html", "lessons/_results.html", filters=filters, page_size=LIBRARY_PAGE_SIZE,
                  out_of_band=is_partial(), **library_page(current_user, filters, page_number))
