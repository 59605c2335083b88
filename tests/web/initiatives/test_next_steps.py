"""The "What happens next" panel, first on the initiative page, for the person looking (issue 14)."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest

from pmo_web.extensions import db
from pmo_web.gates import service as gates
from tests import factories

TODAY = date.today()


def panel(client, initiative) -> str:
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    found = re.search(r'<section id="next-steps".*?</section>', page, re.S)
    assert found, "no What happens next panel"
    # First on the page: before the lifecycle panel and the request details.
    assert page.index('id="next-steps"') < page.index('id="lifecycle-panel"') < page.index("Request details")
    return found.group(0)


def next_action(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", re.search(r'id="next-action">(.*?)</dd>', html, re.S).group(1)).split())


def needs(html: str) -> list[str]:
    found = re.search(r'id="next-needs"[^>]*>(.*?)</ul>', html, re.S)
    if not found:
        return []
    return [unescape(" ".join(re.sub(r"<[^>]+>", " ", li).split()))
            for li in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


def key_fact(html: str, key: str) -> str:
    row = re.search(rf"<dt class=\"govuk-summary-list__key\">\s*{key}\s*</dt>\s*<dd[^>]*>(.*?)</dd>", html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", row.group(1)).split())


def lifecycle_text(client, initiative) -> str:
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    return page.split('id="lifecycle-panel"')[1].split("</section>")[0]


@pytest.fixture
def returned(users):
    """At the business case, Gate 2 returned for rework with the approver's comment."""
    initiative = factories.make_initiative(users["requester"], "business_case", title="Sent back")
    factories.make_score(initiative, users["pmo"])
    factories.make_business_case(initiative, users["pmo"])
    factories.make_decided_review(initiative, users["pmo"], users["approver"], "G2", "return_for_rework")
    db.session.commit()
    return initiative


def test_after_rework_the_pmo_holds_it_with_the_comment_until_resubmitted(client, auth, users, returned):
    auth.login(users["pmo"])
    html = panel(client, returned)
    assert next_action(html).startswith("You , since ") or next_action(html).startswith("You, since")
    assert "Rework what Gate 2 (Investment decision) asked for, then request it again" in next_action(html)
    assert f'href="/initiatives/{returned.id}/gates/request"' in html
    assert 'id="rework-comment">Comment on the returned gate<' in html
    lifecycle = lifecycle_text(client, returned)
    assert "nothing for you to do" not in lifecycle.lower()
    # The requester reads who has it, and is offered no PMO screen.
    auth.logout()
    auth.login(users["requester"])
    html = panel(client, returned)
    assert next_action(html).startswith("The PMO")
    assert "/gates/request" not in html and "Comment on the returned gate" in html
    assert "There is nothing for you to press here. The PMO has the next action" in lifecycle_text(client, returned)
    # Requested again: the rework comment goes, the approvers have it.
    gates.request_review(returned, users["pmo"], note="Fixed")
    db.session.commit()
    html = panel(client, returned)
    assert "Comment on the returned gate" not in html and next_action(html).startswith("The gate&#39;s approvers")


def test_a_deferral_shows_its_date_and_who_asks_again(client, auth, users, test_clock):
    initiative = factories.make_initiative(users["requester"], "business_case", title="Deferred")
    factories.make_business_case(initiative, users["pmo"])
    review = factories.make_decided_review(initiative, users["pmo"], users["approver"], "G2", "defer")
    db.session.commit()
    auth.login(users["pmo"])
    html = panel(client, initiative)
    until = review.defer_until
    assert f'id="next-deferral">{until.day} {until:%B %Y}<' in html
    assert "Request Gate 2 (Investment decision) again on its deferral date" in next_action(html)
    assert f'href="/gates/{review.id}"' in html
    assert "nothing for you to do" not in lifecycle_text(client, initiative).lower()
    test_clock.move_to(until + timedelta(days=1))
    html = panel(client, initiative)
    assert "Request Gate 2 (Investment decision) again: its deferral date has come" in next_action(html)


def test_at_the_business_case_the_failing_criteria_link_to_where_they_are_fixed(client, auth, users):
    initiative = factories.make_initiative(users["requester"], "business_case", title="Half a case")
    factories.make_business_case(initiative, users["pmo"], complete=False)
    db.session.commit()
    auth.login(users["pmo"])
    html = panel(client, initiative)
    shown = needs(html)
    assert shown == [f"Business case incomplete: {gap}: Open the business case" for gap in (
        "Economic case", "Commercial case", "Financial case", "Management case", "At least one option", "Costs",
        "At least one planned benefit")]
    assert html.count(f'href="/initiatives/{initiative.id}/business-case"') == 7
    assert "Meet the entry criteria of Gate 2 (Investment decision), then request it" in next_action(html)
    assert "nothing for you to do" not in lifecycle_text(client, initiative).lower()


def test_at_benefits_review_only_the_screens_the_viewer_may_open_are_linked(client, auth, users):
    initiative = factories.make_initiative(users["requester"], "benefits_review", title="Closing down")
    factories.make_benefit(initiative, name="Hours released")
    factories.make_benefit(initiative, name="Cash saved", actual="£10k")
    db.session.commit()
    auth.login(users["pmo"])
    html = panel(client, initiative)
    assert needs(html) == ["Benefit has no actual or reason: Hours released: Record the benefits' actuals",
                           "At least one lesson is required: Open the lessons log",
                           "Satisfaction score not recorded: Record the sponsor's satisfaction"]
    assert f'href="/initiatives/{initiative.id}/satisfaction"' in html
    auth.logout()
    auth.login(users["requester"])
    html = panel(client, initiative)
    assert "Satisfaction score not recorded" in html and "/satisfaction" not in html  # a PMO screen
    for href in set(re.findall(r'href="(/[^"#]*)', html)):
        assert client.get(href).status_code not in (403, 404), href


