"""Who may open the registers hub (pmo_web/registers): everyone who may open a register."""
from tests.security.route_matrix import ALL, Access

ENTRIES = {
    "registers.index": Access(ALL),
}
