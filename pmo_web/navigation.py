"""The main menu and the registers hub: what a person is shown is what they may open.

Every link here names an endpoint, and is shown only when `access.may_open` says yes: the
question the view itself asks before it answers (access.page_permission). So the menu can
never offer a page that answers 403, and a new rule on a page changes its link with it.

The menu holds at most MAX_MENU_LINKS links whatever roles a person holds: their work
(requests, triage, the backlog, gates), the dashboard, one hub for the portfolio-wide
registers, and administration.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from markupsafe import Markup

from . import access

MAX_MENU_LINKS = 8


@dataclass(frozen=True)
class Register:
    """One line of the registers hub."""

    endpoint: str
    title: str
    summary: str
    # Endpoint names (or prefixes ending in ".") under this register: the hub is the menu's
    # current page while the user is on one of them.
    under: tuple[str, ...] = ()


REGISTERS = (
    Register("initiatives.portfolio", "Initiatives",
             "Every initiative you may read, filtered by department, programme and stage."),
    Register("raid.portfolio_risks", "Risks and issues",
             "Open risks and issues across the portfolio, the risk heat map, escalations and dependencies.",
             ("raid.portfolio_escalations", "raid.portfolio_dependencies")),
    Register("benefits.register", "Benefits",
             "Benefits planned and realised, by category and year, and each initiative's return."),
    Register("lessons.library", "Lessons",
             "Lessons learned on past and current initiatives, to search before starting something new."),
    Register("governance.boards", "Boards", "Governance boards, their meetings, agendas, packs and minutes.",
             ("governance.",)),
    Register("resources.grid", "Resources",
             "Who works on what month by month, the skills held, and where demand outruns the people.",
             ("resources.",)),
    Register("exports.index", "Download data", "The portfolio and its registers as CSV or Excel files.",
             ("exports.",)),
)


def registers_for(user) -> list[Register]:
    """The registers `user` may open, in the hub's order."""
    return [register for register in REGISTERS if access.may_open(user, register.endpoint)]


def _under_registers(endpoint: str) -> bool:
    names = {"registers.index"}
    for register in REGISTERS:
        names.add(register.endpoint)
        names.update(register.under)
    return any(endpoint == name or (name.endswith(".") and endpoint.startswith(name)) for name in names)


def main_menu(user, here: str, awaiting_decision_count: int = 0, my_work_count: int = 0) -> list[dict]:
    """The main menu's items for govukServiceNavigation: My work (the home page, with how
    many things wait on the person) first, then only pages `user` may open. `here` is the
    endpoint of the page shown (its item is marked current)."""
    my_work = Markup('My work <span class="app-count" id="my-work-count">{}</span>'
                     '<span class="govuk-visually-hidden"> waiting</span>').format(my_work_count)
    items = [{"href": url_for("auth.index"), "html": my_work, "current": here == "auth.index"}]

    def add(endpoint: str, text: str, current: bool, html: Markup | None = None) -> None:
        item = {"href": url_for(endpoint), "current": current}
        item.update({"html": html} if html is not None else {"text": text})
        items.append(item)

    requests = "intake.mine" if access.may_open(user, "intake.mine") else "intake.department"
    add(requests, "Requests", here.startswith("intake."))
    if access.may_open(user, "triage.board"):
        add("triage.board", "Triage board", here.startswith("triage."))
    if access.may_open(user, "scoring.backlog"):
        add("scoring.backlog", "Ranked backlog", here == "scoring.backlog")
    if access.may_open(user, "gates.queue"):
        count = Markup('<span class="app-count" id="awaiting-count">{}</span>').format(awaiting_decision_count)
        add("gates.queue", "", here.startswith("gates."), html=Markup("Awaiting my decision ") + count)
    elif access.may_open(user, "gates.index"):
        add("gates.index", "Gate reviews", here.startswith("gates."))
    if access.may_open(user, "dashboard.index"):
        add("dashboard.index", "Dashboard", here == "dashboard.index")
    if registers_for(user):
        add("registers.index", "Registers", _under_registers(here))
    if access.may_open(user, "admin.index"):
        add("admin.index", "Admin", here.startswith("admin.") or here == "reports.confidence_scale_setting")
    return items

