"""职能部门 settings: the staff who edit a community's request categories add and edit its departments and
choose their members, on /casework/departments/ and through the API. Every bad input has its Chinese
error and changes nothing; every other role is refused and changes nothing; every write is audited."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.accounts.models import User
from gongzhi.casework.actions import departments as department_actions
from gongzhi.casework.models import Department
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent
from gongzhi.org.testing.world import ROLE_KEYS, make_user
from gongzhi.testing import kit

from .helpers import post
from .test_pages_support import as_role, element, text

pytestmark = pytest.mark.django_db

PAGE = "/casework/departments/"
API = "/api/casework/departments"
EDITORS = {"community_secretary", "community_staff"}  # MANAGE_TREE over 和谐社区 (c1), like categories


def state():
    """Everything these actions may write: departments, memberships and the audit trail."""
    return (
        list(Department.objects.order_by("pk").values_list("pk", "community_id", "name", "kind", "ack_hours",
                                                          "contact_phone")),
        sorted(Department.members.through.objects.values_list("department_id", "user_id")),
        AuditEvent.objects.count(),
    )


def spaced(phone: str) -> str:
    return f"{phone[:3]} {phone[3:7]} {phone[7:]}"


def patch(client, url, body):
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def member_ids(department) -> set[int]:
    return set(department.members.values_list("pk", flat=True))


# The page -----------------------------------------------------------------------------------------------
def test_staff_add_edit_and_staff_a_department_on_the_page(client, case_world):
    w = case_world
    c = as_role(client, w, "community_staff")
    html = text(c.get(PAGE))
    assert 'id="manage"' in html and f'id="dept-{w.departments["housing"].pk}"' in html and 'id="dept-new"' in html

    response = c.post(PAGE, {"form": "create", "community": w.c1.pk, "name": " 城管中队 ", "kind": "city_management",
                             "ack_hours": "4", "contact_phone": "0551-63601234"})
    assert response.status_code == 302
    team = Department.objects.get(community=w.c1, name="城管中队")
    assert (team.kind, float(team.ack_hours), team.contact_phone) == ("city_management", 4.0, "055163601234")
    assert response["Location"] == f"{PAGE}?open={team.pk}#dept-{team.pk}"
    page = text(c.get(response["Location"]))
    assert "已新增职能部门“城管中队”。" in page
    assert f'id="dept-{team.pk}" open' in page

    response = c.post(PAGE, {"form": "edit", "department": team.pk, "name": "城管执法中队", "kind": "city_management",
                             "ack_hours": "1.5", "contact_phone": ""})
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.name, float(team.ack_hours), team.contact_phone) == ("城管执法中队", 1.5, "")

    newcomer = w.users["nobody"]
    response = c.post(PAGE, {"form": "add_member", "department": team.pk, "phone": spaced(newcomer.phone)})
    assert response.status_code == 302
    assert member_ids(team) == {newcomer.pk}
    page = text(c.get(response["Location"]))
    assert "已添加部门人员：无角色用户。" in page
    members = element(page, f"members-{team.pk}")
    assert "无角色用户" in members and newcomer.phone not in members  # listed with the number masked
    assert newcomer.phone[:3] + "****" + newcomer.phone[-4:] in members
    # Being a member is what opens the 报到 page.
    assert as_role(client, w, "nobody").get("/casework/whistles/").status_code == 200

    c = as_role(client, w, "community_staff")
    response = c.post(PAGE, {"form": "remove_member", "department": team.pk, "user": newcomer.pk})
    assert response.status_code == 302
    assert member_ids(team) == set()
    assert "已移除部门人员。" in text(c.get(response["Location"]))
    assert as_role(client, w, "nobody").get("/casework/whistles/").status_code == 404


def _create(w, **extra):
    return {"form": "create", "community": w.c1.pk, "name": "城管中队", "kind": "city_management", "ack_hours": "4",
            "contact_phone": "", **extra}


def _edit(w, **extra):
    housing = w.departments["housing"]
    return {"form": "edit", "department": housing.pk, "name": housing.name, "kind": housing.kind,
            "ack_hours": "2", "contact_phone": "", **extra}


LONG = "部" * 101
BAD_DEPARTMENT = [
    ({"name": ""}, "部门名称不能为空。", 400),
    ({"name": "   "}, "部门名称不能为空。", 400),
    ({"name": LONG}, "部门名称不能超过 100 个字符。", 400),
    ({"name": "城西派出所"}, "本社区已有名为“城西派出所”的职能部门。", 409),
    ({"kind": "ufo"}, "部门类型无效：ufo（可选：物业公司、房管部门、派出所、城管、其他部门）", 400),
    ({"kind": ""}, "请选择部门类型。", 400),
    ({"ack_hours": "很久"}, "报到时限必须是数字（小时）。", 400),
    ({"ack_hours": ""}, "报到时限必须是数字（小时）。", 400),
    ({"ack_hours": "0"}, "报到时限必须大于 0 且不超过 720 小时。", 400),
    ({"ack_hours": "-2"}, "报到时限必须大于 0 且不超过 720 小时。", 400),
    ({"ack_hours": "0.04"}, "报到时限必须大于 0 且不超过 720 小时。", 400),
    ({"ack_hours": "721"}, "报到时限必须大于 0 且不超过 720 小时。", 400),
    ({"ack_hours": "NaN"}, "报到时限必须大于 0 且不超过 720 小时。", 400),
    ({"contact_phone": "12345"}, "联系电话格式不正确：12345", 400),
]


@pytest.mark.parametrize(("bad", "message", "status"), BAD_DEPARTMENT)
@pytest.mark.parametrize("form", ["create", "edit"])
def test_bad_department_input_on_the_page(client, case_world, form, bad, message, status):
    w = case_world
    c = as_role(client, w, "community_secretary")
    data = _create(w, **bad) if form == "create" else _edit(w, **bad)
    before = state()
    response = c.post(PAGE, data)
    assert response.status_code == status
    html = text(response)
    error_id = "err-dept-new" if form == "create" else f"err-edit-{w.departments['housing'].pk}"
    assert element(html, error_id).strip() == message
    assert state() == before
    # The form with the error is the one left open, with what was typed.
    if bad.get("name") == LONG:
        assert f'value="{LONG}"' in html
    if form == "create":
        assert 'id="dept-new" open' in html
    else:
        assert f'id="dept-{w.departments["housing"].pk}" open' in html


def test_edit_keeps_its_own_name_and_ignores_unchanged(client, case_world):
    w = case_world
    before = state()
    response = as_role(client, w, "community_staff").post(PAGE, _edit(w))
    assert response.status_code == 302
    assert state() == before  # nothing changed, nothing audited


BAD_MEMBER = [
    ("add_member", {"phone": ""}, "请输入人员的手机号。", 400),
    ("add_member", {"phone": "13900"}, "手机号格式不正确：13900（请输入 11 位手机号）", 400),
    ("add_member", {"phone": "abc"}, "手机号格式不正确：abc（请输入 11 位手机号）", 400),
    ("add_member", {"phone": "0551-63601234"}, "手机号格式不正确：0551-63601234（请输入 11 位手机号）", 400),
    ("add_member", {"phone": "138 0013 8000"}, "手机号 13800138000 还没有登录账号，请先为其开通账号。", 400),
    ("add_member", {"phone": "member"}, "房管所工作人员 已是该部门人员。", 409),
    ("remove_member", {"user": "nobody"}, "该用户不是该部门人员。", 409),
    ("remove_member", {"user": "999999"}, "该用户不是该部门人员。", 409),
    ("remove_member", {"user": "x"}, "该用户不是该部门人员。", 409),
]


@pytest.mark.parametrize(("form", "bad", "message", "status"), BAD_MEMBER)
def test_bad_member_input_on_the_page(client, case_world, form, bad, message, status):
    w = case_world
    housing = w.departments["housing"]
    if bad.get("phone") == "member":
        bad = {"phone": w.users["department"].phone}
    if bad.get("user") == "nobody":
        bad = {"user": w.users["nobody"].pk}
    before = state()
    response = as_role(client, w, "community_staff").post(PAGE, {"form": form, "department": housing.pk, **bad})
    assert response.status_code == status
    html = text(response)
    assert element(html, f"err-member-{housing.pk}").strip() == message
    assert f'id="dept-{housing.pk}" open' in html
    assert state() == before


def test_an_inactive_login_cannot_be_added(client, case_world):
    w = case_world
    gone = make_user("已停用账号", is_active=False)
    before = state()
    response = as_role(client, w, "community_staff").post(PAGE, {
        "form": "add_member", "department": w.departments["police"].pk, "phone": gone.phone})
    assert response.status_code == 400
    assert "还没有登录账号" in element(text(response), f"err-member-{w.departments['police'].pk}")
    assert state() == before


def test_unknown_form_and_unknown_department_are_404(client, case_world):
    w = case_world
    c = as_role(client, w, "community_staff")
    before = state()
    assert c.post(PAGE, {"form": "delete", "department": w.departments["housing"].pk}).status_code == 404
    assert c.post(PAGE, {**_edit(w), "department": 999999}).status_code == 404
    assert c.post(PAGE, {**_edit(w), "department": "abc"}).status_code == 404
    assert c.post(PAGE, _create(w, community=w.c2.pk)).status_code == 404
    assert c.post(PAGE, _create(w, community="")).status_code == 404
    assert state() == before


# Who may: every role -----------------------------------------------------------------------------------
def _page_attempts(w, target):
    """The four forms, aimed at 和谐社区's 房管所 (member: the "department" login)."""
    housing = w.departments["housing"]
    return [
        {"form": "create", "community": w.c1.pk, "name": "城管中队", "kind": "city_management", "ack_hours": "4"},
        {"form": "edit", "department": housing.pk, "name": "区房管局", "kind": "housing", "ack_hours": "3",
         "contact_phone": ""},
        {"form": "add_member", "department": housing.pk, "phone": target.phone},
        {"form": "remove_member", "department": housing.pk, "user": w.users["department"].pk},
    ]


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_page_permissions_for_every_role(client, case_world, role):
    w = case_world
    housing = w.departments["housing"]
    target = make_user("新部门人员")
    c = as_role(client, w, role)
    page = c.get(PAGE)
    html = text(page) if page.status_code == 200 else ""
    assert ('id="manage"' in html) == (role in EDITORS | {"outsider"})  # outsider manages 幸福社区 only
    assert (f'id="dept-{housing.pk}"' in html) == (role in EDITORS)
    before = state()
    for data in _page_attempts(w, target):
        response = as_role(client, w, role).post(PAGE, data)
        if role in EDITORS:
            assert response.status_code == 302, (data["form"], text(response))
        else:
            assert response.status_code == 404, data["form"]
            assert state() == before
    if role in EDITORS:
        housing.refresh_from_db()
        assert (housing.name, float(housing.ack_hours)) == ("区房管局", 3.0)
        assert member_ids(housing) == {target.pk}
        assert Department.objects.filter(community=w.c1, name="城管中队").exists()
        assert AuditEvent.objects.count() == before[2] + 4
    else:
        assert state() == before


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_api_permissions_for_every_role(client, case_world, role):
    w = case_world
    housing = w.departments["housing"]
    member = w.users["department"]
    target = make_user("新部门人员")
    c = as_role(client, w, role)
    before = state()
    responses = [
        post(c, API, {"community_id": w.c1.pk, "name": "城管中队", "kind": "city_management", "ack_hours": 4}),
        patch(c, f"{API}/{housing.pk}", {"ack_hours": 3}),
        post(c, f"{API}/{housing.pk}/members", {"phone": target.phone}),
        c.delete(f"{API}/{housing.pk}/members/{member.pk}"),
    ]
    codes = [r.status_code for r in responses]
    if role in EDITORS:
        assert codes == [201, 200, 201, 204]
        housing.refresh_from_db()
        assert float(housing.ack_hours) == 3.0 and member_ids(housing) == {target.pk}
        return
    if role == "department":  # sees 房管所 as its member, may not edit it
        assert codes == [404, 403, 403, 403]
        assert {r.json()["code"] for r in responses[1:]} == {"permission_denied"}
    else:
        assert codes == [404, 404, 404, 404]
        assert {r.json()["code"] for r in responses} == {"not_found"}
    assert state() == before


