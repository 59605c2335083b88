"""The registers hub: each portfolio-wide register the user may open, with one line on it."""
from flask import render_template
from flask_login import current_user

from .. import access
from ..navigation import registers_for
from .blueprint import bp


@bp.get("/registers")
@access.page_permission(lambda user: bool(registers_for(user)))
def index():
    """Initiatives, risks and issues, benefits, lessons, boards, resources and downloads:
    whichever of them the user may open (none: 403, and the menu has no link here)."""
    return render_template("registers/index.html", registers=registers_for(current_user))
