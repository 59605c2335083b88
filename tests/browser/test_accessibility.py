"""WCAG 2.2 AA in a real browser: axe-core on every page for every role and after every htmx swap.

The crawl signs in as each role on the demo portfolio (every lifecycle state, a believable
history) and follows every same-origin link from the role's home page. Pages that differ only
by a row id are one page to check, except that an initiative's pages are checked once per
lifecycle state, because each state draws different sections and buttons. On each page it runs
axe (WCAG A and AA, and axe's best practices), narrows the window to each reflow width (320 and
390 px) to check that nothing scrolls sideways, and focuses each of the service's own focusable
boxes (the tables' scroll regions) to check that they show the GOV.UK focus style.

The htmx tests then act as a person would (the kanban's Move menu and filters, the score's
live preview, inline milestone and benefit rows, a benefit added at review, "add another" in
the business case, a refused move, an invalid inline save) and after each swap check the page
again and that keyboard focus is somewhere sensible: never lost to <body>, but in or on the
swapped region or its error summary.
"""
from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from pmo_web import accessibility
from pmo_web.cli import DEMO_PASSWORD
from pmo_web.extensions import db
from pmo_web.models import Benefit, Initiative, Milestone, User
from pmo_web.templating import uk_date
from pmo_web.workflow import fire
from tests.browser import axe

ROLES = ("requester", "pmo", "approver", "viewer", "admin")
PAGES_PER_ROLE = accessibility.PAGES_PER_ROLE  # the statement says how many
# Links that leave the page for something other than an HTML page to check.
NOT_PAGES = re.compile(r"^/(static/|logout|api/v1/|exports/.+\.(csv|xlsx)$)")


@pytest.fixture(scope="module")
def axe_context(browser, demo_app):
    """axe_context(role=None) -> a page in a fresh browser context, signed in as the demo
    `role`. The contexts bypass CSP, which would (rightly) block the injected axe script."""
    contexts = []

    def open_page(role: str | None = None) -> Page:
        context = browser.new_context(base_url=demo_app.config["LIVE_URL"], bypass_csp=True)
        axe.install(context)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        if role:
            page.goto("/login")
            page.get_by_label("Email address").fill(f"{role}@demo.local")
            page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page).not_to_have_url(re.compile(r"/login"))
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def states(demo_app) -> dict[int, str]:
    """Each initiative's lifecycle state, by id: the crawl checks one initiative per state."""
    with demo_app.app_context():
        return dict(db.session.execute(db.select(Initiative.id, Initiative.state)).all())


# An initiative's own page and its stage pages look different in each lifecycle state (other
# sections, editable or read-only), so the crawl checks them once per state.
STAGE_PAGES = re.compile(r"^/(initiatives|requests)/(\d+)(/business-case|/delivery|/benefits-review|/score"
                         r"|/gates/request|/satisfaction|/edit)?$")


def page_kind(url: str, states: dict[int, str]) -> str:
    """The crawl's dedupe key: the path with row ids as N (for stage pages, the initiative's
    id as its state) and the names, not the values, of the query parameters."""
    parts = urlsplit(url)
    path = STAGE_PAGES.sub(lambda match: f"/{match[1]}/{states.get(int(match[2]), 'N')}{match[3] or ''}",
                           parts.path)
    path = re.sub(r"\d+", "N", path)
    names = sorted({name for name, _value in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(names) if names else "")


# The GOV.UK focus colours, as the browser reports them in a computed style.
FOCUS_YELLOW, FOCUS_BLACK = "rgb(255, 221, 0)", "rgb(11, 12, 12)"


def unfocused_boxes(page: Page) -> list[str]:
    """Focus each element the service made focusable itself (tabindex="0": the scroll regions)
    and return those that do not show the GOV.UK focus style (yellow with black). One inside a
    closed "Show the figures" is focused as a person reaches it: with its disclosure open."""
    found = page.evaluate(
        """([yellow, black]) => [...document.querySelectorAll('[tabindex="0"]')].filter((el) => {
            const opened = [];
            for (let closed = el.closest("details:not([open])"); closed;
                 closed = closed.parentElement && closed.parentElement.closest("details:not([open])")) {
                closed.open = true;
                opened.push(closed);
            }
            el.focus();
            const style = getComputedStyle(el);
            const drawn = [style.boxShadow, style.outlineColor, style.backgroundColor].join(" ");
            opened.forEach((details) => { details.open = false; });
            return !(drawn.includes(yellow) && drawn.includes(black));
        }).map((el) => el.outerHTML.slice(0, 120))""", [FOCUS_YELLOW, FOCUS_BLACK])
    return [f"{page.url}: no GOV.UK focus style on {html}" for html in found]


@dataclass
class Sweep:
    """What the crawl of one role found."""
    visited: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)  # axe, the footer link, focus styles
    overflows: list[str] = field(default_factory=list)   # pages that scroll sideways
    left: list[str] = field(default_factory=list)        # links left over the cap
    reflow_seconds: float = 0.0                           # time spent on the reflow widths