def test_editor_of_another_community_is_refused(client, case_world):
    """幸福社区's staff (the "outsider") manages its own departments, not 和谐社区's."""
    w = case_world
    c = as_role(client, w, "outsider")
    before = state()
    assert post(c, API, {"community_id": w.c1.pk, "name": "城管中队", "kind": "other"}).status_code == 404
    assert patch(c, f"{API}/{w.departments['police'].pk}", {"name": "改名"}).status_code == 404
    assert state() == before
    response = post(c, API, {"community_id": w.c2.pk, "name": "城管中队", "kind": "other"})
    assert response.status_code == 201 and response.json()["community_id"] == w.c2.pk
    # The same name in another community is fine (unique per community).
    assert post(as_role(client, w, "community_staff"), API,
                {"community_id": w.c1.pk, "name": "城管中队", "kind": "other"}).status_code == 201


def test_superuser_chooses_the_community(client, case_world):
    w = case_world
    root = make_user("平台管理员", is_superuser=True)
    kit.log_in(client, root)
    html = text(client.get(PAGE))
    assert 'id="new-community"' in html and w.c2.name in element(html, "new-community")
    response = client.post(PAGE, _create(w, community=w.c2.pk))
    assert response.status_code == 302
    assert Department.objects.filter(community=w.c2, name="城管中队").exists()


