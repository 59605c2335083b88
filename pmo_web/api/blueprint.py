"""The area's blueprint, on its own so that the area's modules can import it without
importing the package that imports them."""
from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__)
v1 = Blueprint("v1", __name__, url_prefix="/api/v1")
csrf.exempt(v1)
