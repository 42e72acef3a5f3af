"""Casework additions to the test world: categories, departments and a few helpers."""

from __future__ import annotations

from gongzhi.org.testing.world import World

from .actions.categories import ensure_categories
from .models import Department


def build_casework(world: World) -> World:
    ensure_categories(world.c1.pk)
    ensure_categories(world.c2.pk)
    housing = Department.objects.create(community=world.c1, name="区房管所", kind=Department.Kind.HOUSING, ack_hours=2)
    housing.members.add(world.users["department"])
    police = Department.objects.create(community=world.c1, name="城西派出所", kind=Department.Kind.POLICE, ack_hours=1)
    world.departments = {"housing": housing, "police": police}
    return world
