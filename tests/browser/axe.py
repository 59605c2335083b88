"""axe-core for the browser tests: fetched by the test setup (never shipped), pinned and verified.

`npm pack` downloads the published tarball once into a cache folder outside the repository
(~/.cache/pmo-web/); its sha512 must match the integrity the npm registry publishes for that
version (pinned below), so a changed or tampered package fails the run instead of testing with it.
`check(page)` injects axe into a page and returns the WCAG A and AA violations and axe's best
practices. `overflow(page)` says where a page scrolls sideways at the reflow widths. The rule tags,
the version and the widths are those the accessibility statement names (pmo_web/accessibility.py).
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

from pmo_web.accessibility import AXE_CORE_VERSION, AXE_RULE_TAGS, REFLOW_WIDTHS

AXE_VERSION = AXE_CORE_VERSION
# `npm view axe-core@4.14.1 dist.integrity`
AXE_INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
# The WCAG 2.0, 2.1 and 2.2 success criteria at levels A and AA, and axe's best practices.
WCAG_TAGS = list(AXE_RULE_TAGS)

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pmo-web" / f"axe-core-{AXE_VERSION}"


class AxeUnavailable(RuntimeError):
    """axe-core could not be fetched or did not match its pinned integrity."""


def integrity_of(tarball: bytes) -> str:
    """The npm `dist.integrity` string (Subresource Integrity, sha512) of a tarball."""
    return "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()


def axe_source() -> str:
    """The text of axe.min.js from the pinned release, fetching its tarball on first use.

    The integrity is checked on every use, not only after the download, so a cached tarball
    that was changed later is refused as well."""
    tarball = CACHE / f"axe-core-{AXE_VERSION}.tgz"
    if not tarball.exists():
        _fetch(tarball)
    packed = tarball.read_bytes()
    found = integrity_of(packed)
    if found != AXE_INTEGRITY:
        raise AxeUnavailable(f"{tarball} has integrity {found}, not the pinned {AXE_INTEGRITY}: "
                             "delete it to fetch it again")
    with tarfile.open(fileobj=io.BytesIO(packed)) as archive:
        return archive.extractfile("package/axe.min.js").read().decode("utf-8")


def _fetch(tarball: Path) -> None:
    """`npm pack` the pinned release into the cache (via a temporary folder, then a rename,
    so an interrupted download never leaves a partial tarball behind)."""
    tarball.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tarball.parent) as scratch:
        try:
            subprocess.run(["npm", "pack", f"axe-core@{AXE_VERSION}", "--silent", "--pack-destination", scratch],
                           check=True, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.SubprocessError) as error:
            raise AxeUnavailable(f"npm pack axe-core@{AXE_VERSION} failed: {error}") from error
        (Path(scratch) / tarball.name).replace(tarball)


def install(context) -> None:
    """Load axe into every page the Playwright browser context opens, before the page's own
    scripts (an init script: cheaper than injecting it after each navigation)."""
    context.add_init_script(script=axe_source())


def check(page) -> list[dict]:
    """Run axe on the whole page for the WCAG A/AA and best-practice tags; return its violations, each with
    the rule id, impact, help and the failing elements.

    The page's browser context must bypass CSP: the app's script-src 'self' would otherwise
    block the injected script, as it should block any inline script.

    It waits for the page to finish loading first: after a navigation the new page's text can
    be there before its stylesheets are, and axe would judge the unstyled page (default link
    colours on the blue header)."""
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_source())
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary,
                                            html: n.html.slice(0, 200)})),
            }));
        }""",
        WCAG_TAGS,
    )


def describe(url: str, violations: list[dict]) -> list[str]:
    """One readable line per failing element, for assertion messages."""
    return [f"{url}: {violation['id']} ({violation['impact']}) {violation['help']} at {node['target']}: "
            f"{node['summary']}" for violation in violations for node in violation["nodes"]]


def overflow(page, widths=REFLOW_WIDTHS) -> list[str]:
    """At each of `widths` (CSS pixels), whether the page scrolls sideways (WCAG 1.4.10 reflow):
    one line per width where the document is wider than the window, naming the elements that
    stick out (the outermost ones, not each of their children). The viewport is put back after."""
    original = page.viewport_size
    problems = []
    try:
        for width in widths:
            page.set_viewport_size({"width": width, "height": original["height"] if original else 800})
            found = page.evaluate(OVERFLOW_SCRIPT)
            if found["scroll"] > found["client"]:
                problems.append(f"{page.url}: at {width} px the page is {found['scroll']} px wide "
                                f"(window {found['client']} px); sticking out: {'; '.join(found['culprits'])}")
    finally:
        if original:
            page.set_viewport_size(original)
    return problems


# The document's scroll width against its client width and, when it is wider, the innermost
# elements that pass the window's right edge without a box that scrolls them (a hint, not proof).
OVERFLOW_SCRIPT = r"""() => {
    const root = document.documentElement, limit = root.clientWidth + 0.5;
    if (root.scrollWidth <= root.clientWidth) return {scroll: root.scrollWidth, client: root.clientWidth, culprits: []};
    const scrolls = (el) => ["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(el).overflowX);
    const escapes = (el) => {
        const absolute = ["absolute", "fixed"].includes(getComputedStyle(el).position);
        for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
            if (scrolls(up) && up.getBoundingClientRect().right <= limit) {
                // Held by the box unless it is absolutely placed against something outside it.
                if (!absolute || up.contains(el.offsetParent)) return false;
            }
        }
        return true;
    };
    const out = [...document.body.querySelectorAll("*")].filter((el) => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && box.right > limit && escapes(el);
    });
    const innermost = out.filter((el) => !out.some((other) => other !== el && el.contains(other)));
    const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (el.classList.length ? "." + [...el.classList].join(".") : "");
    const described = (el) => `${name(el)} (right edge ${Math.round(el.getBoundingClientRect().right)})`;
    return {scroll: root.scrollWidth, client: root.clientWidth, culprits: innermost.slice(0, 5).map(described)};
}"""
