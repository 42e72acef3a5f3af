"""Every service-order page and endpoint across every role of the test world (+ party members, a volunteer).

Reads: allowed roles get 200, the others 404 (a miss and a refusal look the same).
Writes: allowed roles succeed; refused roles get 403 (the object is visible, the step is not
theirs) or 404, and nothing changes (orders, offerings, notifications, audit).
"""

from __future__ import annotations

import json
from functools import partial

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.casework.models import ServiceOffering, ServiceOrder
from gongzhi.core.models import AuditEvent
from gongzhi.core.notifications.models import Notification
from gongzhi.org.models import Role
from gongzhi.org.testing.world import ROLE_KEYS
from gongzhi.testing import kit

from .field_world import build_field

pytestmark = pytest.mark.django_db

ROLES = [*ROLE_KEYS, "member", "volunteer2", "member_c2"]
MANAGERS = {"community_secretary", "community_staff"}
BOARD = MANAGERS | {"subdistrict_staff"}
C1 = {r.value for r in Role} | {"resident", "member", "volunteer2"}  # everyone "of" 和谐社区
TAKERS = {"volunteer", "volunteer2", "member"}  # may take 理发 (party member or volunteer)
# Anyone who takes some kind of order somewhere (the c2 staff member takes c2's staff-provided services).
POOL_PAGE = TAKERS | MANAGERS | {"social_worker", "member_c2", "outsider"}


APP_WORLD = build_field  # built once for the module (gongzhi/testing/plugin.py)


@pytest.fixture
def fw(app_world):
    return app_world


snapshot = kit.snapshot_of(ServiceOffering, ServiceOrder, counts=(Notification, AuditEvent))


def make_order(w, offering, status="ordered", assignee=None, requester="resident", household="b1 1-101"):
    """Test setup straight in the database: an order in the given state."""
    now = timezone.now()
    return ServiceOrder.objects.create(
        offering=offering, community=offering.community, household=w.h(household), requested_by=w.users[requester],
        status=status, assignee=w.users[assignee] if assignee else None,
        posted_at=None if status == "ordered" else now, taken_at=now if assignee else None,
        completed_at=now if status in ("completed", "rated") else None,
    )


check_reads = partial(kit.check_reads, roles=ROLES)


def check_writes(world, setup, request, expected) -> None:
    """``setup()`` makes a fresh object, ``request(client, obj)`` posts; ``expected(role)`` the status."""
    kit.check_writes(world, lambda _role: setup(), request, expected, snapshot=snapshot, roles=ROLES)


def api_post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


# Pages: reads ------------------------------------------------------------------------------------
def test_resident_and_staff_pages(case_world, fw):
    w = case_world
    c1 = w.c1.pk
    check_reads(w, f"/services/?community={c1}", C1 | {"subdistrict_staff"})
    check_reads(w, f"/services/{fw.haircut.pk}/order/", C1 | {"subdistrict_staff"})
    check_reads(w, "/services/mine/", set(ROLES))
    check_reads(w, "/services/pool/", POOL_PAGE)
    check_reads(w, "/services/pool/?tab=mine", POOL_PAGE)
    for url in (f"/services/board/?community={c1}", f"/services/board/?community={c1}&status=all",
                f"/services/board/offerings/?community={c1}", f"/services/board/offerings/{fw.haircut.pk}/"):
        check_reads(w, url, BOARD)
    check_reads(w, f"/services/board/?community={w.c2.pk}", {"subdistrict_staff", "outsider"})
    # Anonymous visitors are sent to log in.
    assert Client().get("/services/").status_code == 302


def test_order_pages_follow_the_order(case_world, fw):
    w = case_world
    ordered = make_order(w, fw.haircut)
    check_reads(w, f"/services/orders/{ordered.pk}/", BOARD | {"resident"})
    check_reads(w, f"/services/orders/{ordered.pk}/dispatch/", BOARD)
    posted = make_order(w, fw.haircut, status="posted", household="b1 1-201")
    check_reads(w, f"/services/orders/{posted.pk}/", BOARD | {"resident"} | TAKERS)
    escort = make_order(w, fw.escort, status="posted", household="b1 1-202")
    check_reads(w, f"/services/orders/{escort.pk}/", BOARD | {"resident", "member"})
    paperwork = make_order(w, fw.paperwork, status="posted", household="b2 1-101")
    check_reads(w, f"/services/orders/{paperwork.pk}/", BOARD | {"resident", "social_worker"})
    taken = make_order(w, fw.repair, status="taken", assignee="volunteer", household="b2 1-102")
    check_reads(w, f"/services/orders/{taken.pk}/", BOARD | {"resident", "volunteer"})


