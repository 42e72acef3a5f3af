"""Every org page and endpoint × every role: allowed, refused, and nothing changed when refused.

The world (gongzhi/org/testing/world.py): c1 has b1 (g1, compound A, units 1-2),
b2 (g2, A), b3 (g1, B); c2 has b4. The red steward looks after b2 1-101 and
b3 1-101; the resident owns b1 1-101, whose family member has sensitive tags.
"""

from __future__ import annotations

import json

import pytest

from gongzhi.core.models import AuditEvent
from gongzhi.org.models import Household, Resident, ResidentTag, RoleAssignment
from gongzhi.org.testing.world import ROLE_KEYS
from gongzhi.testing import kit

pytestmark = pytest.mark.django_db

EVERY = set(ROLE_KEYS)

# Who sees how many households (VIEW_HOUSEHOLDS scope).
VISIBLE_HOUSEHOLDS = {
    "subdistrict_staff": 20,
    "community_secretary": 16,
    "community_staff": 16,
    "grid_head": 12,
    "grid_worker": 12,
    "building_head": 8,
    "unit_head": 4,
    "red_steward": 2,
    "social_worker": 16,
    "property_staff": 12,
    "owners_committee": 12,
    "npc_deputy": 0,
    "police_liaison": 16,
    "volunteer": 0,
    "resident": 1,
    "outsider": 4,
    "department": 0,
    "nobody": 0,
}

SEE_B1_101 = {
    "subdistrict_staff", "community_secretary", "community_staff", "grid_head", "grid_worker", "building_head",
    "unit_head", "social_worker", "property_staff", "owners_committee", "police_liaison", "resident",
}
SEE_B2_101 = {
    "subdistrict_staff", "community_secretary", "community_staff", "red_steward", "social_worker",
    "property_staff", "owners_committee", "police_liaison",
}
SEE_B4_101 = {"subdistrict_staff", "outsider"}
EDIT_C1_G1 = {"community_secretary", "community_staff", "grid_head", "grid_worker"}
REVEAL_B1 = {
    "community_secretary", "community_staff", "grid_head", "grid_worker", "building_head", "unit_head",
    "social_worker", "police_liaison",
}
SENSITIVE_B1 = {"community_secretary", "community_staff", "grid_head", "grid_worker", "social_worker"}
TREE_B1 = {
    "subdistrict_staff", "community_secretary", "community_staff", "grid_head", "grid_worker", "building_head",
    "unit_head", "social_worker", "property_staff", "owners_committee", "npc_deputy", "police_liaison",
}
MANAGE_ROLES_C1 = {"community_secretary", "community_staff"}
AUDIT_ANY = {"subdistrict_staff", "community_secretary", "community_staff", "outsider"}


def _client(client, world, role):
    return kit.log_in(client, world.users[role])


# Everything an org write could touch.
snapshot = kit.snapshot_of(
    Household.objects.order_by("pk").values_list("pk", "floor", "area", "use", "occupancy", "note"),
    Resident.objects.order_by("pk").values_list("pk", "name", "phone", "id_number", "gender"),
    ResidentTag.objects.order_by("pk").values_list("resident_id", "tag"),
    RoleAssignment.objects.order_by("pk").values_list("pk", "role", "revoked_at"),
    counts=[AuditEvent.objects.exclude(action="resident.sensitive_read")],
)


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_household_list_api_shows_exactly_the_scope(client, world, role):
    response = _client(client, world, role).get("/api/org/households?page_size=200")
    assert response.status_code == 200
    assert response.json()["count"] == VISIBLE_HOUSEHOLDS[role]


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_household_list_page_shows_exactly_the_scope(client, world, role):
    response = _client(client, world, role).get("/org/households/")
    assert response.status_code == 200
    assert response.content.decode().count('href="/org/households/') == VISIBLE_HOUSEHOLDS[role]


