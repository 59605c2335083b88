"""Importing a tracker: CSV and XLSX, mappings remembered per set of headings, a row-by-row
error report, all or nothing, states and audit rows written, who may do it, and limits."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from pmo_web import workflow
from pmo_web.extensions import db
from pmo_web.imports import reading
from pmo_web.models import AuditEvent, ImportMapping, ImportUpload, Initiative
from pmo_web.models.base import utcnow
from tests import factories
from tests.web.exports import small_portfolio
from tests.web.imports import bombs

HEADINGS = ["Title", "State", "Department", "Rough cost", "Planned end", "Approved budget (GBP)"]


@pytest.fixture
def pmo(app, client, auth, users):
    auth.login(users["pmo"])
    return users["pmo"]


def csv_bytes(rows, delimiter=",", bom=False) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes, name="tracker.csv"):
    return client.post("/import", data={"tracker": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def upload_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/import/(\d+)/map", response.headers["Location"]).group(1))


def mapping_page_choices(client, upload_id: int) -> list[str]:
    """The option selected in each column's select, in column order."""
    page = client.get(f"/import/{upload_id}/map").get_data(as_text=True)
    selects = re.findall(r'<select[^>]*name="column_(\d+)"[^>]*>(.*?)</select>', page, re.S)
    chosen = []
    for _index, options in selects:
        match = re.search(r'<option value="([^"]*)" selected', options)
        chosen.append(match.group(1) if match else "")
    return chosen


def map_columns(client, upload_id: int, choices: list[str]):
    return client.post(f"/import/{upload_id}/map", data={f"column_{i}": c for i, c in enumerate(choices)})


def good_rows(count=3, department="Contact Management"):
    return [HEADINGS] + [[f"Imported initiative {n}", "Delivery" if n % 2 else "triage", department.upper(),
                          "£10,000 to £100,000", "31/05/2027", "£12,500.50"] for n in range(1, count + 1)]


def import_through(client, data: bytes, name="tracker.csv") -> int:
    """Upload, accept the offered mapping, preview and import; the upload id."""
    uid = upload_id(upload(client, data, name))
    assert map_columns(client, uid, mapping_page_choices(client, uid)).status_code == 303
    assert client.get(f"/import/{uid}/preview").status_code == 200
    response = client.post(f"/import/{uid}/run")
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    assert response.headers["Location"].endswith(f"/import/{uid}/done")
    return uid


# ------------------------------------------------------------------------------ reading

@pytest.mark.parametrize("make", [
    lambda rows: csv_bytes(rows),
    lambda rows: csv_bytes(rows, bom=True),
    lambda rows: csv_bytes(rows, delimiter=";", bom=True),
], ids=["csv", "csv-bom", "csv-semicolon-bom"])
def test_csv_files_are_read_with_or_without_bom_by_comma_or_semicolon(make):
    headings, rows = reading.read("t.csv", make([["Title", "Cost"], ["Van", "£1,200"], [], ["Radio", "x"]]))
    assert headings == ["Title", "Cost"]
    assert rows == [[2, ["Van", "£1,200"]], [4, ["Radio", "x"]]]


def test_xlsx_cells_become_text_dates_and_whole_numbers():
    data = xlsx_bytes([["Title", "Planned end", "Budget", None], ["Van ", datetime(2027, 5, 31), 12500.0],
                       [None, None, None]])
    headings, rows = reading.read("t.xlsx", data)
    assert headings == ["Title", "Planned end", "Budget"]
    assert rows == [[2, ["Van", "2027-05-31", "12500"]]]


