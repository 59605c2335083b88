"""Who may open the download page and download files (pmo_web/exports).

Everyone who may read the portfolio (every role here: the matrix's users are sergeants);
which rows each file holds, and that the audit trail is for the PMO and admins only, is
tested in tests/web/exports.
"""
from tests.security.route_matrix import ALL, Access

ENTRIES: dict[str, Access] = {
    "exports.index": Access(ALL),
    "exports.download": Access(ALL, values={"dataset": "portfolio", "file_format": "csv"}),
}