@pytest.mark.parametrize("key,allowed", [("b1 1-101", SEE_B1_101), ("b2 1-101", SEE_B2_101), ("b4 1-101", SEE_B4_101)])
@pytest.mark.parametrize("role", ROLE_KEYS)
def test_household_detail_page_and_api(client, world, role, key, allowed):
    h = world.h(key)
    c = _client(client, world, role)
    page = c.get(f"/org/households/{h.pk}/")
    api = c.get(f"/api/org/households/{h.pk}")
    expected = 200 if role in allowed else 404
    assert page.status_code == expected
    assert api.status_code == expected
    if expected == 404:
        assert api.json()["code"] == "not_found"
        assert world.residents[f"{key} owner"].name not in page.content.decode()


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_resident_detail_page_and_api(client, world, role):
    r = world.residents["b1 1-101 family"]
    c = _client(client, world, role)
    expected = 200 if role in SEE_B1_101 else 404
    assert c.get(f"/org/residents/{r.pk}/").status_code == expected
    assert c.get(f"/api/org/residents/{r.pk}").status_code == expected


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_sensitive_tags_only_for_roles_that_need_them_and_audited(client, world, role):
    h = world.h("b1 1-101")
    c = _client(client, world, role)
    before = AuditEvent.objects.filter(action="resident.sensitive_read").count()
    response = c.get(f"/api/org/households/{h.pk}")
    if role not in SEE_B1_101:
        assert response.status_code == 404
        return
    family = next(o for o in response.json()["occupants"] if o["resident"]["name"] == "张奶奶")
    tags = {t["tag"] for t in family["tags"]}
    reads = AuditEvent.objects.filter(action="resident.sensitive_read").count() - before
    if role in SENSITIVE_B1:
        assert tags == {"subsistence", "elderly_alone"}
        assert reads == 1
        event = AuditEvent.objects.filter(action="resident.sensitive_read").latest("id")
        assert event.actor == world.users[role]
        assert event.details["residents"] == [world.residents["b1 1-101 family"].pk]
    else:
        assert tags == set()
        assert reads == 0
    # The page hides them the same way.
    page = c.get(f"/org/households/{h.pk}/").content.decode()
    assert ("低保" in page) == (role in SENSITIVE_B1)


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_sensitive_tag_filter_in_resident_list(client, world, role):
    c = _client(client, world, role)
    response = c.get("/api/org/residents?tag=subsistence")
    assert response.status_code == 200
    names = [r["name"] for r in response.json()["items"]]
    assert names == (["张奶奶"] if role in SENSITIVE_B1 else [])


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_patch_household(client, world, role):
    h = world.h("b1 1-101")
    c = _client(client, world, role)
    before = snapshot()
    response = c.patch(
        f"/api/org/households/{h.pk}", data=json.dumps({"note": "楼上漏水已修"}), content_type="application/json"
    )
    if role in EDIT_C1_G1:
        assert response.status_code == 200, response.content
        h.refresh_from_db()
        assert h.note == "楼上漏水已修"
        event = AuditEvent.objects.filter(action="household.update").latest("id")
        assert event.actor == world.users[role]
        assert event.changes == {"note": ["", "楼上漏水已修"]}
    else:
        assert response.status_code == (403 if role in SEE_B1_101 else 404)
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_edit_household_page(client, world, role):
    h = world.h("b1 1-101")
    c = _client(client, world, role)
    before = snapshot()
    response = c.post(f"/org/households/{h.pk}/edit/", {"floor": "1", "area": "81.25"})
    if role in EDIT_C1_G1:
        assert response.status_code == 302
        h.refresh_from_db()
        assert str(h.area) == "81.25"
    else:
        assert response.status_code in (302, 404)
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_add_resident_to_household(client, world, role):
    h = world.h("b1 1-101")
    c = _client(client, world, role)
    before = snapshot()
    response = c.post(
        f"/api/org/households/{h.pk}/residents",
        data=json.dumps({"name": "新成员", "relation": "family", "phone": "13700001111"}),
        content_type="application/json",
    )
    if role in EDIT_C1_G1:
        assert response.status_code == 201, response.content
        assert Resident.objects.filter(name="新成员", occupancies__household=h).exists()
    else:
        assert response.status_code == (403 if role in SEE_B1_101 else 404)
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_patch_resident_and_tags(client, world, role):
    r = world.residents["b1 1-101 owner"]
    c = _client(client, world, role)
    before = snapshot()
    response = c.patch(
        f"/api/org/residents/{r.pk}", data=json.dumps({"name": "改名", "tags": ["veteran"]}),
        content_type="application/json",
    )
    if role in EDIT_C1_G1:
        assert response.status_code == 200, response.content
        r.refresh_from_db()
        assert r.name == "改名"
        assert set(r.tags.values_list("tag", flat=True)) == {"veteran"}
    else:
        assert response.status_code == (403 if role in SEE_B1_101 else 404)
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_reveal_contact(client, world, role):
    r = world.residents["b1 1-101 family"]
    c = _client(client, world, role)
    before = AuditEvent.objects.filter(action="resident.reveal_contact").count()
    response = c.post(f"/api/org/residents/{r.pk}/reveal")
    page = c.post(f"/org/residents/{r.pk}/reveal/")
    after = AuditEvent.objects.filter(action="resident.reveal_contact").count()
    if role in REVEAL_B1:
        assert response.status_code == 200
        assert response.json()["phone"] == r.phone
        assert r.phone in page.content.decode()
        assert after - before == 2
    else:
        assert response.status_code == (403 if role in SEE_B1_101 else 404)
        assert page.status_code == response.status_code
        assert r.phone not in page.content.decode()
        assert after == before


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_masked_contacts_on_household_page(client, world, role):
    if role not in SEE_B1_101:
        return
    owner = world.residents["b1 1-101 owner"]
    page = _client(client, world, role).get(f"/org/households/{world.h('b1 1-101').pk}/").content.decode()
    assert owner.phone not in page
    assert owner.id_number not in page
    assert owner.masked_phone in page


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_building_page(client, world, role):
    c = _client(client, world, role)
    response = c.get(f"/org/buildings/{world.b1.pk}/")
    assert response.status_code == (200 if role in TREE_B1 else 404)
    api = c.get(f"/api/org/buildings/{world.b1.pk}")
    # The page and its API twin answer alike (a unit head opens their building, seeing only their unit).
    assert api.status_code == response.status_code
    if role == "unit_head":
        assert [u["number"] for u in api.json()["units"]] == ["1"]


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_unit_head_sees_only_own_unit_rooms(client, world, role):
    if role != "unit_head":
        return
    c = _client(client, world, role)
    page = c.get(f"/org/buildings/{world.b1.pk}/").content.decode()
    assert "1单元" in page and "2单元" not in page
    unit2 = world.h("b1 2-101").unit_id
    assert c.get(f"/org/buildings/{world.b1.pk}/?unit={unit2}").status_code == 404


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_community_page(client, world, role):
    c = _client(client, world, role)
    allowed = {"subdistrict_staff", "community_secretary", "community_staff", "social_worker", "npc_deputy",
               "police_liaison"}
    assert c.get(f"/org/regions/{world.c1.pk}/").status_code == (200 if role in allowed else 404)
    grid_allowed = allowed | {"grid_head", "grid_worker"}
    assert c.get(f"/org/regions/{world.g1.pk}/").status_code == (200 if role in grid_allowed else 404)


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_search_only_finds_in_scope(client, world, role):
    c = _client(client, world, role)
    response = c.get("/org/search/?q=1-101&go=0")
    assert response.status_code == 200
    html = response.content.decode()
    for key, allowed in (("b1 1-101", SEE_B1_101), ("b2 1-101", SEE_B2_101), ("b4 1-101", SEE_B4_101)):
        link = f'href="/org/households/{world.h(key).pk}/"'
        assert (link in html) == (role in allowed), key


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_roles_page_and_api(client, world, role):
    c = _client(client, world, role)
    page = c.get("/org/roles/")
    api = c.get(f"/api/org/roles?community={world.c1.pk}")
    if role in MANAGE_ROLES_C1:
        assert page.status_code == 200 and api.status_code == 200
    else:
        assert page.status_code == (200 if role == "outsider" else 404)
        assert api.status_code == 404


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_assign_and_revoke_role(client, world, role):
    c = _client(client, world, role)
    target = world.users["nobody"]
    before = snapshot()
    response = c.post(
        "/api/org/roles",
        data=json.dumps({"user_id": target.pk, "role": "building_head", "scope_id": world.b2.pk}),
        content_type="application/json",
    )
    if role in MANAGE_ROLES_C1:
        assert response.status_code == 201, response.content
        assignment_id = response.json()["id"]
        assert c.delete(f"/api/org/roles/{assignment_id}").status_code == 204
        assert RoleAssignment.objects.get(pk=assignment_id).revoked_at is not None
    else:
        assert response.status_code == 404
        assert snapshot() == before
        # Nor may they revoke someone else's role.
        existing = RoleAssignment.objects.get(user=world.users["building_head"])
        assert c.delete(f"/api/org/roles/{existing.pk}").status_code == 404
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_audit_page(client, world, role):
    c = _client(client, world, role)
    assert c.get("/org/audit/").status_code == (200 if role in AUDIT_ANY else 404)


def test_audit_page_shows_only_own_community(client, world):
    from gongzhi.core.audit import audit_record

    audit_record(actor=None, action="test.c1", target_label="和谐事件", community_id=world.c1.pk)
    audit_record(actor=None, action="test.c2", target_label="幸福事件", community_id=world.c2.pk)
    html = _client(client, world, "outsider").get("/org/audit/").content.decode()
    assert "幸福事件" in html and "和谐事件" not in html


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_anonymous_is_sent_to_login(client, world, role):
    if role != "nobody":
        return
    assert client.get("/org/households/").status_code == 302
    assert client.get("/api/org/households").status_code == 401