def test_xlsx_dates_in_the_1904_calendar_are_read_as_dates():
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    workbook = Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    workbook.active.append(["Title", "Planned end"])
    workbook.active.append(["Van", datetime(2027, 5, 31)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert reading.read("t.xlsx", buffer.getvalue())[1] == [[2, ["Van", "2027-05-31"]]]


def test_xlsx_shared_strings_are_read_as_openpyxl_reads_them():
    """Plain, spaced, rich (runs), phonetic, escaped, empty and entity-bearing strings."""
    from openpyxl.reader.strings import read_string_table

    from pmo_web.imports import xlsx

    strings = (f'<sst xmlns="{bombs.MAIN}"><si><t>Title</t></si><si><t xml:space="preserve">  Van  </t></si>'
               '<si><r><rPr><b/><sz val="11"/></rPr><t>Bold</t></r><r><t xml:space="preserve"> van</t></r></si>'
               '<si><t>Kanji</t><rPh sb="0" eb="1"><t>カンジ</t></rPh><phoneticPr fontId="1"/></si>'
               '<si><t>a_x005F_x000D_b</t></si><si><t/></si><si><t>x &amp; y</t></si></sst>').encode()
    rows = b"".join(b'<row><c t="s"><v>%d</v></c></row>' % n for n in range(7))
    data = bombs.workbook((bombs.SHEET_OPEN, b"<sheetData>", rows, b"</sheetData></worksheet>"), strings=(strings,))
    expected = read_string_table(io.BytesIO(strings))
    assert expected[1:4] == ["  Van  ", "Bold van", "Kanji"]
    assert list(xlsx.rows(data)) == [(text,) for text in expected]


def test_a_file_name_keeps_no_folders_or_control_characters():
    assert reading.base_name("C:\\Users\\pc\\tracker.csv") == "tracker.csv"
    assert reading.base_name("a/b/tracker\x00.xlsx") == "tracker.xlsx"
    assert reading.base_name(None) == "tracker"


def test_the_exports_formula_guard_is_taken_off_and_control_characters_stripped():
    assert reading.clean("'=SUM(A1)") == "=SUM(A1)"
    assert reading.clean("'quoted'") == "'quoted'"
    assert reading.clean("a\x00b\x1bc\td") == "abc\td"


@pytest.mark.parametrize("name, data, message", [
    ("t.txt", b"Title\r\nA\r\n", "must be a CSV or XLSX file"),
    ("t.csv", "Title\r\nCafé\r\n".encode("latin-1"), "not UTF-8"),
    ("t.xlsx", b"Title\r\nA\r\n", "not an Excel workbook"),
    ("t.csv", xlsx_bytes([["Title"], ["A"]]), "upload it as .xlsx"),
    ("t.xlsx", b"PK\x03\x04 not really a zip", "could not be read"),
    ("t.xls", b"\xd0\xcf\x11\xe0 old excel", "old Excel format"),
    ("t.csv", b"", "empty"),
    ("t.csv", b"Title\r\n", "no rows"),
    ("t.csv", b"Title,title\r\nA,B\r\n", "appears twice"),
    ("t.csv", b"Title\r\nA,B\r\n", "more cells than there are headings"),
    # A damaged part, or one declaring a document type (where XML entities are defined): the
    # workbook reader let ElementTree's ParseError out as a server error.
    ("t.xlsx", bombs.with_parts({"xl/worksheets/sheet1.xml": b"<worksheet"}),
     r"could not be read as an Excel workbook \(xl/worksheets/sheet1.xml is not well-formed XML"),
    ("t.xlsx", bombs.with_parts({"xl/worksheets/sheet1.xml": b'<?xml version="1.0"?><!DOCTYPE x><worksheet/>'}),
     "could not be read as an Excel workbook .*sheet1.xml declares a document type"),
    ("t.xlsx", bombs.with_parts({"xl/styles.xml": b'<!DOCTYPE x [<!ENTITY e "e">]><styleSheet/>'}),
     "could not be read as an Excel workbook .*styles.xml declares a document type"),
    ("t.xlsx", bombs.with_parts({"[Content_Types].xml": b"<Types>&undeclared;</Types>"}),
     "could not be read as an Excel workbook .*is not well-formed XML"),
    ("t.xlsx", bombs.with_parts({"xl/workbook.xml": b"not xml at all"}),
     "could not be read as an Excel workbook .*workbook.xml is not well-formed XML"),
])
def test_unreadable_files_are_refused_with_a_reason(name, data, message):
    with pytest.raises(reading.UnreadableFile, match=message):
        reading.read(name, data)


def test_size_and_row_limits():
    with pytest.raises(reading.UnreadableFile, match="smaller than 5 MB"):
        reading.read("t.csv", b"Title\r\n" + b"x" * reading.MAX_BYTES)
    too_many = csv_bytes([["Title"]] + [[f"Row {n}"] for n in range(reading.MAX_ROWS + 1)])
    with pytest.raises(reading.UnreadableFile, match="more than 5,000 rows"):
        reading.read("t.csv", too_many)
    reading.read("t.csv", csv_bytes([["Title"]] + [[f"Row {n}"] for n in range(reading.MAX_ROWS)]))


def test_an_unreadable_upload_is_refused_on_the_page_and_nothing_kept(client, pmo, monkeypatch):
    response = upload(client, b"\xd0\xcf\x11\xe0 old excel", "tracker.xls")
    assert response.status_code == 422
    assert "old Excel format" in response.get_data(as_text=True)
    # A small limit: the test client spools a body over 500 KB to a file it never closes.
    monkeypatch.setattr(reading, "MAX_BYTES", 100 * 1024)
    response = upload(client, b"Title\r\n" + b"x" * reading.MAX_BYTES)
    assert response.status_code == 422 and "smaller than 100 KB" in response.get_data(as_text=True)
    response = client.post("/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Select a CSV or XLSX file" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ImportUpload)) == 0


# ------------------------------------------------------------------------- the whole flow

@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_is_imported_into_the_right_states_with_audit_rows(client, pmo, runner, kind):
    rows = good_rows()
    data, name = (csv_bytes(rows, delimiter=";", bom=True), "t.csv") if kind == "csv" else (xlsx_bytes(rows), "t.xlsx")
    uid = import_through(client, data, name)
    made = db.session.scalars(select(Initiative).order_by(Initiative.id)).all()
    assert [(i.title, i.state) for i in made] == [
        ("Imported initiative 1", "delivery"),
        ("Imported initiative 2", "triage"),
        ("Imported initiative 3", "delivery"),
    ]
    first = made[0]
    assert first.department.name == "Contact Management" and first.cost_band == "10k_100k"
    assert first.planned_end == date(2027, 5, 31) and first.budget_approved == Decimal("12500.50")
    assert first.owner_id == pmo.id and first.submitted_at is not None
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.initiative_id, e.kind, e.trigger, e.from_state, e.to_state, e.actor_id) for e in events] == [
        (i.id, "import", "import", None, i.state, pmo.id) for i in made]
    assert events[1].detail == {"file": name, "row": 3}
    assert events[1].reason == f"Imported from {name}, row 3"
    assert runner.invoke(args=["audit-verify"]).exit_code == 0
    summary = client.get(f"/import/{uid}/done").get_data(as_text=True)
    for initiative in made:
        assert f'href="/initiatives/{initiative.id}"' in summary
    # The initiative's history says where it came from.
    assert f"Imported from {name}, row 2" in client.get(f"/initiatives/{first.id}").get_data(as_text=True)
    # Done is done: the steps before send to the summary, and running again imports nothing more.
    assert client.get(f"/import/{uid}/preview").headers["Location"].endswith(f"/import/{uid}/done")
    client.post(f"/import/{uid}/run")
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 3


