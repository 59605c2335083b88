"""Reading the gate pages the way a user does."""
import re

from sqlalchemy import func, select

from pmo_web.extensions import db

# The state each gate is requested from.
GATE_STATES = {"G1": "scoring", "G2": "business_case", "G3": "delivery", "G4": "benefits_review"}


def criteria_shown(page: str) -> dict[str, bool]:
    """The entry criteria checklist as the page states it: criterion name -> met."""
    items = re.findall(r'<span class="govuk-visually-hidden">(Met|Not met):</span>\s*([^<]+?)\s*<', page)
    return {name: status == "Met" for status, name in items}


def count(model) -> int:
    """Rows of `model` in the database."""
    return db.session.scalar(select(func.count()).select_from(model))
