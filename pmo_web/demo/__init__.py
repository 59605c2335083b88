"""The demo portfolio for `flask --app pmo_web seed-demo`: see walk.py."""
from .walk import seed

__all__ = ["seed"]