# The API ------------------------------------------------------------------------------------------------
def test_api_create_edit_and_members(client, case_world):
    w = case_world
    c = as_role(client, w, "community_secretary")
    response = post(c, API, {"community_id": w.c1.pk, "name": "安居物业", "kind": "property", "ack_hours": "0.5",
                             "contact_phone": "+86 139 1234 5678"})
    assert response.status_code == 201, response.json()
    body = response.json()
    pk = body["id"]
    assert body == {"id": pk, "community_id": w.c1.pk, "name": "安居物业", "kind": "property", "kind_label": "物业公司",
                    "ack_hours": 0.5, "contact_phone": "13912345678", "members": []}

    response = patch(c, f"{API}/{pk}", {"name": "安居物业服务中心", "kind": "物业公司"})  # the label works too
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["ack_hours"]) == ("安居物业服务中心", 0.5)

    newcomer = w.users["nobody"]
    response = post(c, f"{API}/{pk}/members", {"phone": newcomer.phone})
    assert response.status_code == 201
    assert response.json()["members"] == [
        {"id": newcomer.pk, "name": "无角色用户", "phone_masked": newcomer.phone[:3] + "****" + newcomer.phone[-4:]}]

    listed = c.get(f"{API}?community={w.c1.pk}").json()
    assert {d["name"] for d in listed} == {"区房管所", "城西派出所", "安居物业服务中心"}

    response = c.delete(f"{API}/{pk}/members/{newcomer.pk}")
    assert response.status_code == 204
    assert member_ids(Department.objects.get(pk=pk)) == set()