def test_an_open_gate_is_the_approvers_and_the_approver_gets_the_link(client, auth, users):
    initiative = factories.make_initiative(users["requester"], "scoring", title="At Gate 1")
    factories.make_score(initiative, users["pmo"])
    review = gates.request_review(initiative, users["pmo"])
    db.session.commit()
    auth.login(users["approver"])
    html = panel(client, initiative)
    assert next_action(html).startswith("You") and "Decide Gate 1" in next_action(html)
    assert f'id="next-action-link" href="/gates/{review.id}"' in html
    auth.logout()
    auth.login(users["pmo"])
    html = panel(client, initiative)
    assert next_action(html).startswith("The gate&#39;s approvers") and 'id="next-action-link"' not in html


def test_the_requester_sees_the_question_and_answers_it_from_the_panel(client, auth, users):
    initiative = factories.make_initiative(users["requester"], "info_requested", info_question="Which sites first?")
    db.session.commit()
    auth.login(users["requester"])
    html = panel(client, initiative)
    assert 'id="next-question">Which sites first?<' in html
    assert next_action(html).startswith("You")
    assert f'href="/initiatives/{initiative.id}/transitions/resubmit"' in html


def test_the_last_gate_outcome_and_the_open_conditions(client, auth, users):
    initiative = factories.make_initiative(users["requester"], "delivery", title="Delivering")
    first = factories.make_condition(initiative, users["pmo"], users["approver"], text="Publish the DPIA",
                                     owner="Head of Information", due=TODAY - timedelta(days=2))
    factories.make_milestone(initiative, done=False, name="Pilot")
    db.session.commit()
    auth.login(users["viewer"])
    html = panel(client, initiative)
    assert "Gate 2 approved" in key_fact(html, "Last gate")
    conditions = html.split('id="next-conditions"')[1].split("</ul>")[0]
    assert "Publish the DPIA" in conditions and "Owner: Head of Information" in conditions and "Overdue" in conditions
    assert f"/conditions/{first.id}" in conditions
    due = first.due
    assert needs(html) == ["Open milestone without an accepted variance: Pilot: Open the milestones",
                           f"Condition set at Gate 2 is still open: Publish the DPIA (owner: Head of Information, "
                           f"due {due.day} {due:%B %Y}): Open the condition"]


def test_key_facts_read_the_registers(client, auth, users):
    initiative = factories.make_initiative(users["requester"], "delivery", title="Facts", delivery_confidence="amber",
                                           budget_approved=Decimal("100000"), budget_forecast=Decimal("120000"))
    factories.make_score(initiative, users["pmo"], total=40, band="Medium")
    factories.make_score(initiative, users["pmo"], total=81, band="High")  # the latest counts
    factories.make_milestone(initiative, done=False, name="Later", forecast_date=TODAY + timedelta(days=60))
    factories.make_milestone(initiative, done=False, name="Sooner", forecast_date=TODAY + timedelta(days=5))
    factories.make_milestone(initiative, done=True, name="Done already")
    factories.make_raid_item(initiative, "risk", likelihood=5, impact=5)  # very high
    factories.make_raid_item(initiative, "risk", likelihood=4, impact=4)  # high
    factories.make_raid_item(initiative, "risk", likelihood=4, impact=3)  # high
    factories.make_raid_item(initiative, "risk", likelihood=1, impact=2, status="closed")
    factories.make_raid_item(initiative, "issue")
    db.session.commit()
    auth.login(users["viewer"])
    html = panel(client, initiative)
    assert key_fact(html, "Score") == "81 out of 100, High priority"
    assert key_fact(html, "Delivery confidence") == "Amber"
    assert key_fact(html, "Budget") == "£100,000 approved, £120,000 forecast (£20,000 over)"
    assert key_fact(html, "Next milestone") == f"Sooner, {(TODAY + timedelta(days=5)).day} " \
                                               f"{TODAY + timedelta(days=5):%B %Y}"
    assert key_fact(html, "Open risks by band") == "1 very high, 2 high; open issues: 1"


def test_a_new_initiative_has_plain_key_facts(client, auth, users):
    initiative = factories.make_initiative(users["requester"], "submitted")
    db.session.commit()
    auth.login(users["requester"])
    html = panel(client, initiative)
    assert key_fact(html, "Score") == "Not scored" and key_fact(html, "Budget") == "Not set"
    assert key_fact(html, "Next milestone") == "None open" and key_fact(html, "Open risks by band") == "No open risks"
    assert next_action(html).startswith("The PMO") and "Start triage" in next_action(html)


def test_a_button_press_refreshes_the_panel_out_of_band(client, auth, users):
    initiative = factories.make_initiative(users["requester"], "submitted")
    db.session.commit()
    auth.login(users["pmo"])
    response = client.post(f"/initiatives/{initiative.id}/transitions/start_triage", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert '<section id="next-steps" class="app-next-steps" aria-labelledby="next-steps-heading" hx-swap-oob="true">' \
        in body
    assert "Triage the request" in body


@pytest.mark.parametrize("state, shown", [
    ("business_case", "Business case"), ("info_requested", "Triage (Info requested)"),
    ("on_hold", "Delivery (On hold)"), ("rejected", "Closed (Rejected)")])
def test_the_stage_is_named_with_the_state_within_it(client, auth, users, state, shown):
    initiative = factories.make_initiative(users["requester"], state)
    db.session.commit()
    auth.login(users["pmo"])
    assert f'id="next-stage">{shown}<' in panel(client, initiative)
