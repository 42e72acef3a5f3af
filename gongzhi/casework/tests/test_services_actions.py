"""Service orders: 列单—点单—派单—接单—评单 through the actions; every bad input changes nothing."""

from __future__ import annotations

from functools import partial

import pytest

from gongzhi.casework.services import actions as sa
from gongzhi.casework.models import ServiceOffering, ServiceOrder
from gongzhi.core.models import AuditEvent
from gongzhi.core.notifications.models import Notification
from gongzhi.testing import kit

from .field_world import build_field

pytestmark = pytest.mark.django_db
S = ServiceOrder.Status


APP_WORLD = build_field  # built once for the module (gongzhi/testing/plugin.py)


@pytest.fixture
def fw(app_world):
    return app_world


snapshot = kit.snapshot_of(ServiceOffering, ServiceOrder, counts=(Notification, AuditEvent))
expect_error = partial(kit.expect_error, snapshot=snapshot)


def place(world, offering, user="resident", **kw):
    kw.setdefault("note", "老人腿脚不便，请上门")
    return sa.order_place(actor=world.users[user], offering_id=offering.pk, **kw)


def notified(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("title", flat=True))


# The whole flow ---------------------------------------------------------------------------------
def test_order_post_take_complete_rate(case_world, fw):
    w = case_world
    resident, volunteer = w.users["resident"], w.users["volunteer"]
    order = place(w, fw.haircut, preferred_time="周六上午")
    assert order.status == S.ORDERED and order.household == w.h("b1 1-101") and order.requested_by == resident
    assert order.community_id == w.c1.pk
    # Community secretary and staff hear about the new order.
    assert {n.user_id for n in Notification.objects.filter(url=f"/services/orders/{order.pk}/")} == {
        w.users["community_secretary"].pk, w.users["community_staff"].pk}

    sa.order_post(actor=w.users["community_staff"], order_id=order.pk)
    order.refresh_from_db()
    assert order.status == S.POSTED and order.posted_at is not None
    assert "已发布，等待接单" in notified(resident)[-1]

    sa.order_take(actor=volunteer, order_id=order.pk)
    order.refresh_from_db()
    assert (order.status, order.assignee, order.dispatched_by) == (S.TAKEN, volunteer, None)
    assert "志愿者 已接单" in notified(resident)[-1]

    sa.order_complete(actor=volunteer, order_id=order.pk, note="已上门理发，约四十分钟")
    order.refresh_from_db()
    assert order.status == S.COMPLETED and order.completion_note == "已上门理发，约四十分钟"
    assert "请评价" in notified(resident)[-1]

    sa.order_rate(actor=resident, order_id=order.pk, rating=5, comment="小伙子手艺好")
    order.refresh_from_db()
    assert (order.status, order.rating, order.rating_comment) == (S.RATED, 5, "小伙子手艺好")
    assert "居民评价 5 星" in notified(volunteer)[-1]
    actions = list(AuditEvent.objects.filter(target_type="casework.serviceorder", target_id=str(order.pk))
                   .order_by("pk").values_list("action", flat=True))
    assert actions == ["service_order.place", "service_order.post", "service_order.take", "service_order.complete",
                       "service_order.rate"]
    # Nobody is ever notified of their own step.
    assert not Notification.objects.filter(user=resident, title__contains="新点单").exists()


def test_dispatch_to_a_named_party_member(case_world, fw):
    w = case_world
    order = place(w, fw.escort, note="周三去市一院复查")
    sa.order_dispatch(actor=w.users["community_secretary"], order_id=order.pk, assignee_id=w.users["member"].pk,
                      note="王书记，麻烦您陪同")
    order.refresh_from_db()
    assert (order.status, order.assignee, order.dispatched_by) == (
        S.TAKEN, w.users["member"], w.users["community_secretary"])
    assert "派给您的服务订单" in notified(w.users["member"])[-1]
    assert "已派单给" in notified(w.users["resident"])[-1]


def test_dispatch_a_posted_order_and_staff_provided_service(case_world, fw):
    w = case_world
    order = place(w, fw.paperwork)
    sa.order_post(actor=w.users["community_staff"], order_id=order.pk)
    # Staff-provided services go to the community's own people, e.g. the social worker.
    sa.order_dispatch(actor=w.users["community_staff"], order_id=order.pk, assignee_id=w.users["social_worker"].pk)
    order.refresh_from_db()
    assert order.assignee == w.users["social_worker"] and order.status == S.TAKEN


