"""The import's four steps: upload, map, preview, import; then a summary.

Only the PMO and administrators import. An upload is kept on the server
(models.ImportUpload) and opened only by the person who uploaded it, or an administrator;
anyone else gets 404, as they do once it has expired. A step reached out of order sends
the user to the step the upload is at (mapping before preview, summary after import).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ..access import roles_required
from ..extensions import db
from ..models import ImportUpload, Initiative
from ..models.base import utcnow
from ..paging import page_number
from . import reading, service
from .blueprint import bp
from .fields import REQUIRED, TARGET_BY_NAME, TARGETS, guess_mapping
from .forms import MappingForm, RunForm, UploadForm

MANAGERS = ("pmo", "admin")
# Errors listed on the preview; the count says how many more there are.
ERRORS_SHOWN = 200
# Imported initiatives listed per page of the summary.
DONE_PER_PAGE = 100


def upload_or_404(upload_id: int) -> ImportUpload:
    """The current user's live upload (an administrator may open anyone's); 404 otherwise."""
    upload = db.session.get(ImportUpload, upload_id)
    if (upload is None or upload.expires_at <= utcnow()
            or (upload.owner_id != current_user.id and not current_user.has_role("admin"))):
        abort(404)
    return upload


@bp.route("", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def upload():
    """Step 1: choose a CSV or XLSX file; it is read and kept on the server."""
    form = UploadForm()
    if form.validate_on_submit():
        chosen = form.tracker.data
        try:
            headings, rows = reading.read(chosen.filename or "", chosen.stream.read(reading.MAX_BYTES + 1))
        except reading.UnreadableFile as problem:
            form.tracker.errors.append(str(problem))
        else:
            kept = service.keep_upload(current_user, reading.base_name(chosen.filename), headings, rows)
            db.session.commit()
            return redirect(url_for(".mapping", upload_id=kept.id), 303)
    status = 422 if form.errors else 200
    return render_template("imports/upload.html", form=form, targets=TARGETS), status


@bp.route("/<int:upload_id>/map", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def mapping(upload_id: int):
    """Step 2: say which field each column goes to, pre-filled from the last mapping of the
    same headings or by matching the headings."""
    upload = upload_or_404(upload_id)
    if upload.imported_at:
        return redirect(url_for(".done", upload_id=upload.id))
    remembered = None if upload.mapping else service.remembered_mapping(upload)
    form = MappingForm.for_headings(upload.headers, upload.mapping or guess_mapping(upload.headers, remembered))
    if form.validate_on_submit():
        upload.mapping = form.mapping
        db.session.commit()
        return redirect(url_for(".preview", upload_id=upload.id), 303)
    samples = [next((cells[index] for _number, cells in upload.rows if cells[index]), "")
               for index in range(len(upload.headers))]
    return render_template("imports/mapping.html", upload=upload, form=form, samples=samples, required=REQUIRED,
                           remembered=bool(remembered)), 422 if form.errors else 200


@bp.get("/<int:upload_id>/preview")
@roles_required(*MANAGERS)
def preview(upload_id: int):
    """Step 3: the first rows as they will be imported, and every row's problems."""
    upload = upload_or_404(upload_id)
    if upload.imported_at:
        return redirect(url_for(".done", upload_id=upload.id))
    if upload.mapping is None:
        return redirect(url_for(".mapping", upload_id=upload.id))
    return _preview(upload, service.check_upload(upload), RunForm())


@bp.post("/<int:upload_id>/run")
@roles_required(*MANAGERS)
def run(upload_id: int):
    """Step 4: import every row in one transaction, only when no row has a problem."""
    upload = upload_or_404(upload_id)
    if upload.imported_at:
        return redirect(url_for(".done", upload_id=upload.id), 303)
    if upload.mapping is None:
        return redirect(url_for(".mapping", upload_id=upload.id), 303)
    form = RunForm()
    if not form.validate_on_submit():
        abort(400)
    checked = service.check_upload(upload)  # again: reference data may have changed since
    if checked.errors:
        return _preview(upload, checked, form, 422)
    try:
        service.run(upload, current_user, checked)
    except service.AlreadyImported:  # by a simultaneous request (a double click, another tab)
        return redirect(url_for(".done", upload_id=upload.id), 303)
    except service.ImportFailed:
        form.run.errors = ["The import stopped part-way, so nothing was imported. Try again; if it fails "
                           "again, tell the system owner."]
        return _preview(upload, service.check_upload(upload), form, 500)
    flash(f"{len(upload.imported_ids):,} initiatives imported", "success")
    return redirect(url_for(".done", upload_id=upload.id), 303)


@bp.get("/<int:upload_id>/done")
@roles_required(*MANAGERS)
def done(upload_id: int):
    """The summary of an import, linking to every initiative it made."""
    upload = upload_or_404(upload_id)
    if not upload.imported_at:
        return redirect(url_for(".preview", upload_id=upload.id))
    page = db.paginate(select(Initiative).where(Initiative.id.in_(upload.imported_ids)).order_by(Initiative.id),
                       page=page_number(DONE_PER_PAGE), per_page=DONE_PER_PAGE, error_out=False)
    return render_template("imports/done.html", upload=upload, page=page)


def _preview(upload: ImportUpload, checked, form: RunForm, status: int = 200):
    columns = [TARGET_BY_NAME[name] for _index, name in sorted(upload.mapping.items(), key=lambda i: int(i[0]))
               if name in TARGET_BY_NAME]
    response = render_template("imports/preview.html", upload=upload, checked=checked, columns=columns, form=form,
                               errors=checked.errors[:ERRORS_SHOWN],
                               more_errors=max(0, len(checked.errors) - ERRORS_SHOWN))
    return response, status
