"""Who may import a tracker (pmo_web/imports): the PMO and administrators alone.

`upload_id` names an upload: only its owner (and an administrator) may open it, which
tests/web/imports tests; the world's upload is the PMO officer's.
"""
from tests.security.route_matrix import MANAGERS, Access

ENTRIES: dict[str, Access] = {
    "imports.upload": Access(MANAGERS),
    "imports.mapping": Access(MANAGERS),
    "imports.preview": Access(MANAGERS),
    "imports.run": Access(MANAGERS, method="POST"),
    "imports.done": Access(MANAGERS),
}

OBJECT_ARGS = frozenset({"upload_id"})