# Bad input and refusals --------------------------------------------------------------------------
def test_place_errors(case_world, fw):
    w = case_world
    expect_error("offering_inactive", lambda: place(w, fw.old), status=409)
    expect_error("household_not_yours", lambda: place(w, fw.haircut, household_id=w.h("b1 1-102").pk), status=403)
    expect_error("household_not_yours", lambda: place(w, fw.haircut, household_id=999999), status=403)
    expect_error("too_long", lambda: place(w, fw.haircut, note="请" * 501), field="note")
    expect_error("too_long", lambda: place(w, fw.haircut, preferred_time="周" * 101), field="preferred_time")
    expect_error("not_a_resident", lambda: place(w, fw.haircut, user="volunteer"), status=403)
    # Another community's catalogue is invisible.
    expect_error("not_found", lambda: place(w, fw.haircut_c2), status=404)
    expect_error("not_found", lambda: place(w, fw.haircut, user="nobody"), status=404)
    first = place(w, fw.haircut)
    error = expect_error("duplicate_order", lambda: place(w, fw.haircut), status=409)
    assert error.details == {"order_id": first.pk}
    # Once that order is done, the household may order the same service again.
    sa.order_cancel(actor=w.users["resident"], order_id=first.pk)
    assert place(w, fw.haircut).status == S.ORDERED


def test_place_needs_a_choice_between_two_homes(case_world, fw):
    w = case_world
    from gongzhi.org.models import Occupancy

    Occupancy.objects.create(household=w.h("b3 1-201"), resident=w.residents["b1 1-101 owner"], relation="owner")
    expect_error("household_required", lambda: place(w, fw.haircut), field="household")
    order = place(w, fw.haircut, household_id=w.h("b3 1-201").pk)
    assert order.household == w.h("b3 1-201")


def test_dispatch_errors(case_world, fw):
    w = case_world
    order = place(w, fw.escort)
    staff = w.users["community_staff"]
    for bad in (w.users["volunteer"].pk, w.users["resident"].pk, w.users["member_c2"].pk, 999999, "x"):
        expect_error("invalid_assignee",
                     lambda bad=bad: sa.order_dispatch(actor=staff, order_id=order.pk, assignee_id=bad),
                     field="assignee")
    # Sub-district staff see the order but do not dispatch; takers and residents don't either.
    expect_error("permission_denied", lambda: sa.order_dispatch(
        actor=w.users["subdistrict_staff"], order_id=order.pk, assignee_id=w.users["member"].pk), status=403)
    expect_error("permission_denied", lambda: sa.order_dispatch(
        actor=w.users["resident"], order_id=order.pk, assignee_id=w.users["member"].pk), status=403)
    expect_error("not_found", lambda: sa.order_dispatch(
        actor=w.users["outsider"], order_id=order.pk, assignee_id=w.users["member"].pk), status=404)
    expect_error("permission_denied", lambda: sa.order_post(actor=w.users["resident"], order_id=order.pk))
    sa.order_dispatch(actor=staff, order_id=order.pk, assignee_id=w.users["member"].pk)
    expect_error("order_already_taken", lambda: sa.order_dispatch(
        actor=staff, order_id=order.pk, assignee_id=w.users["member"].pk), status=409)
    expect_error("order_transition_not_allowed", lambda: sa.order_post(actor=staff, order_id=order.pk), status=409)


def test_cancel_rules(case_world, fw):
    w = case_world
    resident = w.users["resident"]
    order = place(w, fw.haircut)
    expect_error("not_your_order", lambda: sa.order_cancel(actor=w.users["community_staff"], order_id=order.pk),
                 status=403)
    expect_error("too_long", lambda: sa.order_cancel(actor=resident, order_id=order.pk, reason="不" * 501))
    sa.order_post(actor=w.users["community_staff"], order_id=order.pk)
    sa.order_take(actor=w.users["volunteer"], order_id=order.pk)
    expect_error("order_already_taken", lambda: sa.order_cancel(actor=resident, order_id=order.pk), status=409)

    other = place(w, fw.repair)
    sa.order_cancel(actor=resident, order_id=other.pk, reason="已经修好了")
    other.refresh_from_db()
    assert other.status == S.CANCELLED and other.cancelled_at is not None
    expect_error("order_transition_not_allowed", lambda: sa.order_cancel(actor=resident, order_id=other.pk))
    # Nobody takes a cancelled order.
    expect_error("not_found", lambda: sa.order_take(actor=w.users["volunteer"], order_id=other.pk), status=404)