API_BAD_CREATE = [
    ({"name": ""}, "department_name_required", "部门名称不能为空。", 400),
    ({"name": LONG}, "department_name_too_long", "部门名称不能超过 100 个字符。", 400),
    ({"name": "区房管所"}, "department_name_taken", "本社区已有名为“区房管所”的职能部门。", 409),
    ({"kind": "ufo"}, "invalid_department_kind", "部门类型无效：ufo（可选：物业公司、房管部门、派出所、城管、其他部门）", 400),
    ({"ack_hours": "很久"}, "invalid_ack_hours", "报到时限必须是数字（小时）。", 400),
    ({"ack_hours": 0}, "invalid_ack_hours", "报到时限必须大于 0 且不超过 720 小时。", 400),
    ({"ack_hours": -1.5}, "invalid_ack_hours", "报到时限必须大于 0 且不超过 720 小时。", 400),
    ({"ack_hours": 720.5}, "invalid_ack_hours", "报到时限必须大于 0 且不超过 720 小时。", 400),
    ({"contact_phone": "电话"}, "invalid_phone", "联系电话格式不正确：电话", 400),
]


@pytest.mark.parametrize(("bad", "code", "message", "status"), API_BAD_CREATE)
def test_api_bad_create_and_patch(client, case_world, bad, code, message, status):
    w = case_world
    c = as_role(client, w, "community_staff")
    before = state()
    response = post(c, API, {"community_id": w.c1.pk, "name": "城管中队", "kind": "city_management",
                             "ack_hours": 4, **bad})
    assert response.status_code == status
    field = next(iter(bad))
    assert response.json() == {"code": code, "message": message, "field": field}
    target = w.departments["police"] if bad.get("name") == "区房管所" else w.departments["housing"]
    response = patch(c, f"{API}/{target.pk}", bad)
    assert (response.status_code, response.json()) == (status, {"code": code, "message": message, "field": field})
    assert state() == before


