"""The area's blueprint, on its own so that the area's modules can import it without
importing the package that imports them."""
from flask import Blueprint

# cli_group=None: the commands are `flask send-digest`, not `flask notifications send-digest`.
bp = Blueprint("notifications", __name__, cli_group=None)
