"""The community's departments (with logins of their own) and the residents who file through the app."""

from __future__ import annotations

from decimal import Decimal

from gongzhi.accounts.models import User
from gongzhi.org.models import Resident

from ..models import Department
from .writing import BATCH


def seed_departments(world) -> None:
    """One property company per compound, 区房管所, 城西派出所, 城管中队 — each with logins."""
    cd, ctx, rng = world.cd, world.ctx, world.rng
    ids = ctx.identities
    specs = []
    for compound in cd.compounds:
        company = compound.property_company or "物业服务中心"
        specs.append((("property", compound.pk), f"{company}（{compound.name}）", Department.Kind.PROPERTY, 2,
                      world.property_staff.get(compound.pk, [])))
    new_users: list[User] = []
    for key, name, kind, hours in (("housing", "区房管所", Department.Kind.HOUSING, 4),
                                   ("police", "城西派出所", Department.Kind.POLICE, 1),
                                   ("city", "城管中队", Department.Kind.CITY_MANAGEMENT, 4)):
        members = list(world.police) if key == "police" else []
        if not members:
            for _ in range(2):
                gender = rng.choice("MF")
                user = User(phone=ids.phone(rng), name=ids.name(rng, gender), password=ctx.password_hash)
                new_users.append(user)
                members.append(user)
        specs.append(((key, None), name, kind, hours, members))
    User.objects.bulk_create(new_users, batch_size=BATCH)
    departments = Department.objects.bulk_create([
        Department(community=cd.region, name=name, kind=kind, ack_hours=Decimal(hours),
                   contact_phone=f"0551-{rng.randrange(60000000, 69999999)}")
        for _key, name, kind, hours, _members in specs
    ])
    through = Department.members.through
    rows = []
    world.departments = {}
    for dept, (key, _name, _kind, _hours, members) in zip(departments, specs):
        member_ids = [m.pk if isinstance(m, User) else m for m in members]
        rows += [through(department_id=dept.pk, user_id=uid) for uid in member_ids]
        world.departments[key] = (dept, member_ids)
    through.objects.bulk_create(rows)
    if new_users:
        ctx.log(f"  {cd.plan.name} 职能部门账号（密码同演示账号）：" +
                "，".join(f"{d[0].name} {User.objects.get(pk=d[1][0]).phone}"
                         for k, d in world.departments.items() if k[0] in ("housing", "city")))


def seed_reporters(world) -> None:
    """Residents who file through the app have logins (about one household in seven)."""
    cd, rng, ctx = world.cd, world.rng, world.ctx
    candidates = []
    for hh, people in sorted(cd.living.items()):
        adults = [p for p in people if 18 <= p.age <= 85 and p.phone]
        if adults and rng.random() < 0.15:
            candidates.append((hh, rng.choice(adults)))
    new_users, linked = [], []
    world.app_users = []  # (household idx, person)
    for hh, person in candidates:
        if person.user is None:
            person.user = User(phone=person.phone, name=person.name, password=ctx.password_hash)
            new_users.append(person.user)
            person.resident.user = person.user
            linked.append(person.resident)
        world.app_users.append((hh, person))
    User.objects.bulk_create(new_users, batch_size=BATCH)
    for r in linked:
        r.user_id = r.user.pk
    Resident.objects.bulk_update(linked, ["user"], batch_size=BATCH)
    chosen = {id(p) for _hh, p in world.app_users}
    for person in cd.people:  # some role holders file their own household's requests too
        if (person.user is not None and person.home is not None and id(person) not in chosen
                and person.phone and person.user.pk and rng.random() < 0.2):
            world.app_users.append((person.home, person))
    ctx.log(f"  {cd.plan.name}：{len(new_users)} 位居民开通了登录账号用于反映诉求")