def test_take_rules(case_world, fw):
    w = case_world
    staff = w.users["community_staff"]
    escort = place(w, fw.escort)
    sa.order_post(actor=staff, order_id=escort.pk)
    # A volunteer may not take a party-members-only service: it is not even in their pool.
    expect_error("not_found", lambda: sa.order_take(actor=w.users["volunteer"], order_id=escort.pk), status=404)
    # The staff member sees it on the board but is no party member.
    expect_error("not_eligible_taker", lambda: sa.order_take(actor=staff, order_id=escort.pk), status=403)
    # A party member of another community does not see it at all.
    expect_error("not_found", lambda: sa.order_take(actor=w.users["member_c2"], order_id=escort.pk), status=404)
    # An order not yet posted is not in anyone's pool.
    waiting = place(w, fw.repair)
    expect_error("not_found", lambda: sa.order_take(actor=w.users["volunteer"], order_id=waiting.pk), status=404)
    # A party member does not serve their own order.
    own = place(w, fw.haircut, user="member")
    sa.order_post(actor=staff, order_id=own.pk)
    expect_error("own_order", lambda: sa.order_take(actor=w.users["member"], order_id=own.pk), status=403)
    sa.order_take(actor=w.users["member"], order_id=escort.pk)
    expect_error("order_already_taken", lambda: sa.order_take(actor=w.users["member"], order_id=escort.pk),
                 status=409)


def test_two_takers_exactly_one_wins(case_world, fw):
    """The conditional update: both takers pass every check on the same stale row; one update wins."""
    w = case_world
    a, b = w.users["volunteer"], w.users["volunteer2"]
    order = place(w, fw.haircut)
    sa.order_post(actor=w.users["community_staff"], order_id=order.pk)
    from django.utils import timezone

    seen_by_a = ServiceOrder.objects.get(pk=order.pk)
    seen_by_b = ServiceOrder.objects.get(pk=order.pk)
    assert seen_by_a.status == seen_by_b.status == S.POSTED
    now = timezone.now()
    assert sa.claim(seen_by_a, a, now) is True
    assert sa.claim(seen_by_b, b, now) is False
    order.refresh_from_db()
    assert (order.status, order.assignee) == (S.TAKEN, a)
    # Through the action: the loser is told, nothing changes, no second audit or notification.
    error = expect_error("order_already_taken", lambda: sa.order_take(actor=b, order_id=order.pk), status=409)
    assert "已被他人接单" in error.message
    order.refresh_from_db()
    assert order.assignee == a


def test_first_come_first_served_through_the_action(case_world, fw):
    w = case_world
    a, b = w.users["volunteer2"], w.users["volunteer"]
    order = place(w, fw.repair)
    sa.order_post(actor=w.users["community_staff"], order_id=order.pk)
    sa.order_take(actor=a, order_id=order.pk)
    expect_error("order_already_taken", lambda: sa.order_take(actor=b, order_id=order.pk), status=409)
    assert AuditEvent.objects.filter(action="service_order.take").count() == 1
    assert ServiceOrder.objects.get(pk=order.pk).assignee == a


def test_complete_and_release_rules(case_world, fw):
    w = case_world
    staff, volunteer = w.users["community_staff"], w.users["volunteer"]
    order = place(w, fw.haircut)
    sa.order_post(actor=staff, order_id=order.pk)
    expect_error("not_your_order", lambda: sa.order_complete(actor=w.users["resident"], order_id=order.pk,
                                                             note="好了"), status=403)
    sa.order_take(actor=volunteer, order_id=order.pk)
    expect_error("required", lambda: sa.order_complete(actor=volunteer, order_id=order.pk, note="  "), field="note")
    expect_error("too_long", lambda: sa.order_complete(actor=volunteer, order_id=order.pk, note="做" * 2001))
    expect_error("not_found", lambda: sa.order_complete(actor=w.users["volunteer2"], order_id=order.pk, note="好"),
                 status=404)
    expect_error("required", lambda: sa.order_release(actor=volunteer, order_id=order.pk, reason=""))
    expect_error("not_your_order", lambda: sa.order_release(actor=w.users["resident"], order_id=order.pk,
                                                            reason="换人"), status=403)
    sa.order_release(actor=volunteer, order_id=order.pk, reason="临时加班去不了")
    order.refresh_from_db()
    assert (order.status, order.assignee, order.taken_at) == (S.POSTED, None, None)
    assert "重新等待接单" in notified(w.users["resident"])[-1]
    assert any("退回接单池" in t for t in notified(staff))
    sa.order_take(actor=w.users["volunteer2"], order_id=order.pk)
    sa.order_complete(actor=w.users["volunteer2"], order_id=order.pk, note="已完成")
    expect_error("order_transition_not_allowed",
                 lambda: sa.order_complete(actor=w.users["volunteer2"], order_id=order.pk, note="再完成一次"),
                 status=409)


def _completed(w, fw):
    order = place(w, fw.haircut)
    sa.order_post(actor=w.users["community_staff"], order_id=order.pk)
    sa.order_take(actor=w.users["volunteer"], order_id=order.pk)
    return order


