"""Demand per initiative, the gap view, the what-if on a gate review, skills and people."""
from datetime import date
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import func, select

from pmo_web.extensions import db
from pmo_web.gates import service as gates
from pmo_web.models import DemandLine, DemandMonth, Person, PersonSkill, Skill
from pmo_web.resources import planning
from tests import factories

HTMX = {"HX-Request": "true"}
YEAR = planning.financial_year_of(date.today())
MONTHS = planning.months_of_year(YEAR)


@pytest.fixture
def ba(app) -> Skill:
    skill = Skill(name="Business analysis")
    db.session.add(skill)
    db.session.commit()
    return skill


def analyst(ba: Skill, name: str, level: int, capacity: str = "1.00") -> Person:
    """A person without a login whose main skill is business analysis."""
    person = Person(name=name, capacity_fte=Decimal(capacity), main_skill_id=ba.id,
                    skills=[PersonSkill(skill_id=ba.id, proficiency=level)])
    db.session.add(person)
    return person


def demand(initiative, skill, level, fte, months=MONTHS) -> DemandLine:
    line = DemandLine(initiative_id=initiative.id, skill_id=skill.id, proficiency=level)
    db.session.add(line)
    db.session.flush()
    db.session.add_all(DemandMonth(line_id=line.id, initiative_id=initiative.id, month=month, fte=Decimal(fte))
                       for month in months)
    return line


def test_demand_cells_take_several_peoples_worth_and_refuse_the_rest(client, auth, users, ba):
    initiative = factories.make_initiative(owner=users["requester"], state="business_case")
    line = demand(initiative, ba, 2, "0", months=[])
    db.session.commit()
    auth.login(users["pmo"])
    url = url_for("resources.demand_cell", initiative_id=initiative.id, line_id=line.id,
                  month=planning.month_key(MONTHS[0]), _external=False)
    assert client.post(url, data={"fte": "2.5", "version": "0"}, headers=HTMX).status_code == 200
    assert db.session.scalar(select(DemandMonth.fte)) == Decimal("2.5")
    refused = client.post(url, data={"fte": "25", "version": "1"}, headers=HTMX)
    assert refused.status_code == 422 and "cannot be more than 20" in refused.get_data(as_text=True)
    # A line of another initiative is not found under this one.
    other = factories.make_initiative(owner=users["requester"], state="delivery")
    db.session.commit()
    wrong = url_for("resources.demand_cell", initiative_id=other.id, line_id=line.id, month="2026-04")
    assert client.post(wrong, data={"fte": "1", "version": "0"}).status_code == 404


def test_demand_is_stated_from_the_business_case_on(client, auth, users, ba):
    auth.login(users["pmo"])
    scoring = factories.make_initiative(owner=users["requester"], state="scoring")
    case = factories.make_initiative(owner=users["requester"], state="business_case")
    db.session.commit()
    assert client.post(url_for("resources.demand_new", initiative_id=scoring.id),
                       data={"skill_id": ba.id, "proficiency": "3"}).status_code == 409
    response = client.post(url_for("resources.demand_new", initiative_id=case.id),
                           data={"skill_id": ba.id, "proficiency": "3", "note": "Lead BA"})
    assert response.status_code == 303
    line = db.session.scalar(select(DemandLine))
    assert (line.initiative_id, line.skill_id, line.proficiency, line.note) == (case.id, ba.id, 3, "Lead BA")
    assert client.post(url_for("resources.demand_new", initiative_id=case.id),
                       data={"skill_id": "", "proficiency": "9"}).status_code == 422
    page = client.get(url_for("resources.initiative", initiative_id=case.id)).get_data(as_text=True)
    assert "Business analysis (Expert)" in page and "Lead BA" in page


def test_the_gap_view_on_a_hand_built_case(client, auth, users, ba):
    """Supply: an expert at 0.6 and a practitioner at 1.0. Demand in delivery: 1.0 needing
    an expert; a business case wants another 0.5 at practitioner level. Delivery only:
    1.0 expert work against 0.6 experts = 0.40 short. With the pipeline: expert work still
    0.4 short; all work 1.5 against 1.6 is fine; so still 0.40 short. Add 0.8 more demand
    at practitioner level on the case: all work 2.3 against 1.6 = 0.70 short."""
    analyst(ba, "Expert Analyst", 3, "0.60")
    analyst(ba, "Practitioner Analyst", 2)
    delivery = factories.make_initiative(owner=users["requester"], state="delivery")
    case = factories.make_initiative(owner=users["requester"], state="business_case")
    demand(delivery, ba, 3, "1.0")
    case_line = demand(case, ba, 2, "0.5")
    db.session.commit()
    auth.login(users["viewer"])
    only_delivery = client.get(url_for("resources.gaps", scope="delivery")).get_data(as_text=True)
    assert only_delivery.count("0.40 short") == 12 and "need 1.00, have 1.60" in only_delivery
    assert "at expert+" in only_delivery
    for month in db.session.scalars(select(DemandMonth).where(DemandMonth.line_id == case_line.id)):
        month.fte = Decimal("1.3")
    db.session.commit()
    pipeline = client.get(url_for("resources.gaps", scope="pipeline")).get_data(as_text=True)
    assert pipeline.count("0.70 short") == 12 and "need 2.30, have 1.60" in pipeline
    # Awaiting a gate: only business cases with a review requested count.
    awaiting = client.get(url_for("resources.gaps", scope="awaiting")).get_data(as_text=True)
    assert awaiting.count("0.40 short") == 12
    assert client.get(url_for("resources.gaps", scope="<script>", year="1")).status_code == 200


