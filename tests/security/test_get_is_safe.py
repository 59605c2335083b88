"""GET is safe: reading any page, in any state, as any role, changes no row.

A crawl of every GET rule of app.url_map with real ids: as an administrator, for the
initiative in every lifecycle state (and every gate review, trigger and business-case row
kind); as each other role, at the row the route matrix names. Every table is compared
before and after each route.
"""
from __future__ import annotations

import pytest
from flask import url_for

from pmo_web.cases.forms import ROW_KINDS
from tests.security.conftest import World, changed_tables, database_snapshot, sign_in
from tests.security.route_matrix import ROLES
from workflows.lifecycle import STATES, triggers_from


def _every_url(world: World, rule) -> list[str]:
    """The rule's URL for every row and URL value that varies what a page shows."""
    states = list(world.reviews) if "review_id" in rule.arguments else (
        STATES if "initiative_id" in rule.arguments else [None])
    urls = []
    for state in states:
        variants = [{}]
        if "trigger" in rule.arguments:  # each button's page, and one the state does not have
            variants = [{"trigger": trigger} for trigger in {*triggers_from(state), "withdraw"}]
        if "kind" in rule.arguments:
            variants = [{"kind": kind} for kind in ROW_KINDS]
        urls += [url_for(rule.endpoint, **world.values(rule, state=state, **variant)) for variant in variants]
    return urls


def _get_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if "GET" in r.methods), key=lambda r: r.endpoint)


def test_an_administrator_crawling_every_page_changes_nothing(app, world):
    client = app.test_client()
    sign_in(client, world.users["admin"])
    changed, failed, visited = [], [], 0
    for rule in _get_rules(app):
        before = database_snapshot()
        for url in _every_url(world, rule):
            with client.get(url) as response:
                visited += 1
                if response.status_code >= 500:
                    failed.append(f"{url}: {response.status_code}")
        if changes := changed_tables(before, database_snapshot()):
            changed.append(f"{rule.endpoint}: {changes}")
    assert visited > len(STATES) * 20
    assert failed == []
    assert changed == []


@pytest.mark.parametrize("role", [role for role in ROLES if role != "admin"])
def test_every_other_role_reading_every_page_changes_nothing(app, world, role):
    """Other roles see other pages (their own drafts, the approver's queue); none writes."""
    client = app.test_client()
    sign_in(client, world.users[role])
    changed = []
    for rule in _get_rules(app):
        before = database_snapshot()
        with client.get(url_for(rule.endpoint, **world.values(rule))):
            pass
        if changes := changed_tables(before, database_snapshot()):
            changed.append(f"{rule.endpoint}: {changes}")
    assert changed == []
