"""The accessibility statement's test date and checks come from pmo_web/accessibility.py, the
constants the browser tests run by (tests/browser/axe.py, test_accessibility.py)."""
from __future__ import annotations

import time_machine

from pmo_web import accessibility
from pmo_web.templating import uk_date


def test_the_statement_shows_the_last_test_date_and_the_checks_from_the_constants(client, monkeypatch):
    body = client.get("/accessibility").get_data(as_text=True)
    assert f"The service was last tested on {uk_date(accessibility.LAST_TESTED)}" in body
    assert f"axe-core {accessibility.AXE_CORE_VERSION}" in body
    assert "in a window 320 and 390 pixels wide" in body
    assert f"up to {accessibility.PAGES_PER_ROLE} kinds of page for each kind of user" in body

    # Another date or other widths in the constants: the statement follows them.
    monkeypatch.setattr(accessibility, "LAST_TESTED", accessibility.LAST_TESTED.replace(day=1))
    monkeypatch.setattr(accessibility, "REFLOW_WIDTHS", (320, 768))
    body = client.get("/accessibility").get_data(as_text=True)
    assert f"The service was last tested on {uk_date(accessibility.LAST_TESTED)}" in body
    assert "in a window 320 and 768 pixels wide" in body


def test_the_last_test_date_is_neither_in_the_future_nor_over_a_year_old():
    """LAST_TESTED is the day the browser tests last passed in full. The run's clock is frozen
    (tests/conftest.py), so this asks the real one. When it fails: run the browser tests and,
    once they pass, set LAST_TESTED in pmo_web/accessibility.py to that day."""
    today = time_machine.escape_hatch.datetime.date.today()
    tested = accessibility.LAST_TESTED
    assert tested <= today, f"LAST_TESTED {tested} is after today ({today})"
    assert (today - tested).days <= accessibility.REVIEW_WITHIN_DAYS, (
        f"the accessibility statement was last tested on {tested}: test and review it again")
