"""Staff pages: the queue (filters, search, pagination, bulk assignment, query counts), every step on the
case page with its Chinese error, 五连问, the 督办 board, intake, categories, departments and 报到."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.casework.actions import lifecycle
from gongzhi.casework.models import Case, Category, Whistle
from gongzhi.casework.selectors import handler_candidates
from gongzhi.casework.permissions import can_handle, handles_anything, intake_scope
from gongzhi.core.models import AuditEvent

from .helpers import snapshot
from .test_pages_support import (
    ALL_ROLES,
    as_role,
    element,
    file_case,
    staff_case,
    text,
    upload,
)

pytestmark = pytest.mark.django_db

QUEUE_ROLES = {"subdistrict_staff", "community_secretary", "community_staff", "grid_head", "grid_worker",
               "building_head", "unit_head", "red_steward", "social_worker", "property_staff", "npc_deputy",
               "outsider", "department"}


def _ids_in(html: str, cases) -> set[int]:
    return {c.pk for c in cases if f'id="case-{c.pk}"' in html}


# The queue -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ALL_ROLES)
def test_queue_for_every_role(client, case_world, role):
    w = case_world
    b1 = file_case(w)  # building tier, b1 (grid 1, compound A)
    b2 = staff_case(w, building=w.b2, description="2栋门口垃圾堆了三天没人清")  # grid 2
    response = as_role(client, w, role).get("/casework/")
    assert (response.status_code == 200) == (role in QUEUE_ROLES)
    assert handles_anything(w.users[role]) == (role in QUEUE_ROLES)
    if response.status_code != 200:
        assert response.status_code == 404
        return
    seen = _ids_in(text(response), [b1, b2])
    expected = {
        "building_head": {b1.pk}, "unit_head": {b1.pk}, "grid_head": {b1.pk}, "grid_worker": {b1.pk},
        "red_steward": set(), "outsider": set(), "department": set(),
    }.get(role, {b1.pk, b2.pk})
    assert seen == expected


def test_queue_filters(client, case_world):
    w = case_world
    light = file_case(w)
    lift = staff_case(w, household="b1 2-201", description="1栋电梯坏了，老人上下楼很困难", urgency="urgent")
    rubbish = staff_case(w, building=w.b2, description="2栋门口垃圾堆了三天没人清，蚊子苍蝇多")
    street = staff_case(w, community=w.c1, address="东门公交站", description="公交站旁边的井盖没了", channel="phone")
    staff = w.users["community_staff"]
    lifecycle.case_accept(actor=staff, case_id=street.pk)
    lifecycle.case_dispatch(actor=staff, case_id=lift.pk, handler_id=w.users["grid_worker"].pk)
    Case.objects.filter(pk=rubbish.pk).update(resolution_due_at=timezone.now() - timedelta(hours=1))
    c = as_role(client, w, "community_staff")
    everything = {light, lift, rubbish, street}

    def seen(query):
        response = c.get("/casework/?" + query)
        assert response.status_code == 200
        return _ids_in(text(response), everything)

    assert seen("") == {c_.pk for c_ in everything}
    assert seen("status=accepted") == {street.pk}
    assert seen("tier=community") == {street.pk}
    assert seen(f"grid={w.g2.pk}") == {rubbish.pk}
    assert seen(f"building={w.b1.pk}") == {light.pk, lift.pk}
    assert seen("handler=me") == {street.pk}
    assert seen("handler=none") == {light.pk, rubbish.pk}
    assert seen("overdue=1") == {rubbish.pk}
    assert seen(f"category={rubbish.category_id}") >= {rubbish.pk}
    assert seen("q=电梯") == {lift.pk}
    assert seen("q=垃圾") == {rubbish.pk}
    assert seen(f"q=%23{street.pk}") == {street.pk}
    assert seen("q=火星人") == set()
    assert seen("status=nonsense") == seen("")  # unknown values fall back to the open queue
    html = text(c.get("/casework/?q=火星人"))
    assert 'id="queue-empty"' in html and "没有符合条件的诉求。" in html


def test_queue_pagination_keeps_filters(client, case_world):
    w = case_world
    cases = [staff_case(w, building=w.b2, description=f"2栋第{i}处垃圾没人清") for i in range(33)]
    c = as_role(client, w, "community_staff")
    first = text(c.get("/casework/?q=垃圾"))
    assert len(_ids_in(first, cases)) == 30
    assert 'href="?q=%E5%9E%83%E5%9C%BE&amp;page=2"' in first
    second = text(c.get("/casework/?q=垃圾&page=2"))
    assert _ids_in(second, cases) == {c_.pk for c_ in cases[:3]}  # newest first: the oldest three


def test_queue_query_count_does_not_grow_with_rows(client, case_world, django_assert_max_num_queries):
    w = case_world
    c = as_role(client, w, "community_staff")
    staff_case(w, household="b1 1-102")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/casework/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i, key in enumerate(["b1 1-201", "b1 2-101", "b2 1-101", "b3 1-101", "b1 2-202"] * 6):
        staff_case(w, household=key, description=f"第{i}件：楼道堆放杂物")
    for case in Case.objects.all()[:10]:
        lifecycle.case_accept(actor=w.users["community_staff"], case_id=case.pk)
    many = count()
    assert many == few
    with django_assert_max_num_queries(30):
        c.get("/casework/")


def test_bulk_assignment(client, case_world):
    w = case_world
    a = staff_case(w, household="b1 1-102", description="1栋1单元楼道灯坏了")
    b = staff_case(w, household="b3 1-101", description="翠竹苑1栋门禁坏了")
    worker = w.users["grid_worker"]
    c = as_role(client, w, "community_staff")
    # The picker lists people who may handle both (grid 1 workers and community staff), not b1's building head.
    page = text(c.get(f"/casework/handlers/?cases={a.pk}&cases={b.pk}"))
    assert worker.name in page and w.users["building_head"].name not in page
    for person in handler_candidates([a, b]):
        assert can_handle(person, Case.objects.get(pk=a.pk)) and can_handle(person, Case.objects.get(pk=b.pk))
    response = c.post("/casework/?status=open", {"cases": [a.pk, b.pk], "handler": worker.pk})
    assert response.status_code == 302 and response["Location"] == "/casework/?status=open"
    assert set(Case.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", "handler_id")) == {
        ("dispatched", worker.pk)}
    assert "已派单 2 条诉求。" in text(c.get("/casework/"))


def test_bulk_assignment_is_all_or_nothing(client, case_world):
    w = case_world
    g1 = staff_case(w, household="b1 1-102", description="1栋1单元楼道灯坏了")
    g2 = staff_case(w, building=w.b2, description="2栋门口垃圾没人清")  # grid 2: not the g1 worker's
    c = as_role(client, w, "community_staff")
    before = snapshot()
    response = c.post("/casework/", {"cases": [g1.pk, g2.pk], "handler": w.users["grid_worker"].pk})
    assert response.status_code == 400
    assert element(text(response), "bulk-error").strip() == "所选人员不负责该诉求所在的楼栋、网格或社区。"
    assert 'checked' in element(text(response), f"case-{g1.pk}")
    assert snapshot() == before
    response = c.post("/casework/", {"handler": w.users["grid_worker"].pk})
    assert element(text(response), "bulk-error").strip() == "请至少选择一条诉求。"
    assert snapshot() == before


@pytest.mark.parametrize("role", sorted(QUEUE_ROLES - {"community_staff", "community_secretary"}))
def test_bulk_assignment_refused_changes_nothing(client, case_world, role):
    w = case_world
    case = staff_case(w, community=w.c1, address="东门", description="公交站井盖没了")  # community tier
    before = snapshot()
    response = as_role(client, w, role).post("/casework/", {"cases": [case.pk], "handler": w.users["community_staff"].pk})
    if can_handle(w.users[role], case):  # social workers answer at the community tier too
        assert response.status_code == 302
        return
    assert response.status_code in (403, 404)
    assert snapshot() == before


# The case page: every step ----------------------------------------------------------------------------
def test_handler_takes_a_request_through_the_page(client, case_world):
    w = case_world
    case = file_case(w)
    head = as_role(client, w, "building_head")
    page = text(head.get(f"/cases/{case.pk}/"))
    for step in ("form-accept", "step-dispatch", "step-escalate", "step-comment", "step-merge"):
        assert f'id="{step}"' in page, step
    assert 'id="step-reject"' not in page and 'id="step-whistle"' not in page  # community powers
    assert head.post(f"/cases/{case.pk}/accept/").status_code == 302
    assert head.post(f"/cases/{case.pk}/start/").status_code == 302
    assert head.post(f"/cases/{case.pk}/progress/", {"note": "已联系电工", "public": "1"}).status_code == 302
    assert head.post(f"/cases/{case.pk}/comment/", {"note": "电工明早来"}).status_code == 302
    response = head.post(f"/cases/{case.pk}/resolve/", {"result": "换了新灯泡", "photos": [upload()]})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "resolved" and case.photos.filter(kind="result").count() == 1
    page = text(head.get(f"/cases/{case.pk}/"))
    assert "换了新灯泡" in element(page, "outcome") and "电工明早来" in page
    resident_page = text(as_role(client, w, "resident").get(f"/cases/{case.pk}/"))
    assert "已联系电工" in resident_page and "电工明早来" not in resident_page


STEP_ERRORS = [
    ("dispatch", {"handler": ""}, "所选人员不负责该诉求所在的楼栋、网格或社区。", 400),
    ("hand_over", {"handler": "", "reason": ""}, "请填写理由。", 400),
    ("escalate", {"reason": " "}, "请填写上报理由。", 400),
    ("whistle", {"department": "", "reason": "漏水严重"}, "请选择本社区登记的职能部门。", 400),
    ("progress", {"note": ""}, "请填写进展情况。", 400),
    ("resolve", {"result": ""}, "请填写办理结果。", 400),
    ("category", {"category": "ufo"}, "未知的诉求类别：ufo", 400),
    ("merge", {"into": "999999"}, "要合并到的诉求不存在。", 400),
    ("reject", {"reason": ""}, "请填写不予受理的理由，居民会看到。", 400),
    ("comment", {"note": ""}, "请填写备注。", 400),
]


@pytest.mark.parametrize("step,data,message,status", STEP_ERRORS)
def test_every_step_shows_its_error_next_to_its_form(client, case_world, step, data, message, status):
    w = case_world
    if step == "escalate":
        case = file_case(w)  # building tier: community staff may take it over and send it up
    else:
        case = staff_case(w, community=w.c1, address="东门", description="公交站井盖没了")  # community tier
    staff = w.users["community_staff"]
    if step in ("hand_over", "progress", "resolve"):
        lifecycle.case_accept(actor=staff, case_id=case.pk)
    before = snapshot()
    response = as_role(client, w, "community_staff").post(f"/cases/{case.pk}/{step}/", data)
    assert response.status_code == status
    assert element(text(response), f"err-{step}").strip() == message
    assert f'id="step-{step}" open' in text(response) or step in ("accept", "start")
    assert snapshot() == before


def test_state_errors_are_shown_at_the_top(client, case_world):
    w = case_world
    case = file_case(w)
    c = as_role(client, w, "building_head")
    c.post(f"/cases/{case.pk}/accept/")
    before = snapshot()
    response = c.post(f"/cases/{case.pk}/accept/")  # a double tap
    assert response.status_code == 409
    assert element(text(response), "step-error").strip() == "诉求当前状态为“已受理”，不能受理。"
    close = as_role(client, w, "community_staff").post(f"/cases/{case.pk}/close/")
    assert close.status_code == 409 and "不能关闭" in element(text(close), "step-error")
    assert snapshot() == before


@pytest.mark.parametrize("role", ALL_ROLES)
def test_accept_refused_for_people_who_may_not_handle(client, case_world, role):
    w = case_world
    case = file_case(w)
    before = snapshot()
    response = as_role(client, w, role).post(f"/cases/{case.pk}/accept/")
    user = w.users[role]
    if can_handle(user, case):
        assert response.status_code == 302
        return
    assert response.status_code in (403, 404)
    if response.status_code == 403:
        assert element(text(response), "step-error").strip() == "无权执行此操作"
    assert snapshot() == before


def test_community_steps_whistle_merge_reject_close(client, case_world):
    w = case_world
    staff = as_role(client, w, "community_staff")
    leak = staff_case(w, community=w.c1, address="东门", description="楼上空房漏水，楼下天花板滴水")
    assert staff.post(f"/cases/{leak.pk}/whistle/", {"department": w.departments["housing"].pk,
                                                     "reason": "空房无人，需房管所开门"}).status_code == 302
    leak.refresh_from_db()
    assert leak.tier == "department" and leak.whistles.get().status == "pending"
    first = staff_case(w, household="b1 2-201", description="1栋电梯坏了，老人上下楼很困难")
    dup = staff_case(w, household="b1 2-202", description="1栋的电梯坏了两天了，老人上下楼困难")
    page = text(staff.get(f"/cases/{dup.pk}/"))
    assert f'value="{first.pk}"' in element(page, "step-merge") or f"#{first.pk}" in page
    assert staff.post(f"/cases/{dup.pk}/merge/", {"into": f"#{first.pk}"}).status_code == 302
    dup.refresh_from_db()
    assert dup.status == "merged" and dup.merged_into_id == first.pk
    junk = staff_case(w, community=w.c1, address="—", description="推销保险")
    assert staff.post(f"/cases/{junk.pk}/reject/", {"reason": "不属于社区事务"}).status_code == 302
    done = staff_case(w, community=w.c1, address="东门", description="公交站井盖没了")
    lifecycle.case_accept(actor=w.users["community_staff"], case_id=done.pk)
    lifecycle.case_resolve(actor=w.users["community_staff"], case_id=done.pk, result="已补装井盖")
    assert staff.post(f"/cases/{done.pk}/staff_verify/", {"fixed": "1", "note": "现场看过"}).status_code == 302
    assert staff.post(f"/cases/{done.pk}/close/", {"note": ""}).status_code == 302
    done.refresh_from_db()
    assert done.status == "closed"
    assert staff.post(f"/cases/{done.pk}/category/", {"category": "other"}).status_code == 409


def test_dispatch_and_hand_over_pickers_list_only_eligible_people(client, case_world):
    w = case_world
    case = file_case(w)  # building tier in b1 unit 1
    page = text(as_role(client, w, "grid_worker").get(f"/cases/{case.pk}/"))
    picker = element(page, "dispatch-handler")
    for role in ("building_head", "unit_head", "grid_worker", "grid_head", "community_staff"):
        assert w.users[role].name in picker, role
    for role in ("red_steward", "npc_deputy", "property_staff", "outsider"):
        assert w.users[role].name not in picker, role
    response = as_role(client, w, "grid_worker").post(f"/cases/{case.pk}/dispatch/",
                                                      {"handler": w.users["unit_head"].pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.handler == w.users["unit_head"] and case.status == "dispatched"


def test_escalate_and_category_change_from_the_page(client, case_world):
    w = case_world
    case = file_case(w)
    c = as_role(client, w, "building_head")
    assert c.post(f"/cases/{case.pk}/category/", {"category": "public_facility"}).status_code == 302
    assert c.post(f"/cases/{case.pk}/escalate/", {"reason": "需要网格协调电工"}).status_code == 302
    case.refresh_from_db()
    assert case.tier == "grid" and case.category.code == "public_facility"
    # Now the building head can still see it but no longer handle it.
    page = text(c.get(f"/cases/{case.pk}/"))
    assert 'id="form-accept"' not in page


def test_five_questions_tab(client, case_world):
    w = case_world
    case = resolved_case_for_five(w)
    page = text(as_role(client, w, "community_staff").get(f"/cases/{case.pk}/?tab=five"))
    for key, label in (("need", "问需求"), ("cause", "问原因"), ("plan", "问方案"), ("progress", "问进度"),
                       ("outcome", "问结果")):
        assert label in element(page, f"q-{key}"), key
    assert "提交诉求" in element(page, "q-need") and "办结" in element(page, "q-outcome")
    assert "派单" in element(page, "q-plan")
    # The reporter has no such tab: the page shows the public timeline instead.
    resident = text(as_role(client, w, "resident").get(f"/cases/{case.pk}/?tab=five"))
    assert 'id="q-need"' not in resident and "五连问" not in resident


def resolved_case_for_five(w):
    case = file_case(w)
    worker = w.users["grid_worker"]
    lifecycle.case_dispatch(actor=worker, case_id=case.pk, handler_id=w.users["building_head"].pk)
    lifecycle.case_start(actor=w.users["building_head"], case_id=case.pk)
    lifecycle.case_resolve(actor=w.users["building_head"], case_id=case.pk, result="修好了")
    return case


# 督办 board --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ALL_ROLES)
def test_board_for_every_role(client, case_world, role):
    w = case_world
    late = file_case(w)
    Case.objects.filter(pk=late.pk).update(resolution_due_at=timezone.now() - timedelta(hours=2),
                                           response_due_at=timezone.now() - timedelta(hours=3))
    soon = staff_case(w, building=w.b2, description="2栋门口垃圾没人清")
    Case.objects.filter(pk=soon.pk).update(resolution_due_at=timezone.now() + timedelta(hours=5))
    response = as_role(client, w, role).get("/casework/board/")
    assert (response.status_code == 200) == (role in QUEUE_ROLES)
    if role == "community_staff":
        html = text(response)
        assert f'id="case-{late.pk}"' not in html  # lists, not the queue table
        # one list per case (issue #8 point 6): past its 办结时限, it is not listed again as unanswered
        assert late.title in element(html, "overdue") and late.title not in element(html, "unanswered")
        assert soon.title in element(html, "due_soon")
        assert ">1</div><div class=\"l\">楼栋" in element(html, "by-tier")


# Intake on behalf of a resident -------------------------------------------------------------------------
@pytest.mark.parametrize("role", ALL_ROLES)
def test_intake_page_for_every_role(client, case_world, role):
    w = case_world
    response = as_role(client, w, role).get("/casework/intake/")
    allowed = not intake_scope(w.users[role]).is_empty
    assert response.status_code == (200 if allowed else 404)
    if role in ("community_staff", "grid_worker", "npc_deputy", "building_head"):
        assert allowed
    if role in ("resident", "nobody", "department", "subdistrict_staff", "property_staff"):
        assert not allowed


def test_walk_in_registered_for_a_resident(client, case_world):
    w = case_world
    c = as_role(client, w, "community_staff")
    rooms = text(c.get(f"/casework/intake/rooms/?place=b:{w.b1.pk}"))
    assert f'value="{w.h("b1 1-101").pk}"' in rooms and ">1-101<" in rooms
    people = text(c.get(f"/casework/intake/rooms/?place=b:{w.b1.pk}&household={w.h('b1 1-101').pk}"))
    owner = w.residents["b1 1-101 owner"]
    assert f'value="{owner.pk}"' in people
    response = c.post("/casework/intake/", {
        "channel": "walk_in", "place": f"b:{w.b1.pk}", "household": w.h("b1 1-101").pk, "resident": owner.pk,
        "description": "家里水管爆了，楼下也在漏", "urgency": "urgent", "key": "walk-1", "photos": [upload()]})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == "walk_in" and case.reporter == w.users["resident"] and case.urgency == "urgent"
    assert case.created_by == w.users["community_staff"] and case.photos.count() == 1


def test_phone_call_with_free_address(client, case_world):
    w = case_world
    response = as_role(client, w, "npc_deputy").post("/casework/intake/", {
        "channel": "npc_station", "place": f"c:{w.c1.pk}", "address": "社区东门", "reporter_name": "李阿姨",
        "reporter_phone": "13612345678", "description": "东门路灯不亮", "key": "k"})
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.channel, case.address, case.reporter_name) == ("npc_station", "社区东门", "李阿姨")


@pytest.mark.parametrize("data,field,message,status", [
    ({"description": ""}, "description", "请填写诉求内容。", 400),
    ({"place": ""}, "place", "请选择诉求发生的住户、楼栋或社区。", 400),
    ({"channel": "resident"}, "channel", "来源无效。", 400),
    ({"photos": "x"}, None, None, 400),
])
def test_intake_errors(client, case_world, data, field, message, status):
    w = case_world
    form = {"channel": "phone", "place": f"b:{w.b2.pk}", "description": "垃圾没人清", "key": "k1"}
    form.update(data)
    if "photos" in data:
        form["photos"] = [upload(b"not an image", "x.txt", "text/plain")]
        field, message = "photos", "第 1 个文件（x.txt）不是图片，请上传 JPG、PNG 或 WEBP 照片。"
    before = snapshot()
    response = as_role(client, w, "community_staff").post("/casework/intake/", form)
    assert response.status_code == status
    assert element(text(response), f"err-{field}").strip() == message
    assert snapshot() == before


def test_intake_outside_scope_is_refused(client, case_world):
    w = case_world
    before = snapshot()
    response = as_role(client, w, "building_head").post("/casework/intake/", {
        "channel": "walk_in", "place": f"b:{w.b2.pk}", "description": "2栋垃圾", "key": "k"})
    assert response.status_code == 403
    assert element(text(response), "err-place").strip() == "该地点不在您的工作范围内。"
    rooms = text(as_role(client, w, "building_head").get(f"/casework/intake/rooms/?place=b:{w.b2.pk}"))
    assert "<option" not in rooms
    assert snapshot() == before


# Category settings --------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ALL_ROLES)
def test_category_page_for_every_role(client, case_world, role):
    response = as_role(client, case_world, role).get("/casework/categories/")
    assert response.status_code == (200 if role in ("community_secretary", "community_staff", "outsider") else 404)


def test_category_edit_and_errors(client, case_world):
    w = case_world
    cat = Category.objects.get(community=w.c1, code="environment")
    c = as_role(client, w, "community_staff")
    form = {"community": w.c1.pk, "category": cat.pk, "name": "环境卫生", "tier": "grid", "response_hours": "4",
            "resolution_hours": "24", "urgent_response_hours": "1", "urgent_resolution_hours": "6", "is_active": "1"}
    assert c.post("/casework/categories/", form).status_code == 302
    cat.refresh_from_db()
    assert (cat.name, cat.tier, float(cat.resolution_hours)) == ("环境卫生", "grid", 24.0)
    before = (list(Category.objects.values_list("pk", "name", "tier", "resolution_hours")), AuditEvent.objects.count())
    response = c.post("/casework/categories/", {**form, "resolution_hours": "很久"})
    assert response.status_code == 400
    assert element(text(response), f"err-cat-{cat.pk}").strip() == "时限必须是数字（小时）。"
    response = c.post("/casework/categories/", {**form, "name": ""})
    assert element(text(response), f"err-cat-{cat.pk}").strip()
    assert (list(Category.objects.values_list("pk", "name", "tier", "resolution_hours")),
            AuditEvent.objects.count()) == before
    response = c.post("/casework/categories/", {"community": w.c1.pk, "form": "create", "code": "pets",
                                                "name": "宠物扰民", "tier": "building", "response_hours": "12",
                                                "resolution_hours": "48"})
    assert response.status_code == 302 and Category.objects.filter(community=w.c1, code="pets").exists()


def test_category_of_another_community_is_404(client, case_world):
    w = case_world
    other = Category.objects.get(community=w.c2, code="environment")
    before = list(Category.objects.values_list("pk", "name"))
    response = as_role(client, w, "community_staff").post("/casework/categories/", {
        "community": w.c1.pk, "category": other.pk, "name": "改名"})
    assert response.status_code == 404
    assert as_role(client, w, "community_staff").get(f"/casework/categories/?community={w.c2.pk}").status_code == 404
    assert list(Category.objects.values_list("pk", "name")) == before


# Departments and 报到 -------------------------------------------------------------------------------------
def _whistled(w):
    case = staff_case(w, community=w.c1, address="东门", description="楼上空房漏水")
    lifecycle.case_whistle(actor=w.users["community_staff"], case_id=case.pk,
                           department_id=w.departments["housing"].pk, reason="空房无人，需房管所开门")
    return case


@pytest.mark.parametrize("role", ALL_ROLES)
def test_departments_page_for_every_role(client, case_world, role):
    w = case_world
    case = _whistled(w)
    response = as_role(client, w, role).get("/casework/departments/")
    allowed = role in ("community_secretary", "community_staff", "outsider", "department")
    assert response.status_code == (200 if allowed else 404)
    if role in ("community_staff", "department"):
        html = text(response)
        assert "区房管所" in element(html, "departments") and case.title in element(html, "waiting")


@pytest.mark.parametrize("role", ALL_ROLES)
def test_whistles_page_and_acknowledge(client, case_world, role):
    w = case_world
    case = _whistled(w)
    whistle = Whistle.objects.get()
    c = as_role(client, w, role)
    assert c.get("/casework/whistles/").status_code == (200 if role == "department" else 404)
    before = snapshot()
    response = c.post(f"/casework/whistles/{whistle.pk}/ack/", {"note": "下午到场"})
    if role != "department":
        assert response.status_code == 404
        assert snapshot() == before
        return
    assert response.status_code == 302
    whistle.refresh_from_db()
    case.refresh_from_db()
    assert whistle.status == "acknowledged" and whistle.response == "下午到场"
    assert case.status == "in_progress" and case.handler == w.users["department"]
    again = c.post(f"/casework/whistles/{whistle.pk}/ack/", follow=True)
    assert "该部门已报到。" in text(again)
    page = text(c.get(f"/cases/{case.pk}/"))
    assert 'id="step-resolve"' in page  # the department now handles it
