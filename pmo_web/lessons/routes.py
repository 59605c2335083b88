"""The lessons log of an initiative (inline editing) and the searchable lessons library."""
from . import bp  # noqa: F401