def crawl(page: Page, states: dict[int, str]) -> Sweep:
    """Visit the signed-in home page and every same-origin page linked from there (one of each
    kind, breadth first but an initiative's pages first, up to PAGES_PER_ROLE): axe, the focus
    style of the focusable boxes and the reflow widths on each."""
    queue, seen, sweep = deque(["/"]), {page_kind("/", states)}, Sweep()
    while queue and len(sweep.visited) < PAGES_PER_ROLE:
        url = queue.popleft()
        response = page.goto(url)
        assert response is not None and response.status < 500, f"{url} answered {response and response.status}"
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        sweep.visited.append(page.url)
        sweep.violations += axe.describe(page.url, axe.check(page))
        if page.locator("footer").get_by_role("link", name="Accessibility statement").count() != 1:
            sweep.violations.append(f"{page.url}: no link to the accessibility statement in the footer")
        started = time.perf_counter()
        sweep.violations += unfocused_boxes(page)
        sweep.overflows += axe.overflow(page)
        sweep.reflow_seconds += time.perf_counter() - started
        here = urlsplit(page.url).netloc
        for href in page.eval_on_selector_all("a[href]", "links => links.map((link) => link.href)"):
            parts = urlsplit(href)
            if parts.netloc != here or NOT_PAGES.match(parts.path):
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            kind = page_kind(link, states)
            if kind not in seen:
                seen.add(kind)
                # An initiative's pages, once per lifecycle state, come first: the cap must not
                # leave a state unchecked because the home page links to many other kinds.
                (queue.appendleft if STAGE_PAGES.match(parts.path) else queue.append)(link)
    sweep.left = list(queue)
    return sweep


@pytest.fixture(scope="module")
def sweep_of(axe_context, states):
    """sweep_of(role) -> the crawl of that role's pages, made once for the tests that read it."""
    sweeps: dict[str, Sweep] = {}

    def of(role: str) -> Sweep:
        if role not in sweeps:
            sweeps[role] = crawl(axe_context(role), states)
        return sweeps[role]

    return of


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_can_reach_has_no_wcag_violations(sweep_of, states, role):
    sweep = sweep_of(role)
    visited = sweep.visited
    print(f"{role}: {len(visited)} pages checked (focus styles and reflow widths: {sweep.reflow_seconds:.1f} s); "
          f"left over the cap: {sweep.left}")
    assert len(visited) >= 10, visited  # the crawl really went somewhere
    # An initiative page in every lifecycle state: drafts only for the requester writing them,
    # every other state for the roles that read the whole portfolio.
    shown = {states[int(match[1])] for url in visited if (match := re.search(r"/initiatives/(\d+)$", url))}
    if role == "requester":
        assert "draft" in shown
    else:
        assert shown == set(states.values()) - {"draft"}
    assert sweep.violations == [], "\n".join(sweep.violations)


@pytest.mark.parametrize("role", ROLES)
def test_no_page_a_role_can_reach_scrolls_sideways_at_320_or_390_px(sweep_of, role):
    sweep = sweep_of(role)
    assert len(sweep.visited) >= 10, sweep.visited
    assert sweep.overflows == [], "\n".join(sweep.overflows)


def test_the_reflow_check_finds_a_page_that_scrolls_sideways(axe_context):
    page = axe_context()
    page.goto("/login")
    assert axe.overflow(page) == []
    # Something wider than a phone, as an unwrapped wide table or an escaped hidden span would be.
    page.evaluate("""() => { const wide = document.createElement("div"); wide.id = "too-wide";
                             wide.style.width = "500px"; wide.textContent = "wide";
                             document.querySelector("main").append(wide); }""")
    found = axe.overflow(page)
    assert [line.split(": at ")[1].split(" px")[0] for line in found] == ["320", "390"]
    assert all("div#too-wide" in line for line in found), found
    assert page.viewport_size == {"width": 1280, "height": 720}  # put back


def test_the_focus_check_tells_the_govuk_focus_style_from_another(axe_context):
    page = axe_context()
    page.goto("/login")
    page.evaluate("""() => { for (const kind of ["app-table-scroll", "app-plain-box"]) {
                               const box = document.createElement("div");
                               box.className = kind; box.tabIndex = 0; box.textContent = kind;
                               document.querySelector("main").append(box); } }""")
    found = unfocused_boxes(page)
    assert len(found) == 1 and 'class="app-plain-box"' in found[0], found