def test_imported_initiatives_join_an_existing_audit_chain(client, pmo, users, runner):
    initiative = factories.make_initiative(owner=users["requester"], state="submitted")
    db.session.commit()
    workflow.fire(initiative, "start_triage", users["pmo"])
    db.session.commit()
    import_through(client, csv_bytes(good_rows(2)))
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 3
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0, result.output


def test_reference_data_and_people_are_matched_by_name_or_email(client, pmo, users):
    programme = factories.make_programme("Estates Capital")
    priority = factories.make_priority("Keeping people safe")
    db.session.commit()
    rows = [["Title", "Status", "Business unit", "Program", "Strategic priority", "Project manager", "Requested by",
             "Funding", "RAG", "Stakeholder satisfaction (1-5)"],
            ["Body cams", "benefits review", "contact management", "ESTATES CAPITAL", "keeping people safe",
             users["pmo"].email.upper(), users["requester"].name, "capital", "amber/green", "4"]]
    import_through(client, csv_bytes(rows))
    made = db.session.scalar(select(Initiative))
    assert (made.state, made.programme_id, made.strategic_priority_id) == ("benefits_review", programme.id, priority.id)
    assert (made.manager_id, made.owner_id) == (users["pmo"].id, users["requester"].id)
    assert (made.funding_type, made.delivery_confidence, made.satisfaction_score) == ("capital", "amber_green", 4)


