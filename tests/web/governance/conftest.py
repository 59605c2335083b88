"""Fixtures the governance tests share."""
import pytest

from pmo_web.extensions import db
from tests.web.governance.world import make_boards


@pytest.fixture
def boards(app):
    """The executive, corporate (hears the portfolio) and layer boards, committed."""
    executive, corporate, layer = make_boards()
    db.session.commit()
    return {"executive": executive, "corporate": corporate, "layer": layer}
