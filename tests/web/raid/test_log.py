"""The RAID log of one initiative: reading it, and editing its rows in place (htmx) or as
whole pages without JavaScript."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import url_for
from sqlalchemy import event, select

from pmo_web.extensions import db
from pmo_web.models import AuditEvent, RaidItem
from pmo_web.models.raid import band_for
from tests import factories

HTMX = {"HX-Request": "true"}
TODAY = date.today()


def boxes(value: date | None) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)] if value else ["", "", ""]


@pytest.fixture
def initiative(users):
    made = factories.make_initiative(owner=users["requester"], state="delivery")
    db.session.commit()
    return made


@pytest.fixture
def risk(initiative, users):
    made = factories.make_raid_item(initiative, "risk", owner_id=users["pmo"].id)
    db.session.commit()
    return made


def log_url(initiative, **args):
    return url_for("raid.log", initiative_id=initiative.id, **args)


def edit_url(item):
    return url_for("raid.item_edit", initiative_id=item.initiative_id, raid_item_id=item.id)


def new_url(initiative, **args):
    return url_for("raid.item_new", initiative_id=initiative.id, **args)


def reload(item) -> RaidItem:
    db.session.expire_all()
    return db.session.get(RaidItem, item.id)


def risk_data(prefix: str, **changes) -> dict:
    """A valid risk form as posted from the row whose fields carry `prefix`."""
    fields = {
        "title": "Supplier may deliver late", "description": "Because of chip shortages ...",
        "category": "supplier", "owner_id": "", "likelihood": "3", "impact": "4", "response": "reduce",
        "mitigation": "Weekly calls", "status": "open", "review_date": boxes(TODAY + timedelta(days=14)),
        "proximity_date": boxes(None), "version": "1",
    }
    fields.update(changes)
    return {f"{prefix}-{name}": value for name, value in fields.items() if value is not None}


def new_data(kind: str, **fields) -> dict:
    data = {f"raid-item-new-{name}": value for name, value in fields.items()}
    return {"kind": kind, **data}


def audit_events(item_id: int) -> list[AuditEvent]:
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "record_edit")
                                .order_by(AuditEvent.id)).all()
    return [e for e in events if e.detail.get("record") == "raid_item" and e.detail.get("id") == item_id]


# ------------------------------------------------------------------------------ reading


@pytest.mark.parametrize("likelihood, impact, score, band", [
    (1, 1, 1, "Low"), (2, 2, 4, "Low"), (1, 5, 5, "Medium"), (3, 3, 9, "Medium"),
    (2, 5, 10, "High"), (4, 4, 16, "High"), (4, 5, 20, "Very high"), (5, 5, 25, "Very high"),
])
def test_score_and_band_are_computed_at_every_band_edge(client, auth, users, initiative,
                                                         likelihood, impact, score, band):
    item = factories.make_raid_item(initiative, "risk", likelihood=likelihood, impact=impact)
    db.session.commit()
    stored = reload(item)
    assert stored.score == score  # computed by the database
    assert stored.risk_score == score
    assert stored.band_label == band
    assert band_for(score)[1] == band
    auth.login(users["viewer"])
    body = client.get(url_for("raid.item_row", initiative_id=initiative.id, raid_item_id=item.id),
                      headers=HTMX).get_data(as_text=True)
    assert f'<span class="govuk-!-font-weight-bold">{score}</span>' in body
    assert f">{band}</strong>" in body


def test_the_risk_form_has_no_score_to_type(client, auth, users, initiative):
    auth.login(users["pmo"])
    body = client.get(new_url(initiative, kind="risk"), headers=HTMX).get_data(as_text=True)
    assert 'name="raid-item-new-likelihood"' in body and 'name="raid-item-new-impact"' in body
    assert "score" not in re.findall(r'name="([^"]+)"', body)
    assert not any("score" in name or "band" in name for name in re.findall(r'name="([^"]+)"', body))


@pytest.mark.parametrize("role", ["viewer", "requester", "approver"])
def test_everyone_who_sees_the_initiative_reads_the_log_but_cannot_change_it(client, auth, users, initiative,
                                                                               risk, role):
    auth.login(users[role])
    response = client.get(log_url(initiative))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Supplier may deliver late" in body
    assert "Add item" not in body and "/edit" not in body and "/remove" not in body
    data = risk_data(f"raid-item-{risk.id}", title="Changed")
    assert client.post(edit_url(risk), data=data).status_code == 403
    assert client.post(new_url(initiative), data=new_data("risk", title="x")).status_code == 403
    assert reload(risk).title == "Supplier may deliver late"


def test_another_department_gets_404(client, auth, outsider, initiative, risk):
    auth.login(outsider)
    assert client.get(log_url(initiative)).status_code == 404
    assert client.get(edit_url(risk)).status_code == 404
    assert client.post(edit_url(risk), data=risk_data(f"raid-item-{risk.id}", title="Mine")).status_code == 404
    assert reload(risk).title == "Supplier may deliver late"


def test_the_initiative_page_links_to_the_log(client, auth, users, initiative):
    auth.login(users["viewer"])
    body = client.get(url_for("initiatives.show", initiative_id=initiative.id)).get_data(as_text=True)
    assert f'href="/initiatives/{initiative.id}/raid"' in body


@pytest.mark.parametrize("state", ["draft", "closed", "rejected", "withdrawn", "cancelled", "merged"])
def test_the_log_is_read_only_before_submission_and_after_the_end(client, auth, users, state):
    # A draft is seen by its author alone, so the PMO's own draft stands in for one.
    initiative = factories.make_initiative(owner=users["pmo" if state == "draft" else "requester"], state=state)
    item = factories.make_raid_item(initiative, "risk")
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(log_url(initiative))
    assert page.status_code == 200
    assert "Add item" not in page.get_data(as_text=True)
    refused = client.post(edit_url(item), data=risk_data(f"raid-item-{item.id}", title="Changed"), headers=HTMX)
    assert refused.status_code == 409
    body = refused.get_data(as_text=True)
    assert "<html" not in body and f'id="raid-item-{item.id}"' in body
    assert "cannot be changed" in body
    assert client.post(new_url(initiative), data=new_data("risk", title="New")).status_code == 409
    assert reload(item).title == "Supplier may deliver late"
    assert db.session.scalar(select(db.func.count()).select_from(RaidItem)) == 1


@pytest.mark.parametrize("state", ["submitted", "triage", "scoring", "business_case", "on_hold", "benefits_review"])
def test_the_pmo_keeps_the_log_in_every_live_state(client, auth, users, state):
    initiative = factories.make_initiative(owner=users["requester"], state=state)
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(new_url(initiative), headers=HTMX, data=new_data(
        "assumption", title="Funding continues", status="unvalidated", due_date=boxes(TODAY), owner_id=""))
    assert response.status_code == 200
    assert db.session.scalar(select(RaidItem.title)) == "Funding continues"


def test_overdue_reviews_are_tagged_in_words(client, auth, users, initiative):
    factories.make_raid_item(initiative, "risk", title="Late review", review_date=TODAY - timedelta(days=1))
    factories.make_raid_item(initiative, "risk", title="Closed late", status="closed",
                             review_date=TODAY - timedelta(days=1))
    db.session.commit()
    auth.login(users["viewer"])
    body = client.get(log_url(initiative)).get_data(as_text=True)
    found = re.findall(r'<tr class="govuk-table__row" id="raid-item-\d+">.*?</tr>', body, re.DOTALL)
    rows = {title: row for row in found for title in ("Late review", "Closed late") if title in row}
    assert "Overdue" in rows["Late review"]
    assert "the review date has passed" in rows["Late review"]  # visually hidden text, not colour alone
    assert "Overdue" not in rows["Closed late"]


def _titles(body: str) -> list[str]:
    return re.findall(r'<th scope="row" class="govuk-table__header">\s*<span[^>]*>[^<]*</span>\s*([^<\n]+?)\s*<',
                      body)


def test_filter_by_kind_owner_status_and_date_and_sort_by_score(client, auth, users, initiative):
    other = factories.make_user(name="Zed Owner")
    factories.make_raid_item(initiative, "risk", title="Small risk", likelihood=1, impact=2,
                             owner_id=users["pmo"].id, review_date=TODAY + timedelta(days=90))
    factories.make_raid_item(initiative, "risk", title="Big risk", likelihood=5, impact=5, owner_id=other.id,
                             review_date=TODAY - timedelta(days=3))
    factories.make_raid_item(initiative, "issue", title="An issue", owner_id=other.id, status="resolved")
    factories.make_raid_item(initiative, "dependency", title="A dependency", owner_id=users["pmo"].id)
    db.session.commit()
    auth.login(users["viewer"])

    def titles(**args):
        return _titles(client.get(log_url(initiative, **args)).get_data(as_text=True))

    assert titles(kind="risk", sort="score") == ["Big risk", "Small risk"]
    assert set(titles(owner=other.id)) == {"Big risk", "An issue"}
    assert set(titles(status="closed")) == {"An issue"}
    assert titles(due="overdue") == ["Big risk"]
    assert titles(sort="owner")[-2:] in (["Big risk", "An issue"], ["An issue", "Big risk"])
    # A bad value in the address is ignored rather than an error.
    assert len(titles(kind="bogus", owner="x", sort="nope", due="<script>")) == 4


def test_the_page_loads_in_the_same_number_of_statements_for_3_or_30_items(client, auth, users, initiative, app):
    elsewhere = factories.make_initiative(owner=users["requester"], state="delivery")

    def add(count: int) -> None:
        for n in range(count):
            owner = factories.make_user()
            factories.make_raid_item(initiative, "risk", title=f"Risk {n}", owner_id=owner.id)
            factories.make_raid_item(elsewhere, "dependency", title=f"Needs {n}", depends_on_id=initiative.id,
                                     external_party="")
            target = factories.make_initiative(owner=users["requester"], state="delivery")
            factories.make_raid_item(initiative, "dependency", title=f"On {n}", depends_on_id=target.id,
                                     external_party="", owner_id=owner.id)
            gone = factories.make_raid_item(initiative, "issue", title=f"Gone {n}", owner_id=owner.id)
            gone.deleted_at = gone.created_at
        db.session.commit()

    def statements() -> int:
        counted = []

        def listener(*_args) -> None:
            counted.append(1)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            # A fresh app context, so a fresh session, as in production: nothing the test
            # loaded is in its identity map to hide a lazy load.
            with app.app_context():
                response = client.get(log_url(initiative))
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert response.status_code == 200
        return len(counted)

    auth.login(users["pmo"])
    add(1)
    client.get(log_url(initiative))  # warm: session bookkeeping written once a minute
    add(2)
    few = statements()
    add(27)
    many = statements()
    body = client.get(log_url(initiative)).get_data(as_text=True)
    assert body.count('id="raid-item-') >= 60
    assert many == few, f"{few} statements for 3 of each, {many} for 30"


# ------------------------------------------------------------------------------ adding


def test_new_row_is_a_form_fragment_for_the_chosen_kind(client, auth, users, initiative):
    auth.login(users["pmo"])
    for kind, field in (("risk", "likelihood"), ("assumption", "due_date"), ("issue", "priority"),
                        ("dependency", "depends_on_id")):
        response = client.get(new_url(initiative, kind=kind), headers=HTMX)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert "<html" not in body
        assert body.lstrip().startswith('<tr class="govuk-table__row app-editing-row" id="raid-item-new"')
        assert f'name="raid-item-new-{field}"' in body
        assert f'name="kind" value="{kind}"' in body
    assert client.get(new_url(initiative, kind="bogus"), headers=HTMX).status_code == 404


def test_adding_a_risk_returns_its_row_and_audits_it(client, auth, users, initiative):
    auth.login(users["pmo"])
    data = new_data("risk", title="Data migration fails", likelihood="4", impact="5", status="open",
                    review_date=boxes(TODAY + timedelta(days=7)), owner_id=str(users["pmo"].id), category="",
                    response="", description="", mitigation="", proximity_date=boxes(None))
    response = client.post(new_url(initiative), data=data, headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    item = db.session.scalar(select(RaidItem))
    assert body.lstrip().startswith(f'<tr class="govuk-table__row" id="raid-item-{item.id}">')
    assert (item.kind, item.score, item.band, item.owner_id) == ("risk", 20, "very_high", users["pmo"].id)
    assert item.created_by_id == users["pmo"].id
    [created] = audit_events(item.id)
    assert created.trigger == "raid_item.created"
    assert created.actor_id == users["pmo"].id
    assert created.detail["changes"]["likelihood"] == {"after": 4}


@pytest.mark.parametrize("kind, fields, message", [
    ("risk", {"title": "", "likelihood": "3", "impact": "3"}, "Enter the risk"),
    ("risk", {"title": "R", "likelihood": "", "impact": "3"}, "Select how likely the risk is"),
    ("risk", {"title": "R", "likelihood": "9", "impact": "3"}, "Not a valid choice"),
    ("risk", {"title": "R", "likelihood": "3", "impact": "3", "status": "open"},
     "Enter the date the risk will next be reviewed"),
    ("assumption", {"title": "A", "status": "unvalidated", "due_date": ["31", "2", "2027"]},
     "Not a valid date value"),
    ("issue", {"title": "I", "issue_type": "problem", "priority": "", "status": "open"},
     "Select the issue&#39;s priority"),
    ("dependency", {"title": "D", "direction": "we_need", "status": "open", "depends_on_id": "",
                    "external_party": ""}, "Choose the other initiative, or enter the outside party"),
])
@pytest.mark.parametrize("headers", [HTMX, {}])
def test_an_invalid_new_item_is_422_in_the_row_and_nothing_is_saved(client, auth, users, initiative, kind,
                                                                     fields, message, headers):
    auth.login(users["pmo"])
    response = client.post(new_url(initiative), data=new_data(kind, **fields), headers=headers)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert ("<html" in body) is (not headers)
    assert 'id="raid-item-new"' in body and "govuk-error-summary" in body
    assert db.session.scalar(select(db.func.count()).select_from(RaidItem)) == 0
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == 0


def test_adding_without_javascript_redirects_to_the_new_row(client, auth, users, initiative):
    auth.login(users["pmo"])
    page = client.get(new_url(initiative, kind="issue"))
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    response = client.post(new_url(initiative), data=new_data(
        "issue", title="Test kit broken", issue_type="problem", priority="high", status="open",
        due_date=boxes(None)))
    assert response.status_code == 303
    item = db.session.scalar(select(RaidItem))
    assert response.headers["Location"].endswith(f"/raid#raid-item-{item.id}")
    assert (item.kind, item.priority) == ("issue", "high")


# ------------------------------------------------------------------------------ editing


def test_edit_returns_the_row_as_a_form_fragment(client, auth, users, initiative, risk):
    auth.login(users["pmo"])
    response = client.get(edit_url(risk), headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith(f'<tr class="govuk-table__row app-editing-row" id="raid-item-{risk.id}"')
    assert f'id="raid-item-{risk.id}-title"' in body and "data-cancel" in body
    assert "HX-Request" in response.headers["Vary"]


def test_edit_without_javascript_is_the_whole_page_with_the_row_as_a_form(client, auth, users, initiative, risk):
    auth.login(users["pmo"])
    body = client.get(edit_url(risk)).get_data(as_text=True)
    assert "<html" in body and f'id="raid-item-{risk.id}-title"' in body


@pytest.mark.parametrize("headers", [HTMX, {}])
def test_cancel_returns_the_display_row(client, auth, users, initiative, risk, headers):
    auth.login(users["pmo"])
    response = client.get(url_for("raid.item_row", initiative_id=initiative.id, raid_item_id=risk.id),
                          headers=headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<tr class="govuk-table__row" id="raid-item-{risk.id}">' in body
    assert ("<html" in body) is (not headers)


def test_saving_returns_the_row_and_audits_before_and_after(client, auth, users, initiative, risk):
    auth.login(users["pmo"])
    data = risk_data(f"raid-item-{risk.id}", title="Supplier delivers late", likelihood="5", impact="4",
                     owner_id=str(users["admin"].id))
    response = client.post(edit_url(risk), data=data, headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith(f'<tr class="govuk-table__row" id="raid-item-{risk.id}">')
    assert ">20</span>" in body and "Very high" in body
    saved = reload(risk)
    assert (saved.title, saved.score, saved.owner_id, saved.version) == ("Supplier delivers late", 20,
                                                                         users["admin"].id, 2)
    updated = audit_events(risk.id)[-1]
    assert updated.trigger == "raid_item.updated"
    assert updated.actor_id == users["pmo"].id
    changes = updated.detail["changes"]
    assert changes["title"] == {"before": "Supplier may deliver late", "after": "Supplier delivers late"}
    assert changes["likelihood"] == {"before": 3, "after": 5}
    assert changes["owner_id"] == {"before": users["pmo"].id, "after": users["admin"].id}


def test_saving_without_javascript_redirects_to_the_row(client, auth, users, initiative, risk):
    auth.login(users["admin"])
    response = client.post(edit_url(risk), data=risk_data(f"raid-item-{risk.id}", title="Cut-over risk"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/raid#raid-item-{risk.id}")
    assert reload(risk).title == "Cut-over risk"


@pytest.mark.parametrize("headers", [HTMX, {}])
def test_an_invalid_edit_is_422_in_the_row_and_nothing_is_saved(client, auth, users, initiative, risk, headers):
    auth.login(users["pmo"])
    events = len(audit_events(risk.id))
    response = client.post(edit_url(risk), data=risk_data(f"raid-item-{risk.id}", title=" ", likelihood="5"),
                           headers=headers)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Enter the risk" in body and "govuk-error-summary" in body
    assert ("<html" in body) is (not headers)
    saved = reload(risk)
    assert (saved.title, saved.likelihood, saved.version) == ("Supplier may deliver late", 3, 1)
    assert len(audit_events(risk.id)) == events


def test_a_conflict_is_409_with_both_versions_and_the_user_can_reapply(client, auth, users, initiative, risk):
    # Someone else saves first: the row moves on to version 2.
    risk.title = "Their title"
    risk.changed_by = "Someone Else"
    db.session.commit()
    auth.login(users["pmo"])
    mine = risk_data(f"raid-item-{risk.id}", title="My title", version="1")
    response = client.post(edit_url(risk), data=mine, headers=HTMX)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert "Someone else saved this risk while you were editing it" in body
    assert "Their title" in body and "My title" in body  # both versions
    assert f'name="raid-item-{risk.id}-version" type="hidden" value="2"' in body
    assert reload(risk).title == "Their title"
    # Saving again is a deliberate choice to replace theirs.
    again = client.post(edit_url(risk), data={**mine, f"raid-item-{risk.id}-version": "2"}, headers=HTMX)
    assert again.status_code == 200
    assert reload(risk).title == "My title"


def test_a_removed_item_cannot_be_edited(client, auth, users, initiative, risk):
    risk.deleted_at = risk.created_at
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(edit_url(risk), data=risk_data(f"raid-item-{risk.id}", title="x", version="2"),
                           headers=HTMX)
    assert response.status_code == 409
    assert "Restore it before changing it" in response.get_data(as_text=True)
    assert reload(risk).title == "Supplier may deliver late"


# ------------------------------------------------------------------------------ removing


def test_remove_asks_for_confirmation_in_the_row(client, auth, users, initiative, risk):
    auth.login(users["pmo"])
    url = url_for("raid.item_remove", initiative_id=initiative.id, raid_item_id=risk.id)
    response = client.get(url, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert "Remove risk ‘Supplier may deliver late’ from the log?" in body
    assert reload(risk).deleted_at is None


def test_remove_is_a_soft_delete_with_undo_and_both_are_audited(client, auth, users, initiative, risk):
    auth.login(users["pmo"])
    url = url_for("raid.item_remove", initiative_id=initiative.id, raid_item_id=risk.id)
    response = client.post(url, data={f"remove-{risk.id}-version": "1"}, headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith(f'<tr class="govuk-table__row" id="raid-item-{risk.id}">')
    assert "has been removed from the log" in body and ">Undo<" in body
    assert 'id="raid-removed" aria-labelledby="raid-removed-heading" hx-swap-oob="true"' in body
    assert reload(risk).deleted_at is not None
    assert db.session.get(RaidItem, risk.id) is not None  # still there: a soft delete
    assert audit_events(risk.id)[-1].trigger == "raid_item.removed"

    page = client.get(log_url(initiative)).get_data(as_text=True)
    log_part, removed_part = page.split('id="raid-removed"')
    assert "Supplier may deliver late" not in log_part
    assert "Supplier may deliver late" in removed_part and ">Restore<" in removed_part

    restore = url_for("raid.item_restore", initiative_id=initiative.id, raid_item_id=risk.id)
    undone = client.post(restore, headers=HTMX)
    assert undone.status_code == 200
    assert undone.get_data(as_text=True).lstrip().startswith(f'<tr class="govuk-table__row" id="raid-item-{risk.id}">')
    assert reload(risk).deleted_at is None
    restored = audit_events(risk.id)[-1]
    assert restored.trigger == "raid_item.restored"
    assert restored.detail["changes"]["deleted_at"]["after"] is None


@pytest.mark.parametrize("removed", ["99999999999999999999", "-1", "abc", "0"])
def test_a_bad_removed_id_in_the_address_is_ignored(client, auth, users, initiative, risk, removed):
    auth.login(users["pmo"])
    response = client.get(log_url(initiative, removed=removed))
    assert response.status_code == 200
    assert "has been removed from the log" not in response.get_data(as_text=True)


def test_remove_without_javascript_offers_undo_on_the_page(client, auth, users, initiative, risk):
    auth.login(users["pmo"])
    url = url_for("raid.item_remove", initiative_id=initiative.id, raid_item_id=risk.id)
    page = client.get(url)
    assert page.status_code == 200 and "Yes, remove it" in page.get_data(as_text=True)
    response = client.post(url, data={f"remove-{risk.id}-version": "1"})
    assert response.status_code == 303
    assert f"removed={risk.id}" in response.headers["Location"]
    banner = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Risk ‘Supplier may deliver late’ has been removed from the log." in banner
    restore = url_for("raid.item_restore", initiative_id=initiative.id, raid_item_id=risk.id)
    assert f'action="/initiatives/{initiative.id}/raid/{risk.id}/restore"' in banner
    assert client.post(restore).status_code == 303
    assert reload(risk).deleted_at is None


def test_removing_an_item_someone_changed_since_is_409(client, auth, users, initiative, risk):
    risk.title = "Changed meanwhile"
    db.session.commit()
    auth.login(users["pmo"])
    url = url_for("raid.item_remove", initiative_id=initiative.id, raid_item_id=risk.id)
    response = client.post(url, data={f"remove-{risk.id}-version": "1"}, headers=HTMX)
    assert response.status_code == 409
    assert "changed this risk after you opened it" in response.get_data(as_text=True)
    assert reload(risk).deleted_at is None


# ------------------------------------------------------------------------------ dependencies


def test_a_dependency_on_another_initiative_shows_on_both_sides(client, auth, users, initiative):
    provider = factories.make_initiative(owner=users["requester"], state="delivery", title="New network")
    db.session.commit()
    auth.login(users["pmo"])
    form = client.get(new_url(initiative, kind="dependency"), headers=HTMX).get_data(as_text=True)
    assert f'<option value="{provider.id}">{provider.reference}: New network</option>' in form
    assert f"{initiative.reference}:" not in form  # not on itself
    response = client.post(new_url(initiative), headers=HTMX, data=new_data(
        "dependency", title="Needs the new network", direction="we_need", depends_on_id=str(provider.id),
        external_party="", status="open", due_date=boxes(TODAY + timedelta(days=30))))
    assert response.status_code == 200
    assert "New network" in response.get_data(as_text=True)
    item = db.session.scalar(select(RaidItem))
    assert item.depends_on_id == provider.id

    other_side = client.get(log_url(provider)).get_data(as_text=True)
    section = other_side.split('id="dependents-heading"')[1].split("</section>")[0]
    assert "Initiatives that depend on this one" in other_side
    assert initiative.reference in section and "Needs the new network" in section

    auth.logout()
    auth.login(factories.make_user(roles=("requester",)))  # another department: sees neither side
    db.session.commit()
    assert client.get(log_url(provider)).status_code == 404


def test_the_other_side_hides_initiatives_the_reader_may_not_see(client, auth, users, initiative):
    hidden_dept = factories.make_user(roles=("requester",))
    hidden = factories.make_initiative(owner=hidden_dept, state="delivery", title="Secret work")
    factories.make_raid_item(hidden, "dependency", depends_on_id=initiative.id, external_party="",
                             title="Needs custody data")
    db.session.commit()
    auth.login(users["requester"])
    body = client.get(log_url(initiative)).get_data(as_text=True)
    assert "Secret work" not in body and "Needs custody data" not in body
    auth.logout()
    auth.login(users["viewer"])
    assert "Needs custody data" in client.get(log_url(initiative)).get_data(as_text=True)


@pytest.mark.parametrize("fields, message", [
    ({"depends_on_id": "{provider}", "external_party": "BT"}, "not both"),
    ({"depends_on_id": "{self}", "external_party": ""}, "Not a valid choice"),
    ({"depends_on_id": "{hidden}", "external_party": ""}, "Not a valid choice"),
])
def test_a_dependency_names_one_visible_other_initiative_or_an_outside_party(client, auth, users, initiative,
                                                                             fields, message):
    provider = factories.make_initiative(owner=users["requester"], state="delivery")
    hidden = factories.make_initiative(owner=users["requester"], state="draft")
    db.session.commit()
    ids = {"{provider}": str(provider.id), "{self}": str(initiative.id), "{hidden}": str(hidden.id)}
    data = new_data("dependency", title="D", direction="we_need", status="open",
                    **{k: ids.get(v, v) for k, v in fields.items()})
    auth.login(users["pmo"])
    response = client.post(new_url(initiative), data=data, headers=HTMX)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(RaidItem)) == 0


# ------------------------------------------------------------------------------ escalation


def test_escalating_and_withdrawing_an_escalation(client, auth, users, initiative, risk):
    auth.login(users["pmo"])
    url = url_for("raid.item_escalation", initiative_id=initiative.id, raid_item_id=risk.id)
    form = client.get(url, headers=HTMX)
    assert form.status_code == 200 and "<html" not in form.get_data(as_text=True)

    refused = client.post(url, headers=HTMX, data={f"escalate-{risk.id}-escalated_to": "Corporate Delivery Board",
                                                   f"escalate-{risk.id}-escalation_note": " ",
                                                   f"escalate-{risk.id}-version": "1"})
    assert refused.status_code == 422
    assert "Enter a note for the board" in refused.get_data(as_text=True)
    assert reload(risk).escalated is False

    response = client.post(url, headers=HTMX, data={
        f"escalate-{risk.id}-escalated_to": "Corporate Delivery Board",
        f"escalate-{risk.id}-escalation_note": "Needs a decision on extra budget",
        f"escalate-{risk.id}-version": "1"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Escalated</strong>" in body and "Corporate Delivery Board" in body
    saved = reload(risk)
    assert (saved.escalated, saved.escalated_to, saved.escalation_note) == (
        True, "Corporate Delivery Board", "Needs a decision on extra budget")
    assert saved.escalated_at is not None
    assert audit_events(risk.id)[-1].detail["changes"]["escalated"] == {"before": False, "after": True}

    withdrawn = client.post(url, headers=HTMX, data={f"escalate-{risk.id}-escalated_to": "",
                                                     f"escalate-{risk.id}-escalation_note": "",
                                                     f"escalate-{risk.id}-withdraw": "y",
                                                     f"escalate-{risk.id}-version": "2"})
    assert withdrawn.status_code == 200
    saved = reload(risk)
    assert (saved.escalated, saved.escalated_to, saved.escalated_at) == (False, "", None)
    assert "Escalated</strong>" not in withdrawn.get_data(as_text=True)


def test_an_unknown_board_is_refused(client, auth, users, initiative, risk):
    auth.login(users["pmo"])
    url = url_for("raid.item_escalation", initiative_id=initiative.id, raid_item_id=risk.id)
    response = client.post(url, data={f"escalate-{risk.id}-escalated_to": "The Illuminati",
                                      f"escalate-{risk.id}-escalation_note": "n",
                                      f"escalate-{risk.id}-version": "1"})
    assert response.status_code == 422
    assert reload(risk).escalated is False


# ------------------------------------------------------------------------------ counts after a change


def oob_counts(body: str) -> dict:
    """The counts an htmx answer refreshes out of band: the kind navigation, the caption and the
    line under an empty table."""
    nav = re.search(r'<nav id="raid-kinds"[^>]*hx-swap-oob="true"[^>]*>(.*?)</nav>', body, re.S)
    caption = re.search(r'<span id="raid-log-count" hx-swap-oob="true">([^<]*)</span>', body)
    empty = re.search(r'<div id="raid-log-empty" hx-swap-oob="true">(.*?)</div>', body, re.S)
    assert nav and caption and empty, body
    links = [re.sub(r"<[^>]+>", "", text).strip() for text in re.findall(r"<a [^>]*>(.*?)</a>", nav.group(1), re.S)]
    return {"kinds": links, "caption": caption.group(1), "empty": re.sub(r"<[^>]+>|\s+", " ", empty.group(1)).strip()}


def test_adding_an_item_inline_updates_the_logs_counts_out_of_band(client, auth, users, initiative):
    factories.make_raid_item(initiative, "issue", owner_id=users["pmo"].id)
    factories.make_raid_item(initiative, "issue", owner_id=users["pmo"].id)
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(log_url(initiative, kind="risk")).get_data(as_text=True)
    assert '<span id="raid-log-count">0 risks</span>' in page and "No items match these filters." in page
    data = new_data("risk", title="Data migration fails", likelihood="4", impact="5", status="open",
                    review_date=boxes(TODAY + timedelta(days=7)), owner_id="", category="", response="",
                    description="", mitigation="", proximity_date=boxes(None))
    headers = {**HTMX, "HX-Current-URL": "http://localhost" + log_url(initiative, kind="risk")}
    body = client.post(new_url(initiative), data=data, headers=headers).get_data(as_text=True)
    assert body.lstrip().startswith('<tr class="govuk-table__row" id="raid-item-')
    assert oob_counts(body) == {
        "kinds": ["All items (3)", "Risks (1)", "Assumptions (0)", "Issues (2)", "Dependencies (0)"],
        "caption": "1 risk", "empty": ""}
    # On the unfiltered log the caption counts every item.
    data["raid-item-new-title"] = "Second risk"
    headers["HX-Current-URL"] = "http://localhost" + log_url(initiative)
    body = client.post(new_url(initiative), data=data, headers=headers).get_data(as_text=True)
    assert oob_counts(body) == {
        "kinds": ["All items (4)", "Risks (2)", "Assumptions (0)", "Issues (2)", "Dependencies (0)"],
        "caption": "4 items", "empty": ""}


def test_removing_and_restoring_an_item_update_the_counts_too(client, auth, users, initiative, risk):
    auth.login(users["pmo"])
    url = url_for("raid.item_remove", initiative_id=initiative.id, raid_item_id=risk.id)
    headers = {**HTMX, "HX-Current-URL": "http://localhost" + log_url(initiative)}
    body = client.post(url, data={f"remove-{risk.id}-version": "1"}, headers=headers).get_data(as_text=True)
    assert oob_counts(body) == {
        "kinds": ["All items (0)", "Risks (0)", "Assumptions (0)", "Issues (0)", "Dependencies (0)"],
        "caption": "0 items", "empty": "Nothing has been logged yet."}
    restore = url_for("raid.item_restore", initiative_id=initiative.id, raid_item_id=risk.id)
    body = client.post(restore, headers=headers).get_data(as_text=True)
    assert oob_counts(body)["kinds"][:2] == ["All items (1)", "Risks (1)"]
    assert oob_counts(body)["caption"] == "1 item"