# ---------------------------------------------------------------------------- mapping

def test_the_mapping_is_remembered_for_the_same_set_of_headings(client, pmo):
    rows = [["Project", "Where", "Phase", "Notes"], ["Drones", "Contact Management", "Triage", "n"]]
    uid = upload_id(upload(client, csv_bytes(rows)))
    assert mapping_page_choices(client, uid) == ["title", "", "", ""]
    choices = ["title", "department", "state", "description"]
    assert map_columns(client, uid, choices).status_code == 303
    client.post(f"/import/{uid}/run")
    assert db.session.get(ImportMapping, reading.header_key(rows[0])).mapping == {
        "project": "title", "where": "department", "phase": "state", "notes": "description"}
    # The same headings, in another order and case, are offered the same choices.
    again = upload_id(upload(client, csv_bytes([["notes", "PHASE", "Project", "Where"], ["n", "Triage", "Vans", "x"]])))
    assert mapping_page_choices(client, again) == ["description", "state", "title", "department"]
    assert "last time a file with these headings" in client.get(f"/import/{again}/map").get_data(as_text=True)
    # Other headings are matched by name only.
    other = upload_id(upload(client, csv_bytes([["Project", "Where", "Phase", "Other"], ["Radios", "x", "y", "z"]])))
    assert mapping_page_choices(client, other) == ["title", "", "", ""]


def test_required_fields_must_be_mapped_and_a_field_only_once(client, pmo):
    uid = upload_id(upload(client, csv_bytes(good_rows(1))))
    response = map_columns(client, uid, ["title", "", "", "", "", ""])
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "State, Department" in page and "required" in page
    response = map_columns(client, uid, ["title", "state", "department", "", "", "title"])
    assert response.status_code == 422 and "is already imported from" in response.get_data(as_text=True)
    response = map_columns(client, uid, ["title", "state", "department", "owner_id", "", ""])
    assert response.status_code == 422
    assert db.session.get(ImportUpload, uid).mapping is None


def test_an_export_of_the_portfolio_maps_itself(client, pmo, users):
    small_portfolio.build(users)
    db.session.commit()
    for file_format in ("csv", "xlsx"):
        exported = client.get(f"/exports/portfolio.{file_format}").get_data()
        uid = upload_id(upload(client, exported, f"portfolio.{file_format}"))
        stored = db.session.get(ImportUpload, uid)
        chosen = dict(zip(stored.headers, mapping_page_choices(client, uid), strict=True))
        assert {heading: target for heading, target in chosen.items() if target} == {
            "Title": "title", "Department": "department", "Programme": "programme", "State": "state",
            "Requester": "owner", "Sponsor": "sponsor", "Manager": "manager",
            "Strategic priority": "strategic_priority", "Rough cost": "cost_band", "Funding type": "funding_type",
            "Approved budget (GBP)": "budget_approved", "Forecast cost (GBP)": "budget_forecast",
            "Actual cost (GBP)": "budget_actual", "Planned end": "planned_end",
            "Forecast end": "forecast_end", "Delivery confidence": "delivery_confidence",
            "Confidence justification": "confidence_justification",
            "Stakeholder satisfaction (1-5)": "satisfaction_score", "Reason it ended": "outcome_reason",
            "Description": "description"}
        # Mapped as offered, every value is understood: the only problems are the titles
        # already in the portfolio (and the merged one, which cannot be imported).
        assert map_columns(client, uid, list(chosen.values())).status_code == 303
        page = client.get(f"/import/{uid}/preview").get_data(as_text=True)
        problems = set(re.findall(r'<td class="govuk-table__cell">([^<]+)</td>\s*</tr>', page))
        assert problems <= {"An initiative with this title already exists",
                            "Merged initiatives cannot be imported: import it as withdrawn, or not at all"}, problems


