"""The demo sub-district: a fictional 清风街道 built deterministically from a seed.

``manage.py demo`` runs ``STEPS`` in order inside one transaction. Each step
is a function ``run(ctx)`` that writes rows directly (bulk, no actions and no
per-row audit events: this is seeding, not use) and may leave things in
``ctx`` for later steps.

Extension point — another app adds its own step, e.g. casework seeding a few
thousand requests, in its ``AppConfig.ready()``::

    from gongzhi.org.demo import Step, register_step

    register_step(Step(
        name="casework",
        label="居民诉求",
        run=seed_requests,              # run(ctx: DemoContext) -> None
        reset=delete_requests,          # optional: runs before org data is deleted
        counts=request_counts,          # optional: () -> [(label, n)] for the summary
    ))

A step gets its own random generator with ``ctx.rng("casework")`` (never the
global ``random``), so adding it changes nothing the earlier steps draw; dates
should be relative to ``ctx.as_of``. Useful things in ``ctx``:
``ctx.communities`` (``CommunityData``: region, grids, compounds, buildings,
units, households, people with their saved ``resident``, ``holders[role]`` →
[(person, user)], ``staff_users``), ``ctx.logins[key]`` (the memorable demo
logins, see logins.py) and ``ctx.log(text)`` for progress lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction

from gongzhi.core.audit import audit_record

from .context import (
    DEFAULT_HOUSEHOLDS,
    DEFAULT_SEED,
    MIN_HOUSEHOLDS,
    CommunityData,
    DemoContext,
    Person,
)
from .logins import DEMO_LOGINS, DEMO_PASSWORD


@dataclass(frozen=True)
class Step:
    name: str
    label: str  # shown in the progress output, in Chinese
    run: Callable[[DemoContext], None]
    reset: Callable[[], None] | None = None
    counts: Callable[[], list[tuple[str, int]]] | None = None


def _org_steps() -> list[Step]:
    from .party import seed_party
    from .people import seed_people
    from .roles import seed_roles
    from .tree import seed_tree

    return [
        Step("org.tree", "组织架构（网格、小区、楼栋、单元、户）", seed_tree),
        Step("org.people", "居民、产权与居住关系、标签", seed_people),
        Step("org.roles", "登录账号与角色任命", seed_roles),
        Step("org.party", "党组织、驻区单位、党员、双报到、服务岗位", seed_party),
    ]


STEPS: list[Step] = _org_steps()


def register_step(step: Step, *, before: str | None = None) -> None:
    """Add a seeding step (after the org steps, or before the step named ``before``).

    Registering a step with a name already present replaces it, so calling
    this from ``AppConfig.ready()`` more than once is harmless.
    """
    for i, existing in enumerate(STEPS):
        if existing.name == step.name:
            STEPS[i] = step
            return
    if before is not None:
        for i, existing in enumerate(STEPS):
            if existing.name == before:
                STEPS.insert(i, step)
                return
        raise ValueError(f"no demo step named {before!r}")
    STEPS.append(step)


def password_hash(seed: int) -> str:
    """The demo password hashed once for every demo login (hashing is slow on purpose).

    The salt is derived from the seed so the stored hash is reproducible too.
    """
    import hashlib

    salt = hashlib.sha256(f"gongzhi-demo-{seed}".encode()).hexdigest()[:24]
    return make_password(DEMO_PASSWORD, salt=salt)


def seed_demo(
    *,
    seed: int = DEFAULT_SEED,
    households: int = DEFAULT_HOUSEHOLDS,
    as_of: date,
    log: Callable[[str], None] = print,
) -> DemoContext:
    """Build the demo sub-district; all-or-nothing. Same seed and ``as_of`` ⇒ same data."""
    if households < MIN_HOUSEHOLDS:
        raise ValueError(f"households must be at least {MIN_HOUSEHOLDS}")
    ctx = DemoContext(seed=seed, households=households, as_of=as_of, password_hash=password_hash(seed), log=log)
    with transaction.atomic():
        for n, step in enumerate(STEPS, start=1):
            started = time.monotonic()
            log(f"[{n}/{len(STEPS)}] {step.label}…")
            step.run(ctx)
            log(f"      {time.monotonic() - started:.1f} 秒")
        audit_record(
            actor=None,
            action="demo.seed",
            target=ctx.subdistrict,
            details={
                "seed": seed,
                "households": households,
                "as_of": as_of,
                "steps": [s.name for s in STEPS],
                "logins": [login.phone for login in DEMO_LOGINS],
            },
        )
    return ctx


def reset_demo() -> dict[str, int]:
    """Delete what the extension steps wrote (last first), then all org data and its logins."""
    from .reset import delete_org_data

    with transaction.atomic():
        for step in reversed(STEPS):
            if step.reset is not None:
                step.reset()
        return delete_org_data()


def summary() -> list[tuple[str, int]]:
    """(label, count) rows for the end of the run."""
    from gongzhi.accounts.models import User

    from ..models import (
        Building,
        Compound,
        Household,
        Institution,
        Occupancy,
        PartyMember,
        PartyOrg,
        PartyRegistration,
        PostClaim,
        Region,
        Resident,
        ResidentTag,
        RoleAssignment,
        ServicePost,
        ServiceRecord,
        StewardHousehold,
        Unit,
    )

    rows = [
        ("社区", Region.objects.filter(kind=Region.Kind.COMMUNITY).count()),
        ("网格", Region.objects.filter(kind=Region.Kind.GRID).count()),
        ("小区", Compound.objects.count()),
        ("楼栋", Building.objects.count()),
        ("单元", Unit.objects.count()),
        ("户", Household.objects.count()),
        ("  其中空置", Household.objects.filter(occupancy=Household.Occupancy.VACANT).count()),
        ("  其中商铺", Household.objects.filter(use=Household.Use.SHOP).count()),
        ("居民", Resident.objects.count()),
        ("居住/产权关系", Occupancy.objects.count()),
        ("居民标签", ResidentTag.objects.count()),
        ("登录账号", User.objects.count()),
        ("角色任命", RoleAssignment.objects.count()),
        ("红管家联系户", StewardHousehold.objects.count()),
        ("党组织", PartyOrg.objects.count()),
        ("党员", PartyMember.objects.count()),
        ("双报到登记", PartyRegistration.objects.count()),
        ("单位/组织", Institution.objects.count()),
        ("  其中共建单位", Institution.objects.filter(is_partner=True).count()),
        ("服务岗位", ServicePost.objects.count()),
        ("岗位认领", PostClaim.objects.count()),
        ("服务记录", ServiceRecord.objects.count()),
    ]
    for step in STEPS:
        if step.counts is not None:
            rows.extend(step.counts())
    return rows


__all__ = [
    "DEFAULT_HOUSEHOLDS",
    "DEFAULT_SEED",
    "MIN_HOUSEHOLDS",
    "STEPS",
    "CommunityData",
    "DemoContext",
    "Person",
    "Step",
    "password_hash",
    "register_step",
    "reset_demo",
    "seed_demo",
    "summary",
]
