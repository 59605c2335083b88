"""The notifications list, marking read, the header count and the email preferences."""
from __future__ import annotations

import re

from flask import url_for

from pmo_web.extensions import db
from pmo_web.models import Notification, NotificationPreference

from .helpers import notifications_of


def notify(user, headline="Gate 1 awaits your decision: CR-0001 Title", kind="gate_awaiting", link="/gates/1"):
    notification = Notification(user_id=user.id, kind=kind, headline=headline, link=link)
    db.session.add(notification)
    db.session.commit()
    return notification


def nav_count(page: str) -> str:
    return re.search(r'id="notifications-link"[^>]*>Notifications <span class="app-count">(\d+)</span>', page).group(1)


def test_the_list_shows_my_notifications_newest_first_and_the_count(client, auth, users):
    notify(users["approver"], headline="Older one")
    notify(users["approver"], headline="<script>alert(1)</script> newer one")
    notify(users["viewer"], headline="Someone else's")
    auth.login(users["approver"])
    page = client.get(url_for("notifications.index")).get_data(as_text=True)
    assert page.index("newer one") < page.index("Older one")
    assert "Someone else" not in page and "<script>alert" not in page
    assert nav_count(page) == "2"
    assert page.count("Unread</strong>") == 2


def test_every_page_has_the_count(client, auth, users):
    notify(users["viewer"])
    auth.login(users["viewer"])
    assert nav_count(client.get(url_for("auth.change_password")).get_data(as_text=True)) == "1"


def test_mark_one_read_without_javascript(client, auth, users):
    mine = notify(users["approver"])
    auth.login(users["approver"])
    response = client.post(url_for("notifications.mark_read"), data={"notification_id": mine.id, "page": 1})
    assert response.status_code == 303
    db.session.refresh(mine)
    assert mine.read_at is not None
    assert nav_count(client.get(response.headers["Location"]).get_data(as_text=True)) == "0"


def test_mark_one_read_with_htmx_swaps_the_item_and_the_count(client, auth, users):
    mine = notify(users["approver"])
    notify(users["approver"])
    auth.login(users["approver"])
    response = client.post(url_for("notifications.mark_read"), data={"notification_id": mine.id},
                           headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert fragment.lstrip().startswith(f'<li class="app-notification" id="notification-{mine.id}"')
    assert 'hx-swap-oob="true"' in fragment and nav_count(fragment) == "1"


def test_another_users_notification_is_not_found(client, auth, users):
    theirs = notify(users["viewer"])
    auth.login(users["approver"])
    mark_read = url_for("notifications.mark_read")
    assert client.post(mark_read, data={"notification_id": theirs.id}).status_code == 404
    assert client.post(mark_read, data={"notification_id": "99999999999999999999"}).status_code == 404
    assert client.post(mark_read, data={"notification_id": "x"}).status_code == 303
    db.session.refresh(theirs)
    assert theirs.read_at is None


def test_mark_all_read_marks_only_mine(client, auth, users):
    notify(users["approver"])
    notify(users["approver"])
    theirs = notify(users["viewer"])
    auth.login(users["approver"])
    response = client.post(url_for("notifications.mark_all_read"), headers={"HX-Request": "true"})
    assert response.status_code == 200 and "All notifications are marked as read" in response.get_data(as_text=True)
    assert all(n.read_at is not None for n in notifications_of(users["approver"]))
    db.session.refresh(theirs)
    assert theirs.read_at is None


def test_preferences_are_saved_per_kind(client, auth, users):
    auth.login(users["approver"])
    page = client.get(url_for("notifications.preferences")).get_data(as_text=True)
    assert "Email is not set up" in page
    data = {"gate_awaiting": "in_app", "gate_decision": "email", "gate_outcome": "email", "info_requested": "email",
            "raid_assigned": "email", "raid_overdue": "in_app", "report_due": "email", "deferral_due": "in_app",
            "condition_overdue": "email"}
    assert client.post(url_for("notifications.preferences"), data=data).status_code == 303
    saved = {p.kind: p.email for p in db.session.query(NotificationPreference).filter_by(user_id=users["approver"].id)}
    assert saved["gate_awaiting"] is False and saved["raid_overdue"] is False and saved["gate_decision"] is True
    assert saved["deferral_due"] is False and saved["condition_overdue"] is True
    page = client.get(url_for("notifications.preferences")).get_data(as_text=True)
    assert re.search(r'value="in_app" checked', page) or re.search(r'checked[^>]*value="in_app"', page)


def test_a_bad_preference_is_refused_and_nothing_saved(client, auth, users):
    auth.login(users["approver"])
    response = client.post(url_for("notifications.preferences"), data={"gate_awaiting": "carrier-pigeon"})
    assert response.status_code == 422
    assert "govuk-error-summary" in response.get_data(as_text=True)
    assert db.session.query(NotificationPreference).count() == 0


def test_preferences_say_email_is_set_up_when_it_is(client, auth, users, smtp):
    auth.login(users["approver"])
    assert "Email is not set up" not in client.get(url_for("notifications.preferences")).get_data(as_text=True)


def test_opening_a_notification_marks_it_read_and_the_count_drops(client, auth, users):
    """The headline of an unread notification opens it through a POST that marks it read
    (GET changes nothing); a read one is a plain link."""
    first = notify(users["approver"], link="/gates/1")
    second = notify(users["approver"], headline="Second", link="/initiatives/7#gate-outcome")
    auth.login(users["approver"])
    page = client.get(url_for("notifications.index")).get_data(as_text=True)
    assert nav_count(page) == "2"
    item = page.split(f'id="notification-{second.id}"')[1].split("</li>")[0]
    assert 'name="open" value="1"' in item and f'name="notification_id" value="{second.id}"' in item
    response = client.post(url_for("notifications.mark_read"), data={"notification_id": second.id, "open": "1"})
    assert response.status_code == 303 and response.headers["Location"] == "/initiatives/7#gate-outcome"
    db.session.refresh(second)
    db.session.refresh(first)
    assert second.read_at is not None and first.read_at is None
    page = client.get(url_for("notifications.index")).get_data(as_text=True)
    assert nav_count(page) == "1"
    item = page.split(f'id="notification-{second.id}"')[1].split("</li>")[0]
    assert 'href="/initiatives/7#gate-outcome"' in item and 'name="open"' not in item
    # Opening a read one again keeps it read and still goes there.
    again = client.post(url_for("notifications.mark_read"), data={"notification_id": second.id, "open": "1"})
    assert again.headers["Location"] == "/initiatives/7#gate-outcome"


def test_opening_goes_nowhere_but_this_site(client, auth, users):
    for link in ("https://evil.example/x", "//evil.example/x", "/\\evil.example"):
        mine = notify(users["approver"], link=link)
        auth.login(users["approver"])
        response = client.post(url_for("notifications.mark_read"), data={"notification_id": mine.id, "open": "1"})
        assert response.headers["Location"] == "/notifications"


def test_opening_another_users_notification_is_not_found(client, auth, users):
    theirs = notify(users["viewer"])
    auth.login(users["approver"])
    response = client.post(url_for("notifications.mark_read"), data={"notification_id": theirs.id, "open": "1"})
    assert response.status_code == 404
    db.session.refresh(theirs)
    assert theirs.read_at is None
