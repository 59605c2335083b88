"""Optimistic locking: two people load the same record, both save; exactly one wins.

Each case below is one edit screen. Two clients draw the form (so the hidden version comes
from the page itself), each changes it, both submit. The first save lands; the second gets
409 with the other person's saved values beside its own, nothing of it is written, and its
typed values are still in the form. Submitting that form again saves on top of the new
version. htmx rows (milestones, benefits) answer 409 with the row fragment, not a page.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from flask import url_for
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from pmo_web import concurrency
from pmo_web.admin.forms import DepartmentEditForm
from pmo_web.extensions import db
from pmo_web.models import (
    Benefit,
    Department,
    GateSetting,
    Initiative,
    Milestone,
    Programme,
    Setting,
    StrategicPriority,
    User,
)
from tests import factories

HTMX = {"HX-Request": "true"}


class OwnContextClient(FlaskClient):
    """Each request in an app context of its own, as in production: two clients signed in
    as different people must not share the signed-in user cached on `g`, nor a session."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


class FormFields(HTMLParser):
    """The fields of the (first) form that carries a hidden `version`, as a browser posts them."""

    def __init__(self, page: str):
        super().__init__()
        self.forms: list[MultiDict] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self.feed(page)
        self.fields = next((f for f in self.forms if any(k.endswith("version") for k in f)), None)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "form":
            self.forms.append(MultiDict())
        elif tag == "option" and self._select and "selected" in attrs:
            self.forms[-1].add(self._select, attrs.get("value") or "")
        elif not self.forms or not name:
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.forms[-1].add(name, attrs.get("value") or "")
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea = name
            self.forms[-1].add(name, "")

    def handle_data(self, data):
        if self._textarea:
            values = self.forms[-1].getlist(self._textarea)
            self.forms[-1].setlist(self._textarea, [*values[:-1], values[-1] + data])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_of(response) -> MultiDict:
    fields = FormFields(response.get_data(as_text=True)).fields
    assert fields is not None, "the page draws no form carrying a version"
    return fields


@dataclass
class Case:
    """One edit screen: how to make its record, where its form is, what each person types."""

    name: str
    make: Callable  # (users) -> (url, editor_a, editor_b, read_saved)
    first: dict
    second: dict
    extra: dict = field(default_factory=dict)  # the button pressed, where the form has several
    htmx: bool = False


def _initiative(users, state):
    made = factories.make_initiative(owner=users["requester"], state=state)
    db.session.commit()
    return made


def _second_admin(users):
    other = factories.make_user(roles=("admin",), email="admin2@example.test", name="Second Admin",
                                department=users["admin"].department)
    db.session.commit()
    return other


def saved(model, key, column):
    """A column of one row as it is in the database now."""
    db.session.expire_all()
    return getattr(db.session.get(model, key), column)


def delivery(users):
    initiative = _initiative(users, "delivery")
    return (url_for("delivery.edit", initiative_id=initiative.id), users["pmo"], users["admin"],
            lambda: saved(Initiative, initiative.id, "confidence_justification"))


def milestone(users):
    initiative = _initiative(users, "delivery")
    row = factories.make_milestone(initiative, done=False)
    db.session.commit()
    return (url_for("delivery.milestone_edit", initiative_id=initiative.id, milestone_id=row.id),
            users["pmo"], users["admin"], lambda: saved(Milestone, row.id, "name"))


def benefit(users):
    initiative = _initiative(users, "benefits_review")
    row = factories.make_benefit(initiative)
    db.session.commit()
    return (url_for("review.benefit_edit", initiative_id=initiative.id, benefit_id=row.id),
            users["pmo"], users["admin"], lambda: saved(Benefit, row.id, "owner"))


def satisfaction(users):
    initiative = _initiative(users, "benefits_review")
    return (url_for("review.satisfaction", initiative_id=initiative.id), users["pmo"], users["admin"],
            lambda: saved(Initiative, initiative.id, "satisfaction_comment"))


