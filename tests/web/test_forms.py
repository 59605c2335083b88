"""The input rules every form gets from pmo_web/forms.py, and addresses that take digits.

- Every form class of the app is built on PmoForm or PmoSubform, so it has the rules.
- The rules, field kind by field kind, on a form made for the test: file parts only in file
  fields; whole numbers and amounts in the digits 0 to 9 and no longer than 18 digits; text
  no longer than its limit, without direction controls, and not only invisible characters.
- The forms the outside attack test found failing, and the title fields, answer 422 with
  the GOV.UK message and write nothing.
"""
from __future__ import annotations

import importlib
import io
import pkgutil
from decimal import Decimal

import pytest
from flask import request
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from wtforms import FileField, Form, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

import pmo_web
from pmo_web.extensions import db
from pmo_web.fields import MoneyField
from pmo_web.forms import LINE_LENGTH, TEXT_LENGTH, PmoForm, PmoSubform
from pmo_web.models import Initiative
from tests import factories
from tests.security.conftest import changed_tables, database_snapshot

INVISIBLE = "must include letters, numbers or punctuation, not only spaces or invisible characters"


def file_part(name: str = "tracker.csv"):
    return (io.BytesIO(b"title\r\nA\r\n"), name, "text/csv")


# --------------------------------------------------------------------- every form


def _all_form_classes() -> set[type]:
    for module in pkgutil.walk_packages(pmo_web.__path__, "pmo_web."):
        importlib.import_module(module.name)
    found, waiting = set(), [Form]
    while waiting:
        for subclass in waiting.pop().__subclasses__():
            if subclass not in found:
                found.add(subclass)
                waiting.append(subclass)
    return {form for form in found if form.__module__.startswith("pmo_web.") and form.__module__ != "pmo_web.forms"}


def test_every_form_of_the_app_is_built_on_the_base():
    forms = _all_form_classes()
    assert len(forms) > 50, f"only {len(forms)} forms found"
    outside = sorted(f"{form.__module__}.{form.__qualname__}" for form in forms
                     if not issubclass(form, (PmoForm, PmoSubform)))
    assert outside == []


# ----------------------------------------------------------------- the rules, by kind


class Probe(PmoForm):
    """One field of each kind the rules treat differently."""

    class Meta:
        csrf = False

    title = StringField("Title", validators=[InputRequired("Enter a title")])
    note = TextAreaField("Note (optional)", validators=[Optional()])
    sponsor = StringField("Sponsor", validators=[Length(max=120, message="Sponsor must be 120 characters or fewer")])
    year = IntegerField("Year", validators=[Optional(), NumberRange(2000, 2100, "Enter a year between 2000 and 2100")])
    count = IntegerField("Count", validators=[Optional()])
    budget = MoneyField("Budget")
    tracker = FileField("Tracker")
    password = PasswordField("Password")


class ProbeRow(PmoSubform):
    quorum = IntegerField("Approvals needed",
                          validators=[NumberRange(1, 5, "Approvals needed must be between 1 and 5")])


WRITTEN = "must be written with the digits 0 to 9"
RULES = [
    # (field, what was posted, the error shown, or None and the value kept)
    ("title", "\u200b\u200b\u2060", f"Title {INVISIBLE}", None),
    ("title", "\ufeff \u200d", f"Title {INVISIBLE}", None),
    ("title", "\u202eCustody\u202c records \u2067x\u2069", None, "Custody records x"),
    ("title", "Body-worn video for PCSOs", None, "Body-worn video for PCSOs"),
    ("title", "٣ مراكز اتصال", None, "٣ مراكز اتصال"),  # text in any script is text
    ("title", "x" * LINE_LENGTH, None, "x" * LINE_LENGTH),
    ("title", "x" * (LINE_LENGTH + 1), f"Title must be {LINE_LENGTH} characters or fewer", None),
    ("note", "x" * TEXT_LENGTH, None, "x" * TEXT_LENGTH),
    ("note", "x" * (TEXT_LENGTH + 1), f"Note must be {TEXT_LENGTH:,} characters or fewer", None),
    ("note", "\u200b", f"Note {INVISIBLE}", None),
    ("note", "   ", None, "   "),  # blank is the field's own business (Optional here)
    ("sponsor", "x" * 121, "Sponsor must be 120 characters or fewer", None),  # its own limit, not the default
    ("year", "2026", None, 2026),
    ("year", "9" * 309, "Enter a year between 2000 and 2100", None),
    ("year", "-" + "9" * 309, "Enter a year between 2000 and 2100", None),
    ("year", "9" * 4301, "Enter a year between 2000 and 2100", None),
    ("year", "٢٠٢٦", f"Year {WRITTEN}", None),
    ("year", "２０２６", f"Year {WRITTEN}", None),
    ("year", "2_026", f"Year {WRITTEN}", None),
    ("year", "twenty", "Not a valid integer value.", None),  # not a number at all: the field's own message
    ("count", "9" * 18, None, int("9" * 18)),
    ("count", "9" * 19, "Count must have at most 18 digits", None),
    ("budget", "£1,250.50", None, Decimal("1250.50")),
    ("budget", "١٢٥٠", f"Budget {WRITTEN}", None),
    ("budget", "1e5", f"Budget {WRITTEN}", None),
    ("budget", "9" * 309, "Budget must be £0 or more, up to £999,999,999,999", None),
    ("budget", "1e309", f"Budget {WRITTEN}", None),
    ("password", "\u202e secret \u200b", None, "\u202e secret \u200b"),  # kept exactly as typed
]


