"""An unsubmitted draft is its author's alone (docs/rules.md 10).

Nobody else sees it in lists, exports, the API or by its id (404), admins included; an
initiative withdrawn while still a draft stays its author's. The rule lives in
pmo_web/access.py (visible_clause, can_see, initiative_or_404).

- Every GET route naming an initiative (from app.url_map, so a new one is covered the day
  it is added), for the draft and its rows: 404 for every role but the author's, 200 or a
  refusal that is not a 404 for the author.
- Every page of the app (every GET route, filled with real rows), every export and every
  API dataset, as others: the drafts' titles are nowhere.
"""
from __future__ import annotations

import re

import pytest
from flask import url_for
from sqlalchemy import delete

from pmo_web.extensions import db
from pmo_web.models import Notification
from pmo_web.tabular import DATASETS
from tests import factories
from tests.security.conftest import sign_in
from tests.security.route_matrix import ROLES

UNSUBMITTED = ("draft", "withdrawn")  # the world's withdrawn one is made a never-submitted one below
# Routes whose 404 for the author has nothing to do with who may see the draft.
AUTHOR_404 = {"review.summary": "the closure summary exists only in benefits review",
              **{endpoint: "a draft has no gate conditions: the URL names another initiative's"
                 for endpoint in ("gates.condition", "gates.condition_met", "gates.condition_waive")}}
# Pages the author opens on their own draft.
AUTHOR_PAGES = ("initiatives.show", "intake.edit")
NO_SUCH_ID = 987654


@pytest.fixture
def drafts(world) -> dict:
    """The world's draft, and its withdrawn initiative made one withdrawn before submission;
    both with distinctive titles to look for. Returns {state: initiative}."""
    chosen = {state: world.initiatives[state] for state in UNSUBMITTED}
    chosen["draft"].title = "Zebra crossing cameras (unsubmitted draft)"
    chosen["withdrawn"].title = "Yak wool uniforms (withdrawn while a draft)"
    chosen["withdrawn"].submitted_at = None
    # The world notified people of its rows in every state; nothing notifies anyone but the
    # author about a draft (it has no RAID log, gates or decisions yet).
    db.session.execute(delete(Notification).where(Notification.initiative_id.in_([i.id for i in chosen.values()])))
    db.session.commit()
    return chosen


def others(world) -> dict:
    """Everyone but the author: each role alone (all in the author's department), a requester
    colleague of the author, an outsider, and one person holding every role."""
    people = {role: user for role, user in world.users.items() if role != "requester"}
    people["colleague"] = factories.make_user(roles=("requester",), email="colleague@example.test",
                                              department=world.department)
    people["outsider"] = world.outsider
    people["every role"] = factories.make_user(roles=ROLES, email="everything@example.test",
                                               department=world.department)
    db.session.commit()
    return people


def initiative_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "initiative_id" in rule.arguments and "GET" in rule.methods), key=lambda rule: rule.endpoint)


@pytest.mark.parametrize("state", UNSUBMITTED)
def test_a_draft_is_not_found_by_anyone_but_its_author(app, world, drafts, state):
    """Everyone else gets exactly what an initiative that does not exist gets: 404, or the
    403 of a screen their role may not open whatever the initiative."""
    rules = initiative_rules(app)
    assert len(rules) > 30, "the url_map has fewer per-initiative pages than expected"
    urls = {rule.endpoint: url_for(rule.endpoint, **world.values(rule, state=state)) for rule in rules}
    no_such = {rule.endpoint: url_for(rule.endpoint, **{**world.values(rule, state=state), "initiative_id": NO_SUCH_ID})
               for rule in rules}
    seen, hidden = [], 0
    for name, user in others(world).items():
        client = app.test_client()
        sign_in(client, user)
        for endpoint, url in urls.items():
            status, missing = client.get(url).status_code, client.get(no_such[endpoint]).status_code
            hidden += status == 404
            if status != missing or status not in (403, 404):
                seen.append(f"{name}: GET {url} -> {status} (an initiative that does not exist: {missing})")
    assert not seen, "\n".join(seen)
    assert hidden > len(rules) * 3, "too few 404s: the check proves little"

    author = app.test_client()
    sign_in(author, world.users["requester"])
    answers = {endpoint: author.get(url).status_code for endpoint, url in urls.items()}
    refused = {endpoint: status for endpoint, status in answers.items()
               if status == 404 and endpoint not in AUTHOR_404}
    assert not refused, f"the author is refused their own {state} as if it did not exist: {refused}"
    assert answers["initiatives.show"] == 200


def test_the_author_opens_and_edits_their_draft(app, world, drafts):
    author = app.test_client()
    sign_in(author, world.users["requester"])
    for endpoint in AUTHOR_PAGES:
        response = author.get(url_for(endpoint, initiative_id=drafts["draft"].id))
        assert response.status_code == 200, endpoint
        assert drafts["draft"].title in response.get_data(as_text=True)
    mine = author.get(url_for("intake.mine")).get_data(as_text=True)
    assert all(initiative.title in mine for initiative in drafts.values())


def _page_urls(app, world) -> list[tuple[str, dict]]:
    """Every GET page filled with real rows (a submitted initiative's where one is named),
    every export as CSV, and every API dataset: (url, headers)."""
    pages = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.endpoint):
        if "GET" not in rule.methods or rule.endpoint in ("static", "exports.download") or \
                rule.endpoint.startswith("api.v1."):
            continue
        values = world.values(rule)
        if values.get("initiative_id") in {i.id for i in world.initiatives.values() if i.state in UNSUBMITTED}:
            values = world.values(rule, state="submitted")
        pages.append((url_for(rule.endpoint, **values), {}))
    pages += [(url_for("exports.download", dataset=name, file_format="csv"), {}) for name in DATASETS]
    return pages


def test_no_list_export_or_api_page_shows_a_draft_to_anyone_else(app, world, drafts):
    pages = _page_urls(app, world)
    api = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.v1.")]
    marks = [re.compile(re.escape(initiative.title)) for initiative in drafts.values()]
    leaks, read = [], 0
    # Whoever holds every role opens every screen (and the roles that see the whole portfolio
    # see the same initiatives); a colleague and an outsider see by department.
    people = others(world)
    for name, user in ((name, people[name]) for name in ("every role", "colleague", "outsider")):
        client = app.test_client()
        sign_in(client, user)
        for url, headers in pages:
            response = client.get(url, headers=headers)
            body = response.get_data(as_text=True)
            read += response.status_code == 200
            leaks += [f"{name}: {url} shows {mark.pattern}" for mark in marks if mark.search(body)]
    for role in world.api_tokens:
        if role == "requester":
            continue
        for rule in api:
            response = app.test_client().get(url_for(rule.endpoint), headers=world.api_headers(role))
            leaks += [f"API as {role}: {rule.rule} shows {mark.pattern}" for mark in marks
                      if mark.search(response.get_data(as_text=True))]
    assert not leaks, "\n".join(leaks)
    assert read > 150, f"only {read} pages were read: the check proves little"
