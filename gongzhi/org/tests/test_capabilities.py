"""The capability registry and the scope kernel (gongzhi.core.capabilities, gongzhi.org.scopes)."""

import pytest

from gongzhi.core import capabilities
from gongzhi.core.models import AuditEvent
from gongzhi.org import selectors
from gongzhi.org.models import Role, Tag
from gongzhi.org.permissions import ROLE_CAPS
from gongzhi.org.scopes import scope_for, scope_of_roles
from gongzhi.testing.kit import log_in

# The role table as the docs state it (docs/permissions.md), written out by hand.
TREE, HH, SENS, REVEAL, EDIT = "view_tree", "view_households", "view_sensitive", "reveal_contact", "edit_households"
STAFF = {TREE, HH, SENS, REVEAL, EDIT, "manage_tree", "manage_roles", "manage_roster", "view_party", "manage_party",
         "view_audit"}
EXPECTED_ORG = {
    Role.SUBDISTRICT_STAFF: {TREE, HH, "view_party", "view_audit"},
    Role.COMMUNITY_SECRETARY: STAFF,
    Role.COMMUNITY_STAFF: STAFF,
    Role.GRID_HEAD: {TREE, HH, SENS, REVEAL, EDIT},
    Role.GRID_WORKER: {TREE, HH, SENS, REVEAL, EDIT},
    Role.BUILDING_HEAD: {TREE, HH, REVEAL},
    Role.UNIT_HEAD: {TREE, HH, REVEAL},
    Role.RED_STEWARD: {HH, SENS, REVEAL},
    Role.SOCIAL_WORKER: {TREE, HH, SENS, REVEAL},
    Role.PROPERTY_STAFF: {TREE, HH},
    Role.OWNERS_COMMITTEE: {TREE, HH},
    Role.NPC_DEPUTY: {TREE},
    Role.POLICE_LIAISON: {TREE, HH, REVEAL},
    Role.VOLUNTEER: set(),
}


def test_org_role_table_is_what_the_docs_say():
    assert {role: set(caps) for role, caps in ROLE_CAPS.items()} == EXPECTED_ORG


def test_casework_capabilities_are_registered_with_their_roles():
    import gongzhi.casework.permissions  # noqa: F401  (declares them)

    assert capabilities.roles_with("handle_grid_cases") == {Role.GRID_HEAD, Role.GRID_WORKER}
    assert capabilities.roles_with("supervise_cases") == {Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF}
    assert Role.VOLUNTEER not in capabilities.roles_with("view_cases")
    assert {c.app for c in capabilities.all_capabilities()} >= {"org", "casework"}


def test_registering_a_capability_twice_with_other_roles_is_refused():
    name = capabilities.register("test_only_cap", app="tests", label="x", roles={Role.GRID_WORKER})
    assert capabilities.register("test_only_cap", app="tests", label="x", roles={Role.GRID_WORKER}) == name
    with pytest.raises(ValueError):
        capabilities.register("test_only_cap", app="tests", label="x", roles={Role.BUILDING_HEAD})
    with pytest.raises(KeyError):
        capabilities.get("no_such_capability")


@pytest.mark.django_db
def test_scope_for_folds_assignments_and_is_cached_on_the_user(world, django_assert_num_queries):
    user = world.users["grid_worker"]
    scope = scope_for(user, "view_households")
    assert scope.grids == {world.g1.pk} and not scope.communities
    with django_assert_num_queries(0):
        assert scope_for(user, "view_households") is scope
    assert scope_of_roles(user, {Role.BUILDING_HEAD}).is_empty
    steward = scope_for(world.users["red_steward"], "view_households")
    assert steward.households == {world.h("b2 1-101").pk, world.h("b3 1-101").pk}
    # A resident reaches their own household with a resident capability, nothing with a staff one.
    resident = world.users["resident"]
    assert scope_for(resident, "view_households").households == {world.h("b1 1-101").pk}
    assert scope_for(resident, "view_tree").is_empty


@pytest.mark.django_db
def test_held_by_lists_capabilities_of_every_app(world):
    held = capabilities.held_by(world.users["grid_worker"])
    assert {"view_households", "edit_households", "handle_grid_cases", "view_cases"} <= held
    assert "manage_roles" not in held and "supervise_cases" not in held
    assert capabilities.held_by(world.users["nobody"]) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["grid_worker", "building_head", "property_staff", "resident", "community_staff"])
def test_the_sensitive_tag_filter_is_in_the_selector_pages_and_api_share(world, client, role):
    """Building heads and property staff see households but not 低保: a list by that tag is empty for them."""
    user = world.users[role]
    family = world.residents["b1 1-101 family"]
    listed = set(selectors.resident_list(user, tag=Tag.SUBSISTENCE).values_list("pk", flat=True))
    may_see = role in ("grid_worker", "community_staff")
    assert listed == ({family.pk} if may_see else set())
    # The API answers from the same selector and records the read when it shows any.
    before = AuditEvent.objects.filter(action="resident.sensitive_read").count()
    log_in(client, user)
    items = client.get(f"/api/org/residents?tag={Tag.SUBSISTENCE}").json()["items"]
    assert {i["id"] for i in items} == listed
    reads = AuditEvent.objects.filter(action="resident.sensitive_read").count() - before
    assert reads == (1 if may_see else 0)
