"""The ranked backlog: live scored initiatives by current score, in a fixed number of queries."""
import re
from contextlib import contextmanager

import pytest
from flask import url_for
from sqlalchemy import event

from pmo_web.extensions import db
from tests import factories


@contextmanager
def counting_queries():
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def scored(owner, scorer, title, total, band, state="scoring", **fields):
    initiative = factories.make_initiative(owner=owner, state=state, title=title, **fields)
    factories.make_score(initiative, scorer, total=total, band=band)
    return initiative


def listed_titles(page: str) -> list[str]:
    return re.findall(r"CR-\d{4}: ([^<]+)</a>", page)


@pytest.mark.parametrize(("role", "status"), [
    ("pmo", 200), ("admin", 200), ("approver", 200), ("requester", 403), ("viewer", 403)])
def test_who_may_read_the_backlog(client, auth, users, role, status):
    auth.login(users[role])
    assert client.get(url_for("scoring.backlog")).status_code == status


def test_anonymous_is_sent_to_sign_in(client, app):
    response = client.get(url_for("scoring.backlog"))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_ranked_by_the_current_score_leaving_out_unscored_and_finished_work(client, auth, users):
    pmo, owner = users["pmo"], users["requester"]
    rescored = scored(owner, pmo, "Body-worn video refresh", 30, "Low", state="delivery")
    factories.make_score(rescored, pmo, total=90, band="High")  # the latest counts
    scored(owner, pmo, "Custody records", 72, "High")
    scored(owner, pmo, "Fleet telematics", 55, "Medium", state="business_case")
    scored(owner, pmo, "Closed long ago", 99, "High", state="closed")
    scored(owner, pmo, "Rejected idea", 95, "High", state="rejected")
    factories.make_initiative(owner=owner, state="scoring", title="Not scored yet")
    db.session.commit()
    auth.login(pmo)
    page = client.get(url_for("scoring.backlog")).get_data(as_text=True)
    assert listed_titles(page) == ["Body-worn video refresh", "Custody records", "Fleet telematics"]
    assert "Not scored yet" not in page and "Closed long ago" not in page


def test_filters_keep_each_initiatives_place_in_the_whole_backlog(client, auth, users):
    pmo, owner = users["pmo"], users["requester"]
    other = factories.make_user(roles=("requester",))
    scored(owner, pmo, "Custody records", 80, "High")
    scored(other, pmo, "Fleet telematics", 60, "Medium")
    overridden = scored(other, pmo, "Digital interviews", 50, "Medium")
    overridden_score = factories.make_score(overridden, pmo, total=50, band="Medium")
    overridden_score.band_override, overridden_score.override_comment = "High", "Ministerial commitment"
    db.session.commit()
    auth.login(pmo)

    by_band = client.get(url_for("scoring.backlog", band="High")).get_data(as_text=True)
    assert listed_titles(by_band) == ["Custody records", "Digital interviews"]

    by_department = client.get(url_for("scoring.backlog", department=str(other.department_id)),
                               headers={"HX-Request": "true"})
    body = by_department.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<div id="backlog-table"')
    assert listed_titles(body) == ["Fleet telematics", "Digital interviews"]
    ranks = re.findall(r'govuk-table__cell--numeric">(\d+)</td>\s*<td class="govuk-table__cell"><a', body)
    assert ranks == ["2", "3"]


def test_full_page_for_normal_navigation(client, auth, users):
    auth.login(users["approver"])
    page = client.get(url_for("scoring.backlog")).get_data(as_text=True)
    assert "<html" in page and "Ranked backlog" in page


def test_loads_in_a_fixed_number_of_queries(client, auth, users):
    pmo = users["pmo"]
    auth.login(pmo)

    def queries_for_backlog(extra: int) -> int:
        for n in range(extra):
            owner = factories.make_user(roles=("requester",))
            scored(owner, pmo, f"Initiative {n}", 40 + n, "Medium")
        db.session.commit()
        with counting_queries() as statements:
            assert client.get(url_for("scoring.backlog")).status_code == 200
        return len(statements)

    few = queries_for_backlog(2)
    many = queries_for_backlog(8)
    assert many == few


def test_a_long_backlog_is_paged_and_ranks_run_on_across_pages(client, auth, users):
    from pmo_web.scoring.routes import BACKLOG_PAGE_SIZE

    for n in range(BACKLOG_PAGE_SIZE + 3):
        scored(users["requester"], users["pmo"], f"Item {n:03d}", total=100 - n, band="High")
    db.session.commit()
    auth.login(users["pmo"])
    first = client.get("/backlog").get_data(as_text=True)
    assert len(listed_titles(first)) == BACKLOG_PAGE_SIZE and "page 1 of 2" in first
    assert 'href="/backlog?page=2"' in first
    second = client.get("/backlog?page=2").get_data(as_text=True)
    assert listed_titles(second) == [f"Item {n:03d}" for n in range(BACKLOG_PAGE_SIZE, BACKLOG_PAGE_SIZE + 3)]
    assert f">{BACKLOG_PAGE_SIZE + 1}</td>" in second  # the force-wide rank, not the place on the page
    assert client.get("/backlog?page=99999999999").status_code == 200
