"""Who may use the governance area (pmo_web/governance): everyone who may read the portfolio
(every role here: the matrix's users are sergeants) reads boards, meetings and board packs; the
PMO and admins set up boards, schedule meetings, mark them held and take the minutes.

Boards and meetings are portfolio-wide, not rows of an initiative or a department, so their
ids are not OBJECT_ARGS; agenda items about an initiative are checked against visibility in
the views (tests/web/governance)."""
from tests.security.route_matrix import ALL, MANAGERS, Access

ENTRIES: dict[str, Access] = {
    "governance.boards": Access(ALL),
    "governance.board": Access(ALL),
    "governance.meeting": Access(ALL),
    "governance.pack": Access(ALL),
    "governance.new_board": Access(MANAGERS),
    "governance.edit_board": Access(MANAGERS),
    "governance.new_meeting": Access(MANAGERS),
    "governance.edit_meeting": Access(MANAGERS),
    "governance.add_item": Access(MANAGERS),
    "governance.mark_held": Access(MANAGERS, method="POST"),
    "governance.minute": Access(MANAGERS),
    "governance.escalate": Access(MANAGERS),
}
