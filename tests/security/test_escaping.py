"""Stored text always comes back escaped wherever the app displays it.

For each form that stores free text, Hypothesis posts values mixing arbitrary text with
fixed hostile payloads (a script tag, an attribute break-out, an htmx attribute, a
template expression) into every text field the form stores, then reads every page that
displays the record. No page may fail, and no payload may come back as live markup: its
escaped form may appear, the raw one never. A deterministic pass first proves each
payload really is stored and shown (escaped), so the property cannot pass by saving nothing.

The world, the signing-in and the form reading are the ones the other security and
bad-input tests use: fields are discovered from the form the app draws.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select

from pmo_web.extensions import db
from pmo_web.gates import service as gates
from pmo_web.models import GateReview, Initiative
from tests.security.conftest import sign_in
from tests.web.test_bad_input import FORM_PAGE, _base, _url, form_posting_to
from workflows.lifecycle import GuardRefused, IllegalTransition

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
QUOTE = "' onmouseover='x"
HTMX = '<div hx-get="/admin" hx-trigger="load">'
TEMPLATE = "{{7*7}}"
HOSTILE = (SCRIPT, IMG, QUOTE, HTMX, TEMPLATE)
# What must never reach a page raw: each fragment only exists if a payload went out unescaped.
LIVE_MARKUP = ("<script>alert(1)", "<img src=x", "onmouseover='x", 'hx-get="/admin"', "<div hx-get")

# A payload alone, or wrapped in arbitrary text (which also stresses the saving itself).
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.builds(lambda before, payload, after: f"{before}{payload}{after}",
              st.text(max_size=15), st.sampled_from(HOSTILE), st.text(max_size=15)),
)


def _open_review(world):
    """The open review of the business-case gate, requested again after a decision closed it."""
    initiative = world.initiatives["business_case"]
    db.session.expire_all()
    review = db.session.scalar(select(GateReview).where(GateReview.initiative_id == initiative.id)
                               .order_by(GateReview.id.desc()))
    if review is None or review.state != "requested":
        try:
            review = gates.request_review(initiative, world.users["pmo"], note="Ready")
            db.session.commit()
        except (GuardRefused, IllegalTransition):
            db.session.rollback()
    return review.id


def _newest_initiative():
    db.session.expire_all()
    return db.session.scalar(select(func.max(Initiative.id)))


# endpoint: (role that posts, URL values, text fields stored, fixed values (None: left out),
# display pages).
# Display pages are (role that reads, endpoint, URL values); values are callables of the world.
FORMS = {
    "intake.new": (
        "requester", lambda w: {},
        ("title", "description", "problem", "sponsor", "desired_outcome", "deadline_driver"),
        {"save_draft": None},
        lambda w: [("requester", "initiatives.show", {"initiative_id": _newest_initiative()}),
                   ("requester", "intake.mine", {}), ("pmo", "initiatives.portfolio", {})]),
    "scoring.score": (
        "pmo", lambda w: {"initiative_id": w.initiatives["scoring"].id}, ("rationale",), {"alignment_*": "1"},
        lambda w: [("pmo", "initiatives.show", {"initiative_id": w.initiatives["scoring"].id}),
                   ("pmo", "scoring.score", {"initiative_id": w.initiatives["scoring"].id})]),
    "cases.edit": (
        "pmo", lambda w: {"initiative_id": w.initiatives["business_case"].id},
        ("strategic_case", "economic_case", "commercial_case", "financial_case", "management_case",
         "options-0-name", "options-0-description", "costs-0-description", "benefits-0-name",
         "benefits-0-measure", "risks-0-description", "risks-0-mitigation"),
        {"add_row": None, "save": "y", "options-0-preferred": None},
        lambda w: [("pmo", "cases.edit", {"initiative_id": w.initiatives["business_case"].id}),
                   ("pmo", "initiatives.show", {"initiative_id": w.initiatives["business_case"].id})]),
    "gates.decide": (
        "approver", lambda w: {"review_id": _open_review(w)}, ("comment",),
        {"decision": "return_for_rework"},
        lambda w: [("pmo", "initiatives.show", {"initiative_id": w.initiatives["business_case"].id}),
                   ("pmo", "gates.review", {"review_id": _open_review(w)})]),
    "delivery.edit": (
        "pmo", lambda w: {"initiative_id": w.initiatives["delivery"].id}, ("confidence_justification",),
        {"delivery_confidence": "amber"},
        lambda w: [("pmo", "delivery.edit", {"initiative_id": w.initiatives["delivery"].id}),
                   ("pmo", "initiatives.show", {"initiative_id": w.initiatives["delivery"].id})]),
    "review.benefit_new": (
        "pmo", lambda w: {"initiative_id": w.initiatives["benefits_review"].id},
        ("benefit-new-name", "benefit-new-measure", "benefit-new-owner", "benefit-new-evidence"), {},
        lambda w: [("pmo", "review.benefits", {"initiative_id": w.initiatives["benefits_review"].id}),
                   ("pmo", "initiatives.show", {"initiative_id": w.initiatives["benefits_review"].id})]),
    "review.lesson_new": (
        "pmo", lambda w: {"initiative_id": w.initiatives["benefits_review"].id},
        ("title", "owner", "dependencies", "event", "effect", "cause", "early_warning", "recommendation",
         "category"), {},
        lambda w: [("pmo", "review.benefits", {"initiative_id": w.initiatives["benefits_review"].id}),
                   ("pmo", "initiatives.show", {"initiative_id": w.initiatives["benefits_review"].id})]),
    "admin.departments": ("admin", lambda w: {}, ("name",), {}, lambda w: [("admin", "admin.departments", {})]),
    "admin.programmes": ("admin", lambda w: {}, ("name", "description"), {},
                         lambda w: [("admin", "admin.programmes", {})]),
    "admin.priorities": ("admin", lambda w: {}, ("name",), {}, lambda w: [("admin", "admin.priorities", {})]),
}

UNIQUE_NAMES = {"admin.departments", "admin.programmes", "admin.priorities"}


class Reader:
    """One signed-in client per role, so posting and reading need no signing in between."""

    def __init__(self, app, world):
        self.app, self.world, self.clients, self.count = app, world, {}, 0

    def client(self, role):
        if role not in self.clients:
            self.clients[role] = self.app.test_client()
            sign_in(self.clients[role], self.world.users[role])
        return self.clients[role]


def _form_data(reader: Reader, endpoint: str) -> tuple[str, dict, tuple]:
    """The form's URL and the data a browser posts unchanged (choices filled in), from the page."""
    role, values_of, fields, fixed, _ = FORMS[endpoint]
    values = values_of(reader.world)
    url = _url(reader.app, endpoint, values)
    page_url = _url(reader.app, FORM_PAGE.get(endpoint, endpoint), values)
    page = reader.client(role).get(page_url)
    assert page.status_code == 200, f"GET {page_url}: {page.status_code}"
    controls = form_posting_to(page.get_data(as_text=True), urlsplit(page_url).path, url)
    assert controls, f"no form on {page_url} posts to {url}"
    assert set(fields) <= set(controls), f"{endpoint}: fields gone from the form: {set(fields) - set(controls)}"
    data = _base(controls)
    for name, control in controls.items():  # an unchosen choice gets its last option
        if control["kind"] == "choice" and control["value"] is None and not any(data.get(name, [""])):
            data[name] = [control["choices"][-1]] if control["choices"] else []
    for pattern, value in fixed.items():  # "name*" stands for every field whose name starts so
        for name in [n for n in controls if n == pattern or pattern.endswith("*") and n.startswith(pattern[:-1])]:
            data.pop(name, None)
            if value is not None:
                data[name] = [value]
    return url, data, fields


