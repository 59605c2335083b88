"""Milestones, edited in place on the delivery page (htmx), or as whole pages without JavaScript."""
from datetime import date, timedelta

import pytest
from flask import url_for

from pmo_web.extensions import db
from pmo_web.models import Milestone
from pmo_web.workflow import lifecycle_for
from tests import factories

HTMX = {"HX-Request": "true"}
TODAY = date.today()


@pytest.fixture
def initiative(users):
    made = factories.make_initiative(owner=users["requester"], state="delivery")
    db.session.commit()
    return made


@pytest.fixture
def milestone(initiative):
    made = factories.make_milestone(initiative, name="Go live", done=False)
    db.session.commit()
    return made


def day_month_year(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def milestone_data(prefix: str, **changes) -> dict:
    """A valid milestone form as posted from the row whose fields carry `prefix`."""
    fields = {
        "name": "Go live",
        "baseline_date": day_month_year(TODAY - timedelta(days=30)),
        "forecast_date": day_month_year(TODAY + timedelta(days=10)),
        "actual_date": ["", "", ""],
        "variance_note": "",
        "version": "1",  # the version the row was drawn from: a fresh milestone's
    }
    fields.update(changes)
    return {f"{prefix}-{name}": value for name, value in fields.items() if value is not None}


def edit_url(initiative, milestone):
    return url_for("delivery.milestone_edit", initiative_id=initiative.id, milestone_id=milestone.id)


def row_url(initiative, milestone):
    return url_for("delivery.milestone_row", initiative_id=initiative.id, milestone_id=milestone.id)


def new_url(initiative):
    return url_for("delivery.milestone_new", initiative_id=initiative.id)


def reload(milestone) -> Milestone:
    db.session.expire_all()
    return db.session.get(Milestone, milestone.id)


@pytest.mark.parametrize("days, words", [(3, "3 days late"), (1, "1 day late"), (0, "on time"),
                                         (-5, "5 days early"), (None, "not forecast")])
def test_rows_show_variance_in_words(client, auth, users, initiative, days, words):
    baseline = TODAY + timedelta(days=20)
    forecast = baseline + timedelta(days=days) if days is not None else None
    factories.make_milestone(initiative, name="Training complete", done=False, forecast_date=forecast)
    db.session.query(Milestone).update({Milestone.baseline_date: baseline})
    db.session.commit()
    auth.login(users["viewer"])
    body = client.get(url_for("delivery.edit", initiative_id=initiative.id)).get_data(as_text=True)
    assert "Training complete" in body
    assert f'<td class="govuk-table__cell">{words}</td>' in body


def test_a_met_milestone_compares_its_actual_date(client, auth, users, initiative):
    met = factories.make_milestone(initiative, name="Contract signed", done=False, forecast_date=TODAY)
    met.actual_date = met.baseline_date + timedelta(days=2)
    db.session.commit()
    auth.login(users["viewer"])
    body = client.get(url_for("delivery.edit", initiative_id=initiative.id)).get_data(as_text=True)
    assert "2 days late" in body
    assert ">Complete<" in body


def test_edit_returns_the_row_as_a_form_fragment_for_htmx(client, auth, users, initiative, milestone):
    auth.login(users["pmo"])
    response = client.get(edit_url(initiative, milestone), headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith(f'<tr class="govuk-table__row app-editing-row" id="milestone-{milestone.id}"')
    assert f'<label class="govuk-label" for="milestone-{milestone.id}-name">' in body
    assert "HX-Request" in response.headers["Vary"]


def test_edit_without_javascript_is_the_whole_page_with_the_row_as_a_form(client, auth, users, initiative, milestone):
    auth.login(users["pmo"])
    response = client.get(edit_url(initiative, milestone))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" in body
    assert f'id="milestone-{milestone.id}-name"' in body


@pytest.mark.parametrize("headers", [HTMX, {}])
def test_cancel_returns_the_display_row(client, auth, users, initiative, milestone, headers):
    auth.login(users["pmo"])
    response = client.get(row_url(initiative, milestone), headers=headers)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'<tr class="govuk-table__row" id="milestone-{milestone.id}">' in body
    assert ("<html" in body) is (not headers)


def test_saving_returns_the_row_and_changes_the_milestone(client, auth, users, initiative, milestone):
    auth.login(users["pmo"])
    data = milestone_data(f"milestone-{milestone.id}", name="Go live (phase 1)",
                          actual_date=day_month_year(TODAY - timedelta(days=27)))
    response = client.post(edit_url(initiative, milestone), data=data, headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith(f'<tr class="govuk-table__row" id="milestone-{milestone.id}">')
    assert "3 days late" in body
    saved = reload(milestone)
    assert saved.name == "Go live (phase 1)"
    assert saved.actual_date == TODAY - timedelta(days=27)


def test_saving_without_javascript_redirects_to_the_page(client, auth, users, initiative, milestone):
    auth.login(users["admin"])
    data = milestone_data(f"milestone-{milestone.id}", name="Cut-over")
    response = client.post(edit_url(initiative, milestone), data=data)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/delivery#milestone-{milestone.id}")
    assert reload(milestone).name == "Cut-over"


@pytest.mark.parametrize("changes, message", [
    ({"actual_date": day_month_year(TODAY + timedelta(days=1))}, "Actual date must be today or in the past"),
    ({"variance_accepted": "y"}, "Enter a variance note saying who accepted the variance and why"),
    ({"baseline_date": ["", "", ""]}, "Enter the baseline date"),
    ({"baseline_date": ["12", "", "2026"]}, "Baseline date must include a day, month and year"),
    ({"name": "  "}, "Enter the milestone"),
])
@pytest.mark.parametrize("headers", [HTMX, {}])
def test_invalid_milestone_is_refused_and_nothing_saved(client, auth, users, initiative, milestone,
                                                       changes, message, headers):
    auth.login(users["pmo"])
    before = (milestone.name, milestone.baseline_date, milestone.actual_date, milestone.variance_accepted)
    data = milestone_data(f"milestone-{milestone.id}", **changes)
    response = client.post(edit_url(initiative, milestone), data=data, headers=headers)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert f'id="milestone-{milestone.id}"' in body
    assert ("<html" in body) is (not headers)
    saved = reload(milestone)
    assert (saved.name, saved.baseline_date, saved.actual_date, saved.variance_accepted) == before


def test_new_milestone_form_and_save(client, auth, users, initiative):
    auth.login(users["pmo"])
    response = client.get(new_url(initiative), headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<tr class="govuk-table__row app-editing-row" id="milestone-new"')

    response = client.post(new_url(initiative), headers=HTMX,
                           data=milestone_data("milestone-new", name="Pilot in Northtown custody"))
    assert response.status_code == 200
    added = db.session.query(Milestone).filter_by(initiative_id=initiative.id).one()
    assert added.name == "Pilot in Northtown custody"
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<tr class="govuk-table__row" id="milestone-{added.id}">')


def test_new_milestone_without_javascript(client, auth, users, initiative):
    auth.login(users["pmo"])
    page = client.get(new_url(initiative))
    assert page.status_code == 200 and b"<html" in page.data and b'id="milestone-new"' in page.data
    response = client.post(new_url(initiative), data=milestone_data("milestone-new", name="Data migrated"))
    assert response.status_code == 303
    assert db.session.query(Milestone).filter_by(initiative_id=initiative.id, name="Data migrated").count() == 1


def test_invalid_new_milestone_adds_nothing(client, auth, users, initiative):
    auth.login(users["pmo"])
    response = client.post(new_url(initiative), headers=HTMX, data=milestone_data("milestone-new", name=""))
    assert response.status_code == 422
    assert 'id="milestone-new"' in response.get_data(as_text=True)
    assert db.session.query(Milestone).count() == 0


def test_a_milestone_of_another_initiative_is_not_found(client, auth, users, initiative):
    other = factories.make_initiative(owner=users["requester"], state="delivery")
    foreign = factories.make_milestone(other, name="Not yours")
    db.session.commit()
    auth.login(users["pmo"])
    assert client.get(row_url(initiative, foreign)).status_code == 404
    assert client.get(edit_url(initiative, foreign), headers=HTMX).status_code == 404
    response = client.post(edit_url(initiative, foreign), data=milestone_data(f"milestone-{foreign.id}", name="Taken"))
    assert response.status_code == 404
    assert reload(foreign).name == "Not yours"


@pytest.mark.parametrize("role", ["requester", "approver", "viewer"])
def test_only_the_pmo_edits_milestones(client, auth, users, initiative, milestone, role):
    auth.login(users[role])
    assert client.get(row_url(initiative, milestone)).status_code == 200
    assert client.get(edit_url(initiative, milestone), headers=HTMX).status_code == 403
    data = milestone_data(f"milestone-{milestone.id}", name="Renamed")
    assert client.post(edit_url(initiative, milestone), data=data).status_code == 403
    assert client.post(new_url(initiative), data=milestone_data("milestone-new")).status_code == 403
    assert reload(milestone).name == "Go live"
    assert db.session.query(Milestone).count() == 1


def test_milestones_of_another_department_are_hidden(client, auth, outsider, initiative, milestone):
    auth.login(outsider)
    assert client.get(row_url(initiative, milestone)).status_code == 404
    assert client.get(edit_url(initiative, milestone)).status_code == 404
    assert client.get(new_url(initiative)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, initiative, milestone):
    response = client.get(edit_url(initiative, milestone))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("state", ["business_case", "benefits_review", "closed"])
def test_milestones_change_only_during_delivery(client, auth, users, state):
    initiative = factories.make_initiative(owner=users["requester"], state=state)
    milestone = factories.make_milestone(initiative, name="Go live")
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(edit_url(initiative, milestone), headers=HTMX,
                           data=milestone_data(f"milestone-{milestone.id}", name="Renamed"))
    assert response.status_code == 409
    assert b"<html" not in response.data
    assert client.post(new_url(initiative), data=milestone_data("milestone-new")).status_code == 409
    assert reload(milestone).name == "Go live"


def test_accepting_a_variance_clears_the_gate_3_criterion(client, auth, users, initiative, milestone):
    """Gate 3 needs every open milestone met or its variance accepted (docs/rules.md 1)."""
    assert lifecycle_for(initiative).gate_entry_failures("G3") == [
        "Open milestone without an accepted variance: Go live"]
    auth.login(users["pmo"])
    data = milestone_data(f"milestone-{milestone.id}", variance_accepted="y",
                          variance_note="Delivery Board accepted a 10-day slip on 3 March.")
    assert client.post(edit_url(initiative, milestone), data=data, headers=HTMX).status_code == 200
    db.session.expire_all()
    assert lifecycle_for(initiative).gate_entry_failures("G3") == []
    assert reload(milestone).variance_note == "Delivery Board accepted a 10-day slip on 3 March."