def test_pages_without_signing_in_have_no_wcag_violations(axe_context):
    page = axe_context()
    problems, statuses = [], {}
    for url in ("/login", "/accessibility", "/no-such-page"):
        response = page.goto(url)
        statuses[url] = response.status
        problems += axe.describe(url, axe.check(page)) + axe.overflow(page)
    assert statuses == {"/login": 200, "/accessibility": 200, "/no-such-page": 404}
    assert problems == [], "\n".join(problems)


def test_the_accessibility_statement_is_public_and_in_the_uk_public_sector_structure(axe_context, demo_app):
    page = axe_context()
    page.goto("/login")
    page.locator("footer").get_by_role("link", name="Accessibility statement").click()

    expect(page).to_have_url(re.compile(r"/accessibility$"))
    organisation = demo_app.config["ORGANISATION_NAME"]
    expect(page.get_by_role("heading", level=1)).to_contain_text(organisation)
    # The sections of the GOV.UK sample statement for public sector websites.
    for section in ("How accessible this service is", "Feedback and contact information",
                    "Reporting accessibility problems with this service", "Enforcement procedure",
                    "Technical information about this service's accessibility", "Compliance status",
                    "Preparation of this accessibility statement"):
        expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text("Web Content Accessibility Guidelines version 2.2")
    expect(main).to_contain_text("Equality Advisory and Support Service (EASS)")
    expect(main).to_contain_text("Equality Commission for Northern Ireland (ECNI)")
    expect(main).to_contain_text(f"axe-core {axe.AXE_VERSION}")
    expect(main).to_contain_text(re.compile(r"This statement was prepared on \d{1,2} \w+ \d{4}"))
    # It says when the service was last tested, from the constant these tests keep honest.
    expect(main).to_contain_text(f"The service was last tested on {uk_date(accessibility.LAST_TESTED)}")
    widths = " and ".join(str(width) for width in accessibility.REFLOW_WIDTHS)
    expect(main).to_contain_text(f"does not scroll sideways in a window {widths} pixels wide")


def test_axe_is_refused_when_its_tarball_does_not_match_the_pinned_integrity(tmp_path, monkeypatch):
    genuine = axe.axe_source()  # fetched and verified (and cached) for the tests above
    tampered = tmp_path / f"axe-core-{axe.AXE_VERSION}.tgz"
    packed = bytearray((axe.CACHE / tampered.name).read_bytes())
    packed[-100] ^= 0xFF
    tampered.write_bytes(bytes(packed))
    monkeypatch.setattr(axe, "CACHE", tmp_path)

    assert genuine.startswith(f"/*! axe v{axe.AXE_VERSION}")
    with pytest.raises(axe.AxeUnavailable, match="not the pinned"):
        axe.axe_source()


def test_error_pages_signed_in_have_no_wcag_violations(axe_context):
    page = axe_context("viewer")
    problems, statuses = [], {}
    for url in ("/initiatives/2147483647", "/admin", "/no-such-page"):
        response = page.goto(url)
        statuses[url] = response.status
        problems += axe.describe(url, axe.check(page)) + axe.overflow(page)
    assert statuses == {"/initiatives/2147483647": 404, "/admin": 403, "/no-such-page": 404}
    assert problems == [], "\n".join(problems)


# --------------------------------------------------------------------------- after htmx swaps


@pytest.fixture(scope="module")
def pick(demo_app):
    """pick(state, with_=None) -> the id of a demo initiative in `state` (having a `with_`
    row: Milestone or Benefit) that no earlier pick returned, so each test acts on its own."""
    taken: set[int] = set()

    def first(state: str, with_=None) -> int:
        with demo_app.app_context():
            query = db.select(Initiative.id).where(Initiative.state == state, Initiative.id.not_in(taken))
            if with_ is not None:
                query = query.where(Initiative.id.in_(db.select(with_.initiative_id)))
            initiative_id = db.session.scalar(query.order_by(Initiative.id).limit(1))
        assert initiative_id is not None, f"the demo has no free initiative in {state}"
        taken.add(initiative_id)
        return initiative_id

    return first


def settled(page: Page) -> None:
    """Wait until htmx has no request in flight and has finished settling the last swap (the
    moment app.js moves focus), so a focus assertion sees where focus finally lands."""
    page.wait_for_function("!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    page.evaluate("new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50)))")


