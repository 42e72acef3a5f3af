"""The life of a request: every step, who may take it, and what the resident sees."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gongzhi.casework.models import Case, CaseEvent, CategoryCorrection, Whistle
from gongzhi.core.models import AuditEvent
from gongzhi.core.notifications.models import Notification

from .helpers import as_user, photo, post, snapshot, submit_as

pytestmark = pytest.mark.django_db


def new_case(client, w, **body):
    body.setdefault("household_id", w.h("b1 1-101").pk)
    body.setdefault("description", "卫生间漏水，楼上没人住")
    response = submit_as(client, w, "resident", **body)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def step(client, w, role, case_id, path, body=None):
    return post(as_user(client, w, role), f"/api/casework/cases/{case_id}/{path}", body or {})


def test_full_life_at_the_building(client, case_world):
    w = case_world
    cid = new_case(client, w)
    assert step(client, w, "building_head", cid, "accept", {"note": "马上联系楼上业主"}).status_code == 200
    case = Case.objects.get(pk=cid)
    assert case.status == "accepted" and case.handler == w.users["building_head"]
    assert case.responded_at is not None
    assert step(client, w, "building_head", cid, "start").status_code == 200
    assert step(client, w, "building_head", cid, "progress", {"note": "已联系物业关闭楼上总阀"}).status_code == 200
    response = step(client, w, "building_head", cid, "resolve", {"result": "更换了楼上破裂的水管", "photos": [photo()]})
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.status == "resolved" and case.resolved_tier == "building" and case.resolution == "更换了楼上破裂的水管"
    assert case.photos.filter(kind="result").count() == 1
    assert step(client, w, "resident", cid, "verify", {"fixed": True}).status_code == 200
    response = step(client, w, "resident", cid, "rate", {"rating": 5, "comment": "很及时"})
    assert response.status_code == 200
    assert step(client, w, "community_staff", cid, "close").status_code == 200
    case.refresh_from_db()
    assert (case.status, case.rating, case.rating_comment) == ("closed", 5, "很及时")
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "accepted", "started", "progress", "resolved", "verified", "rated", "closed"]
    # Every step was audited with who did it.
    assert AuditEvent.objects.filter(action__startswith="case.", target_id=str(cid)).count() == len(kinds)
    # The resident was told of every step taken by somebody else.
    resident_notes = Notification.objects.filter(user=w.users["resident"], url=f"/cases/{cid}/")
    assert resident_notes.count() == 5  # accepted, started, progress, resolved, closed
    # The handler hears about verification and rating.
    assert Notification.objects.filter(user=w.users["building_head"], kind__in=["case.verified", "case.rated"]).count() == 2


def test_resident_sees_only_public_timeline(client, case_world):
    w = case_world
    cid = new_case(client, w)
    step(client, w, "building_head", cid, "accept")
    step(client, w, "building_head", cid, "comment", {"note": "此户曾多次投诉，注意沟通方式"})
    step(client, w, "building_head", cid, "progress", {"note": "内部：等待物业报价", "public": False})
    mine = as_user(client, w, "resident").get(f"/api/casework/cases/{cid}").json()
    assert [e["kind"] for e in mine["timeline"]] == ["submitted", "accepted"]
    staff = as_user(client, w, "community_staff").get(f"/api/casework/cases/{cid}").json()
    assert [e["kind"] for e in staff["timeline"]] == ["submitted", "accepted", "comment", "progress"]
    five = as_user(client, w, "community_staff").get(f"/api/casework/cases/{cid}/five-questions").json()
    assert [q["key"] for q in five] == ["need", "cause", "plan", "progress", "outcome"]
    assert [e["kind"] for e in five[0]["events"]] == ["submitted"]
    assert as_user(client, w, "resident").get(f"/api/casework/cases/{cid}/five-questions").status_code == 404


def test_escalate_whistle_and_department_report(client, case_world):
    w = case_world
    cid = new_case(client, w)
    assert step(client, w, "building_head", cid, "escalate", {"reason": ""}).json()["code"] == "reason_required"
    assert step(client, w, "building_head", cid, "escalate", {"reason": "楼上空置房联系不到业主"}).status_code == 200
    case = Case.objects.get(pk=cid)
    assert case.tier == "grid" and case.status == "submitted" and case.handler is None
    # The building head can no longer act; the grid worker can.
    assert step(client, w, "building_head", cid, "accept").status_code == 403
    assert step(client, w, "grid_worker", cid, "accept").status_code == 200
    assert step(client, w, "grid_worker", cid, "escalate", {"reason": "需要房管部门处理"}).status_code == 200
    assert Case.objects.get(pk=cid).tier == "community"
    # Only community staff blow the whistle.
    housing = w.departments["housing"]
    assert step(client, w, "grid_worker", cid, "whistle", {"department_id": housing.pk, "reason": "x"}).status_code == 403
    response = step(client, w, "community_secretary", cid, "whistle",
                    {"department_id": housing.pk, "reason": "空置房漏水需房管所协调开门"})
    assert response.status_code == 200, response.content
    whistle = Whistle.objects.get(case_id=cid)
    assert whistle.status == "pending" and whistle.ack_due_at > timezone.now()
    case.refresh_from_db()
    assert case.tier == "department" and case.department == housing
    assert Notification.objects.filter(user=w.users["department"], url=f"/cases/{cid}/").exists()
    # The department sees it now, acknowledges (报到) and resolves.
    dept = as_user(client, w, "department")
    assert dept.get(f"/api/casework/cases/{cid}").status_code == 200
    ack = post(dept, f"/api/casework/whistles/{whistle.pk}/acknowledge", {"note": "明早上门"})
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    assert post(dept, f"/api/casework/whistles/{whistle.pk}/acknowledge", {}).status_code == 409
    assert step(client, w, "department", cid, "resolve", {"result": "已开门维修"}).status_code == 200
    case.refresh_from_db()
    assert case.resolved_tier == "department" and case.handler == w.users["department"]


def test_police_department_member_without_whistle_sees_nothing(client, case_world):
    w = case_world
    cid = new_case(client, w)
    w.departments["police"].members.add(w.users["nobody"])
    assert as_user(client, w, "nobody").get(f"/api/casework/cases/{cid}").status_code == 404


def test_reopen_when_not_fixed(client, case_world):
    w = case_world
    cid = new_case(client, w)
    step(client, w, "building_head", cid, "accept")
    step(client, w, "building_head", cid, "resolve", {"result": "已修"})
    response = step(client, w, "resident", cid, "verify", {"fixed": False, "note": ""})
    assert response.status_code == 400 and response.json()["code"] == "reason_required"
    response = step(client, w, "resident", cid, "verify", {"fixed": False, "note": "还在滴水"})
    assert response.status_code == 200
    case = Case.objects.get(pk=cid)
    assert case.status == "in_progress" and case.reopen_count == 1 and case.resolved_at is None
    assert Notification.objects.filter(user=w.users["building_head"], kind="case.reopened").exists()
    step(client, w, "building_head", cid, "resolve", {"result": "重新更换了阀门"})
    step(client, w, "resident", cid, "rate", {"rating": 2})
    assert step(client, w, "resident", cid, "reopen", {"reason": "又漏了"}).status_code == 200
    case.refresh_from_db()
    assert case.reopen_count == 2 and case.rating is None


def test_rating_rules(client, case_world):
    w = case_world
    cid = new_case(client, w)
    before = snapshot()
    response = step(client, w, "resident", cid, "rate", {"rating": 5})
    assert response.status_code == 409 and response.json()["code"] == "not_resolved"
    assert snapshot() == before
    step(client, w, "building_head", cid, "accept")
    step(client, w, "building_head", cid, "resolve", {"result": "已修"})
    before = snapshot()
    # Not yours: a staff member who can see it, and someone who can't.
    assert step(client, w, "community_staff", cid, "rate", {"rating": 5}).json()["code"] == "not_your_case"
    outsider = step(client, w, "outsider", cid, "rate", {"rating": 5})  # can't see it: 404, as for every action
    assert (outsider.status_code, outsider.json()["code"]) == (404, "not_found")
    for bad in (0, 6, "x"):
        response = step(client, w, "resident", cid, "rate", {"rating": bad})
        assert response.status_code in (400, 422)
    assert snapshot() == before
    assert step(client, w, "resident", cid, "rate", {"rating": 4}).status_code == 200
    assert step(client, w, "resident", cid, "rate", {"rating": 5}).status_code == 409


@pytest.mark.parametrize("path,body,status", [
    ("resolve", {"result": "x"}, "submitted"),  # resolve before accepting
    ("start", {}, "submitted"),
    ("verify", {"fixed": True}, "submitted"),
    ("close", {}, "submitted"),
])
def test_transition_not_allowed_changes_nothing(client, case_world, path, body, status):
    w = case_world
    cid = new_case(client, w)
    before = snapshot()
    role = "resident" if path == "verify" else ("community_staff" if path == "close" else "building_head")
    response = step(client, w, role, cid, path, body)
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "transition_not_allowed"
    assert response.json()["details"] == {"status": status}
    assert "不能" in response.json()["message"]
    assert snapshot() == before


def test_reject_needs_reason_and_supervisor(client, case_world):
    w = case_world
    cid = new_case(client, w)
    before = snapshot()
    assert step(client, w, "building_head", cid, "reject", {"reason": "不属实"}).status_code == 403
    assert step(client, w, "community_staff", cid, "reject", {"reason": " "}).json()["code"] == "reason_required"
    assert snapshot() == before
    assert step(client, w, "community_staff", cid, "reject", {"reason": "属于家庭内部事务"}).status_code == 200
    case = Case.objects.get(pk=cid)
    assert case.status == "rejected" and case.responded_at is not None
    note = as_user(client, w, "resident").get(f"/api/casework/cases/{cid}").json()["timeline"][-1]
    assert note["kind"] == "rejected" and note["note"] == "属于家庭内部事务"


def test_merge_duplicate_keeps_reporter_informed(client, case_world):
    w = case_world
    main = submit_as(client, w, "community_staff", household_id=w.h("b1 2-201").pk, channel="phone",
                     reporter_name="赵女士", description="1栋电梯坏了").json()["id"]
    dup = new_case(client, w, description="1栋电梯又坏了，老人下不了楼")
    # Cannot merge into itself, a closed case or another community's case.
    assert step(client, w, "community_staff", dup, "merge", {"into": dup}).json()["code"] == "merge_invalid"
    assert step(client, w, "community_staff", dup, "merge", {"into": 999999}).json()["code"] == "merge_invalid"
    response = step(client, w, "community_staff", dup, "merge", {"into": main})
    assert response.status_code == 200
    dup_case = Case.objects.get(pk=dup)
    assert dup_case.status == "merged" and dup_case.merged_into_id == main
    # Progress on the main case reaches the duplicate's reporter.
    step(client, w, "community_staff", main, "accept")
    step(client, w, "community_staff", main, "resolve", {"result": "电梯公司已修复"})
    resident_events = Notification.objects.filter(user=w.users["resident"], url=f"/cases/{main}/")
    assert set(resident_events.values_list("kind", flat=True)) >= {"case.accepted", "case.resolved"}


def test_change_category_records_correction_and_deadlines(client, case_world):
    w = case_world
    cid = new_case(client, w, description="楼下广场舞太吵了晚上十点还在跳")
    case = Case.objects.get(pk=cid)
    suggested = case.category.code
    assert suggested == "neighbour_dispute"  # grid tier: the building head may not touch it
    assert step(client, w, "building_head", cid, "category", {"category": "environment"}).status_code == 403
    response = step(client, w, "grid_worker", cid, "category", {"category": "environment"})
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.category.code == "environment"
    assert case.resolution_due_at == case.created_at + timedelta(hours=float(case.category.resolution_hours))
    correction = CategoryCorrection.objects.get(case=case)
    assert (correction.suggested_code, correction.corrected_code) == (suggested, "environment")
    assert step(client, w, "grid_worker", cid, "category", {"category": "nope"}).json()["code"] == "unknown_category"


def test_dispatch_and_bulk_dispatch_all_or_nothing(client, case_world):
    w = case_world
    a = new_case(client, w, description="楼道灯坏了")
    b = new_case(client, w, description="单元门禁坏了")
    c2_case = submit_as(client, w, "outsider", community_id=w.c2.pk, channel="phone", reporter_name="x",
                        description="幸福社区路灯坏了").json()["id"]
    # Dispatch to someone who cannot handle the case: refused.
    r = step(client, w, "community_staff", a, "dispatch", {"handler_id": w.users["volunteer"].pk})
    assert r.status_code == 400 and r.json()["code"] == "invalid_handler"
    before = snapshot()
    staff = as_user(client, w, "community_staff")
    r = post(staff, "/api/casework/cases/bulk-dispatch", {"case_ids": [a, b, c2_case],
                                                           "handler_id": w.users["grid_worker"].pk})
    assert r.status_code == 404  # c2's case is invisible: nothing dispatched
    assert snapshot() == before
    r = post(staff, "/api/casework/cases/bulk-dispatch", {"case_ids": [a, b], "handler_id": w.users["grid_worker"].pk})
    assert r.status_code == 200
    assert set(Case.objects.filter(pk__in=[a, b]).values_list("status", "handler_id")) == {
        ("dispatched", w.users["grid_worker"].pk)}
    assert Notification.objects.filter(user=w.users["grid_worker"], kind="case.dispatched").count() == 2


def test_hand_over_to_colleague(client, case_world):
    w = case_world
    cid = new_case(client, w)
    step(client, w, "building_head", cid, "accept")
    r = step(client, w, "building_head", cid, "hand-over", {"handler_id": w.users["unit_head"].pk, "reason": "我出差"})
    assert r.status_code == 200
    assert Case.objects.get(pk=cid).handler == w.users["unit_head"]
    event = CaseEvent.objects.get(case_id=cid, kind="handed_over")
    assert not event.public and event.data == {"from": w.users["building_head"].pk, "to": w.users["unit_head"].pk}


def test_queue_search_and_filters(client, case_world):
    w = case_world
    leak = new_case(client, w, description="卫生间天花板漏水严重")
    lamp = new_case(client, w, description="楼道灯不亮")
    staff = as_user(client, w, "community_staff")
    ids = lambda r: [c["id"] for c in r.json()["items"]]  # noqa: E731
    assert ids(staff.get("/api/casework/cases?q=漏水")) == [leak]
    assert ids(staff.get("/api/casework/cases?q=楼道灯")) == [lamp]
    assert ids(staff.get(f"/api/casework/cases?q=%23{leak}")) == [leak]
    assert set(ids(staff.get("/api/casework/cases?status=open"))) == {leak, lamp}
    step(client, w, "building_head", leak, "accept")
    assert ids(staff.get("/api/casework/cases?status=accepted")) == [leak]
    assert ids(as_user(client, w, "building_head").get("/api/casework/cases?handler=me")) == [leak]
    assert ids(staff.get("/api/casework/cases?q=电梯")) == []


def test_queue_query_count_does_not_grow(client, case_world, django_assert_max_num_queries):
    w = case_world
    for i in range(12):
        new_case(client, w, description=f"第{i}号诉求：楼道堆放杂物")
    staff = as_user(client, w, "community_staff")
    staff.get("/api/casework/cases")
    with django_assert_max_num_queries(8):
        response = staff.get("/api/casework/cases?page_size=50")
    assert response.json()["count"] == 12
