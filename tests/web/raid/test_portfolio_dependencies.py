"""Dependencies: what each initiative waits on, who waits on it, and why a provider is flagged."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from pmo_web.extensions import db
from pmo_web.models import Initiative, RaidItem
from pmo_web.raid.portfolio import dependency_flags
from tests import factories

TODAY = date.today()


def needs(consumer, provider=None, title="Dependency", due=TODAY + timedelta(days=30), **fields):
    party = {"depends_on_id": provider.id, "external_party": ""} if provider else {}
    return factories.make_raid_item(consumer, "dependency", title=title, due_date=due, **party, **fields)


def row_of(page: str, title: str) -> str:
    """The table row of the dependency called `title` in "What each initiative waits on"."""
    waits_on = page.split('id="waits-on"', 1)[1].split('id="waited-on"', 1)[0]
    return waits_on.split(f">{title}</a></th>", 1)[1].split("</tr>", 1)[0]


@pytest.fixture
def consumer(users):
    return factories.make_initiative(owner=users["requester"], state="delivery", title="Stop and search dashboard")


def provider(users, state="delivery", **fields):
    return factories.make_initiative(owner=users["requester"], state=state, **fields)


def test_each_kind_of_trouble_at_the_provider_is_flagged_with_its_reason(client, auth, users, consumer):
    needed = TODAY + timedelta(days=30)
    paused = provider(users, "on_hold", title="ANPR camera network expansion")
    behind_needed = provider(users, forecast_end=needed + timedelta(days=12))
    slipping = provider(users, planned_end=TODAY + timedelta(days=100), forecast_end=TODAY + timedelta(days=130))
    milestone_overdue = provider(users)
    factories.make_milestone(milestone_overdue, done=False, name="Pilot live in one area")
    on_time = provider(users, planned_end=TODAY + timedelta(days=20), forecast_end=TODAY + timedelta(days=20))
    factories.make_milestone(on_time, done=True)
    stopped = provider(users, "cancelled")
    needs(consumer, paused, "Needs ANPR", needed)
    needs(consumer, behind_needed, "Needs the forecast", needed)
    needs(consumer, slipping, "Needs the slipping work", needed + timedelta(days=200))
    needs(consumer, milestone_overdue, "Needs the milestone", needed)
    needs(consumer, on_time, "Needs the on-time work", needed)
    needs(consumer, stopped, "Needs the cancelled work", needed)
    needs(consumer, None, "Needs the Home Office", TODAY - timedelta(days=3), external_party="Home Office")
    db.session.commit()
    auth.login(users["pmo"])

    page = client.get("/portfolio/dependencies").get_data(as_text=True)

    assert "Provider on hold" in row_of(page, "Needs ANPR") and "has been on hold since" in row_of(page, "Needs ANPR")
    assert "12 days after it is needed" in row_of(page, "Needs the forecast")
    assert "forecast end is 30 days late against plan" in row_of(page, "Needs the slipping work")
    assert "milestone “Pilot live in one area” was due on" in row_of(page, "Needs the milestone")
    assert "No concerns" in row_of(page, "Needs the on-time work")
    assert "Provider late" not in row_of(page, "Needs the on-time work")
    assert "was cancelled" in row_of(page, "Needs the cancelled work")
    home_office = row_of(page, "Needs the Home Office")
    assert "Home Office" in home_office and "(external)" in home_office and "which has passed" in home_office
    assert "7 open dependencies" in page and "6 flagged" in page


def test_only_open_dependencies_we_need_are_listed(client, auth, users, consumer):
    other = provider(users, title="Rota and duty management replacement")
    needs(consumer, other, "Open need")
    needs(consumer, other, "Met need", status="met")
    needs(consumer, other, "They need us", direction="they_need")
    needs(consumer, other, "Removed need", deleted_at=db.func.now())
    db.session.commit()
    auth.login(users["pmo"])

    page = client.get("/portfolio/dependencies").get_data(as_text=True)

    assert "Open need" in page
    assert "Met need" not in page and "They need us" not in page and "Removed need" not in page


def test_who_waits_on_each_initiative(client, auth, users, consumer):
    shared = provider(users, title="Digital evidence management system")
    second = factories.make_initiative(owner=users["requester"], state="business_case", title="Vetting case system")
    needs(consumer, shared, "Body-worn video links")
    needs(second, shared, "Staff records feed")
    db.session.commit()
    auth.login(users["pmo"])

    page = client.get("/portfolio/dependencies").get_data(as_text=True)

    waited_on = page.split('id="waited-on"', 1)[1]
    row = waited_on.split(shared.reference, 1)[1].split("</tr>", 1)[0]
    assert consumer.reference in row and second.reference in row
    assert "Body-worn video links" in row and "Staff records feed" in row


def test_a_requester_never_sees_a_hidden_provider_or_others_dependencies(client, auth, users, consumer):
    hidden = factories.make_initiative(owner=factories.make_user(), state="on_hold", title="Secret estates work")
    needs(consumer, hidden, "Needs the other department")
    elsewhere = factories.make_initiative(owner=factories.make_user(), state="delivery", title="Far away work")
    needs(elsewhere, consumer, "Other department needs us")
    db.session.commit()
    auth.login(users["requester"])

    page = client.get("/portfolio/dependencies").get_data(as_text=True)

    assert "Needs the other department" in page
    assert "An initiative of another department" in row_of(page, "Needs the other department")
    assert "Secret estates work" not in page and hidden.reference not in page and "Provider on hold" not in page
    assert "Other department needs us" not in page and "Far away work" not in page

    auth.logout()
    auth.login(users["pmo"])
    page = client.get("/portfolio/dependencies").get_data(as_text=True)
    assert "Secret estates work" in page and "Other department needs us" in page


def test_the_filters_narrow_by_the_initiative_that_waits(client, auth, users, consumer):
    programme = factories.make_programme()
    in_programme = factories.make_initiative(owner=users["requester"], state="delivery", programme=programme)
    needs(consumer, None, "Outside the programme", external_party="BT Openreach")
    needs(in_programme, None, "Inside the programme", external_party="Home Office")
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get(f"/portfolio/dependencies?programme={programme.id}").get_data(as_text=True)
    assert "Inside the programme" in page and "Outside the programme" not in page


@pytest.mark.parametrize(("state", "fields", "expected"), [
    ("delivery", {}, []),
    ("on_hold", {}, ["on_hold"]),
    ("delivery", {"forecast_end": TODAY + timedelta(days=31)}, ["late"]),
    ("delivery", {"forecast_end": TODAY + timedelta(days=30)}, []),  # finishing on the day it is needed
    ("delivery", {"planned_end": TODAY, "forecast_end": TODAY + timedelta(days=1)}, ["late"]),
    ("delivery", {"planned_end": TODAY, "forecast_end": TODAY - timedelta(days=5)}, []),
    ("benefits_review", {"planned_end": TODAY - timedelta(days=60), "forecast_end": TODAY - timedelta(days=10)}, []),
    ("rejected", {}, ["stopped"]),
])
def test_dependency_flags_follow_the_providers_plan(state, fields, expected):
    item = RaidItem(kind="dependency", status="open", due_date=TODAY + timedelta(days=30))
    provider_initiative = Initiative(id=7, title="Provider", state=state, **fields)
    assert [flag.key for flag in dependency_flags(item, provider_initiative, [], TODAY)] == expected


def test_an_overdue_milestone_and_a_passed_date_are_both_given_in_words():
    item = RaidItem(kind="dependency", status="open", due_date=TODAY - timedelta(days=1))
    provider_initiative = Initiative(id=7, title="Provider", state="delivery")
    overdue = [("Go-live", TODAY - timedelta(days=9)), ("Decommission", TODAY - timedelta(days=2))]
    flags = dependency_flags(item, provider_initiative, overdue, TODAY)
    assert [flag.key for flag in flags] == ["late", "overdue"]
    assert "milestone “Go-live” was due on" in flags[0].reason and "(and 1 more)" in flags[0].reason
    assert flags[0].reason.startswith("CR-0007 is late")
