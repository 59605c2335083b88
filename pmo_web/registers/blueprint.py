"""The area's blueprint, on its own so that the area's modules can import it without
importing the package that imports them."""
from flask import Blueprint

bp = Blueprint("registers", __name__)
