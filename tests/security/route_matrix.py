"""Who may open what: the one declaration, per endpoint, of the roles allowed there.

Every endpoint in ``app.url_map`` must have an entry in MATRIX (test_routes checks that the
two sets are equal), so a new route fails the suite until someone decides who may use it.
An entry also says how the tests reach the endpoint with real rows: the lifecycle state of
the initiative its URL names, any other URL values, and the method used to ask (GET, or
POST for endpoints that have no GET).

The roles are checked as held alone by a sergeant of the initiative's own department (the
owner of every initiative is the requester), so visibility never hides a page from a role:
object-level access is tested separately in test_object_access.

The module also holds the checkers the tests run, so that a test can run the very same
check on an app with a deliberately unprotected route and see it caught.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from pmo_web.models.users import ROLES

ALL = frozenset(ROLES)
MANAGERS = frozenset({"pmo", "admin"})
AUTHORS = frozenset({"requester", "pmo", "approver", "admin"})

# Reachable without signing in. Keep this short: everything else must send anonymous
# visitors to the sign-in page.
# Sign-in's own steps are public by nature: the SSO start and callback, and the second-factor
# code step (which answers only a browser that has just given a right password).
PUBLIC = frozenset({"auth.login", "auth.accessibility", "health", "static",
                    "auth.oidc_login", "auth.oidc_callback", "auth.second_factor_code"})


@dataclass(frozen=True)
class Access:
    """The roles allowed at one endpoint, and how the tests reach it with real rows."""

    roles: frozenset[str]
    # The lifecycle state of the initiative named in the URL (endpoints with initiative_id).
    state: str | None = None
    # Other URL values that are not row ids (a trigger, a business-case row kind ...).
    values: dict = field(default_factory=dict)
    # GET unless the endpoint has no GET; then the role check is made with an empty POST.
    method: str = "GET"


MATRIX: dict[str, Access] = {
    # Public, and the signed-in basics every role has.
    "auth.login": Access(ALL),
    "auth.accessibility": Access(ALL),
    "health": Access(ALL),
    "static": Access(ALL),
    "auth.index": Access(ALL),
    "auth.logout": Access(ALL, method="POST"),
    "auth.change_password": Access(ALL),

    # Requests.
    "intake.new": Access(AUTHORS),
    "intake.mine": Access(AUTHORS),
    "intake.department": Access(ALL),
    # Only the author edits a draft; to everyone else it does not exist (404, test_drafts).
    "intake.edit": Access(frozenset({"requester"}), state="draft"),

    # The initiative hub and the portfolio (the portfolio's minimum rank is a sergeant).
    "initiatives.show": Access(ALL, state="submitted"),
    "initiatives.portfolio": Access(ALL),
    "initiatives.transition": Access(MANAGERS, state="triage", values={"trigger": "accept"}),

    # The PMO's kanban and scoring.
    "triage.board": Access(MANAGERS),
    "triage.move": Access(MANAGERS, state="triage", method="POST"),
    "triage.lane": Access(MANAGERS, values={"lane": "submitted"}),
    "triage.moves": Access(MANAGERS, state="submitted"),
    "triage.confirm": Access(MANAGERS, state="triage", values={"trigger": "accept"}),
    "scoring.score": Access(MANAGERS, state="scoring"),
    "scoring.preview": Access(MANAGERS, state="scoring", method="POST"),
    "scoring.backlog": Access(frozenset({"pmo", "admin", "approver"})),

    # Business case: read by all who see the initiative, drafted by the PMO.
    "cases.edit": Access(ALL, state="business_case"),
    "cases.version": Access(ALL, state="business_case", values={"version": 1}),
    "cases.row": Access(MANAGERS, state="business_case", values={"kind": "options", "index": 1}),

    # Gates: the PMO asks, approvers decide.
    "gates.request_review": Access(MANAGERS, state="scoring"),
    "gates.review": Access(ALL, state="business_case"),
    "gates.decide": Access(frozenset({"approver"}), state="business_case", method="POST"),
    "gates.queue": Access(frozenset({"approver"})),
    "gates.index": Access(frozenset({"pmo", "admin", "approver"})),

    # Delivery: read by all, kept by the PMO.
    "delivery.edit": Access(ALL, state="delivery"),
    "delivery.milestone_row": Access(ALL, state="delivery"),
    "delivery.milestone_edit": Access(MANAGERS, state="delivery"),
    "delivery.milestone_new": Access(MANAGERS, state="delivery"),

    # Benefits review and closure: read by all, recorded by the PMO.
    "review.benefits": Access(ALL, state="benefits_review"),
    "review.summary": Access(ALL, state="benefits_review"),
    "review.benefit_row": Access(ALL, state="benefits_review"),
    "review.benefit_edit": Access(MANAGERS, state="benefits_review"),
    "review.benefit_new": Access(MANAGERS, state="benefits_review"),
    "review.benefit_delete": Access(MANAGERS, state="benefits_review"),
    "review.benefit_restore": Access(MANAGERS, state="benefits_review", method="POST"),
    "review.satisfaction": Access(MANAGERS, state="benefits_review"),

    # Administration.
    "admin.index": Access(frozenset({"admin"})),
    "admin.users": Access(frozenset({"admin"})),
    "admin.user_new": Access(frozenset({"admin"})),
    "admin.user_edit": Access(frozenset({"admin"})),
    "admin.departments": Access(frozenset({"admin"})),
    "admin.department_edit": Access(frozenset({"admin"})),
    "admin.programmes": Access(frozenset({"admin"})),
    "admin.programme_edit": Access(frozenset({"admin"})),
    "admin.priorities": Access(frozenset({"admin"})),
    "admin.priority_edit": Access(frozenset({"admin"})),
    "admin.weights": Access(frozenset({"admin"})),
    "admin.gates": Access(frozenset({"admin"})),
}



def _merge_area_matrices() -> None:
    """Add the entries of every ``route_matrix_<area>.py`` module beside this one.

    Each area that adds routes declares them in its own module (``ENTRIES``, a dict like
    MATRIX, and optionally ``OBJECT_ARGS``, the URL variables that name its rows), so that
    areas built side by side never edit the same lines. A name declared twice is an error.
    """
    import importlib
    import pkgutil
    from pathlib import Path

    global OBJECT_ARGS
    here = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name):
        if not info.name.startswith("route_matrix_"):
            continue
        module = importlib.import_module(f"{__package__}.{info.name}")
        twice = set(module.ENTRIES) & set(MATRIX)
        if twice:
            raise RuntimeError(f"{info.name} declares {sorted(twice)} again")
        MATRIX.update(module.ENTRIES)
        OBJECT_ARGS = OBJECT_ARGS | frozenset(getattr(module, "OBJECT_ARGS", ()))


# URL variables that name a row; the object-level tests aim these at rows the user may not see.
OBJECT_ARGS = frozenset({"initiative_id", "review_id", "milestone_id", "benefit_id", "lesson_id",
                         "raid_item_id"})
_merge_area_matrices()
MUTATING = ("POST", "PUT", "PATCH", "DELETE")
# OPTIONS is answered by Flask itself from the URL map, without running the view.
CHECKED_METHODS = ("GET", "HEAD", *MUTATING)


def methods_of(rule) -> list[str]:
    """The methods of a rule that run its view, in a stable order."""
    return [method for method in CHECKED_METHODS if method in rule.methods]


def matrix_gaps(app) -> tuple[set[str], set[str]]:
    """(endpoints with no entry in MATRIX, entries naming no endpoint) for this app."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    return endpoints - set(MATRIX), set(MATRIX) - endpoints


