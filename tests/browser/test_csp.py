"""The Content-Security-Policy in a real browser: the app works under it, and it prints marked.

Chromium enforces the policy the app sends (no bypass here, unlike the axe tests). Signed in
as the PMO and as an approver, the test visits the main pages and drives their htmx
interactions (the score's live preview, an inline milestone edit); not one resource, inline
style or script may be refused. Then it prints a long page to PDF and checks every printed
page is headed and footed by the security marking, clear of the content.
"""
from __future__ import annotations

import re

import pypdf
import pytest
from playwright.sync_api import Page, expect

from pmo_web.extensions import db
from pmo_web.gates import service as gates
from pmo_web.models import User
from tests import factories

# What Chromium says when the policy blocks something (console) and what the DOM event carries.
CSP_WORDS = re.compile(r"Content Security Policy|Refused to", re.IGNORECASE)
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture(scope="module")
def rows(live_app):
    """Initiatives to visit: one in triage, one being scored, one awaiting its G1 decision,
    one in delivery with a milestone. Ids only: the rows belong to the server's sessions."""
    with live_app.app_context():
        requester = db.session.scalar(db.select(User).filter_by(email="requester@example.test"))
        pmo = db.session.scalar(db.select(User).filter_by(email="pmo@example.test"))
        in_triage = factories.make_initiative(owner=requester, state="triage", title="Body-worn video refresh")
        scoring = factories.make_initiative(owner=requester, state="scoring", title="Mobile fingerprint readers")
        at_gate = factories.make_initiative(owner=requester, state="scoring", title="Drone unit expansion")
        factories.make_score(at_gate, pmo)
        delivering = factories.make_initiative(owner=requester, state="delivery", title="Custody records upgrade")
        milestone = factories.make_milestone(delivering, done=False, name="Supplier chosen")
        db.session.flush()
        review = gates.request_review(at_gate, pmo, note="Ready for G1")
        db.session.commit()
        return {"triage": in_triage.id, "scoring": scoring.id, "review": review.id,
                "delivery": delivering.id, "milestone": milestone.id}


class Watch:
    """Everything the policy refused on a page, from the console and from the DOM's own event."""

    def __init__(self, page: Page):
        self.page = page
        self.console: list[str] = []
        page.context.add_init_script(RECORD_VIOLATIONS)
        page.on("console", lambda message: CSP_WORDS.search(message.text)
                and self.console.append(f"{page.url}: {message.text}"))

    def refused(self) -> list[str]:
        events = self.page.evaluate("window.__cspViolations || []")
        return self.console + [f"{self.page.url}: {event}" for event in events]

    def visit(self, path: str) -> list[str]:
        """Go to `path`, wait for its scripts to run, return what was refused there."""
        response = self.page.goto(path)
        assert response is not None and response.status < 500, path
        self.page.wait_for_load_state("load")
        return self.refused()


def signed_in(page_as, role: str) -> Watch:
    page = page_as(role)
    page.set_default_timeout(10_000)
    return Watch(page)


def test_the_main_pages_and_their_htmx_work_under_the_policy(page_as, rows):
    pmo = signed_in(page_as, "pmo")
    refused: list[str] = []
    for path in ("/", "/triage", f"/initiatives/{rows['triage']}", f"/initiatives/{rows['delivery']}",
                 "/gates", "/backlog", "/no-such-page"):
        refused += pmo.visit(path)

    # The score's live preview: an htmx swap on every change.
    refused += pmo.visit(f"/initiatives/{rows['scoring']}/score")
    preview = pmo.page.locator("#score-preview")
    with pmo.page.expect_response(re.compile(r"/score/preview$|/preview$")):
        pmo.page.get_by_role("group", name="Urgency").get_by_role("radio").first.check()
    expect(preview).to_be_visible()

    # An inline edit on the delivery page: the row becomes a form and back again.
    refused += pmo.visit(f"/initiatives/{rows['delivery']}/delivery")
    row = pmo.page.locator(f"#milestone-{rows['milestone']}")
    row.get_by_role("link", name=re.compile(r"^Edit")).click()
    expect(pmo.page.get_by_role("button", name="Save milestone")).to_be_visible()
    pmo.page.get_by_role("link", name=re.compile(r"^Cancel")).click()
    expect(pmo.page.get_by_role("button", name="Save milestone")).to_have_count(0)
    refused += pmo.refused()

    approver = signed_in(page_as, "approver")
    for path in ("/", "/gates/queue", f"/gates/{rows['review']}"):
        refused += approver.visit(path)
    expect(approver.page.get_by_role("button", name="Record decision")).to_be_visible()

    assert refused == []


def test_the_watch_sees_what_the_policy_refuses(page_as):
    """The check above can fail: an inline script and an inline style are reported."""
    watch = signed_in(page_as, "pmo")
    assert watch.visit("/") == []
    watch.page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.ranInline = true";
        document.body.appendChild(script);
        document.body.insertAdjacentHTML("beforeend", '<p style="color: red">styled</p>');
    }""")
    expect(watch.page.locator("p", has_text="styled")).to_have_count(1)
    assert watch.page.evaluate("window.ranInline === undefined")
    refused = watch.refused()
    assert any("script-src" in line for line in refused), refused
    assert any("style-src" in line for line in refused), refused


def test_every_printed_page_is_marked_top_and_bottom_clear_of_the_content(page_as, tmp_path):
    watch = signed_in(page_as, "pmo")
    watch.visit("/triage")
    lines = 150
    # A page long enough to print on several sheets.
    watch.page.evaluate("""(lines) => {
        for (let n = 0; n < lines; n++) {
            const p = document.createElement("p");
            p.className = "govuk-body";
            p.textContent = `Portfolio line ${n}`;
            document.getElementById("main-content").appendChild(p);
        }
    }""", lines)
    pdf = tmp_path / "printed.pdf"
    watch.page.pdf(path=str(pdf), format="A4")

    printed = pypdf.PdfReader(pdf).pages
    assert len(printed) >= 3
    seen = set()
    for number, sheet in enumerate(printed, start=1):
        markings, content = [], []

        def collect(text, cm, tm, _font, _size, markings=markings, content=content):
            y = pypdf.mult(tm, cm)[5]
            if text.strip() == "OFFICIAL":
                markings.append(y)
            elif match := re.fullmatch(r"Portfolio line (\d+)", text.strip()):
                content.append(y)
                seen.add(int(match[1]))

        sheet.extract_text(visitor_text=collect)
        assert len(markings) == 2, f"page {number} has {len(markings)} markings"
        bottom, top = sorted(markings)
        # Clear of the content: the marking never covers a line of the page.
        assert all(bottom + 20 < y < top - 20 for y in content), f"page {number} overlaps"
    assert seen == set(range(lines)), "every line is printed"
