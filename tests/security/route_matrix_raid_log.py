"""Who may open the RAID log of one initiative (pmo_web/raid/routes.py).

Everyone who may see an initiative reads its log; the PMO and admins change it. The world's
initiative in delivery has a risk (tests/security/conftest.py), which the item routes name.
"""
from tests.security.route_matrix import ALL, MANAGERS, Access

ENTRIES: dict[str, Access] = {
    "raid.log": Access(ALL, state="delivery"),
    "raid.item_row": Access(ALL, state="delivery"),
    "raid.item_new": Access(MANAGERS, state="delivery"),
    "raid.item_edit": Access(MANAGERS, state="delivery"),
    "raid.item_remove": Access(MANAGERS, state="delivery"),
    "raid.item_restore": Access(MANAGERS, state="delivery", method="POST"),
    "raid.item_escalation": Access(MANAGERS, state="delivery"),
}
