"""The read-only API: paging every endpoint to its end, bearer tokens only, the token's
user's permissions, and tokens made, shown once, stored hashed and revoked."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import or_, select

from pmo_web.extensions import db
from pmo_web.models import (
    ApiToken,
    AuditEvent,
    Benefit,
    GateDecision,
    GateReview,
    Initiative,
    Lesson,
    Milestone,
    RaidItem,
)
from pmo_web.models.base import utcnow
from pmo_web.tabular import DATASETS
from tests.security.conftest import changed_tables, database_snapshot
from tests.web.exports import small_portfolio

ENDPOINTS = {"initiatives": "portfolio", "milestones": "milestones", "raid": "raid", "lessons": "lessons",
             "benefits": "benefits", "gate-decisions": "gate-decisions", "audit-events": "audit-events"}


def expected_ids(endpoint: str) -> list[int]:
    """The ids a portfolio-wide reader must get, straight from the tables."""
    past_draft = Initiative.state != "draft"
    query = {
        "initiatives": select(Initiative.id).where(past_draft),
        "milestones": select(Milestone.id).join(Initiative, Initiative.id == Milestone.initiative_id).where(past_draft),
        "raid": select(RaidItem.id).join(Initiative, Initiative.id == RaidItem.initiative_id)
        .where(past_draft, RaidItem.deleted_at.is_(None)),
        "lessons": select(Lesson.id).join(Initiative, Initiative.id == Lesson.initiative_id)
        .where(past_draft, Lesson.deleted_at.is_(None)),
        "benefits": select(Benefit.id).join(Initiative, Initiative.id == Benefit.initiative_id).where(past_draft),
        "gate-decisions": select(GateDecision.id).join(GateReview).join(Initiative).where(past_draft),
        "audit-events": select(AuditEvent.id).outerjoin(Initiative, Initiative.id == AuditEvent.initiative_id)
        .where(or_(AuditEvent.initiative_id.is_(None), past_draft)),  # governance events are on none
    }[endpoint]
    return sorted(db.session.scalars(query))


@pytest.fixture
def world(app, users):
    return small_portfolio.build(users)


def token_for(user, lifetime=None) -> str:
    _row, secret = ApiToken.issue(user, "Test report", user, lifetime)
    db.session.commit()
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def page_through(client, url: str, headers: dict) -> tuple[list[dict], int]:
    """Every record from `url` on, following nextLink; and how many pages it took."""
    records, pages = [], 0
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "application/json"
        body = response.get_json()
        records += body["value"]
        pages += 1
        url = body.get("@odata.nextLink")
        if url:
            assert url.startswith("http://localhost/api/v1/")
        assert pages < 100
    return records, pages


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_paging_through_every_endpoint_gives_every_row_once(client, users, world, endpoint):
    secret = token_for(users["pmo"])
    records, pages = page_through(client, f"/api/v1/{endpoint}?$top=2", bearer(secret))
    ids = [record["id"] for record in records]
    assert ids == expected_ids(endpoint)
    assert ids, "the small portfolio has rows of every kind"
    # Exactly ceil(n / 2) pages: the last full page has no link to an empty one.
    assert pages == -(-len(ids) // 2)
    dataset = DATASETS[ENDPOINTS[endpoint]]
    for record in records:
        assert tuple(record) == dataset.keys
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", key) for key in record)
        assert not any(isinstance(value, (dict, list)) for value in record.values()), "records are flat"
        assert record["security_marking"] == "OFFICIAL"


def test_one_page_by_default_and_no_link_after_the_last(client, users, world):
    response = client.get("/api/v1/initiatives", headers=bearer(token_for(users["pmo"])))
    body = response.get_json()
    assert len(body["value"]) == 4 and "@odata.nextLink" not in body


def test_the_next_link_pages_by_id(client, users, world):
    headers = bearer(token_for(users["pmo"]))
    first = client.get("/api/v1/initiatives?$top=3", headers=headers).get_json()
    query = parse_qs(urlsplit(first["@odata.nextLink"]).query)
    assert query == {"$top": ["3"], "$skiptoken": [str(first["value"][-1]["id"])]}
    second = client.get(first["@odata.nextLink"], headers=headers).get_json()
    assert [r["id"] for r in second["value"]] == [world.exported[-1].id]


def test_values_are_iso_dates_utc_timestamps_and_numbers(client, users, world):
    records = client.get("/api/v1/initiatives", headers=bearer(token_for(users["pmo"]))).get_json()["value"]
    case = next(r for r in records if r["id"] == world.ours["delivery"].id)
    assert case["budget_approved"] == 250000 and case["budget_forecast"] == 262500.5
    assert case["budget_actual"] is None
    assert case["planned_end"] == "2027-03-31"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", case["created_at"])
    assert case["state"] == "Delivery" and case["priority_score"] == 81 and case["reference"] == f"CR-{case['id']:04d}"
    benefits = client.get("/api/v1/benefits", headers=bearer(token_for(users["pmo"]))).get_json()["value"]
    assert {b["planned_value"] for b in benefits} == {1000.25}


# ------------------------------------------------------------------------- authentication


def assert_refused(response, error: str | None):
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == "unauthorized"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="PMO Web API"')
    assert (f'error="{error}"' in challenge) if error else ("error=" not in challenge)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_no_token_is_refused(client, world, endpoint):
    assert_refused(client.get(f"/api/v1/{endpoint}"), None)


@pytest.mark.parametrize("header", ["Basic cG1vOnBhc3N3b3Jk", "Bearer", "Bearer ", "Token abc", "bearer  "])
def test_other_schemes_and_empty_tokens_are_refused(client, world, header):
    assert_refused(client.get("/api/v1/initiatives", headers={"Authorization": header}), None)


@pytest.mark.parametrize("secret", ["pmo_not-a-real-token", "x" * 5000, "pmo_" + "\u00e9" * 10])
def test_an_unknown_token_is_refused(client, world, secret):
    assert_refused(client.get("/api/v1/initiatives", headers=bearer(secret)), "invalid_token")


def test_a_revoked_token_is_refused(client, users, world):
    secret = token_for(users["pmo"])
    assert client.get("/api/v1/initiatives", headers=bearer(secret)).status_code == 200
    ApiToken.find(secret).revoke(users["pmo"], utcnow())
    db.session.commit()
    response = client.get("/api/v1/initiatives", headers=bearer(secret))
    assert_refused(response, "invalid_token")
    assert "revoked" in response.get_json()["error"]["message"]


def test_an_expired_token_is_refused(client, users, world):
    secret = token_for(users["pmo"], lifetime=timedelta(days=30))
    assert client.get("/api/v1/initiatives", headers=bearer(secret)).status_code == 200
    ApiToken.find(secret).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get("/api/v1/initiatives", headers=bearer(secret))
    assert_refused(response, "invalid_token")
    assert "expired" in response.get_json()["error"]["message"]


def test_a_disabled_accounts_token_is_refused(client, users, world):
    secret = token_for(users["viewer"])
    users["viewer"].active = False
    db.session.commit()
    assert_refused(client.get("/api/v1/initiatives", headers=bearer(secret)), "invalid_token")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_signed_in_session_is_not_accepted(client, auth, users, world, endpoint):
    """The same browser that reads every page gets 401 from the API: cookies sign nobody in."""
    auth.login(users["admin"])
    assert client.get("/initiatives").status_code == 200
    assert_refused(client.get(f"/api/v1/{endpoint}"), None)


def test_using_a_token_notes_when_it_was_last_used(client, users, world):
    secret = token_for(users["pmo"])
    assert ApiToken.find(secret).last_used_at is None
    client.get("/api/v1/milestones", headers=bearer(secret))
    db.session.expire_all()
    used = ApiToken.find(secret).last_used_at
    assert used is not None and utcnow() - used < timedelta(minutes=1)


# -------------------------------------------------------------------------- permissions


def test_a_requesters_token_reads_only_what_the_requester_may_see(client, users, world):
    headers = bearer(token_for(users["requester"]))
    ours = {i.id for i in world.ours.values()}
    initiatives = client.get("/api/v1/initiatives", headers=headers).get_json()["value"]
    assert {r["id"] for r in initiatives} == ours
    for endpoint in ("milestones", "raid", "lessons", "benefits", "gate-decisions"):
        records, _pages = page_through(client, f"/api/v1/{endpoint}", headers)
        assert {r["initiative_id"] for r in records} <= ours and records, endpoint


@pytest.mark.parametrize("role, status", [("requester", 403), ("viewer", 403), ("approver", 403),
                                          ("pmo", 200), ("admin", 200)])
def test_the_audit_trail_is_for_the_pmo_and_admins(client, users, world, role, status):
    response = client.get("/api/v1/audit-events", headers=bearer(token_for(users[role])))
    assert response.status_code == status
    if status == 403:
        assert response.get_json()["error"]["code"] == "forbidden"


def test_below_the_dashboard_rank_a_token_reads_nothing(client, world):
    from tests import factories

    constable = factories.make_user(roles=("viewer",), rank="constable")
    db.session.commit()
    response = client.get("/api/v1/initiatives", headers=bearer(token_for(constable)))
    assert response.status_code == 403 and response.mimetype == "application/json"


@pytest.mark.parametrize("query", ["$top=0", "$top=5001", "$top=abc", "$top=-1", "$top=1e3", "$skiptoken=x",
                                   "$skiptoken=99999999999999999999", "$filter=id eq 1", "$orderby=title"])
def test_bad_query_options_are_refused_in_json(client, users, world, query):
    response = client.get(f"/api/v1/initiatives?{query}", headers=bearer(token_for(users["pmo"])))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_the_largest_page_is_allowed(client, users, world):
    response = client.get("/api/v1/initiatives?$top=5000", headers=bearer(token_for(users["pmo"])))
    assert response.status_code == 200 and len(response.get_json()["value"]) == 4


def test_reading_the_api_changes_nothing_but_the_last_used_time(client, users, world):
    headers = bearer(token_for(users["admin"]))
    client.get("/api/v1/initiatives", headers=headers)  # the first use is noted
    before = database_snapshot()
    for endpoint in ENDPOINTS:
        assert client.get(f"/api/v1/{endpoint}?$top=1", headers=headers).status_code == 200
    assert changed_tables(before, database_snapshot()) == {}


# --------------------------------------------------------------------------- token pages


def test_a_new_token_is_shown_once_and_stored_hashed(client, auth, users, world):
    auth.login(users["viewer"])
    response = client.post("/account/api-tokens", data={"name": "Finance report", "lifetime": "90"})
    assert response.status_code == 200
    secret = re.search(r'value="(pmo_[A-Za-z0-9_-]{43})"', response.get_data(as_text=True)).group(1)
    row = db.session.scalars(select(ApiToken).where(ApiToken.name == "Finance report")).one()
    assert row.user_id == users["viewer"].id and row.scope == "read"
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str([getattr(row, c.key) for c in ApiToken.__table__.columns])
    assert timedelta(days=89) < row.expires_at - utcnow() <= timedelta(days=90)
    # Never again: the list shows only its first characters.
    page = client.get("/account/api-tokens").get_data(as_text=True)
    assert secret not in page and row.hint in page and "Finance report" in page
    # And it works, as the viewer.
    assert client.get("/api/v1/initiatives", headers=bearer(secret)).status_code == 200


def test_a_token_without_a_name_is_refused(client, auth, users, world):
    auth.login(users["viewer"])
    response = client.post("/account/api-tokens", data={"name": "  ", "lifetime": "90"})
    assert response.status_code == 422
    assert "Enter what the token is for" in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(ApiToken.id))) == 0


def test_no_more_than_ten_live_tokens(client, auth, users, world):
    auth.login(users["pmo"])
    for n in range(10):
        assert client.post("/account/api-tokens", data={"name": f"Report {n}", "lifetime": "30"}).status_code == 200
    response = client.post("/account/api-tokens", data={"name": "One too many", "lifetime": "30"})
    assert response.status_code == 422
    assert db.session.scalar(select(db.func.count(ApiToken.id))) == 10


def test_revoking_your_token_stops_it_at_once(client, auth, users, world):
    secret = token_for(users["viewer"])
    token = ApiToken.find(secret)
    auth.login(users["viewer"])
    response = client.post(f"/account/api-tokens/{token.id}/revoke")
    assert response.status_code == 303 and response.location.endswith("/account/api-tokens")
    db.session.expire_all()
    assert token.revoked_at is not None and token.revoked_by_id == users["viewer"].id
    assert client.get("/api/v1/initiatives", headers=bearer(secret)).status_code == 401


def test_nobody_else_may_revoke_your_token(client, auth, users, world):
    token = ApiToken.find(token_for(users["viewer"]))
    auth.login(users["pmo"])
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 403
    db.session.expire_all()
    assert token.revoked_at is None
    assert client.post("/account/api-tokens/987654/revoke").status_code == 404


def test_an_admin_makes_and_revokes_tokens_for_any_account(client, auth, users, world):
    service = small_portfolio.factories.make_user(roles=("viewer",), name="Power BI service",
                                                  email="powerbi@example.test")
    db.session.commit()
    auth.login(users["admin"])
    response = client.post("/admin/api-tokens", data={"user_id": str(service.id), "name": "Force dashboard",
                                                      "lifetime": "never"})
    assert response.status_code == 200
    secret = re.search(r'value="(pmo_[^"]+)"', response.get_data(as_text=True)).group(1)
    token = ApiToken.find(secret)
    assert token.user_id == service.id and token.created_by_id == users["admin"].id and token.expires_at is None
    assert client.get("/api/v1/initiatives", headers=bearer(secret)).status_code == 200
    assert "Force dashboard" in client.get("/admin/api-tokens").get_data(as_text=True)
    response = client.post(f"/account/api-tokens/{token.id}/revoke")
    assert response.status_code == 303 and response.location.endswith("/admin/api-tokens")
    assert client.get("/api/v1/initiatives", headers=bearer(secret)).status_code == 401


def test_only_admins_open_the_admin_token_page(client, auth, users, world):
    auth.login(users["pmo"])
    assert client.get("/admin/api-tokens").status_code == 403
    assert client.post("/admin/api-tokens", data={"user_id": str(users["pmo"].id), "name": "x",
                                                  "lifetime": "90"}).status_code == 403
    assert db.session.scalar(select(db.func.count(ApiToken.id))) == 0


def test_the_docs_describe_every_key(app):
    """docs/api.md lists every key of every dataset, so the docs cannot drift from tabular.py."""
    docs = (Path(__file__).parents[3] / "docs" / "api.md").read_text()
    missing = {name: [key for key in dataset.keys if f"`{key}`" not in docs] for name, dataset in DATASETS.items()}
    assert {name: keys for name, keys in missing.items() if keys} == {}
    for endpoint in ENDPOINTS:
        assert f"/api/v1/{endpoint}" in docs
