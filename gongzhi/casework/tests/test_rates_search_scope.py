"""The queue's full-text search with place tokens (migration 0004): same answers for every role,
the index kept in step by the triggers, and place tokens never matched as words."""

from __future__ import annotations

import pytest

from gongzhi.casework.actions import lifecycle
from gongzhi.casework.actions.intake import case_submit
from gongzhi.casework.selectors import queue

pytestmark = pytest.mark.django_db


def _file(w, actor, description, **place):
    return case_submit(actor=w.users[actor], description=description, channel="walk_in", category_code="property_repair",
                       **place)


@pytest.fixture
def leaks(case_world):
    w = case_world
    ids = {
        "b1": _file(w, "community_staff", "1栋楼顶漏水，顶楼墙面发霉", building_id=w.b1.pk).pk,
        "b2": _file(w, "community_staff", "2栋卫生间漏水", building_id=w.b2.pk).pk,
        "b3": _file(w, "community_staff", "翠竹苑厨房漏水", building_id=w.b3.pk).pk,
        "c1": _file(w, "community_staff", "社区东门水管漏水", community_id=w.c1.pk).pk,
        "b4": _file(w, "outsider", "幸福家园楼道漏水", building_id=w.b4.pk).pk,
        "other": _file(w, "community_staff", "1栋楼道灯坏了", building_id=w.b1.pk).pk,
    }
    return w, ids


EXPECTED = {
    "subdistrict_staff": {"b1", "b2", "b3", "c1", "b4"},
    "community_staff": {"b1", "b2", "b3", "c1"},
    "grid_worker": {"b1", "b3"},  # grid g1
    "building_head": {"b1"},
    "property_staff": {"b1", "b2"},  # compound A (no place token: searched without one)
    "outsider": {"b4"},
    "unit_head": set(),  # unit 1 of b1: the request is about the whole building
    "resident": set(),
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_search_finds_the_same_requests_as_the_scope(leaks, role):
    w, ids = leaks
    found = set(queue(w.users[role], q="漏水").values_list("pk", flat=True))
    assert found == {ids[k] for k in EXPECTED[role]}
    # Without a search the same scope gives the same requests plus the one without the word.
    everything = set(queue(w.users[role]).values_list("pk", flat=True))
    assert found <= everything


def test_department_members_search_their_whistled_requests(leaks):
    w, ids = leaks
    lifecycle.case_whistle(actor=w.users["community_staff"], case_id=ids["b2"],
                           department_id=w.departments["housing"].pk, reason="请房管所协调")
    found = set(queue(w.users["department"], q="漏水").values_list("pk", flat=True))
    assert found == {ids["b2"]}


def test_index_follows_category_changes_and_never_matches_place_tokens(leaks):
    w, ids = leaks
    staff = w.users["community_staff"]
    assert not queue(staff, q="公共设施").exists()
    lifecycle.case_change_category(actor=staff, case_id=ids["other"], category_code="public_facility")
    assert set(queue(staff, q="公共设施").values_list("pk", flat=True)) == {ids["other"]}
    for token in (f"c{w.c1.pk}", f"g{w.g1.pk}", f"b{w.b1.pk}"):
        assert not queue(staff, q=token).exists()
    # Two words: both must be there.
    assert set(queue(staff, q="漏水 发霉").values_list("pk", flat=True)) == {ids["b1"]}
