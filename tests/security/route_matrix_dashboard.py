"""Who may open the dashboard: every role, as a sergeant (the default minimum rank for the
portfolio); what each counts is narrowed to the initiatives it may read, which
tests/web/dashboard/test_page.py checks, with the rank rule's 403."""
from tests.security.route_matrix import ALL, Access

ENTRIES: dict[str, Access] = {
    "dashboard.index": Access(ALL),
}
