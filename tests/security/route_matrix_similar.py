"""Routes of duplicate detection: the look-up the request form makes as a request is typed.

Anyone who may write a request may ask (it only reads, and shows only what the user may see);
a viewer, who writes no requests, is refused. POST, so that the title and description travel
in the body with the CSRF token rather than in an address that servers log.
"""
from tests.security.route_matrix import AUTHORS, Access

ENTRIES = {
    "intake.similar": Access(AUTHORS, method="POST"),
}
