"""Error pages and the mapping of workflow refusals to HTTP statuses.

Wrong state -> 409, not allowed -> 403, guard or required input refused -> 422. An htmx
request gets a fragment it can swap into the page; normal navigation gets a full page.

An unexpected error (500) shows a friendly page with a short reference and never a
traceback; the traceback goes to the log under the same reference, so the service desk can
find it from what the user reads out.
"""
from __future__ import annotations

import uuid

from flask import abort, current_app, make_response, request
from werkzeug.exceptions import HTTPException
from werkzeug.wsgi import LimitedStream

from workflows.lifecycle import GuardRefused, IllegalTransition, NotPermitted, WorkflowError

from .extensions import db
from .htmx import is_partial, render

WORKFLOW_STATUS = {IllegalTransition: 409, NotPermitted: 403, GuardRefused: 422}


def workflow_status(error: WorkflowError) -> int:
    """The HTTP status for a workflow refusal."""
    for kind, status in WORKFLOW_STATUS.items():
        if isinstance(error, kind):
            return status
    return 422


# Status -> (title, what to tell the user when the code gave no reason of its own).
ERROR_PAGES = {
    400: ("Sorry, there is a problem with your request",
          "The form may have expired. Go back, reload the page and try again."),
    401: ("Sign in to continue", "Your session has ended. Sign in again to carry on."),
    403: ("You do not have access to this page",
          "If you think you should have access, ask your PMO administrator."),
    404: ("Page not found",
          "If you typed the web address, check it is correct. You may not have access to this item."),
    405: ("Method not allowed", "That action cannot be done from here. Go back and try again."),
    409: ("Conflict", "Someone else changed this at the same time. Reload the page and try again."),
    413: ("What you sent is too large", "Go back, choose a smaller file or shorten the text, and try again."),
    422: ("That could not be done", "Check what you entered and try again."),
    429: ("Too many attempts",
          "You have tried too many times in a short time. Wait a minute, then try again."),
    500: ("Sorry, there is a problem with the service",
          "Try again later. Nothing you entered was half-saved."),
}


def register(app) -> None:
    """Install the workflow-refusal handler and the GOV.UK error pages."""
    app.before_request(refuse_an_oversized_body)
    app.before_request(refuse_nul_characters)

    @app.errorhandler(WorkflowError)
    def workflow_refused(error):
        db.session.rollback()
        status = workflow_status(error)
        return render("errors/workflow.html", "errors/_workflow.html", status=status, error=error)

    for status in ERROR_PAGES:
        if status != 500:
            app.register_error_handler(status, http_error)
    # Any other HTTP error (410, 415 ...) still gets a GOV.UK page rather than werkzeug's.
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(500, server_error)
    # server_error logs the traceback with its reference; Flask's own copy of it (logged just
    # before the handler runs) would only repeat it without the reference.
    app.log_exception = lambda exc_info: None


def refuse_an_oversized_body() -> None:
    """413 for a body larger than MAX_CONTENT_LENGTH, read no further than the limit.

    Werkzeug refuses a body whose declared length is over the limit before reading any of
    it (reading the form raises 413). A chunked body declares no length: werkzeug stops
    reading at the limit, and a url-encoded one would then be parsed cut short, so a body
    that filled the whole limit is taken to be over it."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    _ = request.form  # reading the form parses the body here, where a refusal is a clean 413
    stream = request.stream
    if request.content_length is None and isinstance(stream, LimitedStream) and stream.is_exhausted:
        abort(413)


def refuse_nul_characters() -> None:
    """400 for a NUL character anywhere in the query string or form. No field takes one and
    PostgreSQL cannot store one in text; nobody types it, so it is refused outright."""
    for source in (request.args, request.form):
        if any("\x00" in value for values in source.listvalues() for value in values):
            abort(400, description="What was sent contains a NUL character, which no field accepts. "
                                   "Remove it and try again.")


def http_error(error: HTTPException):
    """A 4xx: the reason the code gave (abort(403, "...")) or our plain-English default."""
    description = error.description
    if description == type(error).description:  # werkzeug's generic text, not ours
        description = too_large() if error.code == 413 else None
    return _error_response(error, error.code, description=description)


def too_large() -> str:
    """What a 413 says: the request size limit as configured (MAX_CONTENT_LENGTH)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if not limit:
        return ERROR_PAGES[413][1]
    return (f"This service accepts up to {limit / (1024 * 1024):g} MB at a time. "
            "Go back, choose a smaller file or shorten the text, and try again.")


def server_error(error: HTTPException):
    """A 500: log the traceback under a short reference and show only the reference."""
    db.session.rollback()
    reference = uuid.uuid4().hex[:12]
    original = getattr(error, "original_exception", None)
    if original is not None:
        current_app.logger.exception("Unhandled error, reference %s", reference, exc_info=original,
                                     extra={"error_reference": reference})
    else:  # abort(500): no exception to trace
        current_app.logger.error("Server error, reference %s", reference,
                                 extra={"error_reference": reference})
    return _error_response(error, 500, reference=reference)


def _error_response(error: HTTPException, status: int, description: str | None = None,
                    reference: str | None = None):
    title, default = ERROR_PAGES.get(status, (error.name, error.description))
    context = {"title": title, "description": description or default, "reference": reference}
    try:
        response = render("errors/error.html", "errors/_error.html", status=status, **context)
    except Exception:
        # The page itself failed (the database is down, say): fall back to a page that needs
        # nothing but the request, so the user still gets a marked, friendly answer.
        db.session.rollback()
        current_app.logger.exception("The error page failed, reference %s", reference)
        response = _plain_page(status, **context)
    # Keep what the error says about itself: Allow on 405, Retry-After on 429.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _plain_page(status: int, **context):
    """The error page without base.html: no context processors, so no database queries."""
    template = "errors/_error.html" if is_partial() else "errors/plain.html"
    html = current_app.jinja_env.get_template(template).render(
        status=status, security_marking=current_app.config["SECURITY_MARKING"],
        organisation_name=current_app.config["ORGANISATION_NAME"], **context)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response