def test_api_patch_changes_only_what_is_sent(client, case_world):
    w = case_world
    housing = w.departments["housing"]
    response = patch(as_role(client, w, "community_staff"), f"{API}/{housing.pk}", {"contact_phone": "13912345678"})
    assert response.status_code == 200
    housing.refresh_from_db()
    assert (housing.name, housing.kind, float(housing.ack_hours), housing.contact_phone) == (
        "区房管所", "housing", 2.0, "13912345678")


def test_api_bad_members(client, case_world):
    w = case_world
    housing = w.departments["housing"]
    c = as_role(client, w, "community_staff")
    before = state()
    cases = [
        ({"phone": "1390000"}, "invalid_phone", "手机号格式不正确：1390000（请输入 11 位手机号）", 400),
        ({"phone": "13800138000"}, "unknown_user", "手机号 13800138000 还没有登录账号，请先为其开通账号。", 400),
        ({"phone": w.users["department"].phone}, "already_member", "房管所工作人员 已是该部门人员。", 409),
    ]
    for body, code, message, status in cases:
        response = post(c, f"{API}/{housing.pk}/members", body)
        assert (response.status_code, response.json()) == (status, {"code": code, "message": message,
                                                                    "field": "phone"})
    response = c.delete(f"{API}/{housing.pk}/members/{w.users['nobody'].pk}")
    assert (response.status_code, response.json()["code"], response.json()["message"]) == (
        409, "not_member", "该用户不是该部门人员。")
    assert c.delete(f"{API}/999999/members/{w.users['department'].pk}").status_code == 404
    assert post(c, f"{API}/999999/members", {"phone": w.users["nobody"].phone}).status_code == 404
    assert post(c, API, {"community_id": w.c1.pk}).status_code == 422  # missing fields: the schema says so
    assert state() == before


