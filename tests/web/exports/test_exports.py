"""Downloads: every register as CSV and XLSX, only the rows the user may see, the marking in
the file, spreadsheet formulas neutralised, and nothing written by a download."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from pmo_web.exports.files import csv_cell, neutralise
from pmo_web.extensions import db
from pmo_web.models import AuditEvent, GateDecision
from pmo_web.tabular import DATASETS, PORTFOLIO
from tests import factories
from tests.security.conftest import changed_tables, database_snapshot
from tests.web.exports import small_portfolio
from tests.web.exports.small_portfolio import HOSTILE_TITLE

TODAY = f"{date.today():%Y-%m-%d}"


@pytest.fixture
def world(app, users):
    return small_portfolio.build(users)


def read_csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "the CSV has no UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(body.decode("utf-8")[1:], newline="")))


def read_xlsx(response):
    return load_workbook(io.BytesIO(response.get_data()))


def test_portfolio_csv_has_the_bom_headings_rows_and_marking(client, auth, users, world):
    auth.login(users["pmo"])
    response = client.get("/exports/portfolio.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="OFFICIAL-portfolio-{TODAY}.csv"'
    rows = read_csv(response)
    assert rows[0] == PORTFOLIO.headings
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    # The draft is never exported; the other department's initiative is (the PMO sees all).
    assert [int(row["Id"]) for row in body] == [i.id for i in world.exported]
    assert all(row["Security marking"] == "OFFICIAL" for row in body)
    case = next(row for row in body if int(row["Id"]) == world.ours["delivery"].id)
    assert case["State"] == "Delivery" and case["Stage"] == "Delivery"
    assert case["Approved budget (GBP)"] == "250000.00" and case["Forecast cost (GBP)"] == "262500.50"
    assert case["Planned end"] == "2027-03-31"
    assert case["Priority score"] == "81" and case["Priority band"] == "High"
    assert case["Funding type"] == "Capital" and case["Delivery confidence"] == "Amber/Green"
    assert case["Programme"] == "Digital policing" and case["Manager"] == users["pmo"].name
    assert datetime.strptime(case["Created (UTC)"], "%Y-%m-%d %H:%M:%S")


def test_a_title_that_is_a_formula_gets_an_apostrophe_in_csv(client, auth, users, world):
    auth.login(users["pmo"])
    rows = read_csv(client.get("/exports/portfolio.csv"))
    titles = [row[PORTFOLIO.keys.index("title")] for row in rows[1:]]
    assert "'" + HOSTILE_TITLE in titles
    assert HOSTILE_TITLE not in titles
    # Child rows carry the initiative's title too, neutralised the same way.
    milestones = read_csv(client.get("/exports/milestones.csv"))
    assert "'" + HOSTILE_TITLE in [row[3] for row in milestones[1:]]


@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+44 20 7946 0000", "'+44 20 7946 0000"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("Plain text", "Plain text"), ("a=b", "a=b"), ("", ""),
])
def test_neutralise(text, expected):
    assert neutralise(text) == expected
    assert csv_cell(text) == expected


def test_numbers_dates_and_flags_are_not_neutralised():
    """Only text is: a negative amount is a number, not a formula."""
    assert csv_cell(Decimal("-5.50")) == "-5.50"
    assert csv_cell(-3) == "-3"
    assert csv_cell(date(2027, 3, 31)) == "2027-03-31"
    assert csv_cell(True) == "TRUE" and csv_cell(None) == ""


def test_portfolio_xlsx_opens_with_typed_cells_and_the_marking(client, auth, users, world):
    auth.login(users["pmo"])
    response = client.get("/exports/portfolio.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="OFFICIAL-portfolio-{TODAY}.xlsx"'
    assert response.content_length == len(response.get_data())
    book = read_xlsx(response)
    assert book.sheetnames == ["Portfolio", "About this export"]
    sheet = book["Portfolio"]
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]] == PORTFOLIO.headings
    assert [row[0].value for row in rows[1:]] == [i.id for i in world.exported]
    column = {key: index for index, key in enumerate(PORTFOLIO.keys)}
    case = next(row for row in rows[1:] if row[0].value == world.ours["delivery"].id)
    assert case[column["budget_approved"]].value == 250000
    assert case[column["budget_forecast"]].value == pytest.approx(262500.5)
    assert case[column["budget_approved"]].number_format == "#,##0.00"
    assert case[column["planned_end"]].value == datetime(2027, 3, 31)
    assert case[column["priority_score"]].value == 81
    assert isinstance(case[column["created_at"]].value, datetime)
    # A formula-shaped title is stored as text, exactly, with Excel's quote prefix: never run.
    hostile = next(row for row in rows[1:] if row[column["title"]].value == HOSTILE_TITLE)[column["title"]]
    assert hostile.data_type == "s" and hostile.quotePrefix
    assert all(row[column["security_marking"]].value == "OFFICIAL" for row in rows[1:])
    # The marking on every printed page, in the properties, and on the About sheet.
    assert sheet.oddHeader.center.text == "OFFICIAL" and sheet.oddFooter.center.text == "OFFICIAL"
    assert book.properties.keywords == "OFFICIAL" and "OFFICIAL" in book.properties.title
    about = {row[0]: row[1] for row in book["About this export"].iter_rows(values_only=True)}
    assert about["Security marking"] == "OFFICIAL"
    assert about["Rows"] == str(len(world.exported)) and about["Exported by"] == users["pmo"].name
    assert sheet.freeze_panes == "A2"


def test_the_marking_follows_the_configured_one(app, client, auth, users, world):
    app.config["SECURITY_MARKING"] = "OFFICIAL-SENSITIVE"
    auth.login(users["pmo"])
    response = client.get("/exports/raid.csv")
    assert f'filename="OFFICIAL-SENSITIVE-raid-{TODAY}.csv"' in response.headers["Content-Disposition"]
    assert {row[-1] for row in read_csv(response)[1:]} == {"OFFICIAL-SENSITIVE"}
    book = read_xlsx(client.get("/exports/raid.xlsx"))
    assert book["RAID log"].oddHeader.center.text == "OFFICIAL-SENSITIVE"


# Rows of each dataset a portfolio-wide reader gets from the small portfolio (4 initiatives
# past their draft; the soft-deleted risk and lesson left out).
EXPECTED_ROWS = {"portfolio": 4, "milestones": 4, "raid": 4, "lessons": 4, "benefits": 4, "gate-decisions": 1}


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_every_dataset_downloads_in_both_formats(client, auth, users, world, dataset, file_format):
    auth.login(users["admin"])
    response = client.get(f"/exports/{dataset}.{file_format}")
    assert response.status_code == 200
    if file_format == "csv":
        rows = read_csv(response)
    else:
        book = read_xlsx(response)
        rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert rows[0] == DATASETS[dataset].headings
    expected = EXPECTED_ROWS.get(dataset) or db.session.scalar(select(db.func.count(AuditEvent.id)))
    assert len(rows) - 1 == expected
    if dataset != "audit-events":  # the trail keeps their creation and removal, by design
        assert "Removed risk" not in str(rows) and "Removed lesson" not in str(rows)


def test_gate_decisions_carry_their_conditions(client, auth, users, world):
    auth.login(users["pmo"])
    rows = read_csv(client.get("/exports/gate-decisions.csv"))
    record = dict(zip(rows[0], rows[1], strict=True))
    decision = db.session.scalars(select(GateDecision)).one()
    assert int(record["Id"]) == decision.id and record["Decision"] == "Approve with conditions"
    assert record["Conditions"] == "2"
    assert set(record["Conditions set"].split("; ")) == {"Appoint a supplier", "Report monthly"}


def test_a_requester_gets_only_their_departments_rows(client, auth, users, world):
    auth.login(users["requester"])
    for dataset in ("portfolio", "milestones", "raid", "lessons", "benefits", "gate-decisions"):
        rows = read_csv(client.get(f"/exports/{dataset}.csv"))
        ids = {int(row[1 if dataset != "portfolio" else 0]) for row in rows[1:]} if dataset != "gate-decisions" \
            else {int(row[2]) for row in rows[1:]}
        assert world.theirs.id not in ids, dataset
        assert ids <= {i.id for i in world.ours.values()}, dataset
        assert world.draft.id not in ids


@pytest.mark.parametrize("role", ["requester", "viewer", "approver"])
def test_the_audit_trail_is_for_the_pmo_and_admins_only(client, auth, users, world, role):
    auth.login(users[role])
    assert client.get("/exports/audit-events.csv").status_code == 403
    assert client.get("/exports/audit-events.xlsx").status_code == 403
    assert "audit-events" not in client.get("/exports").get_data(as_text=True)


def test_below_the_dashboard_rank_nothing_downloads(client, auth, world):
    constable = factories.make_user(roles=("viewer",), rank="constable")
    db.session.commit()
    auth.login(constable)
    assert client.get("/exports").status_code == 403
    assert client.get("/exports/portfolio.csv").status_code == 403


def test_filters_in_the_address_narrow_every_dataset(client, auth, users, world):
    auth.login(users["pmo"])
    other = world.theirs.department_id
    rows = read_csv(client.get(f"/exports/portfolio.csv?department={other}"))
    assert [int(row[0]) for row in rows[1:]] == [world.theirs.id]
    rows = read_csv(client.get(f"/exports/raid.csv?department={other}"))
    assert [int(row[1]) for row in rows[1:]] == [world.theirs.id]
    about = {row[0]: row[1] for row in read_xlsx(client.get(f"/exports/lessons.xlsx?department={other}"))
             ["About this export"].iter_rows(values_only=True)}
    assert about["Filters"] == f"Department: {world.theirs.department.name}" and about["Rows"] == "1"
    # A bad filter value is ignored, as on the portfolio page.
    assert len(read_csv(client.get("/exports/portfolio.csv?department=abc"))) - 1 == 4


def test_downloads_change_nothing(client, auth, users, world):
    auth.login(users["admin"])
    before = database_snapshot()
    for dataset in DATASETS:
        for file_format in ("csv", "xlsx"):
            assert client.get(f"/exports/{dataset}.{file_format}").status_code == 200
    assert changed_tables(before, database_snapshot()) == {}


def test_unknown_dataset_or_format_is_not_found(client, auth, users, world):
    auth.login(users["pmo"])
    assert client.get("/exports/passwords.csv").status_code == 404
    assert client.get("/exports/portfolio.pdf").status_code == 404


def test_the_download_page_lists_what_the_user_may_download(client, auth, users, world):
    auth.login(users["pmo"])
    page = client.get("/exports").get_data(as_text=True)
    for dataset in DATASETS.values():
        assert f"/exports/{dataset.name}.csv" in page and f"/exports/{dataset.name}.xlsx" in page
    auth.logout()
    auth.login(users["viewer"])
    page = client.get("/exports").get_data(as_text=True)
    assert "/exports/portfolio.csv" in page and "/exports/audit-events.csv" not in page


def test_the_portfolio_page_links_to_downloads_keeping_its_filters(client, auth, users, world):
    auth.login(users["pmo"])
    department = world.theirs.department_id
    page = client.get(f"/initiatives?department={department}").get_data(as_text=True)
    assert f"/exports/portfolio.csv?department={department}" in page
    assert f"/exports/portfolio.xlsx?department={department}" in page