def test_contact_details_only_for_requester_taker_and_managers(case_world, fw):
    w = case_world
    phone = w.users["resident"].phone
    posted = make_order(w, fw.haircut, status="posted")
    pool_view = kit.client_for(w.users["volunteer"]).get(f"/services/orders/{posted.pk}/").content.decode()
    assert phone not in pool_view and "1-101" not in pool_view and phone[-4:] in pool_view
    assert "1-101" not in kit.client_for(w.users["volunteer"]).get("/services/pool/").content.decode()
    reader_view = kit.client_for(w.users["subdistrict_staff"]).get(f"/services/orders/{posted.pk}/").content.decode()
    assert phone not in reader_view
    for role in ("resident", "community_staff"):
        page = kit.client_for(w.users[role]).get(f"/services/orders/{posted.pk}/").content.decode()
        assert phone in page and "1-101" in page, role
    taken = make_order(w, fw.repair, status="taken", assignee="volunteer", household="b1 1-201")
    page = kit.client_for(w.users["volunteer"]).get(f"/services/orders/{taken.pk}/").content.decode()
    assert phone in page and "1-201" in page


# Pages: writes -----------------------------------------------------------------------------------
def test_page_offering_writes(case_world, fw):
    w = case_world
    counter = iter(range(1000))
    check_writes(
        w, lambda: None,
        lambda c, _o: c.post(f"/services/board/offerings/?community={w.c1.pk}",
                             {"title": f"代购{next(counter)}", "provider": "any"}),
        lambda r: 302 if r in MANAGERS else 403 if r == "subdistrict_staff" else 404,
    )
    check_writes(
        w, lambda: ServiceOffering.objects.create(community=w.c1, title=f"临时{next(counter)}"),
        lambda c, o: c.post(f"/services/board/offerings/{o.pk}/", {"op": "withdraw"}),
        lambda r: 302 if r in MANAGERS else 403 if r == "subdistrict_staff" else 404,
    )


def test_page_order_place(case_world, fw):
    w = case_world

    def expected(role):
        if role in ("resident", "member"):
            return 302
        if role in C1 or role == "subdistrict_staff":
            return 403  # sees the catalogue, lives nowhere here
        return 404

    check_writes(w, lambda: None,
                 lambda c, _o: c.post(f"/services/{fw.haircut.pk}/order/", {"note": "上门理发"}), expected)


def _step(step):
    return lambda c, o: c.post(f"/services/orders/{o.pk}/{step}/", {"note": "已完成", "reason": "去不了",
                                                                    "rating": "5"})


def test_page_order_steps(case_world, fw):
    w = case_world
    check_writes(  # take from the pool
        w, lambda: make_order(w, fw.haircut, status="posted"), _step("take"),
        lambda r: 302 if r in TAKERS else 403 if r in BOARD | {"resident"} else 404,
    )
    check_writes(  # dispatch to a named party member
        w, lambda: make_order(w, fw.haircut),
        lambda c, o: c.post(f"/services/orders/{o.pk}/dispatch/", {"assignee": w.users["member"].pk}),
        lambda r: 302 if r in MANAGERS else 403 if r == "subdistrict_staff" else 404,
    )
    check_writes(  # post to the pool
        w, lambda: make_order(w, fw.haircut), _step("post"),
        lambda r: 302 if r in MANAGERS else 403 if r in {"subdistrict_staff", "resident"} else 404,
    )
    check_writes(  # the requester cancels
        w, lambda: make_order(w, fw.haircut), _step("cancel"),
        lambda r: 302 if r == "resident" else 403 if r in BOARD else 404,
    )
    check_writes(  # the taker completes
        w, lambda: make_order(w, fw.haircut, status="taken", assignee="volunteer"), _step("complete"),
        lambda r: 302 if r == "volunteer" else 403 if r in BOARD | {"resident"} else 404,
    )
    check_writes(  # the taker or staff release
        w, lambda: make_order(w, fw.haircut, status="taken", assignee="volunteer"), _step("release"),
        lambda r: 302 if r in MANAGERS | {"volunteer"} else 403 if r in {"subdistrict_staff", "resident"} else 404,
    )
    check_writes(  # only the requester rates
        w, lambda: make_order(w, fw.haircut, status="completed", assignee="volunteer"), _step("rate"),
        lambda r: 302 if r == "resident" else 403 if r in BOARD | {"volunteer"} else 404,
    )
    assert kit.client_for(w.users["resident"]).post(f"/services/orders/{make_order(w, fw.repair).pk}/explode/").status_code \
        == 404