def draft(users):
    initiative = _initiative(users, "draft")  # the same requester, in two browser tabs
    return (url_for("intake.edit", initiative_id=initiative.id), users["requester"], users["requester"],
            lambda: saved(Initiative, initiative.id, "title"))


def user(users):
    return (url_for("admin.user_edit", user_id=users["viewer"].id), users["admin"], _second_admin(users),
            lambda: saved(User, users["viewer"].id, "name"))


def department(users):
    row = factories.make_department("Estates")
    db.session.commit()
    return (url_for("admin.department_edit", department_id=row.id), users["admin"], _second_admin(users),
            lambda: saved(Department, row.id, "name"))


def programme(users):
    row = factories.make_programme("Estates 2030")
    db.session.commit()
    return (url_for("admin.programme_edit", programme_id=row.id), users["admin"], _second_admin(users),
            lambda: saved(Programme, row.id, "description"))


def priority(users):
    row = factories.make_priority("Leveraging technology", position=1)
    db.session.commit()
    return (url_for("admin.priority_edit", priority_id=row.id), users["admin"], _second_admin(users),
            lambda: saved(StrategicPriority, row.id, "name"))


def weights(users):
    Setting.put("scoring_weights", {"urgency": 30, "desirability": 30, "alignment": 25, "complexity": 15})
    db.session.commit()
    return (url_for("admin.weights"), users["admin"], _second_admin(users),
            lambda: str(json.loads(saved(Setting, "scoring_weights", "value_json"))["urgency"]))


def gates(users):
    return (url_for("admin.gates"), users["admin"], _second_admin(users),
            lambda: str(saved(GateSetting, "G2", "quorum")))


CASES = [
    Case("delivery details", delivery, {"confidence_justification": "Supplier slipped a week"},
         {"confidence_justification": "Supplier back on plan"}),
    Case("milestone", milestone, {"{p}-name": "Go live (phase 1)"}, {"{p}-name": "Go live (all stations)"},
         htmx=True),
    Case("benefit", benefit, {"{p}-owner": "Supt. Custody"}, {"{p}-owner": "Ch Insp. Control Room"}, htmx=True),
    Case("satisfaction", satisfaction, {"satisfaction_comment": "Sponsor pleased", "satisfaction_score": "4"},
         {"satisfaction_comment": "Sponsor unhappy", "satisfaction_score": "2"}),
    Case("draft request", draft, {"title": "Body-worn video for PCSOs"}, {"title": "Body-worn video for specials"},
         extra={"save_draft": "y"}),
    Case("user", user, {"name": "Sgt Priya Shah"}, {"name": "Insp Priya Shah"}),
    Case("department", department, {"name": "Estates and Facilities"}, {"name": "Estates Management"}),
    Case("programme", programme, {"description": "Custody suites first"}, {"description": "Stations first"}),
    Case("priority", priority, {"name": "Digital policing"}, {"name": "Technology for the front line"}),
    Case("weights", weights, {"urgency": "40", "desirability": "20"}, {"urgency": "20", "desirability": "40"}),
    Case("gates", gates, {"gates-1-quorum": "2"}, {"gates-1-quorum": "3"}),
]


def the_value(typed: dict) -> str:
    """The value each case reads back from the database: its first typed field."""
    return next(iter(typed.values()))


def fill(form: MultiDict, typed: dict, extra: dict) -> MultiDict:
    """The drawn form with this person's changes typed in (field names may carry the row's prefix)."""
    filled = MultiDict(form)
    prefix = next((k.rsplit("-", 1)[0] for k in form if k.endswith("-version")), "")
    for name, value in {**typed, **extra}.items():
        filled.setlist(name.format(p=prefix), [value])
    return filled