# ------------------------------------------------------------------------- the error report

def test_every_problem_is_reported_with_its_row_column_and_value(client, pmo):
    factories.make_initiative(title="Already here", state="submitted")
    db.session.commit()
    rows = [HEADINGS,
            ["Fine", "Triage", "Contact Management", "Under £10,000", "2027-01-31", "100"],
            ["", "Triage", "Contact Management", "", "", ""],
            ["Bad department", "Triage", "Narnia", "", "", ""],
            ["Bad date", "Triage", "Contact Management", "", "31/02/2027", ""],
            ["Bad state", "Pending", "Contact Management", "", "", ""],
            ["fine", "Delivery", "Contact Management", "", "", ""],
            ["Already here", "Triage", "Contact Management", "", "", ""],
            ["Bad money", "Triage", "Contact Management", "A lot", "", "-5"]]
    uid = upload_id(upload(client, csv_bytes(rows)))
    map_columns(client, uid, mapping_page_choices(client, uid))
    response = client.get(f"/import/{uid}/preview")
    page = response.get_data(as_text=True)
    table = page[page.index('id="import-errors"'):page.index("</table>", page.index('id="import-errors"'))]
    found = [tuple(cell.strip() for cell in cells) for cells in re.findall(
        r"<tr[^>]*>\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>",
        table)]
    assert [(row, column, value) for row, column, value, _problem in found] == [
        ("3", "Title", "(empty)"), ("4", "Department", "Narnia"), ("5", "Planned end", "31/02/2027"),
        ("6", "State", "Pending"), ("7", "Title", "fine"), ("8", "Title", "Already here"),
        ("9", "Rough cost", "A lot"), ("9", "Approved budget (GBP)", "-5")]
    problems = [problem for *_rest, problem in found]
    assert problems[0] == "Title is missing" and problems[1] == "Unknown department"
    assert problems[2].startswith("Not a date") and problems[3].startswith("Unknown state: use one of Draft")
    assert problems[4] == "Same title as row 2 of this file"
    assert problems[5] == "An initiative with this title already exists"
    assert "Import" not in re.findall(r'<button[^>]*>\s*([^<]*?)\s*</button>', page)
    # Running anyway is refused and imports nothing.
    response = client.post(f"/import/{uid}/run")
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 1


def test_nothing_is_imported_when_the_last_row_fails(client, pmo, runner, monkeypatch):
    """A failure at the last row, after every initiative row is inserted, rolls all of them back."""
    uid = upload_id(upload(client, csv_bytes(good_rows(5))))
    map_columns(client, uid, mapping_page_choices(client, uid))
    real = workflow.audit.chain_hash

    def fail_on_row_six(head, event):
        if event.detail["row"] == 6:
            assert db.session.scalar(select(func.count()).select_from(Initiative)) == 5  # half-way indeed
            raise OperationalError("INSERT INTO audit_events", {}, Exception("disk full"))
        return real(head, event)

    monkeypatch.setattr(workflow.audit, "chain_hash", fail_on_row_six)
    response = client.post(f"/import/{uid}/run")
    assert response.status_code == 500
    assert "nothing was imported" in response.get_data(as_text=True)
    monkeypatch.undo()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    assert db.session.scalar(select(func.count()).select_from(ImportMapping)) == 0
    assert db.session.get(ImportUpload, uid).imported_at is None
    # The same upload imports cleanly afterwards, and the chain still verifies.
    assert client.post(f"/import/{uid}/run").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 5
    assert runner.invoke(args=["audit-verify"]).exit_code == 0


