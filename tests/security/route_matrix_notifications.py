"""Who may open the notifications area: everyone signed in, each only their own notifications
(another user's is not found; tests/web/notifications/test_views.py). Marking read names the
notification in the form, not the URL; an empty POST names none and is sent back to the list."""
from tests.security.route_matrix import ALL, Access

ENTRIES: dict[str, Access] = {
    "notifications.index": Access(ALL),
    "notifications.mark_read": Access(ALL, method="POST"),
    "notifications.mark_all_read": Access(ALL, method="POST"),
    "notifications.preferences": Access(ALL),
}
