"""My work, the home page: what each person sees against varied data, the empty sections,
the count in the menu, and that no link on it answers 403 (issue 14)."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import url_for

from pmo_web.extensions import db
from pmo_web.models import GateSetting, HighlightReport
from pmo_web.models.base import utcnow
from tests import factories

TODAY = date.today()


def section(page: str, key: str) -> str:
    """The HTML of one section of My work."""
    found = re.search(rf'<section class="app-work-section" id="work-{key}".*?</section>', page, re.S)
    assert found, f"no section {key}"
    return found.group(0)


def section_count(page: str, key: str) -> int:
    return int(re.search(r'data-count="(\d+)"', section(page, key)).group(1))


def nav_count(page: str) -> int:
    return int(re.search(r'id="my-work-count">(\d+)<', page).group(1))


def page_total(page: str) -> int:
    found = re.search(r'id="my-work-total">(\d+) thing', page)
    return int(found.group(1)) if found else 0


def titles(html: str) -> list[str]:
    return re.findall(r'class="govuk-link govuk-!-font-weight-bold" href="[^"]+">([^<]+)</a>', html)


def unset_gates(html: str) -> list[str]:
    return re.findall(r"<strong>Gate (\d): quorum not configured</strong>", html)


def my_work(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def links_on(page: str) -> list[str]:
    main = page.split('id="main-content"')[1].split("</main>")[0]
    return sorted({href.split("#")[0] for href in re.findall(r'href="(/[^"]*)"', main)})


def assert_no_link_refused(client, page: str) -> None:
    for href in links_on(page):
        status = client.get(href).status_code
        assert status not in (403, 404), f"{href} answered {status}"


# ------------------------------------------------------------------------------ requester


@pytest.fixture
def requester_world(users):
    me, pmo, approver = users["requester"], users["pmo"], users["approver"]
    world = {
        "asked": factories.make_initiative(me, "info_requested", title="Body cameras",
                                           info_question="Which stations first?"),
        "asked_too": factories.make_initiative(me, "info_requested", title="Drone unit",
                                               info_question="Is there a budget holder?"),
        "draft": factories.make_initiative(me, "draft", title="Half-written idea", sponsor=""),
        "at_case": factories.make_initiative(me, "business_case", title="Custody records"),
        "rejected": factories.make_initiative(me, "rejected", title="Horse patrols",
                                              outcome_reason="Not a strategic priority this year"),
        "theirs": factories.make_initiative(factories.make_user(department=me.department), "info_requested",
                                            title="Someone else's", info_question="Not yours to answer"),
    }
    factories.make_score(world["at_case"], pmo)
    factories.make_decided_review(world["at_case"], pmo, approver, "G1")  # approved, moved on
    returned = factories.make_initiative(me, "business_case", title="Fleet telematics")
    factories.make_decided_review(returned, pmo, approver, "G2", "return_for_rework")
    world["returned"] = returned
    db.session.commit()
    return world


def test_a_requester_sees_questions_drafts_decisions_and_where_each_request_stands(client, auth, users,
                                                                                 requester_world):
    auth.login(users["requester"])
    page = my_work(client)
    questions = section(page, "questions")
    assert section_count(page, "questions") == 2
    assert "Which stations first?" in questions and "Is there a budget holder?" in questions
    assert "Not yours to answer" not in page
    asked = requester_world["asked"]
    assert f'href="/initiatives/{asked.id}/transitions/resubmit">Answer the question' in questions
    drafts = section(page, "drafts")
    assert section_count(page, "drafts") == 1 and "Half-written idea" in drafts
    assert "Still to fill in: Sponsor" in drafts
    assert f'href="/requests/{requester_world["draft"].id}/edit">Edit the draft' in drafts
    decisions = section(page, "decisions")
    assert "Not a strategic priority this year" in decisions  # the reason for the rejection
    assert "Comment on the returned gate" in decisions and "Gate 2 returned for rework" in decisions
    assert "Gate 1 approved" in decisions
    requests = section(page, "requests")
    assert "Horse patrols" not in requests  # ended: among the decisions, not under way
    assert "Next: You – Answer the PMO&#39;s question and resubmit the request" in requests
    assert "Next: The PMO – Rework what Gate 2 (Investment decision) asked for, then request it again" in requests
    assert "Next: The PMO – Meet the entry criteria of Gate 2 (Investment decision), then request it" in requests
    # Counted: two questions and a draft; the menu says the same as the page.
    assert page_total(page) == 3 and nav_count(page) == 3
    assert_no_link_refused(client, page)


def test_a_requester_with_nothing_waiting_is_told_so_plainly(client, auth, users):
    auth.login(users["requester"])
    page = my_work(client)
    assert "Nothing waits on you at the moment." in page and nav_count(page) == 0
    assert "The PMO has asked you nothing: there is no question to answer." in section(page, "questions")
    assert "You have no drafts." in section(page, "drafts")
    assert "No decisions on your requests" in section(page, "decisions")
    assert "You have no requests under way." in section(page, "requests")
    assert "No gate conditions are due" in section(page, "my-conditions")


def test_answering_the_question_takes_it_off_my_work(client, auth, users, requester_world):
    auth.login(users["requester"])
    asked = requester_world["asked"]
    response = client.post(f"/initiatives/{asked.id}/transitions/resubmit", data={"answer": "Central first"})
    assert response.status_code == 303
    page = my_work(client)
    assert section_count(page, "questions") == 1 and "Which stations first?" not in section(page, "questions")
    assert nav_count(page) == 2


def test_the_conditions_i_own_due_soon_or_overdue(client, auth, users):
    pmo, approver, viewer = users["pmo"], users["approver"], users["viewer"]
    initiative = factories.make_initiative(factories.make_user(department=viewer.department), "delivery")
    factories.make_condition(initiative, pmo, approver, owner_id=viewer.id, text="Sign the DPIA",
                             due=TODAY - timedelta(days=2))
    factories.make_condition(initiative, pmo, approver, owner_id=viewer.id, text="Train the staff",
                             due=TODAY + timedelta(days=3))
    factories.make_condition(initiative, pmo, approver, owner_id=viewer.id, text="Far off",
                             due=TODAY + timedelta(days=40))
    factories.make_condition(initiative, pmo, approver, text="Someone else's")
    db.session.commit()
    auth.login(viewer)
    page = my_work(client)
    mine = section(page, "my-conditions")
    assert titles(mine) == ["Sign the DPIA", "Train the staff"]
    assert "Overdue" in mine.split("Train the staff")[0] and "Due soon" in mine.split("Train the staff")[1]
    assert nav_count(page) == 2 == page_total(page)
    assert_no_link_refused(client, page)


# ------------------------------------------------------------------------------------ PMO


@pytest.fixture
def pmo_world(users):
    pmo, approver, requester = users["pmo"], users["approver"], users["requester"]
    owner = factories.make_user(department=requester.department)
    w = {}
    w["new"] = factories.make_initiative(owner, "submitted", title="New request")
    w["triaging"] = factories.make_initiative(owner, "triage", title="Being triaged")
    w["answered"] = factories.make_initiative(owner, "triage", title="Answer back", info_question="Which sites?",
                                              info_answer="All of them")
    w["unscored"] = factories.make_initiative(owner, "scoring", title="Accepted, not scored")
    w["ready"] = factories.make_initiative(owner, "scoring", title="Scored and ready")
    factories.make_score(w["ready"], pmo)
    w["incomplete"] = factories.make_initiative(owner, "business_case", title="Case half written")
    factories.make_business_case(w["incomplete"], pmo, complete=False)
    w["rework"] = factories.make_initiative(owner, "business_case", title="Sent back")
    factories.make_business_case(w["rework"], pmo)
    factories.make_decided_review(w["rework"], pmo, approver, "G2", "return_for_rework")
    w["deferred_soon"] = factories.make_initiative(owner, "business_case", title="Deferred, due soon")
    review = factories.make_decided_review(w["deferred_soon"], pmo, approver, "G2", "defer")
    review.defer_until = TODAY + timedelta(days=3)
    w["deferred_later"] = factories.make_initiative(owner, "business_case", title="Deferred till later")
    factories.make_decided_review(w["deferred_later"], pmo, approver, "G2", "defer")  # a month away
    w["delivering"] = factories.make_initiative(owner, "delivery", title="In delivery", manager=pmo)
    factories.make_condition(w["delivering"], pmo, approver, text="Publish the DPIA", due=TODAY - timedelta(days=1))
    factories.make_raid_item(w["delivering"], "risk", title="Supplier late", review_date=TODAY - timedelta(days=5))
    factories.make_raid_item(w["delivering"], "risk", title="Reviewed lately")
    w["reported"] = factories.make_initiative(owner, "delivery", title="Reported this month", manager=pmo)
    factories.make_milestone(w["reported"], done=False)  # so Gate 3 is not ready yet
    db.session.add(HighlightReport(initiative_id=w["reported"].id, status="issued", period_start=TODAY.replace(day=1),
                                   period_end=TODAY, issued_at=utcnow()))
    w["stale"] = factories.make_initiative(owner, "on_hold", title="Gone quiet",
                                           created_at=datetime.now(UTC) - timedelta(weeks=10))
    db.session.commit()
    return w


def test_the_pmo_sees_every_queue_with_the_right_rows(client, auth, users, pmo_world):
    auth.login(users["pmo"])
    page = my_work(client)
    assert [t.split(": ", 1)[1] for t in titles(section(page, "triage"))] == ["New request", "Being triaged"]
    waiting = section(page, "waiting")
    assert [t.split(": ", 1)[1] for t in titles(waiting)] == ["Answer back", "Accepted, not scored"]
    assert "All of them" in waiting
    assert f'href="/initiatives/{pmo_world["unscored"].id}/score">Score it' in waiting
    ready = section(page, "ready")
    assert [t.split(": ", 1)[1] for t in titles(ready)] == ["Scored and ready"]
    assert f'href="/initiatives/{pmo_world["ready"].id}/gates/request">Request Gate 1' in ready
    rework = section(page, "rework")
    assert [t.split(": ", 1)[1] for t in titles(rework)] == ["Sent back"]
    assert "Comment on the returned gate" in rework
    deferrals = section(page, "deferrals")
    assert [t.split(": ", 1)[1] for t in titles(deferrals)] == ["Deferred, due soon"]
    conditions = section(page, "conditions")
    assert titles(conditions) == ["Publish the DPIA"] and "Overdue" in conditions
    reports = section(page, "reports")
    assert [t.split(": ", 1)[1] for t in titles(reports)] == ["In delivery"]
    raid = section(page, "raid")
    assert titles(raid) == ["Supplier late"]
    stale = section(page, "stale")
    assert [t.split(": ", 1)[1] for t in titles(stale)] == ["Gone quiet"]
    # Counted: 2 triage + 2 waiting + 1 rework + 1 deferral + 1 condition + 1 report + 1 RAID + 1 stale;
    # the gate ready to request is shown but not counted.
    assert page_total(page) == 10 == nav_count(page)
    assert_no_link_refused(client, page)


def test_the_pmo_with_nothing_waiting_sees_each_section_say_so(client, auth, users):
    auth.login(users["pmo"])
    page = my_work(client)
    for key, words in [("triage", "No requests are waiting for triage."),
                       ("ready", "No initiative has a gate ready to request."),
                       ("rework", "No gate has returned work"), ("deferrals", "No deferred gate is due"),
                       ("conditions", "No gate conditions are due"), ("reports", "No highlight reports are due."),
                       ("raid", "No RAID items are past their review date."),
                       ("stale", "Every initiative under way has had an update")]:
        assert words in section(page, key)
        assert "What to do next" not in section(page, key)
    assert nav_count(page) == 0


def test_requesting_the_gate_again_takes_the_rework_off(client, auth, users, pmo_world):
    auth.login(users["pmo"])
    before = nav_count(my_work(client))
    rework = pmo_world["rework"]
    assert client.post(f"/initiatives/{rework.id}/gates/request", data={"note": "Fixed"}).status_code in (302, 303)
    page = my_work(client)
    assert "Sent back" not in section(page, "rework") and nav_count(page) == before - 1


def test_lists_are_capped_with_the_full_count(client, auth, users):
    owner = factories.make_user(department=users["pmo"].department)
    for n in range(13):
        factories.make_initiative(owner, "submitted", title=f"Request {n}")
    db.session.commit()
    auth.login(users["pmo"])
    page = my_work(client)
    triage = section(page, "triage")
    assert len(titles(triage)) == 10 and section_count(page, "triage") == 13 and "Showing 10 of 13." in triage
    assert nav_count(page) == 13


# ------------------------------------------------------------------------------- approver


def test_an_approver_sees_what_awaits_their_decision_with_the_score_and_the_case(client, auth, users):
    pmo, approver = users["pmo"], users["approver"]
    owner = factories.make_user(department=pmo.department)
    at_g2 = factories.make_initiative(owner, "business_case", title="Awaiting G2")
    factories.make_score(at_g2, pmo, total=81, band="High")
    case = factories.make_business_case(at_g2, pmo)
    case.strategic_case = "Custody records are kept twice, on paper and on screen."
    at_g1 = factories.make_initiative(owner, "scoring", title="Awaiting G1")
    factories.make_score(at_g1, pmo, total=44, band="Medium")
    own = factories.make_initiative(approver, "scoring", title="My own idea")
    factories.make_score(own, pmo)
    done = factories.make_initiative(owner, "delivery", title="Decided earlier")
    factories.make_decided_review(done, pmo, approver, "G2", "approve")
    db.session.commit()
    from pmo_web.gates import service
    for initiative in (at_g1, at_g2, own):
        service.request_review(initiative, pmo, note="Ready")
    db.session.commit()
    auth.login(approver)
    page = my_work(client)
    awaiting = section(page, "awaiting")
    assert [t.split(": ", 1)[1] for t in titles(awaiting)] == ["Awaiting G1", "Awaiting G2"]  # oldest first
    assert "My own idea" not in awaiting  # the requester never decides their own
    assert "Score 81 out of 100, High priority" in awaiting and "Score 44 out of 100, Medium priority" in awaiting
    assert "Custody records are kept twice, on paper and on screen." in awaiting
    assert "whole-life cost £125,000" in awaiting
    recent = section(page, "recent")
    assert "Decided earlier" in recent and "Approve" in recent
    assert nav_count(page) == 2 == page_total(page)
    assert re.search(r'id="awaiting-count">2<', page)  # the queue's own count agrees
    assert_no_link_refused(client, page)


# ---------------------------------------------------------------------------------- admin


def test_an_admin_sees_the_real_set_up_tasks(app, client, auth, users):
    app.config["MFA_REQUIRED_ROLES"] = "approver,admin"
    db.session.add(GateSetting(code="G1", approver_role="approver", quorum=1))
    db.session.add(GateSetting(code="G2", approver_role="chief_officer", quorum=2))
    db.session.commit()
    auth.login(users["admin"])
    client.get("/account/second-factor/setup")  # the admin is sent to enrol; the tasks are still listed
    from pmo_web import mywork
    with app.test_request_context():
        items = [i.title for i in mywork._setup_items(users["admin"])]
    assert sum("has no second factor" in t for t in items) == 2  # the approver and the admin
    assert [t for t in items if "quorum not configured" in t] == ["Gate 3: quorum not configured",
                                                                   "Gate 4: quorum not configured"]
    assert [t for t in items if "no one can decide" in t] == ["Gate 2: no one can decide it"]


def test_an_admin_page_lists_the_tasks_and_links_where_they_are_done(client, auth, users):
    auth.login(users["admin"])
    page = my_work(client)
    setup = section(page, "setup")
    assert unset_gates(setup) == ["1", "2", "3", "4"] and 'href="/admin/gates"' in setup
    assert nav_count(page) == page_total(page) >= 4
    db.session.add_all([GateSetting(code=code, approver_role="approver", quorum=1) for code in ("G1", "G2", "G3")])
    db.session.commit()
    page = my_work(client)
    assert unset_gates(section(page, "setup")) == ["4"]
    assert_no_link_refused(client, page)


def test_links_are_only_to_screens_the_viewer_may_open(client, auth, users, pmo_world):
    """A viewer sees the same initiatives' conditions but is offered no PMO screen."""
    auth.login(users["viewer"])
    page = my_work(client)
    assert "/score" not in page and "/gates/request" not in page and "/triage" not in page
    assert_no_link_refused(client, page)


@pytest.mark.parametrize("role", ["requester", "pmo", "approver", "viewer", "admin"])
def test_the_menu_has_my_work_with_the_count_on_every_page(client, auth, users, role):
    auth.login(users[role])
    page = client.get(url_for("auth.change_password")).get_data(as_text=True)
    assert re.search(r'<a class="govuk-service-navigation__link" href="/"[^>]*>\s*My work <span class="app-count" '
                     r'id="my-work-count">\d+</span>', page)