@pytest.fixture
def people(app, users):
    """Two browsers, each in its own app context."""
    app.test_client_class = OwnContextClient

    def browser(person):
        client = app.test_client()
        assert client.post("/login", data={"email": person.email, "password": factories.PASSWORD}).status_code == 302
        return client

    return browser


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_two_people_save_the_same_record_and_exactly_one_wins(people, users, case):
    url, editor_a, editor_b, read_saved = case.make(users)
    headers = HTMX if case.htmx else {}
    first, second = people(editor_a), people(editor_b)
    form_a = form_of(first.get(url, headers=headers))
    form_b = form_of(second.get(url, headers=headers))

    won = first.post(url, data=fill(form_a, case.first, case.extra), headers=headers)
    assert won.status_code in (200, 303), won.get_data(as_text=True)[:2000]
    assert read_saved() == the_value(case.first)

    lost = second.post(url, data=fill(form_b, case.second, case.extra), headers=headers)
    body = lost.get_data(as_text=True)
    assert lost.status_code == 409
    assert read_saved() == the_value(case.first)  # never a silent overwrite
    assert "while you were editing it" in body
    assert f"{editor_a.name} saved it" in body
    # The other person's value, and mine, side by side; mine still typed in the form.
    assert the_value(case.first) in body and the_value(case.second) in body
    assert ("<html" in body) is not case.htmx  # an htmx row gets its fragment back
    reapply = form_of(lost)
    assert reapply.get(next(iter(case.second)).format(p=next(
        (k.rsplit("-", 1)[0] for k in reapply if k.endswith("-version")), ""))) == the_value(case.second)

    # Having seen the other person's change, saving again replaces it, deliberately.
    again = second.post(url, data=fill(reapply, {}, case.extra), headers=headers)
    assert again.status_code in (200, 303), again.get_data(as_text=True)[:2000]
    assert read_saved() == the_value(case.second)


@pytest.mark.parametrize("version", [None, "", "0", "abc", "99", "1.1"])
def test_a_save_without_the_loaded_version_is_refused(app, people, users, version):
    """A post that does not say which version it edits (a script, a stale tab, a forged
    field) is a conflict too: it writes nothing."""
    row = factories.make_department("Estates")
    db.session.commit()
    client = people(users["admin"])
    data = {"name": "Renamed", "active": "y"}
    if version is not None:
        data["version"] = version
    response = client.post(url_for("admin.department_edit", department_id=row.id), data=data)
    assert response.status_code == 409
    assert saved(Department, row.id, "name") == "Estates"
    assert saved(Department, row.id, "version") == 1


def test_a_save_racing_past_the_check_is_refused_by_the_database(app, users):
    """Two saves that both pass the version comparison: the UPDATE matches only the version
    it read, so the later one fails and becomes the same conflict (nothing overwritten)."""
    row = factories.make_department("Estates")
    db.session.commit()
    with app.test_request_context(method="POST", data={"name": "Mine", "active": "y", "version": "1"}):
        form = DepartmentEditForm(department=row)
        assert form.validate()

        def apply():
            # The other person's save commits, from another session, just after our check.
            with Session(db.engine) as other:
                other.execute(update(Department).where(Department.id == row.id)
                              .values(name="Theirs", version=Department.version + 1, changed_by="Other Admin"))
                other.commit()
            form.apply_to(row)

        conflict = concurrency.save(form, [row], apply)
    assert conflict is not None
    assert conflict.changed_by == "Other Admin"
    assert [(d.label, d.saved, d.yours) for d in conflict.differences] == [("Department name", "Theirs", "Mine")]
    assert form.version.data == "2"  # saving again now replaces version 2, knowingly
    assert saved(Department, row.id, "name") == "Theirs"


def test_who_changed_a_record_and_when_is_kept(app, people, users):
    row = factories.make_programme("Estates 2030")
    db.session.commit()
    client = people(users["admin"])
    url = url_for("admin.programme_edit", programme_id=row.id)
    assert client.post(url, data=fill(form_of(client.get(url)), {"description": "New"}, {})).status_code == 303
    db.session.expire_all()
    changed = db.session.get(Programme, row.id)
    assert (changed.version, changed.changed_by) == (2, users["admin"].name)
    assert changed.changed_at is not None
