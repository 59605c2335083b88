"""Who may use the resource and skills matrix (pmo_web/resources).

Everyone who may read the portfolio reads it (every role here: the matrix's users are
sergeants); the PMO and admins change it. Cells and demand belong to an initiative, so
`line_id` is checked as an object of the initiative; people and skills are portfolio-wide.
"""
from tests.security.route_matrix import ALL, MANAGERS, Access
from tests.web.resources.world import MONTH

ENTRIES: dict[str, Access] = {
    "resources.grid": Access(ALL),
    "resources.people": Access(ALL),
    "resources.person": Access(ALL),
    "resources.skills": Access(ALL),
    "resources.gaps": Access(ALL),
    "resources.initiative": Access(ALL, state="delivery"),
    "resources.assignment_new": Access(MANAGERS),
    "resources.assignment_remove": Access(MANAGERS, state="delivery"),
    "resources.allocation_cell": Access(MANAGERS, state="delivery", values={"month": MONTH}),
    "resources.leave_cell": Access(MANAGERS, values={"month": MONTH}),
    "resources.demand_cell": Access(MANAGERS, state="delivery", values={"month": MONTH}),
    "resources.demand_new": Access(MANAGERS, state="delivery"),
    "resources.demand_remove": Access(MANAGERS, state="delivery"),
    "resources.person_new": Access(MANAGERS),
    "resources.person_edit": Access(MANAGERS),
    "resources.skill_new": Access(MANAGERS),
    "resources.skills_standard": Access(MANAGERS),
    "resources.skill_edit": Access(MANAGERS),
}

OBJECT_ARGS = frozenset({"line_id"})
