"""Who may use the gate conditions and ask again for a deferred gate (docs/rules.md 9).

Conditions are read by everyone who may see the initiative; the PMO marks them met (so may
a condition's owner, a check on the row, not on the role: tests/web/gates/test_conditions.py);
only approvers waive them. Only the PMO asks for a gate, and so for a deferred one again.
"""
from tests.security.route_matrix import ALL, MANAGERS, Access

ENTRIES: dict[str, Access] = {
    "gates.condition": Access(ALL, state="delivery"),
    "gates.condition_met": Access(MANAGERS, state="delivery"),
    "gates.condition_waive": Access(frozenset({"approver"}), state="delivery"),
    "gates.request_again": Access(MANAGERS, state="business_case", method="POST"),
}

# The URL variable naming a condition: the object-level tests aim it at rows the user may not see.
OBJECT_ARGS = frozenset({"condition_id"})
