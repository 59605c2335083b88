"""The delivery page (docs/rules.md 7): who may read and edit it, in which states, and what it checks."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import event

from pmo_web.extensions import db
from pmo_web.models import Initiative
from pmo_web.models.initiatives import CONFIDENCE_MEANINGS
from tests import factories

READERS = ["requester", "pmo", "approver", "viewer", "admin"]
NOT_EDITORS = ["requester", "approver", "viewer"]


@pytest.fixture
def initiative(users):
    """An initiative in delivery, requested by the requester of the users' department."""
    made = factories.make_initiative(owner=users["requester"], state="delivery")
    db.session.commit()
    return made


def page_url(initiative):
    return url_for("delivery.edit", initiative_id=initiative.id)


def valid_details(users, **changes):
    """A complete, valid delivery form as the browser posts it (dates as day, month, year)."""
    data = {
        "manager_id": str(users["pmo"].id),
        "programme_id": "",
        "budget_approved": "£100,000",
        "budget_forecast": "120000.50",
        "budget_actual": "",
        "planned_end": ["31", "3", "2027"],
        "forecast_end": ["14", "4", "2027"],
        "delivery_confidence": "amber",
        "confidence_justification": "",
        "version": "1",  # the version the page was drawn from: a fresh initiative's
    }
    data.update(changes)
    return data


def reload(initiative) -> Initiative:
    db.session.expire_all()
    return db.session.get(Initiative, initiative.id)


@pytest.mark.parametrize("role", READERS)
def test_everyone_who_can_see_the_initiative_reads_the_page(client, auth, users, initiative, role):
    auth.login(users[role])
    response = client.get(page_url(initiative))
    assert response.status_code == 200
    assert b"<html" in response.data
    assert b"Delivery status" in response.data
    # Only the PMO and admins get the form.
    assert (b"Save delivery details" in response.data) == (role in ("pmo", "admin"))


def test_requester_of_another_department_gets_404(client, auth, outsider, initiative):
    auth.login(outsider)
    assert client.get(page_url(initiative)).status_code == 404
    assert client.post(page_url(initiative), data={}).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, initiative):
    response = client.get(page_url(initiative))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["pmo", "admin"])
def test_pmo_and_admin_save_delivery_details(client, auth, users, initiative, role):
    auth.login(users[role])
    response = client.post(page_url(initiative), data=valid_details(users))
    assert response.status_code == 303
    saved = reload(initiative)
    assert saved.manager_id == users["pmo"].id
    assert saved.budget_approved == Decimal("100000.00")
    assert saved.budget_forecast == Decimal("120000.50")
    assert saved.budget_actual is None
    assert saved.planned_end == date(2027, 3, 31)
    assert saved.forecast_end == date(2027, 4, 14)
    assert saved.delivery_confidence == "amber"
    assert saved.state == "delivery"


@pytest.mark.parametrize("role", NOT_EDITORS)
def test_other_roles_may_not_save(client, auth, users, initiative, role):
    auth.login(users[role])
    assert client.post(page_url(initiative), data=valid_details(users)).status_code == 403
    assert reload(initiative).budget_approved is None


@pytest.mark.parametrize("changes, message", [
    ({"budget_approved": "-5"}, b"Approved budget must be \xc2\xa30 or more"),
    ({"budget_forecast": "lots"}, b"Forecast spend must be an amount in pounds"),
    ({"budget_actual": "10.001"}, b"at most 2 decimal places"),
    ({"delivery_confidence": "red"}, b"Explain why delivery confidence is Red"),
    ({"delivery_confidence": "amber_red", "confidence_justification": "  "},
     b"Explain why delivery confidence is Amber/Red"),
    ({"planned_end": ["", "3", "2027"]}, b"Planned end date must include a day, month and year"),
    ({"forecast_end": ["31", "2", "2027"]}, b"Not a valid date value"),
    ({"manager_id": "999999"}, b"Not a valid choice"),
])
def test_invalid_details_are_refused_and_nothing_saved(client, auth, users, initiative, changes, message):
    auth.login(users["pmo"])
    response = client.post(page_url(initiative), data=valid_details(users, **changes))
    assert response.status_code == 422
    assert message in response.data
    assert b"There is a problem" in response.data
    saved = reload(initiative)
    assert saved.budget_approved is None and saved.delivery_confidence is None


