"""Who may open the lessons area's endpoints: the log is read by all who see the initiative and
kept by the PMO; the library is read by everyone with portfolio access (a sergeant or above)."""
from tests.security.route_matrix import ALL, MANAGERS, Access

ENTRIES: dict[str, Access] = {
    "lessons.log": Access(ALL, state="delivery"),
    "lessons.row": Access(ALL, state="delivery"),
    "lessons.new": Access(MANAGERS, state="delivery"),
    "lessons.edit": Access(MANAGERS, state="delivery"),
    "lessons.delete": Access(MANAGERS, state="delivery"),
    "lessons.restore": Access(MANAGERS, state="delivery", method="POST"),
    "lessons.library": Access(ALL),
}
