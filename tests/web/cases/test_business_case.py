"""The business case: versioned saves by the PMO, read-only for everyone else who may see it."""
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import func, select

from pmo_web.extensions import db
from pmo_web.models import BusinessCase, CaseCost, CaseOption, GateSetting, Initiative
from tests import factories

HX = {"HX-Request": "true"}
FIVE_CASE_TEXT = {
    "strategic_case": "Custody records are kept twice, on paper and on screen.",
    "economic_case": "Three options appraised; replacing the system is best value.",
    "commercial_case": "Bought through a national framework.",
    "financial_case": "Capital from the 2026/27 programme; licences from revenue.",
    "management_case": "SRO: Ch Supt Custody. Monthly board.",
}


@pytest.fixture
def in_business_case(users):
    """An initiative of the shared department in the Business case stage, with no case yet."""
    initiative = factories.make_initiative(owner=users["requester"], state="business_case")
    db.session.commit()
    return initiative


def edit_url(initiative) -> str:
    return url_for("cases.edit", initiative_id=initiative.id)


def complete_case(**changes) -> dict:
    """A complete submission: the five cases, two options, two costs, a benefit, a risk."""
    data = {
        **FIVE_CASE_TEXT, "base_version": "0", "appraisal_years": "5",
        "options-0-name": "Do minimum", "options-0-description": "Keep paper logs.",
        "options-1-name": "Replace the system", "options-1-preferred": "y",
        "costs-0-description": "Hardware", "costs-0-category": "capital", "costs-0-nature": "one_off",
        "costs-0-financial_year": "2026", "costs-0-amount": "£120,000",
        "costs-1-description": "Licences", "costs-1-category": "revenue", "costs-1-nature": "recurring",
        "costs-1-financial_year": "2027", "costs-1-amount": "25000",
        "benefits-0-name": "Officer hours released", "benefits-0-category": "non_cash_releasing",
        "benefits-0-measure": "Hours per month", "benefits-0-target": "400 by March 2028",
        "risks-0-description": "Because staff are stretched, training may slip, delaying go-live.",
        "risks-0-mitigation": "Train on rest days with overtime budget.",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def versions(initiative) -> list[BusinessCase]:
    return list(db.session.scalars(select(BusinessCase).where(BusinessCase.initiative_id == initiative.id)
                                   .order_by(BusinessCase.version)))


def case_count() -> int:
    return db.session.scalar(select(func.count()).select_from(BusinessCase))


@pytest.mark.parametrize(("role", "status", "editable"), [
    ("pmo", 200, True), ("admin", 200, True), ("approver", 200, False), ("viewer", 200, False),
    ("requester", 200, False)])
def test_who_may_open_the_business_case(client, auth, users, in_business_case, role, status, editable):
    factories.make_business_case(in_business_case, users["pmo"])
    db.session.commit()
    auth.login(users[role])
    response = client.get(edit_url(in_business_case))
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert ('name="strategic_case"' in page) is editable
    assert "Version 1" in page


def test_requester_of_another_department_is_not_told_it_exists(client, auth, outsider, in_business_case):
    auth.login(outsider)
    assert client.get(edit_url(in_business_case)).status_code == 404
    assert client.post(edit_url(in_business_case), data=complete_case()).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, in_business_case):
    response = client.get(edit_url(in_business_case))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["approver", "viewer", "requester"])
def test_only_the_pmo_may_save(client, auth, users, in_business_case, role):
    auth.login(users[role])
    assert client.post(edit_url(in_business_case), data=complete_case()).status_code == 403
    assert case_count() == 0