def wait_for_focus_in(page: Page, *regions: str) -> None:
    """Wait until keyboard focus is on or inside one of the `regions` (CSS selectors); never
    on <body>, where a keyboard or screen reader user would have lost their place."""
    settled(page)
    try:
        page.wait_for_function(
            """(regions) => {
                const focused = document.activeElement;
                return focused && focused !== document.body && regions.some((selector) =>
                    [...document.querySelectorAll(selector)].some((region) => region.contains(focused)));
            }""", arg=list(regions), timeout=5_000)
    except PlaywrightTimeout:  # say where focus went instead
        where = page.evaluate("document.activeElement ? document.activeElement.outerHTML.slice(0, 200) : 'nothing'")
        pytest.fail(f"focus is not in {regions}: it is on {where}")


def no_violations(page: Page, after: str) -> None:
    """axe on the whole page as it is now, after the swap named by `after`; and at the reflow
    widths, nothing scrolls sideways."""
    problems = axe.describe(f"{page.url} after {after}", axe.check(page))
    problems += [f"{line} (after {after})" for line in axe.overflow(page)]
    assert problems == [], "\n".join(problems)


def open_board(page: Page) -> None:
    page.goto("/triage")
    page.wait_for_load_state("load")  # htmx ready: a click before then would be a normal post


def test_a_kanban_move_from_the_move_menu(axe_context, pick):
    initiative_id = pick("submitted")
    page = axe_context("pmo")
    open_board(page)
    card = page.locator(f"#card-{initiative_id}")
    card.get_by_role("link", name=re.compile(r"^Move")).click()
    card.get_by_role("button", name=re.compile(r"^Start triage")).click()

    expect(page.get_by_role("region", name=re.compile(r"^Triage \(")).locator(f"#card-{initiative_id}")).to_be_visible()
    wait_for_focus_in(page, f"#card-{initiative_id}")  # the moved card, in its new column
    focused = page.evaluate("""() => { const el = document.activeElement; const style = getComputedStyle(el);
                                       return [el.id, style.boxShadow + " " + style.backgroundColor]; }""")
    assert focused[0] == f"card-{initiative_id}", focused  # the card itself, in the GOV.UK focus style
    assert FOCUS_YELLOW in focused[1] and FOCUS_BLACK in focused[1], focused
    no_violations(page, "a move")


def test_filtering_the_board_keeps_focus_on_the_filter(axe_context):
    page = axe_context("pmo")
    open_board(page)
    department = page.get_by_label("Department", exact=True)
    department.focus()
    with page.expect_response(re.compile(r"/triage\?")) as filtered:
        department.select_option(index=1)  # htmx sends the form on change and swaps #board
    assert filtered.value.ok

    settled(page)
    expect(department).to_be_focused()  # the filter sits outside the swapped board
    expect(page).to_have_url(re.compile(r"[?&]department=\d+"))
    no_violations(page, "filtering the board")

    apply = page.get_by_role("button", name="Apply filters")
    with page.expect_response(re.compile(r"/triage\?")):
        apply.click()  # the same form submitted: htmx again, not a page load
    settled(page)
    expect(apply).to_be_focused()
    no_violations(page, "applying the board's filters")


def test_a_refused_move_is_announced_on_the_card_and_takes_focus(axe_context, pick, demo_app):
    initiative_id = pick("submitted")
    page = axe_context("pmo")
    open_board(page)
    card = page.locator(f"#card-{initiative_id}")
    card.get_by_role("link", name=re.compile(r"^Move")).click()
    expect(card.get_by_role("button", name=re.compile(r"^Start triage"))).to_be_visible()
    # Someone else starts its triage while the menu is open: the stale move is refused.
    with demo_app.app_context():
        pmo = db.session.scalar(db.select(User).where(User.email == "pmo@demo.local"))
        fire(db.session.get(Initiative, initiative_id), "start_triage", pmo)
        db.session.commit()
    with page.expect_response(re.compile(r"/move")) as refused:
        card.get_by_role("button", name=re.compile(r"^Start triage")).click()

    assert refused.value.status == 409
    expect(card.locator(".app-refusal")).to_be_visible()
    wait_for_focus_in(page, f"#card-{initiative_id} .app-refusal")
    no_violations(page, "a refused move")


def test_the_live_score_preview_keeps_focus_on_the_control(axe_context, pick):
    page = axe_context("pmo")
    page.goto(f"/initiatives/{pick('scoring')}/score")
    page.wait_for_load_state("load")
    preview = page.locator("#score-preview")
    for select in page.locator("select").all():
        select.select_option(index=2)
    for factor in ("Urgency", "Complexity"):
        page.get_by_role("group", name=factor).get_by_role("radio").first.check()
    last = page.get_by_role("group", name="Desirability").get_by_role("radio").first
    last.check()

    expect(preview).to_contain_text(re.compile(r"\d+ out of 100"))
    settled(page)
    expect(last).to_be_focused()  # the preview is a live region: it never takes focus
    no_violations(page, "a score preview")


