"""The RAID log of one initiative: inline editing of its risks, assumptions, issues and dependencies.

Everyone who may see an initiative may read its log; the PMO and admins change it while the
initiative is live (service.EDITABLE_STATES). Rows are edited in place with htmx: Edit,
Remove and Escalate turn the row into a form and saving returns the row. Without
JavaScript every URL answers with the whole page, the row drawn as its form.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from .. import access, concurrency
from ..extensions import db
from ..htmx import is_partial, render
from ..models import Initiative, RaidItem
from ..models.raid import KIND_PLURALS, KINDS
from . import service
from .blueprint import bp
from .forms import FORMS, EscalationForm, LogFilters, RemoveForm


def page_context(initiative: Initiative) -> dict:
    """What the whole log page needs, in a fixed number of queries whatever its length."""
    filters = LogFilters(formdata=request.args, owners=service.log_owners(initiative))
    removed_id = request.args.get("removed", type=int)
    just_removed = service.item_of(initiative, removed_id) if removed_id else None
    return {
        "items": service.log_items(initiative, filters.query()),
        "removed": service.removed_items(initiative),
        "counts": service.kind_counts(initiative),
        "dependents": service.dependents(initiative),
        "filters": filters,
        "just_removed": just_removed if just_removed and just_removed.deleted_at else None,
        "read_only_reason": (None if initiative.state in service.EDITABLE_STATES
                             else service.refusal_reason(initiative)),
    }


def counts_context(initiative: Initiative) -> dict:
    """The log's counts as the page showing it counts them (its filters are in the address the
    htmx request came from), for refreshing them out of band after a row changes."""
    current = request.headers.get("HX-Current-URL")
    args = MultiDict(parse_qsl(urlsplit(current).query)) if current else request.args
    filters = LogFilters(formdata=args, owners=service.log_owners(initiative))
    return {"counts": service.kind_counts(initiative), "filters": filters,
            "shown": len(service.log_items(initiative, filters.query()))}


def row_context(initiative: Initiative) -> dict:
    """What every row of the log needs, alone or in the page."""
    return {"initiative": initiative, "can_edit": service.can_edit_log(initiative), "kinds": KINDS,
            "kind_plurals": KIND_PLURALS, "can_see": lambda other: access.can_see(current_user, other)}


def respond(initiative: Initiative, fragment: str, status: int = 200, **context):
    """The fragment for htmx; otherwise the whole log page built around the same context."""
    context.update(row_context(initiative))
    if not is_partial():
        context = {**page_context(initiative), **context}
    return render("raid/log.html", fragment, status, **context)


def refuse(initiative: Initiative, row_id: str, reason: str, status: int = 409):
    """Stop the request with the reason: in the row for htmx, as a page otherwise."""
    abort(render("raid/refused.html", "raid/_refused_row.html", status, initiative=initiative,
                 row_id=row_id, reason=reason, can_edit=False))


def check_may_edit(initiative: Initiative, row_id: str) -> None:
    """403 for anyone but the PMO and admins; 409 while the log is read-only (draft, ended)."""
    if not access.can_manage(current_user):
        abort(403)
    if initiative.state not in service.EDITABLE_STATES:
        refuse(initiative, row_id, service.refusal_reason(initiative))


def item_or_404(initiative: Initiative, raid_item_id: int) -> RaidItem:
    """One item of this initiative's log; 404 for an item of any other."""
    item = service.item_of(initiative, raid_item_id)
    if item is None:
        abort(404)
    return item


def live_item(initiative: Initiative, raid_item_id: int) -> RaidItem:
    """An item that may be changed now: editable log, item not removed (409 with the reason)."""
    item = item_or_404(initiative, raid_item_id)
    check_may_edit(initiative, f"raid-item-{item.id}")
    if item.deleted_at is not None:
        refuse(initiative, f"raid-item-{item.id}",
               f"‘{item.title}’ has been removed from the log. Restore it before changing it.")
    return item


def item_form(initiative: Initiative, kind: str, item: RaidItem | None, prefix: str):
    """The form for one kind of item, with its owner (and, for a dependency, target) choices."""
    extra = {}
    if kind == "dependency":
        extra["targets"] = service.dependency_targets(current_user, initiative, item.depends_on_id if item else None)
    return FORMS[kind](obj=item, prefix=prefix, current_owner_id=item.owner_id if item else None, **extra)


def item_saved(initiative: Initiative, item: RaidItem, message: str, added: bool = False):
    """After a save: the row for htmx (with the log's counts when it was added), post/redirect/get
    back to the row otherwise."""
    if is_partial() and added:
        return respond(initiative, "raid/_item_added.html", item=item, **counts_context(initiative))
    if is_partial():
        return respond(initiative, "raid/_item_row.html", item=item)
    flash(message, "success")
    return redirect(url_for(".log", initiative_id=initiative.id, _anchor=f"raid-item-{item.id}"), 303)


@bp.get("/initiatives/<int:initiative_id>/raid")
@login_required
def log(initiative_id: int):
    """The RAID log: risks, assumptions, issues and dependencies, filtered and sorted."""
    initiative = access.initiative_or_404(initiative_id)
    return render("raid/log.html", **row_context(initiative), **page_context(initiative))


