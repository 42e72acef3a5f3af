from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.accounts.models import ApiToken, LoginAttempt
from gongzhi.core.models import AuditEvent
from gongzhi.org.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(world):
    return world.users["building_head"]


def post_login(client, phone, password, **extra):
    return client.post("/accounts/login/", {"phone": phone, "password": password, **extra})


def test_login_with_phone_and_password_goes_home(client, user):
    response = post_login(client, user.phone, PASSWORD)
    assert response.status_code == 302 and response.url == "/"
    home = client.get("/")
    assert "楼栋长" in home.content.decode()
    assert LoginAttempt.objects.filter(phone=user.phone, succeeded=True).count() == 1


def test_login_accepts_spaces_and_country_code(client, user):
    spaced = f"+86 {user.phone[:3]} {user.phone[3:7]} {user.phone[7:]}"
    assert post_login(client, spaced, PASSWORD).status_code == 302


def test_login_respects_safe_next_only(client, user):
    assert post_login(client, user.phone, PASSWORD, next="/org/search/").url == "/org/search/"
    client.logout()
    assert post_login(client, user.phone, PASSWORD, next="https://evil.example/").url == "/"


def test_wrong_password_says_how_many_tries_are_left(client, user):
    response = post_login(client, user.phone, "wrong-password")
    assert response.status_code == 401
    assert "手机号或密码不正确（还可尝试 4 次）" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_empty_form_is_a_clear_error(client, world):
    response = post_login(client, "", "")
    assert response.status_code == 400
    assert "请输入手机号和密码" in response.content.decode()


def test_lockout_after_five_failures_even_with_right_password(client, user):
    for _ in range(4):
        assert post_login(client, user.phone, "nope-nope").status_code == 401
    fifth = post_login(client, user.phone, "nope-nope")
    assert fifth.status_code == 429
    assert "账号已临时锁定" in fifth.content.decode()
    locked = post_login(client, user.phone, PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Locked attempts are not even checked, so they are not recorded.
    assert LoginAttempt.objects.filter(phone=user.phone).count() == 5


def test_lockout_holds_across_clients_and_the_api(user):
    for _ in range(5):
        post_login(Client(), user.phone, "nope-nope")
    other = Client()
    assert post_login(other, user.phone, PASSWORD).status_code == 429
    api = Client().post(
        "/api/auth/login", data={"phone": user.phone, "password": PASSWORD}, content_type="application/json"
    )
    assert api.status_code == 429 and api.json()["code"] == "login_locked"


def test_lockout_ends_after_the_lockout_period(client, user, settings):
    for _ in range(5):
        post_login(client, user.phone, "nope-nope")
    past = timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS + 1)
    LoginAttempt.objects.filter(phone=user.phone).update(created_at=past)
    assert post_login(client, user.phone, PASSWORD).status_code == 302


def test_success_resets_the_failure_count(client, user):
    for _ in range(4):
        post_login(client, user.phone, "nope-nope")
    assert post_login(client, user.phone, PASSWORD).status_code == 302
    client.logout()
    response = post_login(client, user.phone, "nope-nope")
    assert response.status_code == 401
    assert "还可尝试 4 次" in response.content.decode()


def test_inactive_user_cannot_log_in(client, user):
    user.is_active = False
    user.save()
    assert post_login(client, user.phone, PASSWORD).status_code == 401


def test_logout_requires_post(client, user):
    client.force_login(user, backend="gongzhi.accounts.backends.PhoneBackend")
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_pages_require_login(client, world):
    response = client.get("/org/search/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=")


def test_english_is_available(client, user):
    client.force_login(user, backend="gongzhi.accounts.backends.PhoneBackend")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert 'lang="en"' in html
    assert "Find household" in html


# API tokens ---------------------------------------------------------------------
def test_token_login_create_use_and_revoke(user):
    anonymous = Client()
    response = anonymous.post(
        "/api/auth/login", data={"phone": user.phone, "password": PASSWORD, "token_name": "手机"},
        content_type="application/json",
    )
    assert response.status_code == 201
    key = response.json()["key"]
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.key_hash != key and key.startswith("gz_")
    me = Client().get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert me.status_code == 200 and me.json()["phone"] == user.phone
    assert me.json()["roles"][0]["role"] == "building_head"
    revoke = Client().delete(f"/api/auth/tokens/{token.pk}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert revoke.status_code == 204
    assert Client().get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoke", actor=user).exists()


def test_bad_tokens_are_refused(world):
    for header in ("Bearer gz_not-a-token", "Bearer ", "Token abc", "gz_x"):
        assert Client().get("/api/org/households", HTTP_AUTHORIZATION=header).status_code == 401


def test_token_of_deactivated_user_is_refused(user):
    response = Client().post(
        "/api/auth/login", data={"phone": user.phone, "password": PASSWORD}, content_type="application/json"
    )
    key = response.json()["key"]
    user.is_active = False
    user.save()
    assert Client().get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_cannot_revoke_someone_elses_token(world):
    from gongzhi.accounts.actions import api_token_create

    token, _key = api_token_create(user=world.users["grid_worker"], name="x")
    client = Client()
    client.force_login(world.users["building_head"], backend="gongzhi.accounts.backends.PhoneBackend")
    client.get("/")
    response = client.delete(
        f"/api/auth/tokens/{token.pk}", HTTP_X_CSRFTOKEN=client.cookies.get("csrftoken").value
        if client.cookies.get("csrftoken") else ""
    )
    assert response.status_code in (403, 404)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_session_api_writes_need_csrf(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["community_staff"], backend="gongzhi.accounts.backends.PhoneBackend")
    h = world.h("b1 1-101")
    response = client.patch(f"/api/org/households/{h.pk}", data='{"note": "x"}', content_type="application/json")
    assert response.status_code in (401, 403)
    h.refresh_from_db()
    assert h.note == ""


def test_empty_token_name_is_refused_on_profile_page(client, user):
    client.force_login(user, backend="gongzhi.accounts.backends.PhoneBackend")
    response = client.post("/accounts/me/", {"name": ""}, follow=True)
    assert "请填写令牌名称" in response.content.decode()
    assert not ApiToken.objects.filter(user=user).exists()
    response = client.post("/accounts/me/", {"name": "数据对接"})
    assert response.status_code == 200
    assert ApiToken.objects.filter(user=user, name="数据对接").count() == 1
