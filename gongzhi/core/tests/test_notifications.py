"""The shared inbox on its own: notify(), marking read, the /api/inbox endpoints. No app involved."""

import json

import pytest
from django.db import IntegrityError, transaction

from gongzhi.accounts.models import User
from gongzhi.core.notifications.actions import notifications_mark_read, notify
from gongzhi.core.notifications.models import Notification
from gongzhi.core.notifications.selectors import inbox, unread_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return [User.objects.create_user(phone=f"1380000000{i}", password="pw-12345678", name=f"u{i}") for i in range(3)]


def test_notify_one_row_per_user_never_the_actor(people):
    a, b, c = people
    sent = notify(users=[a, b.pk, None, b.pk, c.pk], actor=c, title="t" * 300, body="b" * 900, url="/x/",
                  kind="test.thing", source="test")
    assert sent == sorted([a.pk, b.pk])
    rows = list(Notification.objects.order_by("user_id"))
    assert [n.user_id for n in rows] == sent
    assert len(rows[0].title) == 200 and len(rows[0].body) == 500 and rows[0].read_at is None
    assert notify(users=[c], actor=c, title="x", kind="k", source="test") == []


def test_a_dedupe_key_means_once_per_user(people):
    a, b, _ = people
    notify(users=[a], title="first", kind="k", source="test", dedupe_key="test.thing:1")
    notify(users=[a, b], title="second", kind="k", source="test", dedupe_key="test.thing:1")
    assert list(Notification.objects.filter(user=a).values_list("title", flat=True)) == ["first"]
    assert Notification.objects.filter(user=b).count() == 1
    # Without a key nothing is merged; the database itself refuses a second row with the same key.
    notify(users=[a], title="free", kind="k", source="test")
    notify(users=[a], title="free", kind="k", source="test")
    assert Notification.objects.filter(user=a, dedupe_key="").count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(user=a, title="dup", kind="k", source="test", dedupe_key="test.thing:1")


def test_mark_read_touches_only_the_actors_own(people):
    a, b, _ = people
    notify(users=[a, b], title="one", kind="k", source="test")
    notify(users=[a, b], title="two", kind="k", source="test")
    b_first = Notification.objects.filter(user=b).order_by("pk").first()
    a_first = Notification.objects.filter(user=a).order_by("pk").first()
    assert notifications_mark_read(actor=a, ids=[b_first.pk]) == 0  # someone else's id: nothing
    assert notifications_mark_read(actor=a, ids=[a_first.pk]) == 1
    assert unread_count(a) == 1 and unread_count(b) == 2
    assert notifications_mark_read(actor=a) == 1
    assert unread_count(a) == 0 and unread_count(b) == 2
    assert list(inbox(a, unread_only=True)) == [] and inbox(a).count() == 2


def test_api_lists_and_marks_only_the_callers_own(client, people):
    a, b, _ = people
    notify(users=[a, b], title="hello", url="/somewhere/", kind="test.hello", source="test", subject="s")
    client.force_login(a)
    body = client.get("/api/inbox/notifications").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert {k: item[k] for k in ("source", "kind", "subject", "title", "url", "read")} == {
        "source": "test", "kind": "test.hello", "subject": "s", "title": "hello", "url": "/somewhere/", "read": False}
    theirs = Notification.objects.get(user=b)
    response = client.post("/api/inbox/notifications/read", data=json.dumps([theirs.pk]),
                           content_type="application/json")
    assert response.status_code == 204
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post("/api/inbox/notifications/read", data="[]", content_type="application/json").status_code == 204
    assert client.get("/api/inbox/notifications?unread=true").json()["count"] == 0
    assert Notification.objects.get(user=b).read_at is None
    client.logout()
    assert client.get("/api/inbox/notifications").status_code == 401


@pytest.mark.parametrize("url", ["/api/inbox/notifications/read", "/api/casework/notifications/read"])
@pytest.mark.parametrize("ids", [["99999999999999999999"], list(range(1, 1002)), ["x"]])
def test_out_of_range_ids_are_a_clear_422_and_change_nothing(client, people, url, ids):
    """``ids`` is a query parameter (``?ids=1&ids=2``, as the schema says)."""
    from urllib.parse import urlencode

    a = people[0]
    notify(users=[a], title="hello", url="/somewhere/", kind="test.hello", source="test")
    client.force_login(a)
    response = client.post(f"{url}?{urlencode({'ids': ids}, doseq=True)}")
    if len(ids) > 1000:  # Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters first
        assert response.status_code == 400
    else:
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_input"
    assert Notification.objects.get(user=a).read_at is None
    assert client.get("/api/inbox/notifications?page=99999999999999999999").status_code == 422