@bp.get("/initiatives/<int:initiative_id>/raid/<int:raid_item_id>")
@login_required
def item_row(initiative_id: int, raid_item_id: int):
    """One item as a table row (cancelling an inline edit); the log page without htmx."""
    initiative = access.initiative_or_404(initiative_id)
    item = item_or_404(initiative, raid_item_id)
    fragment = "raid/_item_removed.html" if item.deleted_at else "raid/_item_row.html"
    return respond(initiative, fragment, item=item)


@bp.route("/initiatives/<int:initiative_id>/raid/new", methods=["GET", "POST"])
@login_required
def item_new(initiative_id: int):
    """Add an item of the chosen kind: a blank form row at the top of the log."""
    initiative = access.initiative_or_404(initiative_id)
    check_may_edit(initiative, "raid-item-new")
    kind = request.form.get("kind") if request.method == "POST" else request.args.get("kind", "risk")
    if kind not in FORMS:
        abort(404)
    form = item_form(initiative, kind, None, "raid-item-new")
    if form.validate_on_submit():
        item = RaidItem(initiative_id=initiative.id, kind=kind, created_by_id=current_user.id)
        form.apply_to(item)
        db.session.add(item)
        db.session.commit()
        return item_saved(initiative, item, f"{item.kind_label} ‘{item.title}’ added", added=True)
    return respond(initiative, "raid/_item_form.html", 422 if form.is_submitted() else 200,
                   item=None, item_form=form, editing="new", mode="edit")


@bp.route("/initiatives/<int:initiative_id>/raid/<int:raid_item_id>/edit", methods=["GET", "POST"])
@login_required
def item_edit(initiative_id: int, raid_item_id: int):
    """Edit an item in place: its row becomes a form; saving returns the row."""
    initiative = access.initiative_or_404(initiative_id)
    item = live_item(initiative, raid_item_id)
    form = item_form(initiative, item.kind, item, f"raid-item-{item.id}")
    conflict = None
    if form.validate_on_submit():
        conflict = concurrency.save(form, [item], lambda: form.apply_to(item))
        if conflict is None:
            return item_saved(initiative, item, f"{item.kind_label} ‘{item.title}’ saved")
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return respond(initiative, "raid/_item_form.html", status, item=item, item_form=form,
                   editing=item.id, mode="edit", row_conflict=conflict)


@bp.route("/initiatives/<int:initiative_id>/raid/<int:raid_item_id>/remove", methods=["GET", "POST"])
@login_required
def item_remove(initiative_id: int, raid_item_id: int):
    """Remove an item after confirming: a soft delete, undone straight away or from the removed list."""
    initiative = access.initiative_or_404(initiative_id)
    item = live_item(initiative, raid_item_id)
    form = RemoveForm(obj=item, prefix=f"remove-{item.id}")
    conflict = None
    if form.validate_on_submit():
        conflict = concurrency.save(form, [item], lambda: service.remove(item))
        if conflict is None:
            if is_partial():
                return respond(initiative, "raid/_item_removed_swap.html", item=item,
                               removed=service.removed_items(initiative), **counts_context(initiative))
            return redirect(url_for(".log", initiative_id=initiative.id, removed=item.id, _anchor="raid-log"), 303)
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return respond(initiative, "raid/_item_remove.html", status, item=item, remove_form=form,
                   editing=item.id, mode="remove", row_conflict=conflict)


@bp.post("/initiatives/<int:initiative_id>/raid/<int:raid_item_id>/restore")
@login_required
def item_restore(initiative_id: int, raid_item_id: int):
    """Undo a removal: the item returns to the log (restoring one in the log changes nothing)."""
    initiative = access.initiative_or_404(initiative_id)
    item = item_or_404(initiative, raid_item_id)
    check_may_edit(initiative, f"raid-item-{item.id}")
    service.restore(item)
    db.session.commit()
    if is_partial():
        return respond(initiative, "raid/_item_restored_swap.html", item=item,
                       removed=service.removed_items(initiative), **counts_context(initiative))
    flash(f"{item.kind_label} ‘{item.title}’ is back in the log", "success")
    return redirect(url_for(".log", initiative_id=initiative.id, _anchor=f"raid-item-{item.id}"), 303)


@bp.route("/initiatives/<int:initiative_id>/raid/<int:raid_item_id>/escalation", methods=["GET", "POST"])
@login_required
def item_escalation(initiative_id: int, raid_item_id: int):
    """Escalate an item to a board with a note, change the escalation, or withdraw it."""
    initiative = access.initiative_or_404(initiative_id)
    item = live_item(initiative, raid_item_id)
    form = EscalationForm(obj=item, prefix=f"escalate-{item.id}", current_board=item.escalated_to)
    conflict = None
    if form.validate_on_submit():
        if form.withdraw.data:
            conflict = concurrency.save(form, [item], lambda: service.de_escalate(item))
            message = "is no longer escalated"
        else:
            board, note = form.escalated_to.data, form.escalation_note.data.strip()
            conflict = concurrency.save(form, [item], lambda: service.escalate(item, board, note))
            message = f"is escalated to the {board}"
        if conflict is None:
            return item_saved(initiative, item, f"{item.kind_label} ‘{item.title}’ {message}")
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return respond(initiative, "raid/_item_escalation.html", status, item=item, escalation_form=form,
                   editing=item.id, mode="escalate", row_conflict=conflict)