def placeholder_values(rule) -> dict:
    """Any well-formed values for a rule's variables: enough to reach a login check."""
    converters = rule._converters  # werkzeug keeps no public map of variable -> converter
    values = {}
    for name in rule.arguments:
        kind = type(converters[name]).__name__.lower()
        values[name] = 1 if "int" in kind or "rowid" in kind else "x"
    return values


def login_redirect_problem(response, requested_path: str, htmx: bool) -> str | None:
    """Why an anonymous response is not the sign-in redirect it must be; None if it is.

    Normal navigation: 302 to the sign-in page with `next` naming the page asked for.
    htmx: 401 with HX-Redirect to the sign-in page (htmx then loads it as a whole page).
    The API (/api/...), which no browser navigates: 401 with a Bearer challenge.
    """
    if requested_path.startswith("/api/"):
        if response.status_code != 401:
            return f"API answered {response.status_code}, not 401"
        if not response.headers.get("WWW-Authenticate", "").startswith("Bearer "):
            return "API 401 without a WWW-Authenticate: Bearer challenge"
        return None
    if htmx:
        if response.status_code != 401:
            return f"htmx request answered {response.status_code}, not 401"
        target = response.headers.get("HX-Redirect", "")
    else:
        if response.status_code != 302:
            return f"answered {response.status_code}, not a 302 to sign in"
        target = response.headers.get("Location", "")
    parts = urlsplit(target)
    if parts.path != "/login":
        return f"sent to {target!r}, not the sign-in page"
    if parse_qs(parts.query).get("next", [""])[0].split("?")[0] != requested_path:
        return f"sign-in link {target!r} does not come back to {requested_path}"
    return None


def unprotected_endpoints(app, values_for=placeholder_values, public=PUBLIC) -> list[str]:
    """Every (endpoint, method, kind of request) an anonymous visitor is not turned away from.

    The check behind the route-coverage test: each rule of the URL map, each method, as a
    normal request and as an htmx request, without signing in. Endpoints in `public` are
    skipped. Returns readable problems, empty when everything sends visitors to sign in.
    """
    client = app.test_client()
    problems = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint in public:
            continue
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values_for(rule))
        path = urlsplit(url).path
        for method in methods_of(rule):
            for htmx in (False, True):
                headers = {"HX-Request": "true"} if htmx else {}
                with client.open(path, method=method, headers=headers) as response:
                    problem = login_redirect_problem(response, path, htmx)
                if problem:
                    problems.append(f"{rule.endpoint} {method} {path}: {problem}")
    return problems