def test_page_bad_input_rerenders_with_the_message(case_world, fw):
    w = case_world
    order = make_order(w, fw.haircut, status="completed", assignee="volunteer")
    before = snapshot()
    response = kit.client_for(w.users["resident"]).post(f"/services/orders/{order.pk}/rate/", {"rating": "9"})
    assert response.status_code == 400 and "评价须为 1 到 5 星" in response.content.decode()
    assert snapshot() == before
    response = kit.client_for(w.users["resident"]).post(f"/services/{fw.old.pk}/order/", {"note": "x"})
    assert response.status_code == 409 and "已下架" in response.content.decode()
    assert snapshot() == before
    # Losing the race for an order sends the taker back to the pool with the reason.
    taken = make_order(w, fw.haircut, status="taken", assignee="volunteer", household="b1 1-201")
    response = kit.client_for(w.users["volunteer2"]).post(f"/services/orders/{taken.pk}/take/")
    assert response.status_code == 302 and response.url == "/services/pool/"
    assert ServiceOrder.objects.get(pk=taken.pk).assignee == w.users["volunteer"]


# API ---------------------------------------------------------------------------------------------
def test_api_reads(case_world, fw):
    w = case_world
    c1 = w.c1.pk
    check_reads(w, f"/api/field/services/offerings?community={c1}", C1 | {"subdistrict_staff"})
    check_reads(w, f"/api/field/services/orders?community={c1}", BOARD)
    order = make_order(w, fw.haircut, status="posted")
    check_reads(w, f"/api/field/services/orders/{order.pk}", BOARD | {"resident"} | TAKERS)
    check_reads(w, f"/api/field/services/orders/{order.pk}/candidates", MANAGERS)
    for role in ROLES:
        items = kit.client_for(w.users[role]).get("/api/field/services/pool").json()["items"]
        assert [i["id"] for i in items] == ([order.pk] if role in TAKERS else []), role
        mine = kit.client_for(w.users[role]).get("/api/field/services/orders/mine").json()["items"]
        assert [i["id"] for i in mine] == ([order.pk] if role == "resident" else []), role
    body = kit.client_for(w.users["volunteer"]).get(f"/api/field/services/orders/{order.pk}").json()
    assert body["household_id"] is None and "*" in body["requester_phone"] and body["actions"] == ["take"]
    assert Client().get("/api/field/services/pool").status_code == 401


def test_api_writes(case_world, fw):
    w = case_world
    counter = iter(range(1000))
    check_writes(
        w, lambda: None,
        lambda c, _o: api_post(c, "/api/field/services/offerings",
                               {"community_id": w.c1.pk, "title": f"陪聊{next(counter)}", "provider": "volunteer"}),
        lambda r: 201 if r in MANAGERS else 403 if r == "subdistrict_staff" else 404,
    )
    check_writes(
        w, lambda: make_order(w, fw.haircut, status="posted"),
        lambda c, o: api_post(c, f"/api/field/services/orders/{o.pk}/take"),
        lambda r: 200 if r in TAKERS else 403 if r in BOARD | {"resident"} else 404,
    )
    check_writes(
        w, lambda: make_order(w, fw.haircut),
        lambda c, o: api_post(c, f"/api/field/services/orders/{o.pk}/dispatch", {"assignee_id": w.users["member"].pk}),
        lambda r: 200 if r in MANAGERS else 403 if r in {"subdistrict_staff", "resident"} else 404,
    )
    check_writes(
        w, lambda: make_order(w, fw.haircut, status="completed", assignee="volunteer"),
        lambda c, o: api_post(c, f"/api/field/services/orders/{o.pk}/rate", {"rating": 4}),
        lambda r: 200 if r == "resident" else 403 if r in BOARD | {"volunteer"} else 404,
    )


def test_api_order_flow_and_error_shape(case_world, fw):
    w = case_world
    resident = kit.client_for(w.users["resident"])
    response = api_post(resident, "/api/field/services/orders", {"offering_id": fw.repair.pk, "note": "冰箱不制冷",
                                                                "preferred_time": "周日下午"})
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["status"] == "ordered" and order["actions"] == ["cancel"] and order["place"].endswith("1-101")
    again = api_post(resident, "/api/field/services/orders", {"offering_id": fw.repair.pk})
    assert again.status_code == 409 and again.json()["code"] == "duplicate_order"
    staff = kit.client_for(w.users["community_staff"])
    assert api_post(staff, f"/api/field/services/orders/{order['id']}/post").json()["status"] == "posted"
    taken = api_post(kit.client_for(w.users["volunteer2"]), f"/api/field/services/orders/{order['id']}/take")
    assert taken.status_code == 200 and taken.json()["actions"] == ["complete", "release"]
    lost = api_post(kit.client_for(w.users["volunteer"]), f"/api/field/services/orders/{order['id']}/take")
    assert lost.status_code == 409 and lost.json()["code"] == "order_already_taken"
    empty = api_post(kit.client_for(w.users["volunteer2"]), f"/api/field/services/orders/{order['id']}/complete", {"note": ""})
    assert empty.status_code == 400 and empty.json() == {"code": "required", "message": "请填写服务记录。",
                                                         "field": "note"}
    done = api_post(kit.client_for(w.users["volunteer2"]), f"/api/field/services/orders/{order['id']}/complete",
                    {"note": "换了温控器"})
    assert done.json()["status"] == "completed"
    rated = api_post(resident, f"/api/field/services/orders/{order['id']}/rate", {"rating": 5, "comment": "及时"})
    assert rated.json()["rating"] == 5 and rated.json()["status"] == "rated"