def test_an_approver_sees_what_approving_does_to_the_gaps(client, auth, users, ba):
    """One analyst (practitioner, 1.0) already booked by 0.8 of delivery demand every month.
    The business case at Gate 2 asks 0.7 from this month: approving it opens a 0.50 gap."""
    analyst(ba, "Only Analyst", 2)
    delivery = factories.make_initiative(owner=users["requester"], state="delivery")
    demand(delivery, ba, 2, "0.8", months=_next_months(12))
    case = factories.make_initiative(owner=users["requester"], state="business_case",
                                     strategic_priority=factories.make_priority())
    factories.make_score(case, users["pmo"])
    factories.make_business_case(case, users["pmo"])
    demand(case, ba, 2, "0.7", months=_next_months(3))
    review = gates.request_review(case, users["pmo"], note="Ready")
    db.session.commit()
    auth.login(users["approver"])
    page = client.get(url_for("gates.review", review_id=review.id)).get_data(as_text=True)
    quarter = planning.quarter_label(planning.quarter_of(date.today().replace(day=1)))
    assert "What approving this does to the skill gaps" in page
    assert f"opens a <strong>0.50 FTE Business analysis gap</strong> in {quarter}" in page


def test_what_if_for_an_initiative_with_no_demand_says_so(client, auth, users):
    case = factories.make_initiative(owner=users["requester"], state="business_case",
                                     strategic_priority=factories.make_priority())
    factories.make_score(case, users["pmo"])
    factories.make_business_case(case, users["pmo"])
    review = gates.request_review(case, users["pmo"], note="Ready")
    db.session.commit()
    auth.login(users["approver"])
    page = client.get(url_for("gates.review", review_id=review.id)).get_data(as_text=True)
    assert "has stated no demand for skills" in page


def _next_months(count: int) -> list[date]:
    start = date.today().replace(day=1)
    return [date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1) for i in range(count)]


def test_skills_are_managed_by_the_pmo_and_admins(client, auth, users, ba):
    auth.login(users["viewer"])
    assert client.get(url_for("resources.skills")).status_code == 200
    assert client.post(url_for("resources.skill_new"), data={"name": "Procurement"}).status_code == 403
    auth.login(users["admin"])
    assert client.post(url_for("resources.skill_new"), data={"name": "Procurement"}).status_code == 303
    assert client.post(url_for("resources.skill_new"), data={"name": "procurement"}).status_code == 422
    assert client.post(url_for("resources.skills_standard")).status_code == 303
    names = set(db.session.scalars(select(Skill.name)))
    assert {"Business analysis", "Enterprise architecture", "Change management", "Agile delivery"} <= names
    assert db.session.scalar(select(func.count()).select_from(Skill)) == len(names)  # no duplicates
    response = client.post(url_for("resources.skill_edit", skill_id=ba.id),
                           data={"name": "Business analysis", "description": "", "version": "1"})
    assert response.status_code == 303
    db.session.refresh(ba)
    assert ba.active is False  # the box was left unticked: retired
    stale = client.post(url_for("resources.skill_edit", skill_id=ba.id), data={"name": "BA", "version": "1"})
    assert stale.status_code == 409


def test_a_person_without_a_login_with_skills_and_a_main_skill(client, auth, users, ba):
    auth.login(users["pmo"])
    response = client.post(url_for("resources.person_new"), data={
        "name": "Kim Contractor", "job_title": "Interim BA", "job_family": "analysis", "employment": "contractor",
        "capacity": "0.6", "main_skill_id": str(ba.id), f"skill_{ba.id}": "3", "active": "y"})
    assert response.status_code == 303
    person = db.session.scalar(select(Person).where(Person.name == "Kim Contractor"))
    assert (person.user_id, person.capacity_fte, person.main_skill_id) == (None, Decimal("0.60"), ba.id)
    assert [(held.skill_id, held.proficiency) for held in person.skills] == [(ba.id, 3)]
    # The main skill must be one they hold; capacity is an FTE.
    refused = client.post(url_for("resources.person_edit", person_id=person.id), data={
        "name": "Kim Contractor", "job_family": "analysis", "employment": "contractor", "capacity": "1.5",
        "main_skill_id": str(ba.id), f"skill_{ba.id}": "", "version": str(person.version)})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "cannot be more than 1.0" in body and "Give a proficiency" in body
    db.session.refresh(person)
    assert person.capacity_fte == Decimal("0.60") and len(person.skills) == 1


def test_a_users_person_keeps_the_name_and_department_of_their_account(client, auth, users, ba):
    auth.login(users["pmo"])
    person = db.session.scalar(select(Person).where(Person.user_id == users["viewer"].id))
    other = factories.make_department()
    db.session.commit()
    response = client.post(url_for("resources.person_edit", person_id=person.id), data={
        "name": "Renamed", "department_id": str(other.id), "job_title": "Analyst", "job_family": "analysis",
        "employment": "staff", "capacity": "1", "version": str(person.version)})
    assert response.status_code == 303
    db.session.refresh(person)
    assert (person.name, person.department_id, person.job_title) == (
        users["viewer"].name, users["viewer"].department_id, "Analyst")