def test_imported_markup_is_shown_escaped(client, pmo):
    script = "<script>alert(1)</script>"
    rows = [["Title", "State", "Department", "Description"],
            [f"{script} van", "Triage", "Contact Management", "<img src=x onerror=alert(1)>"],
            [script, "Nonsense<b>", "Contact Management", ""]]
    uid = upload_id(upload(client, csv_bytes(rows), f"{script}.csv"))
    pages = [client.get(f"/import/{uid}/map")]
    map_columns(client, uid, mapping_page_choices(client, uid))
    pages.append(client.get(f"/import/{uid}/preview"))
    for response in pages:
        body = response.get_data(as_text=True)
        assert "<script>alert" not in body and "<b>" not in body and "<img src=x" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    fixed = upload_id(upload(client, csv_bytes(rows[:2]), f"{script}.csv"))
    map_columns(client, fixed, mapping_page_choices(client, fixed))
    assert client.post(f"/import/{fixed}/run").status_code == 303
    initiative = db.session.scalar(select(Initiative))
    for url in (f"/import/{fixed}/done", f"/initiatives/{initiative.id}", "/initiatives"):
        body = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in body, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt; van" in body, url


# --------------------------------------------------------------------------- who may

@pytest.mark.parametrize("role", ["requester", "approver", "viewer"])
def test_only_the_pmo_and_admins_import(client, auth, users, role):
    auth.login(users[role])
    assert client.get("/import").status_code == 403
    assert upload(client, csv_bytes(good_rows(1))).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ImportUpload)) == 0
    assert "Import initiatives from an existing tracker" not in client.get("/initiatives").get_data(as_text=True)


def test_another_pmo_officers_upload_is_not_found(app, client, auth, users):
    auth.login(users["pmo"])
    uid = upload_id(upload(client, csv_bytes(good_rows(1))))
    assert "Import initiatives from an existing tracker" in client.get("/initiatives").get_data(as_text=True)
    colleague = factories.make_user(roles=("pmo",), email="pmo2@example.test")
    db.session.commit()
    other = app.test_client()
    other.post("/login", data={"email": colleague.email, "password": factories.PASSWORD})
    for method, url in (("GET", "map"), ("POST", "map"), ("GET", "preview"), ("POST", "run"), ("GET", "done")):
        assert other.open(f"/import/{uid}/{url}", method=method).status_code == 404, url
    # The system owner may open it (to help with a file that will not import).
    admin = app.test_client()
    admin.post("/login", data={"email": users["admin"].email, "password": factories.PASSWORD})
    assert admin.get(f"/import/{uid}/map").status_code == 200


def test_expired_uploads_are_not_found_and_cleaned_away(client, pmo):
    uid = upload_id(upload(client, csv_bytes(good_rows(1))))
    db.session.get(ImportUpload, uid).expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/import/{uid}/map").status_code == 404
    upload_id(upload(client, csv_bytes(good_rows(1)), "newer.csv"))
    assert db.session.scalars(select(ImportUpload.file_name)).all() == ["newer.csv"]


def test_steps_out_of_order_go_to_the_step_the_upload_is_at(client, pmo):
    uid = upload_id(upload(client, csv_bytes(good_rows(1))))
    assert client.get(f"/import/{uid}/preview").headers["Location"].endswith(f"/import/{uid}/map")
    assert client.post(f"/import/{uid}/run").headers["Location"].endswith(f"/import/{uid}/map")
    assert client.get(f"/import/{uid}/done").headers["Location"].endswith(f"/import/{uid}/preview")
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 0


def test_the_preview_and_the_import_run_a_fixed_number_of_queries(app, client, pmo, users):
    """Reference data is loaded once and rows are inserted in batches: 5 rows or 60, with
    requesters and programmes named on every row, the same statements."""
    from tests.test_query_counts import counting

    factories.make_programme("Estates Capital")
    db.session.commit()
    counts = []
    for size in (5, 60):
        rows = [["Title", "State", "Department", "Programme", "Requester"]] + [
            [f"Counted {size} {n}", "Triage", "Contact Management", "Estates Capital", users["requester"].email]
            for n in range(size)]
        uid = upload_id(upload(client, csv_bytes(rows)))
        map_columns(client, uid, mapping_page_choices(client, uid))
        with counting() as preview:
            assert client.get(f"/import/{uid}/preview").status_code == 200
        with counting() as run:
            assert client.post(f"/import/{uid}/run").status_code == 303
        counts.append((len(preview), len(run)))
    assert counts[0] == counts[1], counts
    assert db.session.scalar(select(func.count()).select_from(Initiative).where(
        Initiative.owner_id == users["requester"].id)) == 65