def test_api_remaining_endpoints(case_world, fw):
    """Every other write endpoint of /api/field/services, role by role."""
    w = case_world
    counter = iter(range(1000))

    def offering(active=True):
        return ServiceOffering.objects.create(community=w.c1, title=f"临时{next(counter)}", is_active=active)

    def managers_only(role):  # everyone of the community sees the offering; only managers change it
        return 200 if role in MANAGERS else 403 if role in C1 | {"subdistrict_staff"} else 404

    cases = [
        (lambda: offering(), lambda c, o: c.put(f"/api/field/services/offerings/{o.pk}",
                                                data=json.dumps({"title": f"改名{next(counter)}"}),
                                                content_type="application/json"), managers_only),
        (lambda: offering(), lambda c, o: api_post(c, f"/api/field/services/offerings/{o.pk}/withdraw"),
         managers_only),
        (lambda: offering(False), lambda c, o: api_post(c, f"/api/field/services/offerings/{o.pk}/relist"),
         managers_only),
        (lambda: make_order(w, fw.haircut), lambda c, o: api_post(c, f"/api/field/services/orders/{o.pk}/post"),
         lambda r: 200 if r in MANAGERS else 403 if r in {"subdistrict_staff", "resident"} else 404),
        (lambda: make_order(w, fw.haircut), lambda c, o: api_post(c, f"/api/field/services/orders/{o.pk}/cancel"),
         lambda r: 200 if r == "resident" else 403 if r in BOARD else 404),
        (lambda: make_order(w, fw.haircut, status="taken", assignee="volunteer"),
         lambda c, o: api_post(c, f"/api/field/services/orders/{o.pk}/complete", {"note": "完成"}),
         lambda r: 200 if r == "volunteer" else 403 if r in BOARD | {"resident"} else 404),
        (lambda: make_order(w, fw.haircut, status="taken", assignee="volunteer"),
         lambda c, o: api_post(c, f"/api/field/services/orders/{o.pk}/release", {"reason": "有事"}),
         lambda r: 200 if r in MANAGERS | {"volunteer"} else 403 if r in {"subdistrict_staff", "resident"} else 404),
    ]
    for setup, request, expected in cases:
        check_writes(w, setup, request, expected)
    taken = make_order(w, fw.repair, status="taken", assignee="volunteer", household="b3 1-101")
    for role in ROLES:
        ids = [i["id"] for i in kit.client_for(w.users[role]).get("/api/field/services/orders/taken").json()["items"]]
        assert (taken.pk in ids) if role == "volunteer" else ids == [], role


def test_home_cards_and_navigation(case_world, fw):
    w = case_world
    make_order(w, fw.haircut, status="posted")
    expected = {
        "home-services": {"resident", "member", "member_c2"},
        "home-taker": {"volunteer", "volunteer2", "member", "member_c2"},
        "home-field-staff": BOARD | {"outsider"},
        "home-patrol": {"grid_head", "grid_worker"},
    }
    links = {
        "/services/": {"resident", "member", "member_c2"},
        "/services/pool/": {"volunteer", "volunteer2", "member", "member_c2"},
        "/services/board/": BOARD | {"outsider"},
        "/mediation/": {"community_secretary", "community_staff", "grid_head", "grid_worker", "subdistrict_staff",
                        "outsider"},
        "/patrols/": {"community_secretary", "community_staff", "grid_head", "grid_worker", "subdistrict_staff",
                      "outsider"},
    }
    failures = []
    for role in ROLES:
        response = kit.client_for(w.users[role]).get("/")
        assert response.status_code == 200, role
        page = response.content.decode()
        nav = page[page.index('class="nav"'):page.index("</nav>")]
        for card, roles in expected.items():
            if (f'id="{card}"' in page) != (role in roles):
                failures.append(f"{role}: card {card}")
        for url, roles in links.items():
            if (f'href="{url}"' in nav) != (role in roles):
                failures.append(f"{role}: nav {url}")
    assert not failures, failures
    assert "接单池 1" in kit.client_for(w.users["volunteer"]).get("/").content.decode()
