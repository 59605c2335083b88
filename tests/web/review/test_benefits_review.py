"""The benefits review page (docs/rules.md 6): register, ROI, closure readiness; and benefit actuals edited in place."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import url_for

from pmo_web.extensions import db
from pmo_web.models import Benefit, Initiative
from tests import factories

HTMX = {"HX-Request": "true"}
READERS = ["requester", "pmo", "approver", "viewer", "admin"]
NOT_EDITORS = ["requester", "approver", "viewer"]


@pytest.fixture
def initiative(users):
    made = factories.make_initiative(owner=users["requester"], state="benefits_review")
    db.session.commit()
    return made


@pytest.fixture
def benefit(initiative):
    made = factories.make_benefit(initiative, name="Officer hours released", target_value="400 hours a month",
                                  planned_value=Decimal("60000"))
    db.session.commit()
    return made


def review_url(initiative):
    return url_for("review.benefits", initiative_id=initiative.id)


def edit_url(initiative, benefit):
    return url_for("review.benefit_edit", initiative_id=initiative.id, benefit_id=benefit.id)


def row_url(initiative, benefit):
    return url_for("review.benefit_row", initiative_id=initiative.id, benefit_id=benefit.id)


def new_url(initiative):
    return url_for("review.benefit_new", initiative_id=initiative.id)


def actuals(prefix: str, **changes) -> dict:
    """A valid actuals form as posted from the row whose fields carry `prefix`."""
    fields = {"owner": "Supt. Custody", "actual_value": "380 hours a month",
              "actual_date": [str(date.today().day), str(date.today().month), str(date.today().year)],
              "realised_value": "", "evidence": "Duty system report, March", "no_actual_reason": "",
              "status": "realised", "version": "1"}  # the version of a fresh benefit
    fields.update(changes)
    return {f"{prefix}-{name}": value for name, value in fields.items()}


def reload(benefit) -> Benefit:
    db.session.expire_all()
    return db.session.get(Benefit, benefit.id)


# ---------------------------------------------------------------- the page


@pytest.mark.parametrize("role", READERS)
def test_everyone_who_can_see_the_initiative_reads_the_review(client, auth, users, initiative, benefit, role):
    auth.login(users[role])
    response = client.get(review_url(initiative))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" in body
    assert "Officer hours released" in body and "400 hours a month" in body
    assert ("Record actuals" in body) is (role in ("pmo", "admin"))


def test_requester_of_another_department_gets_404(client, auth, outsider, initiative, benefit):
    auth.login(outsider)
    assert client.get(review_url(initiative)).status_code == 404
    assert client.get(row_url(initiative, benefit)).status_code == 404
    assert client.post(edit_url(initiative, benefit), data=actuals(f"benefit-{benefit.id}")).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, initiative):
    response = client.get(review_url(initiative))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("state, message", [
    ("scoring", "starts after delivery is complete (Gate 3)"),
    ("delivery", "starts when the delivery-complete gate (Gate 3) is approved"),
    ("cancelled", "so it has no benefits review"),
])
def test_before_review_the_page_explains(client, auth, users, state, message):
    initiative = factories.make_initiative(owner=users["requester"], state=state)
    db.session.commit()
    auth.login(users["pmo"])
    response = client.get(review_url(initiative))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_a_closed_initiative_is_read_only(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="closed", satisfaction_score=4)
    benefit = factories.make_benefit(initiative, actual="410 hours")
    db.session.commit()
    auth.login(users["pmo"])
    body = client.get(review_url(initiative)).get_data(as_text=True)
    assert "This initiative is closed." in body
    assert "Record actuals" not in body and "Add a lesson" not in body
    response = client.post(edit_url(initiative, benefit), data=actuals(f"benefit-{benefit.id}", owner="Changed"))
    assert response.status_code == 409
    assert reload(benefit).owner == ""


def test_closure_checklist_names_every_criterion(client, auth, users, initiative, benefit):
    factories.make_benefit(initiative, name="Fewer complaints", no_actual_reason="Survey runs in June")
    db.session.commit()
    auth.login(users["pmo"])
    body = client.get(review_url(initiative)).get_data(as_text=True)
    for name in ("Every planned benefit has an actual or a reason", "At least one lesson recorded",
                 "Stakeholder satisfaction recorded"):
        assert name in body
    # A benefit with a reason is accounted for; only the unmeasured one is outstanding.
    assert "Outstanding: Officer hours released</p>" in body
    assert "Not met" in body and "Request the closure gate" not in body


def test_when_ready_the_pmo_is_offered_the_closure_gate(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="benefits_review", satisfaction_score=4)
    factories.make_benefit(initiative, actual="410 hours")
    factories.make_lesson(initiative)
    db.session.commit()
    gate_link = f'href="/initiatives/{initiative.id}/gates/request"'
    auth.login(users["pmo"])
    body = client.get(review_url(initiative)).get_data(as_text=True)
    assert "Not met" not in body
    assert gate_link in body and "Request the closure gate" in body
    auth.logout()
    auth.login(users["approver"])
    body = client.get(review_url(initiative)).get_data(as_text=True)
    assert gate_link not in body
    assert "the PMO can now request the closure gate" in body


@pytest.mark.parametrize("realised, actual_spend, forecast, shown", [
    (["125000"], None, "100000", "25%"),             # (125,000 - 100,000) / 100,000
    (["50000", "30000"], "100000", "60000", "-20%"),  # actual spend beats forecast as the cost
    (["90000", "-10000"], "80000", None, "0%"),      # a dis-benefit counts against
    ([], None, "100000", "Not computable"),           # nothing realised yet
    (["125000"], None, None, "Not computable"),       # no cost known
])
def test_roi_where_computable(client, auth, users, realised, actual_spend, forecast, shown):
    initiative = factories.make_initiative(
        owner=users["requester"], state="benefits_review",
        budget_actual=Decimal(actual_spend) if actual_spend else None,
        budget_forecast=Decimal(forecast) if forecast else None)
    for n, amount in enumerate(realised):
        category = "dis_benefit" if amount.startswith("-") else "cash_releasing"
        factories.make_benefit(initiative, name=f"Benefit {n}", category=category,
                               realised_value=Decimal(amount.lstrip("-")))
    db.session.commit()
    auth.login(users["viewer"])
    body = client.get(review_url(initiative)).get_data(as_text=True)
    roi = body.split("Return on investment")[-1]  # the summary row, after the section heading
    assert (f"<strong>{shown}</strong>" if shown.endswith("%") else shown) in roi


def test_roi_arithmetic():
    initiative = Initiative(budget_forecast=Decimal("80000"), budget_actual=Decimal("100000"))
    assert initiative.whole_life_cost == Decimal("100000")
    assert initiative.return_on_investment(Decimal("150000")) == Decimal("0.5")
    assert initiative.return_on_investment(Decimal("40000")) == Decimal("-0.6")
    assert initiative.return_on_investment(None) is None
    assert Initiative(budget_forecast=Decimal("0")).return_on_investment(Decimal("1")) is None


# ------------------------------------------------------------ inline edits


def test_edit_returns_the_row_as_a_form_fragment(client, auth, users, initiative, benefit):
    auth.login(users["pmo"])
    response = client.get(edit_url(initiative, benefit), headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith(f'<tr class="govuk-table__row app-editing-row" id="benefit-{benefit.id}"')
    assert f'for="benefit-{benefit.id}-actual_value"' in body


def test_edit_without_javascript_is_the_whole_page(client, auth, users, initiative, benefit):
    auth.login(users["pmo"])
    body = client.get(edit_url(initiative, benefit)).get_data(as_text=True)
    assert "<html" in body and f'id="benefit-{benefit.id}-actual_value"' in body


@pytest.mark.parametrize("headers", [HTMX, {}])
def test_cancel_returns_the_display_row(client, auth, users, initiative, benefit, headers):
    auth.login(users["viewer"])
    response = client.get(row_url(initiative, benefit), headers=headers)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'<tr class="govuk-table__row" id="benefit-{benefit.id}">' in body
    assert ("<html" in body) is (not headers)


def test_saving_actuals_returns_the_row_and_refreshes_readiness(client, auth, users, initiative, benefit):
    auth.login(users["pmo"])
    response = client.post(edit_url(initiative, benefit), headers=HTMX,
                           data=actuals(f"benefit-{benefit.id}", realised_value="£72,500"))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith(f'<tr class="govuk-table__row" id="benefit-{benefit.id}">')
    assert '<div id="review-summary" hx-swap-oob="true" hx-get=' in body
    assert "Outstanding: Officer hours released" not in body
    saved = reload(benefit)
    assert (saved.actual_value, saved.owner, saved.status) == ("380 hours a month", "Supt. Custody", "realised")
    assert saved.realised_value == Decimal("72500")
    assert saved.actual_date == date.today()


def test_saving_without_javascript_redirects(client, auth, users, initiative, benefit):
    auth.login(users["admin"])
    response = client.post(edit_url(initiative, benefit), data=actuals(f"benefit-{benefit.id}"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/benefits-review#benefit-{benefit.id}")


def test_a_reason_accounts_for_a_benefit_without_an_actual(client, auth, users, initiative, benefit):
    auth.login(users["pmo"])
    data = actuals(f"benefit-{benefit.id}", actual_value="", actual_date=["", "", ""], status="not_realised",
                   no_actual_reason="The custody suite closed before the measure could be taken.")
    assert client.post(edit_url(initiative, benefit), data=data, headers=HTMX).status_code == 200
    assert reload(benefit).accounted_for


@pytest.mark.parametrize("changes, message", [
    ({"actual_date": ["1", "1", str(date.today().year + 1)]}, "Date measured must be today or in the past"),
    ({"realised_value": "-100"}, "Realised financial value must be £0 or more"),
    ({"status": "done"}, "Not a valid choice"),
    ({"actual_value": ""}, "Enter the actual value measured on this date"),
])
def test_invalid_actuals_are_refused_and_nothing_saved(client, auth, users, initiative, benefit, changes, message):
    auth.login(users["pmo"])
    response = client.post(edit_url(initiative, benefit), headers=HTMX,
                           data=actuals(f"benefit-{benefit.id}", **changes))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and f'id="benefit-{benefit.id}"' in body and "<html" not in body
    saved = reload(benefit)
    assert (saved.actual_value, saved.owner, saved.status) == ("", "", "planned")


@pytest.mark.parametrize("role", NOT_EDITORS)
def test_only_the_pmo_records_actuals(client, auth, users, initiative, benefit, role):
    auth.login(users[role])
    assert client.get(edit_url(initiative, benefit), headers=HTMX).status_code == 403
    assert client.post(edit_url(initiative, benefit), data=actuals(f"benefit-{benefit.id}")).status_code == 403
    assert client.post(new_url(initiative), data=actuals("benefit-new", name="Sneaky")).status_code == 403
    assert reload(benefit).actual_value == ""
    assert db.session.query(Benefit).count() == 1


def test_a_benefit_of_another_initiative_is_not_found(client, auth, users, initiative):
    other = factories.make_initiative(owner=users["requester"], state="benefits_review")
    foreign = factories.make_benefit(other, name="Not yours")
    db.session.commit()
    auth.login(users["pmo"])
    assert client.get(row_url(initiative, foreign)).status_code == 404
    assert client.post(edit_url(initiative, foreign), data=actuals(f"benefit-{foreign.id}")).status_code == 404
    assert reload(foreign).actual_value == ""


@pytest.mark.parametrize("state", ["delivery", "closed"])
def test_benefits_change_only_in_benefits_review(client, auth, users, state):
    initiative = factories.make_initiative(owner=users["requester"], state=state)
    benefit = factories.make_benefit(initiative)
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(edit_url(initiative, benefit), headers=HTMX, data=actuals(f"benefit-{benefit.id}"))
    assert response.status_code == 409 and b"<html" not in response.data
    assert client.post(new_url(initiative), data=actuals("benefit-new", name="Late find")).status_code == 409
    assert reload(benefit).actual_value == ""


def test_adding_a_benefit_found_at_review(client, auth, users, initiative):
    auth.login(users["pmo"])
    response = client.get(new_url(initiative), headers=HTMX)
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip().startswith(
        '<tr class="govuk-table__row app-editing-row" id="benefit-new"')
    data = actuals("benefit-new", name="Fewer repeat calls", category="non_cash_releasing",
                   measure="Repeat calls a month", baseline_value="1,200", target_value="")
    response = client.post(new_url(initiative), headers=HTMX, data=data)
    assert response.status_code == 200
    added = db.session.query(Benefit).filter_by(initiative_id=initiative.id).one()
    assert (added.name, added.category, added.baseline_value) == ("Fewer repeat calls", "non_cash_releasing", "1,200")
    assert response.get_data(as_text=True).lstrip().startswith(f'<tr class="govuk-table__row" id="benefit-{added.id}">')


def test_invalid_new_benefit_adds_nothing(client, auth, users, initiative):
    auth.login(users["pmo"])
    response = client.post(new_url(initiative), data=actuals("benefit-new", name="", category="windfall"))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" in body and "Enter the benefit" in body
    assert db.session.query(Benefit).count() == 0


def test_review_page_loads_in_a_fixed_number_of_queries(client, auth, users, initiative):
    from sqlalchemy import event

    auth.login(users["pmo"])

    def count_queries():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(review_url(initiative)).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    factories.make_benefit(initiative, name="First")
    factories.make_lesson(initiative, logged_by_id=users["pmo"].id)
    db.session.commit()
    few = count_queries()
    for n in range(10):
        factories.make_benefit(initiative, name=f"Benefit {n}", actual=f"{n}",
                               actual_date=date.today() - timedelta(days=n))
        factories.make_lesson(initiative, logged_by_id=users["admin"].id)
    db.session.commit()
    assert count_queries() == few


# ------------------------------------------------------------------ delete and undo


def delete_url(initiative, benefit):
    return url_for("review.benefit_delete", initiative_id=initiative.id, benefit_id=benefit.id)


def restore_url(initiative, benefit, **args):
    return url_for("review.benefit_restore", initiative_id=initiative.id, benefit_id=benefit.id, **args)


def benefit_edits(benefit) -> list[str]:
    db.session.expire_all()
    from sqlalchemy import select

    from pmo_web.models import AuditEvent
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "record_edit").order_by(AuditEvent.id))
    return [e.trigger for e in events if e.detail["record"] == "benefit" and e.detail["id"] == benefit.id]


def test_delete_asks_then_leaves_the_register_totals_and_gate_4_and_undo_brings_it_back(
        client, auth, users, initiative, benefit):
    from pmo_web.workflow import lifecycle_for

    # A second benefit, accounted for, stays: the export and Gate 4 still have one to show.
    factories.make_benefit(initiative, name="Custody time saved", actual="12 minutes", realised_value=Decimal("5000"))
    db.session.commit()
    auth.login(users["pmo"])
    assert "Officer hours released" in " ".join(lifecycle_for(initiative).gate_entry_failures("G4"))

    confirm = client.get(delete_url(initiative, benefit), headers=HTMX)
    assert confirm.status_code == 200 and b"<html" not in confirm.data
    assert "Delete the benefit ‘Officer hours released’?" in confirm.get_data(as_text=True)
    assert reload(benefit).deleted_at is None  # asking changes nothing

    deleted = client.post(delete_url(initiative, benefit), headers=HTMX)
    assert deleted.status_code == 200 and b"<html" not in deleted.data
    body = deleted.get_data(as_text=True)
    assert "Benefit ‘Officer hours released’ deleted." in body and "Undo" in body
    assert 'id="deleted-benefits" hx-swap-oob="true"' in body and 'id="review-summary" hx-swap-oob="true"' in body
    assert "£60,000" not in body  # the planned total no longer counts it
    assert reload(benefit).deleted_at is not None
    # Out of the register here and across the portfolio, out of the exports and Gate 4 ...
    page = client.get(review_url(initiative)).get_data(as_text=True)
    assert "400 hours a month" not in page and "Deleted benefits" in page
    assert "400 hours a month" not in client.get(url_for("benefits.register")).get_data(as_text=True)
    export = client.get(url_for("exports.download", dataset="benefits", file_format="csv"))
    assert export.status_code == 200 and "Custody time saved" in export.get_data(as_text=True)
    assert "Officer hours released" not in export.get_data(as_text=True)
    db.session.expire_all()
    assert "Officer hours released" not in " ".join(lifecycle_for(initiative).gate_entry_failures("G4"))
    # ... and no longer editable.
    assert client.get(edit_url(initiative, benefit), headers=HTMX).status_code == 404

    restored = client.post(restore_url(initiative, benefit, in_place="1"), headers=HTMX)
    assert restored.status_code == 200 and b"<html" not in restored.data
    row_opening = f'<tr class="govuk-table__row" id="benefit-{benefit.id}">'
    assert restored.get_data(as_text=True).lstrip().startswith(row_opening)
    assert "£60,000" in restored.get_data(as_text=True)
    assert reload(benefit).deleted_at is None
    assert "400 hours a month" in client.get(url_for("benefits.register")).get_data(as_text=True)
    assert benefit_edits(benefit) == ["benefit.created", "benefit.removed", "benefit.restored"]


def test_without_javascript_delete_and_restore_go_back_to_the_page(client, auth, users, initiative, benefit):
    auth.login(users["pmo"])
    page = client.get(delete_url(initiative, benefit))
    assert page.status_code == 200 and b"<html" in page.data and b"Delete benefit" in page.data
    response = client.post(delete_url(initiative, benefit))
    assert response.status_code == 303 and response.headers["Location"].endswith("#deleted-benefits")
    response = client.post(restore_url(initiative, benefit))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#benefit-{benefit.id}")
    assert reload(benefit).deleted_at is None
    # A second restore (a double press of Undo) changes nothing.
    assert client.post(restore_url(initiative, benefit)).status_code == 303
    assert len(benefit_edits(benefit)) == 3


@pytest.mark.parametrize("role", NOT_EDITORS)
def test_only_the_pmo_deletes_or_restores_benefits(client, auth, users, initiative, benefit, role):
    auth.login(users[role])
    assert client.post(delete_url(initiative, benefit), headers=HTMX).status_code == 403
    assert client.post(restore_url(initiative, benefit), headers=HTMX).status_code == 403
    assert reload(benefit).deleted_at is None


def test_a_closed_initiatives_benefits_cannot_be_deleted(client, auth, users):
    closed = factories.make_initiative(owner=users["requester"], state="closed")
    kept = factories.make_benefit(closed, name="Kept for the record")
    db.session.commit()
    auth.login(users["pmo"])
    assert client.post(delete_url(closed, kept), headers=HTMX).status_code == 409
    assert reload(kept).deleted_at is None


def test_restoring_a_benefit_from_the_deleted_list_takes_away_the_stale_deleted_row(
        client, auth, users, initiative, benefit):
    auth.login(users["pmo"])
    client.post(delete_url(initiative, benefit), headers=HTMX)
    body = client.post(restore_url(initiative, benefit), headers=HTMX).get_data(as_text=True)
    assert f'<tr id="benefit-{benefit.id}" hx-swap-oob="delete"></tr>' in body
    client.post(delete_url(initiative, benefit), headers=HTMX)
    in_place = client.post(restore_url(initiative, benefit, in_place="1"), headers=HTMX).get_data(as_text=True)
    assert 'hx-swap-oob="delete"' not in in_place and f'id="benefit-{benefit.id}"' in in_place
