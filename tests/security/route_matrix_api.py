"""Who may use the API token pages and the API itself (pmo_web/api).

The API endpoints are reached with the role's own bearer token (World.api_headers): a
session cookie is refused there (401). Its datasets are for portfolio readers, the audit
trail for the PMO and admins.

`token_id` names the world's spare token, which belongs to the requester: its owner and
administrators may revoke it, anyone else is refused (403).
"""
from tests.security.route_matrix import ALL, MANAGERS, Access

ENTRIES: dict[str, Access] = {
    "api.tokens": Access(ALL),
    "api.token_revoke": Access(frozenset({"requester", "admin"}), method="POST"),
    "api.admin_tokens": Access(frozenset({"admin"})),
    "api.v1.initiatives": Access(ALL),
    "api.v1.milestones": Access(ALL),
    "api.v1.raid": Access(ALL),
    "api.v1.lessons": Access(ALL),
    "api.v1.benefits": Access(ALL),
    "api.v1.gate_decisions": Access(ALL),
    "api.v1.audit_events": Access(MANAGERS),
}

OBJECT_ARGS = frozenset({"token_id"})
