"""Who may open the portfolio benefits register: everyone with portfolio access (a sergeant or above)."""
from tests.security.route_matrix import ALL, Access

ENTRIES: dict[str, Access] = {
    "benefits.register": Access(ALL),
}