def test_red_with_a_justification_is_saved(client, auth, users, initiative):
    auth.login(users["pmo"])
    data = valid_details(users, delivery_confidence="red", confidence_justification="Supplier in administration.")
    assert client.post(page_url(initiative), data=data).status_code == 303
    saved = reload(initiative)
    assert (saved.delivery_confidence, saved.confidence_justification) == ("red", "Supplier in administration.")


def test_confidence_choices_explain_each_level(client, auth, users, initiative):
    auth.login(users["pmo"])
    body = client.get(page_url(initiative)).get_data(as_text=True)
    for value, meaning in CONFIDENCE_MEANINGS.items():
        assert f'value="{value}"' in body
        assert meaning in body


@pytest.mark.parametrize("state", ["draft", "triage", "scoring", "business_case"])
def test_before_the_investment_decision_the_page_explains_and_posts_conflict(client, auth, users, state):
    # A draft is seen by its author alone, so the PMO's own draft stands in for one.
    initiative = factories.make_initiative(owner=users["pmo" if state == "draft" else "requester"], state=state)
    db.session.commit()
    auth.login(users["pmo"])
    response = client.get(page_url(initiative))
    assert response.status_code == 200
    assert b"Delivery starts after the investment decision (Gate 2)" in response.data
    assert client.post(page_url(initiative), data=valid_details(users)).status_code == 409
    assert reload(initiative).budget_approved is None


@pytest.mark.parametrize("state", ["benefits_review", "closed"])
def test_after_delivery_the_page_is_read_only(client, auth, users, state):
    initiative = factories.make_initiative(owner=users["requester"], state=state, budget_approved=Decimal("5000"))
    db.session.commit()
    auth.login(users["pmo"])
    response = client.get(page_url(initiative))
    assert response.status_code == 200
    assert b"Save delivery details" not in response.data
    assert b"can no longer be changed" in response.data
    response = client.post(page_url(initiative), data=valid_details(users))
    assert response.status_code == 409
    assert reload(initiative).budget_approved == Decimal("5000")


def test_on_hold_is_still_editable(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="on_hold")
    db.session.commit()
    auth.login(users["pmo"])
    assert client.post(page_url(initiative), data=valid_details(users)).status_code == 303
    assert reload(initiative).budget_approved == Decimal("100000.00")


@pytest.mark.parametrize("capital, shown", [(Decimal("180000"), "Capital"), (None, "Revenue")])
def test_funding_is_the_business_cases_and_not_changed_here(client, auth, users, initiative, capital, shown):
    """One source of truth (docs/rules.md 9): the delivery page shows the case's funding and a
    posted funding type changes nothing."""
    factories.make_business_case(initiative, users["pmo"], capital=capital)
    initiative.funding_type = "revenue" if capital else "capital"  # an older, different value
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(page_url(initiative)).get_data(as_text=True)
    assert 'name="funding_type"' not in page
    assert re.search(rf"Funding type\s*</dt>\s*<dd[^>]*>\s*{shown}\s*<span[^>]*>\(from the <a", page)
    before = reload(initiative).funding_type
    client.post(page_url(initiative), data=valid_details(users, funding_type="capital", version="2"))
    assert reload(initiative).funding_type == before


