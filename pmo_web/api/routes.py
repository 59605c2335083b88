"""The read-only API: each dataset of pmo_web/tabular.py as paged JSON, for Power BI.

    GET /api/v1/initiatives?$top=500&$skiptoken=1234
    Authorization: Bearer pmo_...

    {"value": [{...}, ...], "@odata.nextLink": "https://.../api/v1/initiatives?$top=500&$skiptoken=1734"}

Pages are keyset pages in id order: `$skiptoken` is the id of the last row of the page
before, so a row added or removed while a client pages through never shifts the rows after
it onto the wrong page, and every page costs one indexed query however deep it is. The
last page has no nextLink. Records are flat, keys snake_case, dates ISO-8601
(timestamps in UTC with a Z), amounts are JSON numbers. docs/api.md documents it all.

The token's user's permissions apply exactly as on the screens: their visibility of
initiatives, the portfolio permission, and the audit trail for the PMO and admins only.
"""
from __future__ import annotations

import json

from flask import Response, abort, g, request, url_for
from werkzeug.exceptions import HTTPException

from .. import errors
from ..extensions import db, writing
from ..models import ApiToken
from ..models.base import utcnow
from ..tabular import AUDIT_EVENTS, BENEFITS, GATE_DECISIONS, LESSONS, MILESTONES, PORTFOLIO, RAID, Dataset, json_value
from .blueprint import v1

PAGE_SIZE = 500
MAX_PAGE_SIZE = 5000
# No id is larger than the integer columns hold; a bigger $skiptoken is a mistake, not a page.
LARGEST_ID = 2**31 - 1
QUERY_OPTIONS = ("$top", "$skiptoken")
REALM = "PMO Web API"
# A token is "pmo_" and 43 characters; anything far longer is not one, and is not hashed.
LONGEST_TOKEN = 200


@v1.before_request
def authenticate():
    """Every API request names its user with a bearer token; no cookie signs anyone in here."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        return _unauthorised(None, "Send a token in the header: Authorization: Bearer <token>")
    token = ApiToken.find(secret) if len(secret) <= LONGEST_TOKEN else None
    now = utcnow()
    refusal = "The token is not recognised" if token is None else token.refusal(now)
    if refusal:
        return _unauthorised("invalid_token", refusal)
    if token.use_to_note(now):
        with writing():
            token.last_used_at = now
            db.session.commit()
    g.api_user = token.user
    return None


@v1.get("/initiatives")
def initiatives():
    """The portfolio: initiatives past their draft, with department, state, budget and dates."""
    return page_of(PORTFOLIO)


@v1.get("/milestones")
def milestones():
    """Delivery milestones with baseline, forecast and actual dates."""
    return page_of(MILESTONES)


@v1.get("/raid")
def raid():
    """The RAID items of every log (deleted items left out)."""
    return page_of(RAID)


@v1.get("/lessons")
def lessons():
    """The lessons log (deleted lessons left out)."""
    return page_of(LESSONS)


@v1.get("/benefits")
def benefits():
    """The benefits register."""
    return page_of(BENEFITS)


@v1.get("/gate-decisions")
def gate_decisions():
    """Every approver's decision at every gate."""
    return page_of(GATE_DECISIONS)


@v1.get("/audit-events")
def audit_events():
    """The audit trail (PMO and administrators only)."""
    return page_of(AUDIT_EVENTS)


def page_of(dataset: Dataset) -> Response:
    """One page of `dataset` as the token's user may see it, with the link to the next."""
    user = g.api_user
    if not dataset.may_read(user):
        abort(403, description=f"This token's account may not read {dataset.title.lower()}.")
    unknown = sorted(name for name in request.args if name.startswith("$") and name not in QUERY_OPTIONS)
    if unknown:
        abort(400, description=f"Not supported: {', '.join(unknown)}. This API takes $top and $skiptoken.")
    top = _whole_number("$top", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    after = _whole_number("$skiptoken", None, 0, LARGEST_ID)
    rows = db.session.execute(dataset.select(user, after_id=after, limit=top + 1)).all()
    body = {"value": [{key: json_value(value) for key, value in dataset.record(row).items()}
                      for row in rows[:top]]}
    if len(rows) > top:
        body["@odata.nextLink"] = (url_for(request.endpoint, _external=True)
                                   + f"?$top={top}&$skiptoken={rows[top - 1].id}")
    return _json(body)


def _whole_number(name: str, default, smallest: int, largest: int):
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not smallest <= int(raw) <= largest:
        abort(400, description=f"{name} must be a whole number from {smallest} to {largest}.")
    return int(raw)


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), status,
                    mimetype="application/json")


def _problem(status: int, code: str, message: str) -> Response:
    """An error as JSON, in the shape OData clients (Power BI among them) show to people."""
    return _json({"error": {"code": code, "message": message}}, status)


def _unauthorised(error: str | None, message: str) -> Response:
    """401 with the RFC 6750 challenge; no error code when no token was sent at all."""
    response = _problem(401, "unauthorized", message)
    challenge = f'Bearer realm="{REALM}"'
    if error:
        challenge += f', error="{error}", error_description="{message}"'
    response.headers["WWW-Authenticate"] = challenge
    return response


def http_error(error: HTTPException):
    """Errors of the API in JSON, not as GOV.UK pages; a 500 is still logged with a reference."""
    if error.code is None or error.code >= 500:
        return errors.server_error(error)
    code = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
        error.code, "error")
    response = _problem(error.code, code, error.description or error.name)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


# Flask looks for a handler of the error's own status code (the app's GOV.UK pages, in
# pmo_web/errors.py) before a handler of its class, so the API names each code too.
for _status in (*errors.ERROR_PAGES, HTTPException):
    v1.register_error_handler(_status, http_error)