# Audit --------------------------------------------------------------------------------------------------
def test_every_write_is_audited(case_world):
    w = case_world
    staff = w.users["community_staff"]
    newcomer = w.users["nobody"]
    team = department_actions.department_create(actor=staff, community_id=w.c1.pk, name="城管中队",
                                                kind="city_management", ack_hours="4")
    department_actions.department_update(actor=staff, department_id=team.pk, data={"ack_hours": "6", "name": "城管中队"})
    department_actions.department_member_add(actor=staff, department_id=team.pk, phone=newcomer.phone)
    department_actions.department_member_remove(actor=staff, department_id=team.pk, user_id=newcomer.pk)
    events = list(AuditEvent.objects.filter(target_type="casework.department", target_id=str(team.pk))
                  .order_by("pk"))
    assert [e.action for e in events] == ["department.create", "department.update", "department.member_add",
                                          "department.member_remove"]
    assert all(e.actor_id == staff.pk and e.community_id == w.c1.pk for e in events)
    assert events[0].changes == {"name": "城管中队", "kind": "city_management", "ack_hours": "4.0", "contact_phone": ""}
    assert events[1].changes == {"ack_hours": ["4.0", "6.0"]}  # only what changed
    assert events[2].details == events[3].details == {"user_id": newcomer.pk, "name": "无角色用户"}
    assert newcomer.phone not in json.dumps([e.details for e in events])  # no phone numbers in the trail


def test_a_concurrent_duplicate_name_is_caught_by_the_constraint(case_world, monkeypatch):
    """Two clerks adding the same department at once: the second gets the Chinese error, not a 500."""
    w = case_world
    monkeypatch.setattr(department_actions, "_require_free_name", lambda *a, **k: None)  # lose the race
    before = state()
    with pytest.raises(ApplicationError) as caught:
        department_actions.department_create(actor=w.users["community_staff"], community_id=w.c1.pk,
                                             name="区房管所", kind="housing", ack_hours=2)
    assert (caught.value.code, caught.value.message) == ("department_name_taken", "本社区已有名为“区房管所”的职能部门。")
    with pytest.raises(ApplicationError):
        department_actions.department_update(actor=w.users["community_staff"],
                                             department_id=w.departments["police"].pk, data={"name": "区房管所"})
    assert state() == before


# Queries ------------------------------------------------------------------------------------------------
def _page_queries(client, w) -> int:
    c = as_role(client, w, "community_staff")
    with CaptureQueriesContext(connection) as queries:
        assert c.get(PAGE).status_code == 200
    return len(queries)


def test_page_queries_do_not_grow_with_departments_or_members(client, case_world):
    w = case_world
    few = _page_queries(client, w)
    for i in range(6):
        d = Department.objects.create(community=w.c1, name=f"部门{i}", kind="other")
        d.members.add(*[make_user(f"人员{i}-{j}") for j in range(3)])
    assert _page_queries(client, w) == few
    assert User.objects.filter(departments__community=w.c1).count() == 19


def test_a_member_handling_a_request_is_not_removed_until_it_is_handed_over(client, case_world):
    from gongzhi.casework.actions import lifecycle

    from .test_pages_support import file_case

    w = case_world
    staff, member = w.users["community_staff"], w.users["department"]
    housing = w.departments["housing"]
    colleague = w.users["nobody"]
    department_actions.department_member_add(actor=staff, department_id=housing.pk, phone=colleague.phone)
    case = file_case(w)
    whistle = lifecycle.case_whistle(actor=staff, case_id=case.pk, department_id=housing.pk, reason="屋面渗水需房管所处理")
    lifecycle.whistle_acknowledge(actor=member, whistle_id=whistle.pk, note="已到场")
    case.refresh_from_db()
    assert case.handler == member

    before = state()
    c = as_role(client, w, "community_staff")
    response = c.post(PAGE, {"form": "remove_member", "department": housing.pk, "user": member.pk})
    assert response.status_code == 409
    assert f"正在承办本部门的诉求（#{case.pk}）" in text(response)
    api = c.delete(f"{API}/{housing.pk}/members/{member.pk}")
    assert api.status_code == 409 and api.json()["code"] == "member_handling_cases"
    assert api.json()["details"]["case_ids"] == [case.pk]
    assert state() == before

    lifecycle.case_hand_over(actor=member, case_id=case.pk, handler_id=colleague.pk, reason="换班")
    assert c.post(PAGE, {"form": "remove_member", "department": housing.pk, "user": member.pk}).status_code == 302
    assert member.pk not in member_ids(housing)
