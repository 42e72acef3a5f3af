"""Login limits per address and phone, per address, per phone (issue #7 point 6; docs/security.md).

The probe made 40 failed logins across 40 phones from one address in 10 s and then logged in, and
locked any account for 15 minutes with 5 requests from anywhere. Time moves through the action's
``now``; nothing sleeps.
"""

from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from gongzhi.accounts.actions import user_authenticate
from gongzhi.accounts.models import LoginAttempt
from gongzhi.core.errors import ApplicationError
from gongzhi.org.testing.world import PASSWORD

pytestmark = pytest.mark.django_db

STRANGER = "203.0.113.7"
OFFICE = "198.51.100.20"


def page_login(phone, password, address, **headers):
    return Client(REMOTE_ADDR=address, headers=headers).post(
        "/accounts/login/", {"phone": phone, "password": password})


def api_login(phone, password, address):
    return Client(REMOTE_ADDR=address).post(
        "/api/auth/login", data={"phone": phone, "password": password}, content_type="application/json")


def attempt(phone, password, address, now):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=address)
    try:
        return user_authenticate(request=request, phone=phone, password=password, now=now)
    except ApplicationError as exc:
        return exc


def sprayed_phones(n):
    return [f"1390000{i:04d}" for i in range(n)]


def test_a_stranger_cannot_lock_a_worker_out(world, settings):
    worker = world.users["grid_worker"]
    for _ in range(settings.LOGIN_MAX_FAILURES):
        page_login(worker.phone, "guess-guess", STRANGER)
    locked = page_login(worker.phone, PASSWORD, STRANGER)
    assert locked.status_code == 429 and "账号已临时锁定" in locked.content.decode()
    assert page_login(worker.phone, PASSWORD, OFFICE).status_code == 302  # the worker, at the office
    assert api_login(worker.phone, PASSWORD, OFFICE).status_code == 201


def test_spraying_phones_from_one_address_stops(world, settings):
    staff = world.users["community_staff"]
    answers = [page_login(phone, "123456", STRANGER).status_code for phone in sprayed_phones(40)]
    cap = settings.LOGIN_ADDRESS_MAX_FAILURES
    assert answers[:cap - 1] == [401] * (cap - 1) and set(answers[cap - 1:]) == {429}  # the cap-th says so
    assert LoginAttempt.objects.filter(ip=STRANGER).count() == cap  # locked tries are not even checked
    refused = page_login(staff.phone, PASSWORD, STRANGER)  # a right password from there too, for now
    assert refused.status_code == 429 and "本网络登录失败次数过多" in refused.content.decode()
    assert "_auth_user_id" not in refused.client.session
    assert page_login(staff.phone, PASSWORD, OFFICE).status_code == 302


def test_the_api_login_counts_the_same(world, settings):
    for phone in sprayed_phones(settings.LOGIN_ADDRESS_MAX_FAILURES - 2):
        page_login(phone, "123456", STRANGER)
    assert api_login("13911112222", "123456", STRANGER).status_code == 401
    assert api_login("13911113333", "123456", STRANGER).status_code == 429
    answer = api_login(world.users["community_staff"].phone, PASSWORD, STRANGER)
    assert answer.status_code == 429
    body = answer.json()
    assert body["code"] == "login_locked" and body["details"]["limit"] == "address"
    assert 0 < body["details"]["retry_after"] <= settings.LOGIN_LOCKOUT_SECONDS


def test_one_phone_from_many_addresses_is_capped(world, settings):
    worker = world.users["grid_worker"]
    now = timezone.now()
    addresses = [f"10.0.{i // 200}.{i % 200 + 1}" for i in range(settings.LOGIN_PHONE_MAX_FAILURES)]
    answers = [attempt(worker.phone, "guess-guess", address, now).code for address in addresses]
    assert set(answers[:-1]) == {"login_invalid"} and answers[-1] == "login_locked"
    locked = attempt(worker.phone, PASSWORD, OFFICE, now)
    assert locked.code == "login_locked" and locked.details["limit"] == "phone"
    assert attempt(worker.phone, PASSWORD, OFFICE, now + timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS + 1)) == worker


def test_locks_end_after_the_lockout_period(world, settings):
    worker = world.users["grid_worker"]
    now = timezone.now()
    for phone in sprayed_phones(settings.LOGIN_ADDRESS_MAX_FAILURES):
        attempt(phone, "123456", STRANGER, now)
    almost = now + timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS - 60)
    assert attempt(worker.phone, PASSWORD, STRANGER, almost).details == {"limit": "address", "retry_after": 60}
    later = now + timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS + 1)
    assert attempt(worker.phone, PASSWORD, STRANGER, later) == worker


def test_tries_left_counts_the_closest_limit(world, settings):
    now = timezone.now()
    for phone in sprayed_phones(settings.LOGIN_ADDRESS_MAX_FAILURES - 2):
        attempt(phone, "123456", STRANGER, now)
    assert "还可尝试 1 次" in attempt("13911112222", "123456", STRANGER, now).message


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(world, settings):
    # Without a trusted proxy a client cannot dodge the address limit by inventing X-Forwarded-For.
    phones = sprayed_phones(settings.LOGIN_ADDRESS_MAX_FAILURES + 1)
    answers = [page_login(p, "123456", STRANGER, x_forwarded_for=f"10.9.9.{i}").status_code
               for i, p in enumerate(phones)]
    assert answers[-1] == 429
    # Behind one trusted proxy, the address the proxy appended is the client's.
    settings.LOGIN_TRUSTED_PROXIES = 1
    assert page_login(phones[0], "123456", STRANGER, x_forwarded_for="spoofed, 192.0.2.50").status_code == 401
    assert LoginAttempt.objects.filter(ip="192.0.2.50").count() == 1
