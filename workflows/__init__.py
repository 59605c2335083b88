"""Pure-Python state machines for PMO Web: the initiative lifecycle and gate reviews.

Nothing in this package imports Flask or SQLAlchemy. The app builds a workflow for the one
row it acts on, passes in the facts it has computed, fires a trigger and commits once.
"""
