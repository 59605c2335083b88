"""The portfolio benefits register: planned against realised, by category and financial year."""
from . import bp  # noqa: F401
