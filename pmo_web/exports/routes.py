"""The download page and the downloads: each dataset of pmo_web/tabular.py as CSV or XLSX.

Downloads are GET and change nothing. They take the portfolio's filters (department,
programme, stage) from the address, so a link from a filtered list downloads what the list
shows; every row is one the user may see.
"""
from __future__ import annotations

import logging

from flask import Response, abort, current_app, render_template, request
from flask_login import current_user, login_required

from .. import access
from ..extensions import db
from ..initiatives.forms import PortfolioFilters
from ..models.base import utcnow
from ..tabular import DATASETS, Dataset
from .blueprint import bp
from .files import CSV_MIMETYPE, XLSX_MIMETYPE, build_csv, build_xlsx, file_chunks

log = logging.getLogger(__name__)

# Rows fetched from the database at a time: memory stays flat however long the file.
FETCH_ROWS = 1000
FILE_FORMATS = ("csv", "xlsx")


@bp.get("/exports")
@access.portfolio_readers_only
def index():
    """The datasets this user may download, with how many rows each holds under the filters."""
    filters = PortfolioFilters(formdata=request.args)
    conditions = filters.conditions()
    datasets = [(dataset, dataset.count(current_user, conditions))
                for dataset in DATASETS.values() if dataset.may_read(current_user)]
    return render_template("exports/index.html", datasets=datasets, filters=filters)


@bp.get("/exports/<dataset>.<file_format>")
@login_required
def download(dataset: str, file_format: str):
    """One dataset as a CSV or XLSX file, with the security marking in it and in its name."""
    chosen = DATASETS.get(dataset)
    if chosen is None or file_format not in FILE_FORMATS:
        abort(404)
    if not chosen.may_read(current_user):
        abort(403)
    filters = PortfolioFilters(formdata=request.args)
    rows = db.session.execute(chosen.select(current_user, filters.conditions())
                              .execution_options(yield_per=FETCH_ROWS))
    marking = current_app.config["SECURITY_MARKING"]
    if file_format == "csv":
        output, count = build_csv(chosen, rows)
    else:
        output, count = build_xlsx(chosen, rows, marking, _about(chosen, filters))
    size = output.seek(0, 2)
    output.seek(0)
    log.info("data exported", extra={"dataset": chosen.name, "format": file_format, "rows": count})
    response = Response(file_chunks(output), mimetype=CSV_MIMETYPE if file_format == "csv" else XLSX_MIMETYPE,
                        direct_passthrough=True)
    response.content_length = size
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(chosen, file_format)}"'
    return response


def file_name(dataset: Dataset, file_format: str) -> str:
    """OFFICIAL-portfolio-2026-05-01.csv: the marking first, then what and when."""
    return f"{current_app.config['SECURITY_MARKING']}-{dataset.name}-{utcnow():%Y-%m-%d}.{file_format}"


def _about(dataset: Dataset, filters: PortfolioFilters) -> dict[str, str]:
    """What the XLSX's "About this export" sheet says."""
    return {
        "Dataset": dataset.title,
        "Description": dataset.description,
        "Organisation": current_app.config["ORGANISATION_NAME"],
        "Exported (UTC)": f"{utcnow():%Y-%m-%d %H:%M:%S}",
        "Exported by": current_user.name,
        "Filters": filter_words(filters) or "None: every row you may see",
    }


def filter_words(filters: PortfolioFilters) -> str:
    """The filters chosen, as people read them: "Department: Estates; Stage: Delivery"."""
    words = []
    for name, value in filters.chosen.items():
        field = filters[name]
        label = next((choice.label for choice in field.choices if str(choice.value) == str(value)), str(value))
        words.append(f"{field.label.text}: {label}")
    return "; ".join(words)