def _post_and_read(reader: Reader, endpoint: str, value: str) -> list[tuple[str, str]]:
    """Post `value` into every stored text field; return (url, body) of every display page."""
    role, _, _, _, displays = FORMS[endpoint]
    url, data, fields = _form_data(reader, endpoint)
    data.update({name: [value] for name in fields})
    if endpoint in UNIQUE_NAMES:
        data["name"] = [f"{value} {reader.count}"]  # names are unique
    reader.count += 1
    response = reader.client(role).post(url, data=data)
    assert response.status_code < 500, f"POST {url}: {response.status_code}"
    pages = [(url, response.get_data(as_text=True))]
    for reader_role, page_endpoint, values in displays(reader.world):
        page_url = _url(reader.app, page_endpoint, values)
        page = reader.client(reader_role).get(page_url)
        assert page.status_code < 500, f"GET {page_url} after posting {value!r}: {page.status_code}"
        pages.append((page_url, page.get_data(as_text=True)))
    for page_url, body in pages:
        for fragment in LIVE_MARKUP:
            assert fragment not in body, f"{page_url}: {fragment!r} unescaped after posting {value!r} to {url}"
    return pages


@pytest.mark.parametrize("endpoint", FORMS)
def test_stored_text_is_escaped_wherever_it_is_shown(app, world, endpoint):
    reader = Reader(app, world)
    # Each payload on its own is saved, and shown escaped on some page (the proof it was stored).
    for payload in HOSTILE:
        pages = _post_and_read(reader, endpoint, payload)
        shown = str(escape(payload))
        assert any(shown in body for _, body in pages[1:]), f"{endpoint}: {payload!r} not shown on any page"
        # ({{7*7}} escapes to itself, so finding it proves it was shown literally, not as 49.)

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(VALUES)
    def anything_posted_comes_back_escaped(value):
        _post_and_read(reader, endpoint, value)

    anything_posted_comes_back_escaped()