def test_rating_rules(case_world, fw):
    w = case_world
    resident = w.users["resident"]
    order = _completed(w, fw)
    expect_error("order_not_completed", lambda: sa.order_rate(actor=resident, order_id=order.pk, rating=5),
                 status=409)
    sa.order_complete(actor=w.users["volunteer"], order_id=order.pk, note="已完成")
    # Only the requester rates: the taker sees the order but may not rate it; others don't see it.
    expect_error("not_your_order", lambda: sa.order_rate(actor=w.users["volunteer"], order_id=order.pk, rating=5),
                 status=403)
    expect_error("not_your_order", lambda: sa.order_rate(actor=w.users["community_staff"], order_id=order.pk,
                                                         rating=5), status=403)
    expect_error("not_found", lambda: sa.order_rate(actor=w.users["member"], order_id=order.pk, rating=5),
                 status=404)
    for bad in (0, 6, -1, "abc", None, "", 4.5):
        expect_error("invalid_rating", lambda bad=bad: sa.order_rate(actor=resident, order_id=order.pk, rating=bad),
                     field="rating")
    expect_error("too_long", lambda: sa.order_rate(actor=resident, order_id=order.pk, rating=4, comment="好" * 501))
    sa.order_rate(actor=resident, order_id=order.pk, rating="4")
    assert ServiceOrder.objects.get(pk=order.pk).rating == 4
    expect_error("order_already_rated", lambda: sa.order_rate(actor=resident, order_id=order.pk, rating=5),
                 status=409)


def test_cancelled_order_cannot_be_rated(case_world, fw):
    w = case_world
    order = place(w, fw.haircut)
    sa.order_cancel(actor=w.users["resident"], order_id=order.pk)
    expect_error("order_not_completed", lambda: sa.order_rate(actor=w.users["resident"], order_id=order.pk,
                                                              rating=5), status=409)


# 组织列单 ---------------------------------------------------------------------------------------
def test_offerings_lifecycle(case_world, fw):
    w = case_world
    staff = w.users["community_staff"]
    o = sa.offering_create(actor=staff, community_id=w.c1.pk, title=" 代购 ", description="帮老人买菜买药",
                           provider="volunteer")
    assert (o.title, o.provider, o.is_active) == ("代购", "volunteer", True)
    sa.offering_update(actor=staff, offering_id=o.pk, title="代购", description="帮老人买菜买药，每周两次",
                       provider="any")
    o.refresh_from_db()
    assert o.provider == "any" and "每周两次" in o.description
    order = place(w, o)
    sa.offering_withdraw(actor=staff, offering_id=o.pk)
    expect_error("offering_inactive", lambda: place(w, o, user="member"))
    # An order placed before the withdrawal goes on.
    sa.order_post(actor=staff, order_id=order.pk)
    assert ServiceOrder.objects.get(pk=order.pk).status == S.POSTED
    expect_error("offering_state", lambda: sa.offering_withdraw(actor=staff, offering_id=o.pk), status=409)
    sa.offering_relist(actor=staff, offering_id=o.pk)
    assert ServiceOffering.objects.get(pk=o.pk).is_active
    assert list(AuditEvent.objects.filter(target_type="casework.serviceoffering", target_id=str(o.pk))
                .order_by("pk").values_list("action", flat=True)) == [
        "service_offering.create", "service_offering.update", "service_offering.withdraw", "service_offering.relist"]


def test_offering_errors(case_world, fw):
    w = case_world
    staff = w.users["community_staff"]

    def create(actor="community_staff", community=None, **kw):
        kw.setdefault("title", "代购")
        return sa.offering_create(actor=w.users[actor], community_id=community or w.c1.pk, **kw)

    expect_error("required", lambda: create(title="  "), field="title")
    expect_error("too_long", lambda: create(title="服" * 101), field="title")
    expect_error("too_long", lambda: create(description="说" * 2001), field="description")
    expect_error("invalid_provider", lambda: create(provider="robot"), field="provider")
    expect_error("offering_title_taken", lambda: create(title="理发"), field="title")
    expect_error("permission_denied", lambda: create(actor="subdistrict_staff"), status=403)
    for role in ("volunteer", "grid_worker", "resident", "social_worker", "nobody"):
        expect_error("not_found", lambda role=role: create(actor=role), status=404)
    expect_error("not_found", lambda: create(actor="outsider"), status=404)
    expect_error("not_found", lambda: create(community=999999), status=404)
    # A withdrawn title may be reused by a new offering, but not relisted next to it.
    fresh = create(title="旧服务")
    expect_error("offering_title_taken", lambda: sa.offering_relist(actor=staff, offering_id=fw.old.pk))
    expect_error("offering_title_taken", lambda: sa.offering_update(actor=staff, offering_id=fresh.pk, title="陪诊"))
    expect_error("permission_denied", lambda: sa.offering_withdraw(actor=w.users["subdistrict_staff"],
                                                                   offering_id=fresh.pk), status=403)
    expect_error("permission_denied", lambda: sa.offering_withdraw(actor=w.users["resident"], offering_id=fresh.pk),
                 status=403)