def test_the_summary_lists_the_imported_initiatives_page_by_page(client, pmo, monkeypatch):
    from pmo_web.imports import routes

    monkeypatch.setattr(routes, "DONE_PER_PAGE", 2)
    uid = import_through(client, csv_bytes(good_rows(3)))
    first, second = (client.get(f"/import/{uid}/done?page={n}").get_data(as_text=True) for n in (1, 2))
    assert "3 initiatives from tracker.csv" in first
    assert len(re.findall(r'href="/initiatives/\d+"', first)) == 2
    assert "Imported initiative 3" in second and "Imported initiative 1" not in second
    assert f'href="/import/{uid}/done?page=2"' in first


# ------------------------------------------------------------------------------ round trip

# What an initiative is, as far as a tracker carries it: compared before export and after import.
ROUND_TRIP_FIELDS = ("title", "state", "description", "sponsor", "cost_band", "funding_type", "budget_approved",
                     "budget_forecast", "budget_actual", "planned_end", "forecast_end", "delivery_confidence",
                     "confidence_justification", "satisfaction_score", "outcome_reason")


def tracker_rows(initiatives) -> set[tuple]:
    """The initiatives as comparable rows: their fields and the names of what they refer to."""
    return {(*(getattr(i, name) for name in ROUND_TRIP_FIELDS),
             i.department.name if i.department else None, i.programme.name if i.programme else None,
             i.owner.email, i.manager.email if i.manager else None,
             i.strategic_priority.name if i.strategic_priority else None) for i in initiatives}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_exported_tracker_imported_into_an_empty_database_reproduces_the_initiatives(
        app, client, pmo, users, file_format):
    """Export the portfolio, then import the file into a second, empty service (the same
    reference data and people, no initiatives): every initiative comes back the same."""
    from pmo_web import create_app
    from pmo_web.models import Department, Programme, StrategicPriority, User

    world = small_portfolio.build(users)
    exported = client.get(f"/exports/portfolio.{file_format}").get_data()
    expected = tracker_rows(world.exported)
    people = [(u.name, u.email, u.department.name if u.department else None, sorted(u.roles))
              for u in db.session.scalars(select(User))]
    departments = [d.name for d in db.session.scalars(select(Department))]
    programmes = [p.name for p in db.session.scalars(select(Programme))]
    priorities = [(p.name, p.position) for p in db.session.scalars(select(StrategicPriority))]

    # The second service always has a database of its own, in memory, whatever the suite runs on.
    empty = create_app({**{key: app.config[key] for key in ("TESTING", "SECRET_KEY", "WTF_CSRF_ENABLED", "SERVER_NAME",
                                                            "PASSWORD_HASH_METHOD", "MFA_REQUIRED_ROLES")},
                        "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with empty.app_context():
        db.create_all()
        try:
            by_name = {name: factories.make_department(name) for name in departments}
            for name in programmes:
                factories.make_programme(name)
            for name, position in priorities:
                factories.make_priority(name=name, position=position)
            for name, email, department, roles in people:
                factories.make_user(name=name, email=email, department=by_name.get(department), roles=tuple(roles))
            db.session.commit()
            assert db.session.scalar(select(func.count()).select_from(Initiative)) == 0
            second = empty.test_client()
            assert second.post("/login", data={"email": users["pmo"].email,
                                               "password": factories.PASSWORD}).status_code == 302
            import_through(second, exported, f"portfolio.{file_format}")
            imported = db.session.scalars(select(Initiative)).all()
            assert len(imported) == len(expected)
            assert tracker_rows(imported) == expected
        finally:
            db.session.remove()
            db.engine.dispose()