def test_each_save_is_a_new_version_with_its_own_rows(client, auth, users, in_business_case):
    auth.login(users["pmo"])
    first = client.post(edit_url(in_business_case), data=complete_case())
    assert first.status_code == 303
    assert first.headers["Location"] == url_for("cases.edit", initiative_id=in_business_case.id, _external=False)

    second = client.post(edit_url(in_business_case), data=complete_case(**{
        "base_version": "1", "economic_case": "Four options appraised.",
        "costs-1-amount": "30,000", "options-2-name": "Share with a neighbouring force"}))
    assert second.status_code == 303

    v1, v2 = versions(in_business_case)
    assert (v1.version, v2.version) == (1, 2)
    assert v1.author_id == v2.author_id == users["pmo"].id
    assert v1.economic_case == FIVE_CASE_TEXT["economic_case"]
    assert v2.economic_case == "Four options appraised."
    assert [o.name for o in v1.options] == ["Do minimum", "Replace the system"]
    assert [o.name for o in v2.options] == ["Do minimum", "Replace the system", "Share with a neighbouring force"]
    assert [o.preferred for o in v2.options] == [False, True, False]
    assert [c.amount for c in v1.costs] == [Decimal("120000"), Decimal("25000")]
    assert [c.amount for c in v2.costs] == [Decimal("120000"), Decimal("30000")]
    # The rows are copies: version 1 keeps its own, never shared with or moved to version 2.
    assert {o.id for o in v1.options}.isdisjoint({o.id for o in v2.options})
    assert db.session.scalar(select(func.count()).select_from(CaseOption)) == 5
    assert v2.benefits[0].name == "Officer hours released"
    assert v2.risks[0].mitigation == "Train on rest days with overtime budget."


def test_blank_rows_are_ignored(client, auth, users, in_business_case):
    auth.login(users["pmo"])
    data = complete_case(**{"options-2-name": "", "options-2-description": "", "costs-2-description": "",
                            "costs-2-category": "", "costs-2-nature": "", "costs-2-amount": "",
                            "costs-2-financial_year": "",
                            "risks-0-description": None, "risks-0-mitigation": None})
    assert client.post(edit_url(in_business_case), data=data).status_code == 303
    (case,) = versions(in_business_case)
    assert (len(case.options), len(case.costs), len(case.risks)) == (2, 2, 0)


