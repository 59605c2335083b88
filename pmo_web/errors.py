"""Error pages and the mapping of workflow refusals to HTTP statuses.

Wrong state -> 409, not allowed -> 403, guard or required input refused -> 422. An htmx
request gets a fragment it can swap into the page; normal navigation gets a full page.
"""
from __future__ import annotations

from flask import render_template

from workflows.lifecycle import GuardRefused, IllegalTransition, NotPermitted, WorkflowError

from .extensions import db
from .htmx import render

WORKFLOW_STATUS = {IllegalTransition: 409, NotPermitted: 403, GuardRefused: 422}


def workflow_status(error: WorkflowError) -> int:
    """The HTTP status for a workflow refusal."""
    for kind, status in WORKFLOW_STATUS.items():
        if isinstance(error, kind):
            return status
    return 422


def register(app) -> None:
    @app.errorhandler(WorkflowError)
    def workflow_refused(error):
        db.session.rollback()
        status = workflow_status(error)
        return render("errors/workflow.html", "errors/_workflow.html", status=status, error=error)

    for status, title in ((400, "Bad request"), (403, "You do not have access to this page"),
                          (404, "Page not found"), (405, "Method not allowed"),
                          (409, "Conflict"), (500, "Sorry, there is a problem with the service")):
        app.register_error_handler(status, _page(status, title))


def _page(status: int, title: str):
    def handler(error):
        if status == 500:
            db.session.rollback()
        description = getattr(error, "description", "") if status != 500 else ""
        return render_template("errors/error.html", status=status, title=title,
                               description=description), status
    return handler