@pytest.mark.parametrize("funding, forecast, actual, warning", [
    ("capital", "120000", None,
     "Capital-funded overrun: forecast or actual spend is £20,000 above the approved budget of £100,000."),
    ("revenue", "90000", "105000",
     "Budget overrun: forecast or actual spend is £5,000 above the approved budget of £100,000."),
    ("capital", "100000", "99000", None),
])
def test_overruns_are_flagged(client, auth, users, funding, forecast, actual, warning):
    initiative = factories.make_initiative(
        owner=users["requester"], state="delivery", funding_type=funding, budget_approved=Decimal("100000"),
        budget_forecast=Decimal(forecast), budget_actual=Decimal(actual) if actual else None)
    db.session.commit()
    auth.login(users["viewer"])
    body = client.get(page_url(initiative)).get_data(as_text=True)
    if warning:
        assert warning in body
    else:
        assert "overrun" not in body


def test_budget_and_end_date_variance_are_shown(client, auth, users):
    initiative = factories.make_initiative(
        owner=users["requester"], state="delivery", budget_approved=Decimal("100000"),
        budget_forecast=Decimal("80000"), planned_end=date(2027, 3, 31), forecast_end=date(2027, 4, 14))
    db.session.commit()
    auth.login(users["viewer"])
    body = client.get(page_url(initiative)).get_data(as_text=True)
    assert "£80,000 (£20,000 under approved)" in body
    assert "14 April 2027 (14 days late against the plan)" in body


def test_page_loads_in_a_fixed_number_of_queries(client, auth, users, initiative):
    auth.login(users["pmo"])

    def count_queries():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(page_url(initiative)).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    factories.make_milestone(initiative)
    factories.make_lesson(initiative, logged_by_id=users["pmo"].id)
    db.session.commit()
    few = count_queries()
    for n in range(10):
        factories.make_milestone(initiative, name=f"Milestone {n}", done=False,
                                 forecast_date=date.today() + timedelta(days=n))
        factories.make_lesson(initiative, logged_by_id=users["admin"].id)
    db.session.commit()
    assert count_queries() == few


@pytest.mark.parametrize("before", ["amber", "amber_red", "red", "amber_green"])
def test_back_to_green_the_old_ratings_justification_is_cleared_and_not_shown(client, auth, users, initiative,
                                                                               before):
    """The justification the form carries over from the lower rating no longer stands once delivery
    confidence goes back to Green; one written afresh with Green is kept."""
    reason = f"Reasons for {before}: the supplier is three weeks late."
    initiative.delivery_confidence, initiative.confidence_justification = before, reason
    db.session.commit()
    auth.login(users["pmo"])
    assert reason in client.get(page_url(initiative)).get_data(as_text=True)
    data = valid_details(users, delivery_confidence="green", confidence_justification=reason,
                         version=str(initiative.version))
    assert client.post(page_url(initiative), data=data).status_code == 303
    saved = reload(initiative)
    assert (saved.delivery_confidence, saved.confidence_justification) == ("green", "")
    page = client.get(page_url(initiative)).get_data(as_text=True)
    assert "supplier is three weeks late" not in page
    # Written afresh with Green, it is kept; staying Green keeps it too.
    data = valid_details(users, delivery_confidence="green", confidence_justification="Delivered early.",
                         version=str(saved.version))
    assert client.post(page_url(initiative), data=data).status_code == 303
    again = reload(initiative)
    assert again.confidence_justification == "Delivered early."
    data = valid_details(users, delivery_confidence="green", confidence_justification="Delivered early.",
                         version=str(again.version))
    assert client.post(page_url(initiative), data=data).status_code == 303
    assert reload(initiative).confidence_justification == "Delivered early."


def test_a_justification_is_kept_while_the_rating_stays_below_green(client, auth, users, initiative):
    initiative.delivery_confidence, initiative.confidence_justification = "red", "Supplier in administration."
    db.session.commit()
    auth.login(users["pmo"])
    data = valid_details(users, delivery_confidence="amber", confidence_justification="Supplier in administration.",
                         version=str(initiative.version))
    assert client.post(page_url(initiative), data=data).status_code == 303
    assert reload(initiative).confidence_justification == "Supplier in administration."