def _posted(app, data: dict, form_class=Probe, **kwargs):
    with app.test_request_context("/", method="POST", data=data):
        form = form_class(**kwargs)
        form.validate()
        return form


@pytest.mark.parametrize(("name", "posted", "error", "kept"), RULES,
                         ids=[f"{n}-{i}" for i, (n, *_rest) in enumerate(RULES)])
def test_each_kind_of_field_keeps_to_its_rules(app, name, posted, error, kept):
    form = _posted(app, {"title": "A title", name: posted})
    if error:
        assert form[name].errors[0] == error
    else:
        assert form[name].errors == []
        assert form[name].data == kept


def test_a_row_of_a_form_keeps_to_the_same_rules(app):
    for posted, error in (("9" * 309, "Approvals needed must be between 1 and 5"),
                          ("٢", f"Approvals needed {WRITTEN}"), ("2", None)):
        with app.test_request_context("/", method="POST", data={"quorum": posted}):
            row = ProbeRow(formdata=request.form)
            row.validate()
            assert row.quorum.errors == ([error] if error else [])


def test_a_file_reaches_only_a_file_field(app):
    form = _posted(app, {"title": file_part(), "note": file_part(), "year": file_part(), "budget": file_part(),
                         "tracker": file_part("chosen.csv")})
    assert form.title.errors == ["Enter a title"]  # as if nothing had been sent
    assert form.note.data is None and form.year.data is None and form.budget.data is None
    assert isinstance(form.tracker.data, FileStorage) and form.tracker.data.filename == "chosen.csv"


def test_a_json_body_is_no_form_post(app):
    with app.test_request_context("/", method="POST", json=[1, 2, {"title": 5}]):
        form = Probe()
        assert not form.validate()
        assert form.title.errors == ["Enter a title"]


# -------------------------------------------------------------- the forms, by address


@pytest.fixture
def rows(app, users):
    """An initiative in delivery with a RAID log and lessons, and the reference data."""
    initiative = factories.make_initiative(owner=users["requester"], state="delivery", title="In delivery")
    db.session.commit()
    return {"initiative": initiative}


# (who, address, what is posted, the message shown)
CASES = {
    # A file part where text belongs (the five forms the attack test found giving 500).
    "file as a RAID item's title": (
        "pmo", "/initiatives/{id}/raid/new", {"kind": "risk", "raid-item-new-title": file_part()},
        "Enter"),
    "file as a lesson's title": (
        "pmo", "/initiatives/{id}/lessons/new", {"lesson-new-title": file_part(), "lesson-new-event": "x"},
        "Enter"),
    "file as a board's name": ("pmo", "/boards/new", {"name": file_part(), "level": "layer"}, "Enter"),
    "file as the reason for a hold": (
        "pmo", "/initiatives/{id}/transitions/hold", {"reason": file_part()}, "reason"),
    "file as a request's title": ("requester", "/requests/new", {"title": file_part(), "save_draft": "y"},
                                  "Enter a title"),
    # A number too large for the range check (OverflowError), or in other digits.
    "309-digit tolerance": (
        "pmo", "/initiatives/{id}/delivery", {"version": "1", "cost_tolerance_pct": "9" * 309},
        "The cost tolerance must be between 0 and 100 per cent"),
    "309-digit weight": (
        "admin", "/admin/weights", {"urgency": "9" * 309, "desirability": "30", "alignment": "25", "complexity": "15"},
        "The weight for urgency must be between 0 and 100"),
    "309-digit quorum": (
        "admin", "/admin/gates", {"gates-0-approver_role": "approver", "gates-0-quorum": "9" * 309},
        "Approvals needed must be between 1 and 5"),
    "309-digit programme year": (
        "admin", "/admin/programmes", {"name": "Estates 2030", "start_year": "9" * 309},
        "Enter a year between 2000 and 2100"),
    "Arabic-Indic programme year": (
        "admin", "/admin/programmes", {"name": "Estates 2030", "start_year": "٢٠٢٦"},
        f"Start year {WRITTEN}"),
    "Arabic-Indic budget": (
        "pmo", "/initiatives/{id}/delivery", {"version": "1", "budget_approved": "١٢٥٠٠٠"},
        f"Approved budget {WRITTEN}"),
    # Titles and names that show nothing.
    "zero-width request title": ("requester", "/requests/new", {"title": "\u200b\u200c\u200b", "save_draft": "y"},
                                 f"Title {INVISIBLE}"),
    "zero-width department name": ("admin", "/admin/departments", {"name": "\u2060\ufeff"},
                                   f"Department name {INVISIBLE}"),
    "zero-width RAID title": ("pmo", "/initiatives/{id}/raid/new", {"kind": "risk", "raid-item-new-title": "\u200b"},
                              f"Risk {INVISIBLE}"),
}


@pytest.mark.parametrize("case", CASES)
def test_what_the_attack_test_sent_is_refused_with_a_message(client, auth, users, rows, case):
    role, address, data, message = CASES[case]
    auth.login(users[role])
    before = database_snapshot()
    response = client.post(address.format(id=rows["initiative"].id), data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert changed_tables(before, database_snapshot()) == {}


def test_direction_controls_are_taken_out_of_a_title(client, auth, users):
    auth.login(users["requester"])
    response = client.post("/requests/new",
                           data={"title": "\u202eCCTV\u202c for \u2066Eastgate\u2069", "save_draft": "y"})
    assert response.status_code == 303
    assert db.session.scalar(select(Initiative.title)) == "CCTV for Eastgate"
