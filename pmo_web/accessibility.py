"""What the accessibility statement (templates/accessibility.html) says was tested, and when.

The statement renders these constants; the browser tests (tests/browser/test_accessibility.py)
run exactly these checks, and fail when LAST_TESTED is in the future or more than a year old
(the accessibility regulations want the statement reviewed at least once a year). After a
full run of the browser tests passes, set LAST_TESTED to that day.
"""
from __future__ import annotations

from datetime import date

# The day the whole browser sweep below last passed.
LAST_TESTED = date(2026, 12, 8)
# The longest the statement may go without a new test and review.
REVIEW_WITHIN_DAYS = 366
# The axe-core release the tests run (tests/browser/axe.py pins its integrity).
AXE_CORE_VERSION = "4.14.1"
# axe's rule tags: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices (every
# part of a page in a landmark, headings in order, and the like).
AXE_RULE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")
# How many kinds of page the browser tests check for each kind of user: the first this many found
# by following links from the user's home page (pages differing only by a row are one kind).
PAGES_PER_ROLE = 80
# Window widths, in CSS pixels, at which no page may scroll sideways (WCAG 2.2 1.4.10 reflow:
# 320 is a 1280 px screen zoomed to 400%; 390 a common phone).
REFLOW_WIDTHS = (320, 390)


def statement_facts() -> dict[str, object]:
    """The statement's template context."""
    return {"last_tested": LAST_TESTED, "axe_core_version": AXE_CORE_VERSION,
            "reflow_widths": REFLOW_WIDTHS, "pages_per_role": PAGES_PER_ROLE}