def test_inline_milestone_rows_add_refuse_cancel_and_edit(axe_context, pick):
    page = axe_context("pmo")
    page.goto(f"/initiatives/{pick('delivery', Milestone)}/delivery")
    page.wait_for_load_state("load")
    add = page.get_by_role("button", name="Add a milestone")

    add.click()  # a blank row opens at the top of the table, focus in its first field
    expect(page.locator("#milestone-new")).to_be_visible()
    wait_for_focus_in(page, "#milestone-new")
    expect(page.get_by_label("Milestone", exact=True)).to_be_focused()
    no_violations(page, "adding a milestone row")

    with page.expect_response(re.compile(r"/milestones/new")) as invalid:
        page.get_by_role("button", name="Save milestone").click()  # nothing filled in
    assert invalid.value.status == 422
    summary = page.locator("#milestone-new .govuk-error-summary")
    expect(summary).to_be_visible()
    wait_for_focus_in(page, "#milestone-new .govuk-error-summary")
    no_violations(page, "an invalid milestone row")

    page.locator("#milestone-new").get_by_role("link", name=re.compile(r"^Cancel")).click()
    expect(page.locator("#milestone-new")).to_have_count(0)
    expect(add).to_be_focused()  # back where the user started

    first_row = page.locator("#milestones-body tr").first
    row_id = first_row.get_attribute("id")
    first_row.get_by_role("link", name=re.compile(r"^Edit")).click()
    expect(page.locator(f"#{row_id} form")).to_be_visible()
    wait_for_focus_in(page, f"#{row_id}")
    no_violations(page, "editing a milestone row")

    page.locator(f"#{row_id}").get_by_role("link", name=re.compile(r"^Cancel")).click()
    expect(page.locator(f"#{row_id} form")).to_have_count(0)
    wait_for_focus_in(page, f"#{row_id}")  # the row's Edit link again
    no_violations(page, "cancelling a milestone edit")


def test_inline_benefit_actuals(axe_context, pick):
    page = axe_context("pmo")
    page.goto(f"/initiatives/{pick('benefits_review', Benefit)}/benefits-review")
    page.wait_for_load_state("load")
    row = page.locator("#benefits-body tr[id^=benefit-]").first
    row_id = row.get_attribute("id")
    row.get_by_role("link", name=re.compile(r"^Record actuals")).click()

    expect(page.locator(f"#{row_id} form")).to_be_visible()
    settled(page)
    expect(page.get_by_label("Benefit owner")).to_be_focused()
    no_violations(page, "opening a benefit's actuals")

    page.get_by_label("Actual value", exact=True).fill("Measured at review")
    page.get_by_role("button", name="Save benefit").click()
    expect(page.locator(f"#{row_id}")).to_contain_text("Measured at review")
    wait_for_focus_in(page, f"#{row_id}")
    no_violations(page, "saving a benefit row")


def test_adding_a_benefit_found_at_review(axe_context, pick):
    page = axe_context("pmo")
    page.goto(f"/initiatives/{pick('benefits_review')}/benefits-review")
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Add a benefit found at review").click()

    expect(page.locator("#benefit-new")).to_be_visible()
    wait_for_focus_in(page, "#benefit-new")
    expect(page.locator("#benefit-new").get_by_label("Benefit", exact=True)).to_be_focused()
    no_violations(page, "adding a benefit row")

    with page.expect_response(re.compile(r"/benefits/new")) as invalid:
        page.locator("#benefit-new").get_by_role("button", name="Add benefit").click()  # nothing filled in
    assert invalid.value.status == 422
    wait_for_focus_in(page, "#benefit-new .govuk-error-summary")
    no_violations(page, "an invalid new benefit row")


def test_business_case_add_another_row(axe_context, pick):
    page = axe_context("pmo")
    page.goto(f"/initiatives/{pick('business_case')}/business-case")
    page.wait_for_load_state("load")
    risks = page.get_by_role("group", name=re.compile(r"^Risk \d+$"))
    before = risks.count()
    page.get_by_role("button", name="Add another risk").click()

    expect(risks).to_have_count(before + 1)
    settled(page)
    new_risk = page.get_by_role("group", name=f"Risk {before + 1}")
    expect(new_risk.get_by_label("Risk", exact=True)).to_be_focused()
    no_violations(page, "adding a risk row")