@pytest.mark.parametrize(("changes", "message"), [
    ({"costs-1-amount": ""}, "Enter the amount in pounds"),
    ({"costs-1-amount": "0"}, "The amount must be more than £0"),
    ({"costs-1-amount": "lots"}, "Enter an amount in pounds, like 25,000"),
    ({"costs-1-category": ""}, "Choose capital or revenue"),
    ({"costs-1-financial_year": ""}, "Choose the financial year of the cost"),
    ({"costs-1-financial_year": "1999"}, "Not a valid choice"),
    ({"benefits-0-measure": ""}, "Enter how the benefit will be measured"),
    ({"options-0-name": "", "options-0-description": "Only a description"}, "Enter a name for the option"),
    ({"options-0-preferred": "y"}, "Only one option can be preferred"),
    ({"appraisal_years": "0"}, "The appraisal period must be between 1 and 60 years"),
])
def test_partly_filled_rows_are_refused_and_nothing_saved(client, auth, users, in_business_case, changes, message):
    auth.login(users["pmo"])
    response = client.post(edit_url(in_business_case), data=complete_case(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page
    assert message in page
    assert case_count() == 0


def test_add_another_without_javascript_adds_a_row_and_saves_nothing(client, auth, users, in_business_case):
    auth.login(users["pmo"])
    response = client.post(edit_url(in_business_case), data=complete_case(add_row="options"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="options-2-name"' in page
    assert 'value="Replace the system"' in page  # what was typed is kept
    assert "There is a problem" not in page
    assert case_count() == 0


def test_add_another_with_htmx_returns_one_row_and_moves_the_button_on(client, auth, users, in_business_case):
    auth.login(users["pmo"])
    response = client.get(url_for("cases.row", initiative_id=in_business_case.id, kind="costs", index=3),
                          headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body
    assert body.lstrip().startswith('<fieldset class="govuk-fieldset app-case-row')
    assert 'id="costs-row-3"' in body
    assert 'name="costs-3-amount"' in body and "Cost 4" in body
    assert 'hx-swap-oob="true"' in body
    assert url_for("cases.row", initiative_id=in_business_case.id, kind="costs", index=4, _external=False) in body


@pytest.mark.parametrize(("kind", "index"), [("invoices", 0), ("costs", 50)])
def test_unknown_row_kinds_and_too_many_rows_are_not_found(client, auth, users, in_business_case, kind, index):
    auth.login(users["pmo"])
    url = url_for("cases.row", initiative_id=in_business_case.id, kind=kind, index=index)
    assert client.get(url, headers=HX).status_code == 404


def test_saving_over_a_newer_version_is_a_conflict_not_a_lost_update(client, auth, users, in_business_case):
    factories.make_business_case(in_business_case, users["admin"])
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(edit_url(in_business_case), data=complete_case(base_version="0"))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Version 1 was saved while you were editing" in page
    assert 'value="Replace the system"' in page
    assert case_count() == 1
    # Saving again after seeing the conflict is deliberate, and becomes version 2.
    assert client.post(edit_url(in_business_case), data=complete_case(base_version="1")).status_code == 303
    assert [c.version for c in versions(in_business_case)] == [1, 2]


@pytest.mark.parametrize("state", ["triage", "scoring", "delivery", "closed"])
def test_saving_outside_the_business_case_stage_is_refused(client, auth, users, state):
    initiative = factories.make_initiative(owner=users["requester"], state=state)
    db.session.commit()
    auth.login(users["pmo"])
    assert client.post(edit_url(initiative), data=complete_case()).status_code == 409
    assert case_count() == 0


def test_before_the_stage_there_is_no_business_case_yet(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="scoring")
    db.session.commit()
    auth.login(users["pmo"])
    response = client.get(edit_url(initiative))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No business case yet" in page
    assert 'name="strategic_case"' not in page


def test_in_delivery_the_case_is_read_only_even_for_the_pmo(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="delivery")
    factories.make_business_case(initiative, users["pmo"])
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(edit_url(initiative)).get_data(as_text=True)
    assert 'name="strategic_case"' not in page
    assert "Replace" in page and "Officer hours released" in page


def test_checklist_names_each_criterion_and_the_gate_link_waits_for_completeness(client, auth, users, in_business_case):
    factories.make_business_case(in_business_case, users["pmo"], complete=False)
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(edit_url(in_business_case)).get_data(as_text=True)
    gate_link = url_for("gates.request_review", initiative_id=in_business_case.id, _external=False)
    assert "Done</strong> Strategic case" in page
    for missing in ("Economic case", "Management case", "At least one option", "Costs", "At least one planned benefit"):
        assert f"Missing</strong> {missing}" in page
    assert gate_link not in page

    client.post(edit_url(in_business_case), data=complete_case(base_version="1"))
    page = client.get(edit_url(in_business_case)).get_data(as_text=True)
    assert "Missing</strong>" not in page
    assert gate_link in page


def test_totals_by_category_and_nature_and_whole_life_cost(client, auth, users, in_business_case):
    auth.login(users["pmo"])
    client.post(edit_url(in_business_case), data=complete_case(**{
        "costs-2-description": "Support", "costs-2-category": "revenue", "costs-2-nature": "recurring",
        "costs-2-financial_year": "2027", "costs-2-amount": "5000", "appraisal_years": "4"}))
    (case,) = versions(in_business_case)
    assert case.total_cost("capital", "one_off") == Decimal("120000")
    assert case.total_cost("revenue", "recurring") == Decimal("30000")
    # £120,000 one-off + 4 years x £30,000 a year
    assert case.whole_life_cost() == Decimal("240000")
    page = client.get(edit_url(in_business_case)).get_data(as_text=True)
    assert "Whole-life cost: £240,000" in page


def test_each_version_can_be_read_and_the_edit_page_lists_them(client, auth, users, in_business_case):
    auth.login(users["pmo"])
    client.post(edit_url(in_business_case), data=complete_case())
    client.post(edit_url(in_business_case), data=complete_case(base_version="1", strategic_case="Revised."))
    page = client.get(edit_url(in_business_case)).get_data(as_text=True)
    for number in (1, 2):
        assert url_for("cases.version", initiative_id=in_business_case.id, version=number, _external=False) in page

    auth.logout()
    auth.login(users["viewer"])
    old = client.get(url_for("cases.version", initiative_id=in_business_case.id, version=1))
    body = old.get_data(as_text=True)
    assert old.status_code == 200
    assert FIVE_CASE_TEXT["strategic_case"] in body and "Revised." not in body
    assert "This is an earlier version. The current one is version 2." in body


def test_a_missing_version_is_not_found(client, auth, users, in_business_case, outsider):
    factories.make_business_case(in_business_case, users["pmo"])
    db.session.commit()
    auth.login(users["approver"])
    assert client.get(url_for("cases.version", initiative_id=in_business_case.id, version=2)).status_code == 404
    auth.logout()
    auth.login(outsider)
    assert client.get(url_for("cases.version", initiative_id=in_business_case.id, version=1)).status_code == 404


def test_old_versions_are_never_changed(client, auth, users, in_business_case):
    auth.login(users["pmo"])
    client.post(edit_url(in_business_case), data=complete_case())
    client.post(edit_url(in_business_case), data=complete_case(base_version="1", **{"costs-0-amount": "1"}))
    v1_costs = db.session.scalars(select(CaseCost).join(BusinessCase).where(BusinessCase.version == 1)).all()
    assert [c.amount for c in v1_costs] == [Decimal("120000"), Decimal("25000")]


# ------------------------------------------------------------------ funding (docs/rules.md 9)

def test_costs_by_financial_year_and_the_funding_they_make(client, auth, users, in_business_case):
    """Capital and revenue by UK financial year: a one-off cost in its year, a recurring one in
    each year of the appraisal period from its first. Capital costs make the case, and so the
    initiative, capital-funded, with Gate 2's capital quorum shown beside it."""
    db.session.add(GateSetting(code="G2", approver_role="approver", quorum=1, capital_quorum=2))
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(edit_url(in_business_case), data=complete_case(appraisal_years="3"))
    assert response.status_code == 303
    (case,) = versions(in_business_case)
    assert [c.financial_year for c in case.costs] == [2026, 2027]
    assert [(y.year, y.capital, y.revenue) for y in case.funding_profile()] == [
        (2026, Decimal("120000"), Decimal("0")),
        (2027, Decimal("0"), Decimal("25000")),
        (2028, Decimal("0"), Decimal("25000")),
        (2029, Decimal("0"), Decimal("25000")),
    ]
    assert case.funding_type == "capital"
    db.session.expire_all()
    assert db.session.get(Initiative, in_business_case.id).funding_type == "capital"
    page = client.get(edit_url(in_business_case)).get_data(as_text=True)
    assert "Capital-funded" in page and "£120,000 of capital costs." in page
    assert "Gate 2 needs 2 approvals from different approvers." in page
    assert "2026/27" in page and "2029/30" in page


def test_a_case_without_capital_costs_is_revenue_funded(client, auth, users, in_business_case):
    in_business_case.funding_type = "capital"  # say, typed on an older tracker
    db.session.commit()
    auth.login(users["pmo"])
    client.post(edit_url(in_business_case), data=complete_case(**{
        "costs-0-category": "revenue"}))
    db.session.expire_all()
    assert db.session.get(Initiative, in_business_case.id).funding_type == "revenue"
    page = client.get(edit_url(in_business_case)).get_data(as_text=True)
    assert "Revenue-funded" in page and "Gate 2 needs 1 approval." in page


def test_cost_lines_saved_before_years_were_asked_for_still_add_up(client, auth, users, in_business_case):
    case = factories.make_business_case(in_business_case, users["pmo"])
    case.costs[0].financial_year = None  # as saved before the year was asked for
    db.session.commit()
    assert [(y.year, y.revenue) for y in case.funding_profile()] == [(None, Decimal("25000"))]
    auth.login(users["viewer"])
    assert "Year not given" in client.get(edit_url(in_business_case)).get_data(as_text=True)
