"""Import rows for the security tests' world and the bad-input sweep: one upload of the PMO
officer's, mapped and ready to import, so every import URL has a real upload to name."""
from __future__ import annotations

from pmo_web.extensions import db
from pmo_web.imports import service


def add_import_rows(pmo_user, department) -> int:
    """For tests/security/conftest.py's World: the id of a mapped upload with one good row."""
    upload = service.keep_upload(pmo_user, "tracker.csv", ["Title", "State", "Department"],
                                 [[2, ["Imported by the world", "Triage", department.name]]])
    upload.mapping = {"0": "title", "1": "state", "2": "department"}
    db.session.flush()
    return upload.id


def sweep_upload_id(world: dict) -> int:
    """For tests/web/test_bad_input.py's URL_VALUES: the PMO officer's upload (made once, committed)."""
    if "upload_id" not in world:
        world["upload_id"] = add_import_rows(world["users"]["pmo"], world["users"]["pmo"].department)
        db.session.commit()
    return world["upload_id"]
