"""Who may use highlight and exception reports (pmo_web/reports): read by everyone who sees the
initiative; started, edited and issued by the PMO and admins (and the initiative's own delivery
manager, tested in tests/web/reports). The confidence-scale setting is an admin screen."""
from tests.security.route_matrix import ALL, MANAGERS, Access

ENTRIES: dict[str, Access] = {
    "reports.index": Access(ALL, state="delivery"),
    "reports.show": Access(ALL, state="delivery"),
    "reports.new": Access(MANAGERS, state="delivery"),
    "reports.edit": Access(MANAGERS, state="delivery"),
    "reports.issue": Access(MANAGERS, state="delivery", method="POST"),
    "reports.confidence_scale_setting": Access(frozenset({"admin"})),
}
OBJECT_ARGS = frozenset({"report_id"})
