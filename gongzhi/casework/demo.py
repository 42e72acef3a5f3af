"""Demo requests (有求必应): a year of resident requests in 清风街道, in every state.

A step of ``manage.py demo`` (the extension point in gongzhi/org/demo/__init__.py),
registered from CaseworkConfig.ready(). Like the org steps it writes rows in bulk,
but every request carries exactly the history the actions and the deadline sweep
would have written, in time order:

- intake (channel, reporter, place, category suggested by the stored classifier,
  staff corrections with a CategoryCorrection, deadlines from the category,
  starting tier as ``intake.starting_tier`` picks it);
- responses by the right tier's people (accept, or dispatch to a named handler),
  escalations (manual, and the sweep's automatic ones with a fresh response
  window), whistles to departments with their 报到 on time, late or missing;
- progress notes, mediations of neighbour disputes (parties, sessions, outcome),
  resolution with ``resolved_tier``, reopening, verification, ratings (mostly
  4–5 stars, some low, lower when late) and the sweep's reminders, overdue
  flags and automatic closing;
- duplicates merged into an open request of the same building.

About 0.9 requests per household a year in 和谐社区 (3,300 households → ~3,000; S2
reports 2,352 opinions in three years for one community, before a platform made
reporting easy) and 0.4 in 幸福社区; the memorable demo logins get requests of
their own in predictable states (see ``_showcase``). Departments: one property
company per compound (its 物业人员 are the members), 区房管所, 城西派出所 (the
community police are members) and 城管中队, with logins of their own. The newest
stored classifier (``classifier_retrain``) is what web processes load.

Rows are inserted with their historical timestamps; audit events are not written
(seeding, not use) and notifications only for the last two weeks' events.
"""

from __future__ import annotations

import bisect
import json
import random
import re
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.core.notifications.models import Notification
from gongzhi.org.models import Household, Resident, Role, RoleAssignment

from .models import (
    Case,
    CaseEvent,
    Category,
    CategoryCorrection,
    Channel,
    ClassifierModel,
    Department,
    Mediation,
    MediationParty,
    MediationSession,
    Tier,
    Urgency,
    Whistle,
)

S = Case.Status
K = CaseEvent.Kind
BATCH = 500
REQUESTS_PER_HOUSEHOLD = {0: 0.9, 1: 0.4}  # community index → requests per household per year
NOTIFY_DAYS = 14
SWEEP_LAG = (1, 5)  # minutes between a deadline and the sweep run that notices it
CLOSE_RATED_AFTER = timedelta(days=3)
CLOSE_UNRATED_AFTER = timedelta(days=7)
CORPUS = Path(__file__).parent / "data" / "requests_corpus.jsonl"

CATEGORY_MIX = {
    "property_repair": 26, "environment": 15, "public_facility": 12, "parking_traffic": 10,
    "neighbour_dispute": 8, "safety_hazard": 7, "elderly_disability": 6, "policy_consultation": 8,
    "suggestion": 5, "other": 3,
}
CHANNEL_MIX = {Channel.RESIDENT: 55, Channel.WALK_IN: 10, Channel.PHONE: 12, Channel.NPC_STATION: 6,
               Channel.PATROL: 17}
# Where a request of the category happens: household, building (common parts) or the community at large.
PLACE_MIX = {
    "property_repair": (70, 29, 1), "environment": (15, 70, 15), "public_facility": (0, 60, 40),
    "parking_traffic": (0, 60, 40), "neighbour_dispute": (85, 15, 0), "safety_hazard": (25, 60, 15),
    "elderly_disability": (95, 0, 5), "policy_consultation": (80, 0, 20), "suggestion": (40, 20, 40),
    "other": (50, 20, 30),
}
# The stored model has seen the corpus texts, so it would suggest every demo request right. In use
# about one suggestion in seven is wrong (held-out accuracy ≈ 85 %); residents' requests get the
# model's runner-up this often, so staff corrections (and CategoryCorrection rows) show up too.
WRONG_SUGGESTION_RATE = 0.13
WHISTLE_RATE = {"property_repair": 0.07, "environment": 0.06, "public_facility": 0.10, "parking_traffic": 0.10,
                "safety_hazard": 0.14, "neighbour_dispute": 0.04}
DEPARTMENT_FOR = {
    "property_repair": ("property", "housing"), "environment": ("property", "city"),
    "public_facility": ("city", "property"), "parking_traffic": ("city", "police"),
    "safety_hazard": ("police", "city"), "neighbour_dispute": ("police",),
}
PUBLIC_PLACES = ("东门", "西门", "北门停车场", "社区活动中心门口", "社区广场", "健身器材区", "垃圾分类站旁",
                 "幼儿园门口", "公交站旁", "菜市场路口", "小区主干道", "地下车库入口", "快递柜旁", "绿化带")
RESULTS = {
    "property_repair": ("物业维修师傅已上门处理，已修复。", "已更换损坏部件，恢复正常使用。", "已联系专业维修单位处理完毕。",
                        "已疏通，并提醒居民不要往下水道倒油污杂物。"),
    "environment": ("已安排保洁清理干净，并增加清运频次。", "已清理堆放杂物，张贴了文明提示。", "已组织消杀，后续持续巡查。"),
    "public_facility": ("已维修完毕，恢复使用。", "已报市政养护单位修复。", "已更换新设施。"),
    "parking_traffic": ("已联系车主挪车，并在消防通道划设禁停标线。", "已协调增设临时停车位。", "已张贴提示并加强巡查。"),
    "neighbour_dispute": ("经网格员上门沟通，双方达成谅解。", "已约谈双方，约定作息时间，问题缓解。",
                          "已协调楼上住户检修，双方签订协议。"),
    "safety_hazard": ("已现场排除隐患，并向居民宣传安全常识。", "已拆除飞线，引导到集中充电点充电。", "已设置警示并完成加固。"),
    "elderly_disability": ("已安排志愿者上门服务，并纳入定期探访。", "已对接居家养老服务中心，服务已开始。", "已协助办理，老人家属满意。"),
    "policy_consultation": ("已电话解答，并告知所需材料和办理地点。", "已协助准备材料并预约办理。", "已上门讲解政策，居民已了解。"),
    "suggestion": ("感谢建议，已提交社区居委会研究，将在议事会上讨论。", "建议已采纳，正在落实。", "已向居民说明情况并记录。"),
    "other": ("已答复居民。", "已协助处理。", "已转告相关人员处理。"),
}
PROGRESS_NOTES = ("已上门查看，正在联系维修人员。", "已与相关住户沟通，约定处理时间。", "材料已到，明天上午施工。",
                  "已协调物业和业委会，方案确定中。", "正在等待配件，预计三天内处理完。")
GOOD_COMMENTS = ("处理很及时，谢谢！", "师傅很负责，态度好。", "楼栋长当天就来看了，点赞。", "问题解决了，非常满意。",
                 "网格员跑了好几趟，辛苦了。", "")
BAD_COMMENTS = ("拖了太久才处理。", "只解决了一半，希望彻底修好。", "沟通不够，没人回电话。", "还是老样子。")
REOPEN_REASONS = ("问题没有解决，又出现了。", "只处理了一半，还在漏。", "修完第二天又坏了。")
REJECT_REASONS = ("该事项属于个人民事纠纷，已告知可通过法律途径解决。", "不属于社区受理范围，已告知向相关部门反映。",
                  "内容为广告信息，不予受理。")
MEDIATION_TERMS = ("双方同意晚十点后不再进行产生噪音的活动，楼上住户加装地垫。", "漏水维修费用由楼上住户承担，三日内完成维修。",
                   "宠物外出牵绳并及时清理粪便，双方互相谅解。", "空调外机加装接水管，费用双方各半。")


def register() -> None:
    """Add the step to ``manage.py demo`` (called from CaseworkConfig.ready())."""
    from gongzhi.org.demo import Step, register_step

    register_step(Step(name="casework", label="居民诉求（有求必应）", run=seed_requests, reset=delete_requests,
                       counts=request_counts))


# Entry points ---------------------------------------------------------------------------------
def seed_requests(ctx) -> None:
    from .actions.categories import ensure_categories

    classifier = _store_classifier(ctx)
    now = timezone.make_aware(datetime.combine(ctx.as_of, time(7, 0)))
    corpus = _corpus()
    all_sims: list[_Sim] = []
    for index, cd in enumerate(ctx.communities):
        ensure_categories(cd.region.pk)
        world = _World(ctx, cd, index, now, ctx.rng("casework", cd.plan.code), classifier, corpus)
        world.build()
        all_sims.extend(world.sims)
        ctx.log(f"  {cd.plan.name}：{len(world.sims)} 条诉求，{sum(len(s.events) for s in world.sims)} 条办理记录，"
                f"{sum(1 for s in world.sims if s.whistle)} 次吹哨，{sum(1 for s in world.sims if s.mediation)} 起调解")
    _insert(all_sims, now)


def delete_requests() -> None:
    """Everything casework keeps about the org data (it PROTECTs regions, buildings and households)."""
    dept_users = set(Department.members.through.objects.values_list("user_id", flat=True))
    keep = set(RoleAssignment.objects.values_list("user_id", flat=True))
    keep |= set(Resident.objects.filter(user__isnull=False).values_list("user_id", flat=True))
    Notification.objects.filter(source="casework").delete()
    Mediation.objects.all().delete()
    Whistle.objects.all().delete()
    Case.objects.filter(merged_into__isnull=False).delete()
    Case.objects.all().delete()
    Department.objects.all().delete()
    Category.objects.all().delete()
    User.objects.filter(pk__in=sorted(dept_users - keep), is_superuser=False).delete()


def request_counts() -> list[tuple[str, int]]:
    return [
        ("诉求", Case.objects.count()),
        ("  其中办理中", Case.objects.filter(status__in=Case.OPEN_STATUSES).count()),
        ("诉求办理记录", CaseEvent.objects.count()),
        ("职能部门", Department.objects.count()),
        ("吹哨", Whistle.objects.count()),
        ("纠纷调解", Mediation.objects.count()),
    ]


# The classifier ------------------------------------------------------------------------------
_trained: dict = {}


def _store_classifier(ctx):
    """Train and store the model web processes load (``classifier_retrain``).

    Training takes seconds; a second demo run in the same process (tests) stores the
    same model again instead of training it again — there are no corrections yet.
    """
    from .actions.classifier import classifier_retrain
    from .classification import Classifier
    from .suggest import forget_loaded_model

    key = (CORPUS.stat().st_mtime_ns, CORPUS.stat().st_size)
    if _trained.get("key") == key and not ClassifierModel.objects.exists():
        row = ClassifierModel.objects.create(blob=_trained["blob"], examples=_trained["examples"], corrections=0,
                                             accuracy=_trained["accuracy"])
        forget_loaded_model()
    else:
        row = classifier_retrain()
        _trained.update(key=key, blob=bytes(row.blob), examples=row.examples, accuracy=row.accuracy)
    ctx.log(f"  分类模型已保存（{row.examples} 条样本，留出集准确率 "
            f"{'—' if row.accuracy is None else f'{row.accuracy:.0%}'}）")
    return Classifier.from_bytes(bytes(row.blob))


@lru_cache(maxsize=1)
def _corpus() -> dict[str, list[str]]:
    by_code: dict[str, list[str]] = defaultdict(list)
    with CORPUS.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                item = json.loads(line)
                by_code[item["category"]].append(item["text"])
    return dict(by_code)


@lru_cache(maxsize=20000)
def _words(part: str) -> str:
    from .search import search_text_for

    return search_text_for(part)


def search_text(*parts: str) -> str:
    """Same result as ``search.search_text_for(*parts)``, cutting each repeated part once."""
    return " ".join(w for w in (_words(p) for p in parts if p) if w)


@contextmanager
def explicit_timestamps():
    """Let bulk inserts keep the historical times given (auto_now/auto_now_add would write now)."""
    fields = [
        Case._meta.get_field("created_at"), Case._meta.get_field("updated_at"),
        CaseEvent._meta.get_field("created_at"), Whistle._meta.get_field("whistled_at"),
        Notification._meta.get_field("created_at"), Mediation._meta.get_field("opened_at"),
        CategoryCorrection._meta.get_field("created_at"),
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


# One simulated request -----------------------------------------------------------------------
@dataclass
class _Ev:
    kind: str
    at: datetime
    actor_id: int | None
    from_status: str
    to_status: str
    tier: str
    note: str = ""
    data: dict = field(default_factory=dict)
    public: bool = True


@dataclass
class _Sim:
    case: Case
    true_code: str
    reporter_ids: set = field(default_factory=set)
    events: list = field(default_factory=list)
    whistle: dict | None = None
    correction: CategoryCorrection | None = None
    mediation: dict | None = None
    merged_into: _Sim | None = None
    initial_category: Category | None = None  # the classifier's suggestion, corrected by staff
    whistle_row: Whistle | None = None
    mediation_row: Mediation | None = None

    def last_at(self) -> datetime:
        return self.events[-1].at if self.events else self.case.created_at

    def status_at(self, moment: datetime) -> str:
        status = S.SUBMITTED
        for e in self.events:
            if e.at > moment:
                break
            status = e.to_status
        return status


@dataclass
class Plan:
    """What happens to a request, in hours after submission (None: it doesn't happen)."""

    reject: bool = False
    respond: float | str | None = 2  # hours, "on_time" or "late" (drawn against the deadline)
    dispatch: bool = False
    escalate: bool = False
    whistle: str | None = None  # department key
    whistle_after: float = 6
    ack_after: float | str | None = 1  # share of the department's time to report, "late", or None
    start: bool = False
    progress: bool = False
    mediation: str | None = None  # outcome: agreed / not_agreed / withdrawn / open
    resolve: float | str | None = 24
    reopen: bool = False
    verify: str | None = None  # "reporter" | "grid"
    rate: int | None = None
    rate_after: float = 24


class _World:
    """One community: its people, handlers and departments, and the requests simulated there."""

    def __init__(self, ctx, cd, index: int, now: datetime, rng: random.Random, classifier, corpus) -> None:
        self.ctx, self.cd, self.index, self.now, self.rng = ctx, cd, index, now, rng
        self.classifier, self.corpus = classifier, corpus
        self.community = cd.region
        self.categories = {c.code: c for c in Category.objects.filter(community=cd.region)}
        self.building_index = {b.pk: i for i, b in enumerate(cd.buildings)}
        self.sims: list[_Sim] = []
        self._handlers()

    # People -------------------------------------------------------------------------------
    def _handlers(self) -> None:
        cd, rng = self.cd, self.rng
        by_role: dict[str, dict] = defaultdict(lambda: defaultdict(list))
        for a in RoleAssignment.objects.filter(community=cd.region, revoked_at__isnull=True).order_by("pk"):
            where = a.building_id or a.unit_id or a.region_id or a.compound_id
            by_role[a.role][where].append(a.user_id)
        self.building_heads = by_role[Role.BUILDING_HEAD]
        self.unit_heads = by_role[Role.UNIT_HEAD]
        self.grid_people = defaultdict(list)
        self.grid_heads = by_role[Role.GRID_HEAD]
        for role in (Role.GRID_HEAD, Role.GRID_WORKER):
            for grid_id, users in by_role[role].items():
                self.grid_people[grid_id].extend(users)
        self.grid_workers = {g: by_role[Role.GRID_WORKER].get(g) or self.grid_heads[g] for g in self.grid_people}
        region = cd.region.pk
        self.secretary = by_role[Role.COMMUNITY_SECRETARY][region]
        self.staff = self.secretary + by_role[Role.COMMUNITY_STAFF][region]
        self.social = by_role[Role.SOCIAL_WORKER][region] or self.staff
        self.npc = by_role[Role.NPC_DEPUTY][region] or self.staff
        self.police = by_role[Role.POLICE_LIAISON][region]
        self.property_staff = by_role[Role.PROPERTY_STAFF]
        self.stewards = {}
        for a_user, household_id in RoleAssignment.objects.filter(
            community=cd.region, role=Role.RED_STEWARD, revoked_at__isnull=True
        ).values_list("user_id", "steward_households__household_id"):
            if household_id:
                self.stewards[household_id] = a_user
        self._departments()
        self._reporters()
        # Households people live in, for places; adults with a phone, for reporters.
        self.homes = [hh for hh, h in enumerate(cd.households) if cd.living.get(hh)
                      and h.use == Household.Use.DWELLING]
        self.adults = {hh: [p for p in cd.living[hh] if p.age >= 18 and p.phone] for hh in self.homes}
        self.homes = [hh for hh in self.homes if self.adults[hh]]
        rng.shuffle(self.homes)

    def _departments(self) -> None:
        """One property company per compound, 区房管所, 城西派出所, 城管中队 — each with logins."""
        cd, ctx, rng = self.cd, self.ctx, self.rng
        ids = ctx.identities
        specs = []
        for compound in cd.compounds:
            company = compound.property_company or "物业服务中心"
            specs.append((("property", compound.pk), f"{company}（{compound.name}）", Department.Kind.PROPERTY, 2,
                          self.property_staff.get(compound.pk, [])))
        new_users: list[User] = []
        extra = {}
        for key, name, kind, hours in (("housing", "区房管所", Department.Kind.HOUSING, 4),
                                       ("police", "城西派出所", Department.Kind.POLICE, 1),
                                       ("city", "城管中队", Department.Kind.CITY_MANAGEMENT, 4)):
            members = list(self.police) if key == "police" else []
            if not members:
                for _ in range(2):
                    gender = rng.choice("MF")
                    user = User(phone=ids.phone(rng), name=ids.name(rng, gender), password=ctx.password_hash)
                    new_users.append(user)
                    members.append(user)
            extra[key] = members
            specs.append(((key, None), name, kind, hours, members))
        User.objects.bulk_create(new_users, batch_size=BATCH)
        departments = Department.objects.bulk_create([
            Department(community=cd.region, name=name, kind=kind, ack_hours=Decimal(hours),
                       contact_phone=f"0551-{rng.randrange(60000000, 69999999)}")
            for _key, name, kind, hours, _members in specs
        ])
        through = Department.members.through
        rows = []
        self.departments: dict = {}
        for dept, (key, _name, _kind, _hours, members) in zip(departments, specs):
            member_ids = [m.pk if isinstance(m, User) else m for m in members]
            rows += [through(department_id=dept.pk, user_id=uid) for uid in member_ids]
            self.departments[key] = (dept, member_ids)
        through.objects.bulk_create(rows)
        logins = [u for u in new_users]
        if logins:
            self.ctx.log(f"  {cd.plan.name} 职能部门账号（密码同演示账号）：" +
                         "，".join(f"{d[0].name} {User.objects.get(pk=d[1][0]).phone}"
                                   for k, d in self.departments.items() if k[0] in ("housing", "city")))

    def _reporters(self) -> None:
        """Residents who file through the app have logins (about one household in seven)."""
        cd, rng, ctx = self.cd, self.rng, self.ctx
        candidates = []
        for hh, people in sorted(cd.living.items()):
            adults = [p for p in people if 18 <= p.age <= 85 and p.phone]
            if adults and rng.random() < 0.15:
                candidates.append((hh, rng.choice(adults)))
        new_users, linked = [], []
        self.app_users: list[tuple[int, object]] = []  # (household idx, person)
        for hh, person in candidates:
            if person.user is None:
                person.user = User(phone=person.phone, name=person.name, password=ctx.password_hash)
                new_users.append(person.user)
                person.resident.user = person.user
                linked.append(person.resident)
            self.app_users.append((hh, person))
        User.objects.bulk_create(new_users, batch_size=BATCH)
        for r in linked:
            r.user_id = r.user.pk
        Resident.objects.bulk_update(linked, ["user"], batch_size=BATCH)
        chosen = {id(p) for _hh, p in self.app_users}
        for person in cd.people:  # some role holders file their own household's requests too
            if (person.user is not None and person.home is not None and id(person) not in chosen
                    and person.phone and person.user.pk and rng.random() < 0.2):
                self.app_users.append((person.home, person))
        self.ctx.log(f"  {cd.plan.name}：{len(new_users)} 位居民开通了登录账号用于反映诉求")

    # Building the year ---------------------------------------------------------------------
    def build(self) -> None:
        cd, rng, now = self.cd, self.rng, self.now
        total = round(REQUESTS_PER_HOUSEHOLD.get(self.index, 0.3) * len(cd.households))
        start = now - timedelta(days=365)
        # More requests in recent months (the platform catching on) and in the rainy summer.
        weights = []
        for day in range(365):
            d = start + timedelta(days=day)
            weights.append((0.7 + 0.6 * day / 365) * (1.25 if d.month in (6, 7, 8) else 1.0)
                           * (0.8 if d.weekday() >= 5 else 1.0))
        cumulative, acc = [], 0.0
        for w in weights:
            acc += w
            cumulative.append(acc)
        moments = []
        for _ in range(total):
            day = bisect.bisect(cumulative, rng.random() * acc)
            hour = rng.choices(range(24), weights=[1, 0, 0, 0, 0, 1, 3, 6, 9, 9, 8, 7, 5, 6, 7, 7, 7, 8, 9, 10, 8,
                                                   5, 3, 2])[0]
            moment = start + timedelta(days=day, hours=hour - 7, minutes=rng.randrange(60), seconds=rng.randrange(60))
            if moment < now - timedelta(minutes=30):
                moments.append(moment)
        moments.sort()
        for moment in moments:
            self.simulate(self.new_case(moment), self.draw_plan())
        if self.index == 0:
            self._showcase()
        self._duplicates()
        self.sims.sort(key=lambda s: (s.case.created_at, id(s)))

    def draw_plan(self) -> Plan:
        rng = self.rng
        p = Plan()
        p.reject = rng.random() < 0.025
        window_share = rng.random()
        p.respond = ("on_time", "late")[rng.random() < 0.12]  # converted to hours in simulate
        p.dispatch = rng.random() < 0.4
        p.escalate = rng.random() < 0.04
        p.start = rng.random() < 0.45
        p.progress = rng.random() < 0.3
        p.resolve = "late" if rng.random() < 0.13 else "on_time"
        p.reopen = rng.random() < 0.04
        p.verify = rng.choices([None, "reporter", "grid"], weights=[45, 30, 25])[0]
        p.rate = -1 if rng.random() < 0.78 else None  # -1: drawn at resolution (depends on lateness)
        p.rate_after = rng.uniform(1, 60)
        p.whistle_after = rng.uniform(1, 30)
        p.ack_after = None if rng.random() < 0.03 else ("late" if rng.random() < 0.12 else window_share)
        return p

    # A new request --------------------------------------------------------------------------
    def new_case(self, moment: datetime, *, code: str | None = None, hh: int | None = None, person=None,
                 channel: str | None = None, where: str | None = None) -> _Sim:
        cd, rng = self.cd, self.rng
        code = code or rng.choices(list(CATEGORY_MIX), weights=list(CATEGORY_MIX.values()))[0]
        channel = channel or rng.choices(list(CHANNEL_MIX), weights=list(CHANNEL_MIX.values()))[0]
        if where is None:
            where = rng.choices(("household", "building", "community"), weights=PLACE_MIX[code])[0]
        if channel == Channel.PATROL and where == "household":
            where = "building"
        if channel == Channel.RESIDENT and person is None:
            if not self.app_users:
                channel = Channel.PHONE
            else:
                hh, person = rng.choice(self.app_users)
        if hh is None:
            hh = rng.choice(self.homes) if self.homes else None
        if person is None and channel != Channel.PATROL and hh is not None:
            person = rng.choice(self.adults.get(hh) or cd.living.get(hh) or [None])
        building = compound = household = None
        if hh is not None and where != "community":
            building = cd.buildings[cd.hh_building[hh]]
            compound = cd.compounds[cd.building_compound[cd.hh_building[hh]]]
            if where == "household":
                household = cd.households[hh]
        text = rng.choice(self.corpus[code])
        address = ""
        if household is not None:
            unit = cd.units[cd.hh_unit[hh]]
            address = f"{compound.name}{building.name}{unit.number}单元{household.room}"
            text = _localise(text, building.name, unit.number, household.room)
        elif building is not None:
            address = f"{compound.name}{building.name}"
            text = _localise(text, building.name, None, None)
        else:
            address = f"{rng.choice(cd.compounds).name}{rng.choice(PUBLIC_PLACES)}"
        urgent = rng.random() < (0.25 if code == "safety_hazard" else 0.05)
        # Intake: the classifier suggests; residents get the suggestion, staff choose the category.
        predictions = self.classifier.predict(text, k=3)
        suggested_code, confidence = (predictions[0] if predictions else (None, None))
        if channel == Channel.RESIDENT and len(predictions) > 1 and rng.random() < WRONG_SUGGESTION_RATE:
            suggested_code, confidence = predictions[1]
        suggested = self.categories.get(suggested_code)
        initial = suggested if channel == Channel.RESIDENT and suggested is not None else self.categories[code]
        final = self.categories[code]
        reporter_user = None
        if person is not None and getattr(person, "user", None) is not None and person.user.pk:
            reporter_user = person.user.pk
        staff_id = None
        if channel in (Channel.WALK_IN, Channel.PHONE):
            staff_id = rng.choice(self.staff)
        elif channel == Channel.NPC_STATION:
            staff_id = rng.choice(self.npc)
        elif channel == Channel.PATROL:
            grid_id = building.grid_id if building is not None else None
            staff_id = rng.choice(self.grid_workers.get(grid_id) or self.staff)
            reporter_user, person = None, None
        created_by = reporter_user if channel == Channel.RESIDENT else staff_id
        response_due, resolution_due = _deadlines(final, urgent, moment)
        case = Case(
            community=cd.region,
            grid_id=building.grid_id if building is not None else None,
            compound_id=building.compound_id if building is not None else None,
            building=building,
            household=household,
            address=address,
            channel=channel,
            reporter_id=reporter_user,
            reporter_resident=person.resident if person is not None else None,
            reporter_name=person.name if person is not None else "",
            reporter_phone=person.phone if person is not None else "",
            created_by_id=created_by,
            category=final,
            suggested_category=suggested,
            suggestion_confidence=confidence,
            urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
            description=text,
            search_text=search_text(text, address, final.name),
            status=S.SUBMITTED,
            tier=self._starting_tier(initial, building, household),
            response_due_at=response_due,
            resolution_due_at=resolution_due,
            created_at=moment,
            updated_at=moment,
            token=uuid.UUID(int=rng.getrandbits(128), version=4),
        )
        sim = _Sim(case=case, true_code=code)
        if reporter_user:
            sim.reporter_ids.add(reporter_user)
        sim.events.append(_Ev(K.SUBMITTED, moment, created_by, "", S.SUBMITTED, case.tier, text[:500], {
            "channel": channel, "category": initial.code, "suggested": suggested_code, "confidence": confidence}))
        sim.events[-1].notify = self.tier_people(case)
        if initial.pk != final.pk:
            sim.initial_category = initial
        self.sims.append(sim)
        return sim

    def _starting_tier(self, category: Category, building, household) -> str:
        tier = category.tier
        if tier == Tier.DEPARTMENT:
            tier = Tier.COMMUNITY
        if tier == Tier.BUILDING:
            has = building is not None and (
                self.building_heads.get(building.pk)
                or household is not None and (self.unit_heads.get(household.unit_id)
                                              or household.pk in self.stewards))
            if not has:
                tier = Tier.GRID
        if tier == Tier.GRID and (building is None or not building.grid_id):
            tier = Tier.COMMUNITY
        return tier

    # People acting -------------------------------------------------------------------------
    def tier_people(self, case: Case, tier: str | None = None) -> list[int]:
        tier = tier or case.tier
        if tier == Tier.BUILDING:
            people = list(self.building_heads.get(case.building_id, []))
            if case.household_id:
                people += self.unit_heads.get(case.household.unit_id, [])
                if case.household_id in self.stewards:
                    people.append(self.stewards[case.household_id])
            return people or self.tier_people(case, Tier.GRID)
        if tier == Tier.GRID:
            return list(self.grid_people.get(case.grid_id, [])) or list(self.staff)
        if tier == Tier.DEPARTMENT and case.department_id:
            return list(self.dept_members(case.department_id))
        return list(self.staff)

    def dept_members(self, department_id: int) -> list[int]:
        for dept, members in self.departments.values():
            if dept.pk == department_id:
                return members
        return []

    def handler_for(self, case: Case) -> int:
        if case.tier == Tier.COMMUNITY and case.category.code == "elderly_disability":
            return self.rng.choice(self.social)
        if case.tier == Tier.GRID:
            return self.rng.choice(self.grid_workers.get(case.grid_id) or self.staff)
        return self.rng.choice(self.tier_people(case))

    # The lifecycle --------------------------------------------------------------------------
    def simulate(self, sim: _Sim, plan: Plan) -> None:
        rng, case = self.rng, sim.case
        t0 = case.created_at
        resp_window = (case.response_due_at - t0).total_seconds() / 3600
        res_window = (case.resolution_due_at - t0).total_seconds() / 3600
        respond = plan.respond
        if respond == "on_time":
            respond = resp_window * rng.uniform(0.03, 0.85)
        elif respond == "late":
            respond = resp_window * rng.uniform(1.05, 2.2)
        resolve = plan.resolve
        if resolve == "on_time":
            resolve = max(respond or 0, 0) + (res_window - (respond or 0)) * rng.uniform(0.1, 0.95)
        elif resolve == "late":
            resolve = res_window * rng.uniform(1.05, 2.5)
        if respond is None:
            self.sweep_until(sim, self.now)
            return
        t = t0 + timedelta(hours=respond)
        if not self.sweep_until(sim, t):
            return
        # Staff correct a wrong suggestion when they first look at the request.
        initial = sim.initial_category

        if plan.reject:
            who = rng.choice(self.staff)
            self.step(sim, K.REJECTED, t, who, note=rng.choice(REJECT_REASONS), status=S.REJECTED, closed_at=t,
                      responded_at=t)
            self.sweep_until(sim, self.now)
            return
        if initial is not None:
            who = self.handler_for(case)
            self.step(sim, K.CATEGORY_CHANGED, t, who, public=False,
                      note=f"类别由“{initial.name}”调整为“{case.category.name}”")
            sim.correction = CategoryCorrection(text=case.description, suggested_code=initial.code,
                                                corrected_code=case.category.code, corrected_by_id=who,
                                                created_at=sim.events[-1].at)
        self.respond(sim, t, plan.dispatch)
        if plan.escalate and case.tier in (Tier.BUILDING, Tier.GRID):
            t = t + timedelta(hours=rng.uniform(0.5, 12))
            if not self.sweep_until(sim, t):
                return
            old = case.tier
            new = Tier.GRID if old == Tier.BUILDING and case.grid_id else Tier.COMMUNITY
            self.step(sim, K.ESCALATED, t, case.handler_id, note="楼栋层面解决不了，需要网格协调。" if old == Tier.BUILDING
                      else "涉及多个小区，需要社区统筹。", data={"from_tier": old, "to_tier": new},
                      tier=new, handler_id=None, status=S.SUBMITTED)
            t = t + timedelta(hours=rng.uniform(0.5, 8))
            if not self.sweep_until(sim, t):
                return
            self.respond(sim, t, dispatch=False)
        if plan.whistle is None:
            dept_keys = DEPARTMENT_FOR.get(case.category.code)
            if dept_keys and rng.random() < WHISTLE_RATE.get(case.category.code, 0):
                plan.whistle = rng.choice(dept_keys)
        if plan.whistle:
            t = t + timedelta(hours=plan.whistle_after)
            if not self.sweep_until(sim, t):
                return
            if not self.whistle(sim, t, plan):
                return
            t = sim.last_at()
        if plan.start and case.status in (S.ACCEPTED, S.DISPATCHED):
            t = t + timedelta(hours=rng.uniform(0.2, 10))
            if not self.sweep_until(sim, t):
                return
            self.step(sim, K.STARTED, t, case.handler_id, status=S.IN_PROGRESS)
        if plan.progress:
            t = t + timedelta(hours=rng.uniform(1, 24))
            if not self.sweep_until(sim, t):
                return
            self.step(sim, K.PROGRESS, t, case.handler_id, note=rng.choice(PROGRESS_NOTES))
        if plan.mediation is None and case.category.code == "neighbour_dispute" and rng.random() < 0.45:
            plan.mediation = rng.choices(["agreed", "not_agreed", "withdrawn"], weights=[75, 20, 5])[0]
        if plan.mediation:
            end = self.mediate(sim, t, plan.mediation)
            if end is None:
                self.sweep_until(sim, self.now)
                return
            t = end
            if resolve is not None:
                resolve = max(resolve, (t - t0).total_seconds() / 3600 + 0.05)
        if resolve is None:
            self.sweep_until(sim, self.now)
            return
        t_res = max(t0 + timedelta(hours=resolve), sim.last_at() + timedelta(minutes=rng.randrange(5, 90)))
        if not self.sweep_until(sim, t_res):
            return
        resolved_late = self.resolve(sim, t_res)
        if resolved_late is None:
            self.sweep_until(sim, self.now)
            return
        if plan.reopen and case.reporter_id:
            t = t_res + timedelta(hours=rng.uniform(3, 48))
            if not self.sweep_until(sim, t) or case.status not in (S.RESOLVED, S.VERIFIED, S.RATED):
                self.sweep_until(sim, self.now)
                return
            self.step(sim, K.REOPENED, t, case.reporter_id, note=rng.choice(REOPEN_REASONS),
                      notify=[case.handler_id], status=S.IN_PROGRESS, reopen_count=case.reopen_count + 1,
                      resolved_at=None, verified_at=None, rated_at=None, rating=None, rating_comment="",
                      resolved_tier="")
            t_res = t + timedelta(hours=rng.uniform(4, 96))
            if not self.sweep_until(sim, t_res):
                return
            resolved_late = self.resolve(sim, t_res)
        t = t_res
        if plan.verify and case.status == S.RESOLVED:
            t = t + timedelta(hours=rng.uniform(1, 36))
            if not self.sweep_until(sim, t):
                return
            verifier = case.reporter_id if plan.verify == "reporter" and case.reporter_id else \
                rng.choice(self.grid_people.get(case.grid_id) or self.staff)
            self.step(sim, K.VERIFIED, t, verifier, status=S.VERIFIED, verified_at=t,
                      notify=[case.handler_id] if case.handler_id else [])
        if plan.rate is not None and case.reporter_id:
            t = t + timedelta(hours=plan.rate_after)
            if not self.sweep_until(sim, t) or case.status not in (S.RESOLVED, S.VERIFIED):
                self.sweep_until(sim, self.now)
                return
            value = plan.rate if plan.rate > 0 else self.draw_rating(resolved_late)
            comment = rng.choice(GOOD_COMMENTS if value >= 4 else BAD_COMMENTS) if rng.random() < 0.5 else ""
            self.step(sim, K.RATED, t, case.reporter_id, note=comment, data={"rating": value}, status=S.RATED,
                      rating=value, rating_comment=comment, rated_at=t,
                      notify=[case.handler_id] if case.handler_id else [])
        self.sweep_until(sim, self.now)

    def draw_rating(self, late: bool) -> int:
        weights = [3, 3, 6, 26, 62] if not late else [10, 10, 15, 30, 35]
        return self.rng.choices([1, 2, 3, 4, 5], weights=weights)[0]

    def respond(self, sim: _Sim, t: datetime, dispatch: bool) -> None:
        case, rng = sim.case, self.rng
        if dispatch and case.tier == Tier.GRID and self.grid_heads.get(case.grid_id):
            boss = rng.choice(self.grid_heads[case.grid_id])
            worker = rng.choice(self.grid_workers.get(case.grid_id) or [boss])
            self.step(sim, K.DISPATCHED, t, boss, data={"handler": worker}, note="请尽快上门查看。",
                      notify=[worker], status=S.DISPATCHED, handler_id=worker, responded_at=case.responded_at or t)
        elif dispatch and case.tier == Tier.COMMUNITY:
            boss = rng.choice(self.secretary or self.staff)
            worker = self.handler_for(case)
            self.step(sim, K.DISPATCHED, t, boss, data={"handler": worker}, note="请跟进处理。", notify=[worker],
                      status=S.DISPATCHED, handler_id=worker, responded_at=case.responded_at or t)
        else:
            who = self.handler_for(case)
            self.step(sim, K.ACCEPTED, t, who, status=S.ACCEPTED, handler_id=who,
                      responded_at=case.responded_at or t)

    def whistle(self, sim: _Sim, t: datetime, plan: Plan) -> bool:
        case, rng = sim.case, self.rng
        key = plan.whistle
        if key == "property":
            key = ("property", case.compound_id) if case.compound_id else ("housing", None)
        else:
            key = (key, None)
        dept, members = self.departments[key]
        if not members:
            return True
        who = rng.choice(self.staff)
        ack_due = t + timedelta(hours=float(dept.ack_hours))
        old_tier = case.tier
        sim.whistle = {"department": dept, "whistled_by": who, "whistled_at": t, "ack_due_at": ack_due,
                       "reason": f"需要{dept.name}到场协调处理：{case.title}", "status": Whistle.Status.PENDING}
        self.step(sim, K.WHISTLED, t, who, note=sim.whistle["reason"],
                  data={"department": dept.pk, "whistle": ("whistle",), "ack_due_at": ack_due.isoformat(),
                        "from_tier": old_tier}, notify=members,
                  tier=Tier.DEPARTMENT, department_id=dept.pk, handler_id=None, status=S.DISPATCHED,
                  responded_at=case.responded_at or t)
        ack = plan.ack_after
        if ack is None:
            self.sweep_until(sim, self.now)
            return False
        hours = float(dept.ack_hours)
        ack_h = hours * (rng.uniform(1.1, 4) if ack == "late" else max(0.05, float(ack)) * 0.95)
        t_ack = t + timedelta(hours=ack_h)
        if not self.sweep_until(sim, t_ack):
            return False
        member = rng.choice(members)
        note = rng.choice(("收到，马上安排人员到场。", "已报到，今天下午到现场。", "收到，已派专人跟进。"))
        sim.whistle.update(status=Whistle.Status.ACKNOWLEDGED, acknowledged_at=t_ack, acknowledged_by=member,
                           response=note)
        status = S.IN_PROGRESS if case.status in (S.SUBMITTED, S.ACCEPTED, S.DISPATCHED) else case.status
        self.step(sim, K.DEPARTMENT_ACK, t_ack, member, note=note,
                  data={"whistle": ("whistle",), "on_time": t_ack <= ack_due}, notify=self.staff,
                  status=status, handler_id=member)
        return True

    def mediate(self, sim: _Sim, t: datetime, outcome: str) -> datetime | None:
        """矛盾纠纷调解 as mediation_open / add_party / add_session / close would record it."""
        case, rng, cd = sim.case, self.rng, self.cd
        opened = t + timedelta(hours=rng.uniform(2, 48))
        if not self.sweep_until(sim, opened):
            return None
        mediator = rng.choice((self.grid_people.get(case.grid_id) or []) + self.staff)
        names = {uid: name for uid, name in User.objects.filter(pk=mediator).values_list("pk", "name")}
        sim.mediation = {"mediator": mediator, "opened_by": mediator, "opened_at": opened, "status": "open",
                         "parties": [], "sessions": []}
        self.step(sim, K.PROGRESS, opened, mediator, note=f"已启动矛盾纠纷调解，调解员：{names.get(mediator, '')}。",
                  data={"mediation": ("mediation",), "step": "opened"}, notify=[mediator])
        applicant = case.reporter_resident
        sim.mediation["parties"].append(("applicant", case.reporter_name or "申请人", applicant,
                                         case.reporter_phone))
        neighbours = []
        if case.building_id:
            b = self.building_index[case.building_id]
            neighbours = [p for hh in range(len(cd.households)) if cd.hh_building[hh] == b
                          for p in cd.living.get(hh, []) if p.age >= 18 and p.resident is not applicant][:40]
        other = rng.choice(neighbours) if neighbours else None
        sim.mediation["parties"].append(("respondent", other.name if other else "楼上住户",
                                         other.resident if other else None, other.phone if other else ""))
        sessions = rng.randint(1, 3)
        moment = opened
        for i in range(sessions):
            moment = moment + timedelta(hours=rng.uniform(20, 96))
            if moment > self.now:
                return None
            sim.mediation["sessions"].append({
                "held_at": moment, "place": rng.choice(("社区调解室", "楼栋议事点", "网格服务站")),
                "attendees": "双方当事人、网格员、楼栋长", "recorded_by": mediator,
                "notes": ("双方陈述了各自诉求，调解员释法说理。", "双方各退一步，初步达成意向。", "现场查看后再次沟通。")[i % 3],
            })
        if outcome == "open":
            return None
        closed = moment + timedelta(hours=rng.uniform(1, 24))
        if closed > self.now:
            return None
        terms = rng.choice(MEDIATION_TERMS) if outcome == "agreed" else ""
        note = "" if outcome == "agreed" else ("双方分歧较大，已告知可申请人民调解委员会调解或诉讼。" if outcome == "not_agreed"
                                               else "申请人撤回调解申请。")
        sim.mediation.update(status=outcome, closed_at=closed, terms=terms, note=note)
        label = {"agreed": "达成协议", "not_agreed": "未达成协议", "withdrawn": "撤回"}[outcome]
        if not self.sweep_until(sim, closed):
            return None
        self.step(sim, K.PROGRESS, closed, mediator, note=f"矛盾纠纷调解结案：{label}。" + (f"\n{note}" if note else ""),
                  data={"mediation": ("mediation",), "step": "closed", "outcome": outcome}, notify=[mediator])
        if outcome == "agreed":
            sim.case.resolution_override = f"经调解达成协议：{terms}"
            sim.case.handler_override = mediator
        return closed

    def resolve(self, sim: _Sim, t: datetime) -> bool | None:
        """办结; True when late, None when it cannot happen (a department that never reported)."""
        case, rng = sim.case, self.rng
        if case.status not in (S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS):
            return None
        if case.tier == Tier.DEPARTMENT and case.handler_id is None:
            return None
        result = getattr(case, "resolution_override", None) or rng.choice(RESULTS[case.category.code])
        who = getattr(case, "handler_override", None) or case.handler_id or self.handler_for(case)
        on_time = t <= case.resolution_due_at
        self.step(sim, K.RESOLVED, t, who, note=result, data={"on_time": on_time}, status=S.RESOLVED,
                  resolution=result, resolved_at=t, resolved_tier=case.tier, handler_id=case.handler_id or who,
                  responded_at=case.responded_at or t)
        return not on_time

    # One step, as lifecycle.record() writes it ----------------------------------------------
    def step(self, sim: _Sim, kind: str, at: datetime, actor_id, *, note: str = "", data: dict | None = None,
             public: bool = True, notify=(), **changes) -> None:
        case = sim.case
        from_status = case.status
        for name, value in changes.items():
            setattr(case, name, value)
        case.updated_at = at
        sim.events.append(_Ev(kind, at, actor_id, from_status, case.status, case.tier, note, data or {}, public))
        sim.events[-1].notify = [u for u in notify if u]

    # The deadline sweep (actions/supervision.py), replayed ------------------------------------
    def sweep_until(self, sim: _Sim, until: datetime) -> bool:
        """Apply what the sweep would have done up to ``until``; False when ``until`` is past now."""
        case, rng = sim.case, self.rng
        limit = min(until, self.now)
        while True:
            candidates = []
            lag = timedelta(minutes=rng.uniform(*SWEEP_LAG))
            if case.status == S.SUBMITTED and case.tier in (Tier.BUILDING, Tier.GRID) and case.responded_at is None:
                candidates.append((case.response_due_at + lag, "escalate"))
            if case.status in Case.OPEN_STATUSES:
                if case.overdue_flagged_at is None:
                    candidates.append((case.resolution_due_at + lag, "overdue"))
                total = case.resolution_due_at - case.created_at
                remind_at = case.resolution_due_at - min(total / 4, timedelta(days=1))
                if case.last_reminded_at is not None:
                    remind_at = max(remind_at, case.last_reminded_at + timedelta(hours=12))
                remind_at += lag
                if remind_at < case.resolution_due_at:
                    candidates.append((remind_at, "remind"))
            w = sim.whistle
            if w and w["status"] == Whistle.Status.PENDING:
                candidates.append((w["ack_due_at"] + lag, "whistle"))
            if case.status == S.RATED and case.rated_at:
                candidates.append((case.rated_at + CLOSE_RATED_AFTER + lag, "close_rated"))
            if case.status in (S.RESOLVED, S.VERIFIED) and case.resolved_at:
                candidates.append((case.resolved_at + CLOSE_UNRATED_AFTER + lag, "close_unrated"))
            # A deadline that passed before the last step is noticed by the next run after it.
            candidates = [(max(at, sim.last_at()), what) for at, what in candidates]
            candidates = [c for c in candidates if c[0] <= limit]
            if not candidates:
                break
            at, what = min(candidates)
            if what == "escalate":
                old = case.tier
                new = Tier.GRID if old == Tier.BUILDING and case.grid_id else Tier.COMMUNITY
                hours = case.category.urgent_response_hours if case.urgency == Urgency.URGENT else \
                    case.category.response_hours
                self.step(sim, K.ESCALATED, at, None, note=f"超过响应时限未受理，系统自动上报至{Tier(new).label}。",
                          data={"from_tier": old, "to_tier": new, "automatic": True},
                          tier=new, handler_id=None, escalation_level=case.escalation_level + 1,
                          response_due_at=at + timedelta(hours=float(hours)))
                sim.events[-1].notify = self.tier_people(case)
            elif what == "overdue":
                due = timezone.localtime(case.resolution_due_at).strftime("%Y-%m-%d %H:%M")
                users = set(self.staff) | ({case.handler_id} if case.handler_id else set(self.tier_people(case)))
                self.step(sim, K.OVERDUE, at, None, public=False, note=f"已超过办结时限（{due}），请尽快办理。",
                          notify=sorted(users), escalation_level=case.escalation_level + 1, overdue_flagged_at=at)
            elif what == "remind":
                left = max(0, int((case.resolution_due_at - at).total_seconds() // 3600))
                users = [case.handler_id] if case.handler_id else self.tier_people(case)
                self.step(sim, K.REMINDED, at, None, public=False, note=f"距办结时限还有约 {left} 小时。",
                          notify=users, last_reminded_at=at)
            elif what == "whistle":
                w["status"] = Whistle.Status.OVERDUE
                self.step(sim, K.OVERDUE, at, None, public=False, note=f"{w['department'].name} 未在时限内报到。",
                          data={"whistle": ("whistle",)}, notify=self.staff)
            else:
                note = "评价后自动关闭。" if what == "close_rated" else "办结 7 天未评价，自动关闭。"
                self.step(sim, K.CLOSED, at, None, note=note, status=S.CLOSED, closed_at=at)
        return until <= self.now

    # Duplicates and the demo logins' own requests ---------------------------------------------
    def _duplicates(self) -> None:
        """Some requests are reported twice; staff merge the second into the first while it is open."""
        rng = self.rng
        primaries = [s for s in self.sims if s.case.building_id and s.case.status != S.REJECTED
                     and s.true_code in ("property_repair", "environment", "public_facility", "safety_hazard")]
        for primary in rng.sample(primaries, k=min(len(primaries), round(len(self.sims) * 0.03))):
            start = primary.case.created_at + timedelta(hours=rng.uniform(0.5, 20))
            merge_at = start + timedelta(hours=rng.uniform(0.3, 6))
            if merge_at >= self.now or primary.status_at(merge_at) not in Case.OPEN_STATUSES:
                continue
            cd = self.cd
            b = self.building_index[primary.case.building_id]
            homes = [hh for hh in self.homes if cd.hh_building[hh] == b]
            app = [(hh, p) for hh, p in self.app_users if cd.hh_building[hh] == b]
            if app and rng.random() < 0.6:
                hh, person = rng.choice(app)
                channel = Channel.RESIDENT
            elif homes:
                hh, person, channel = rng.choice(homes), None, rng.choice([Channel.PHONE, Channel.WALK_IN])
            else:
                continue
            dup = self.new_case(start, code=primary.true_code, hh=hh, person=person, where="building",
                                channel=channel)
            if not self.sweep_until(dup, merge_at) or dup.case.status not in (S.SUBMITTED, S.ACCEPTED):
                self.sims.remove(dup)
                continue
            who = rng.choice(self.staff)
            self.step(dup, K.MERGED, merge_at, who, note="同一问题已有诉求在办理。", data={"into": ("case", primary)},
                      status=S.MERGED, closed_at=merge_at, responded_at=merge_at)
            dup.merged_into = primary
            status = primary.status_at(merge_at)
            ev = _Ev(K.DUPLICATE_ADDED, merge_at, who, status, status, primary.events[0].tier,
                     "合并了重复诉求 #{dup}，办理进展将同步告知该反映人。", {"duplicate": ("case", dup)})
            ev.notify = []
            tier = primary.events[0].tier
            for e in primary.events:
                if e.at <= merge_at:
                    tier = e.tier
            ev.tier = tier
            bisect.insort(primary.events, ev, key=lambda e: e.at)
            if dup.case.reporter_id:
                primary.reporter_ids.add(dup.case.reporter_id)

    def _showcase(self) -> None:
        """Requests of the memorable logins, in states worth showing (docs/demo.md)."""
        ctx, cd, now = self.ctx, self.cd, self.now
        resident = ctx.logins.get("resident")
        person = cd.reserved.get("resident")
        if resident is not None and person is not None and person.home is not None:
            hh = person.home
            mine = [
                # (days ago, category, plan)
                (150, "property_repair", Plan(respond=3, resolve=30, verify="reporter", rate=5, rate_after=10)),
                (40, "environment", Plan(respond=5, dispatch=False, resolve=60, rate=4, rate_after=30)),
                (5, "public_facility", Plan(respond=2, resolve=48, rate=4, rate_after=20)),
                (3, "property_repair", Plan(respond=2, start=True, progress=True, resolve=50, rate=None)),
                (2, "environment", Plan(respond=1, resolve=20, verify="grid", rate=None)),
                (0.8, "property_repair", Plan(respond=1.5, start=True, resolve=70)),
                (0.1, "neighbour_dispute", Plan(respond=30, resolve=100)),
            ]
            for days, code, plan in mine:
                sim = self.new_case(now - timedelta(days=days), code=code, hh=hh, person=person,
                                    channel=Channel.RESIDENT, where="household")
                self.simulate(sim, plan)
        # Waiting at the demo building head's building: one not yet answered, one accepted.
        head = ctx.logins.get("building_head")
        if head is not None:
            building = next((b for b, users in self.building_heads.items() if head.pk in users), None)
            b = self.building_index.get(building)
            homes = [hh for hh in self.homes if b is not None and cd.hh_building[hh] == b]
            for hours, plan in ((3, Plan(respond=None)), (20, Plan(respond=2, resolve=60))):
                if homes:
                    sim = self.new_case(now - timedelta(hours=hours), code="property_repair", hh=homes[0],
                                        channel=Channel.PHONE, where="household")
                    self.simulate(sim, plan)
        # A whistle waiting for the demo property staff's company and one for the community police.
        for key, code, login in (("property", "environment", "property_staff"), ("police", "safety_hazard",
                                                                                   "police_liaison")):
            user = ctx.logins.get(login)
            compound = next((c for c, users in self.property_staff.items() if user and user.pk in users), None)
            homes = [hh for hh in self.homes
                     if key != "property" or cd.buildings[cd.hh_building[hh]].compound_id == compound]
            if homes:
                sim = self.new_case(now - timedelta(hours=1.2), code=code, hh=homes[0], channel=Channel.WALK_IN,
                                    where="building")
                self.simulate(sim, Plan(respond=0.2, whistle=key, whistle_after=0.3, ack_after=None))


def _deadlines(category: Category, urgent: bool, start: datetime) -> tuple[datetime, datetime]:
    if urgent:
        response, resolution = category.urgent_response_hours, category.urgent_resolution_hours
    else:
        response, resolution = category.response_hours, category.resolution_hours
    return start + timedelta(hours=float(response)), start + timedelta(hours=float(resolution))


_BUILDING_REF = re.compile(r"\d+\s*(?:号楼|栋|幢|号院)")
_UNIT_REF = re.compile(r"\d+\s*单元")
_ROOM_REF = re.compile(r"(?<=单元)\d{3,4}|\d{3,4}(?=室)")


def _localise(text: str, building: str, unit: str | None, room: str | None) -> str:
    """Put the request's real place into the corpus text ("3栋2单元502" → this building's numbers)."""
    text = _BUILDING_REF.sub(building, text, count=1)
    if unit is not None:
        text = _UNIT_REF.sub(f"{unit}单元", text, count=1)
    if room is not None:
        text = _ROOM_REF.sub(room, text, count=1)
    return text


# Writing it all ---------------------------------------------------------------------------------
def _insert(sims: list[_Sim], now: datetime) -> None:
    with explicit_timestamps():
        # Cases: duplicates after their targets so merged_into points at a saved row.
        first = [s for s in sims if s.merged_into is None]
        Case.objects.bulk_create([s.case for s in first], batch_size=BATCH)
        for s in sims:
            if s.merged_into is not None:
                s.case.merged_into = s.merged_into.case
        Case.objects.bulk_create([s.case for s in sims if s.merged_into is not None], batch_size=BATCH)
        whistles = []
        for s in sims:
            if s.whistle:
                w = s.whistle
                s.whistle_row = Whistle(case=s.case, department=w["department"], reason=w["reason"],
                                        whistled_by_id=w["whistled_by"], whistled_at=w["whistled_at"],
                                        ack_due_at=w["ack_due_at"], status=w["status"],
                                        acknowledged_at=w.get("acknowledged_at"),
                                        acknowledged_by_id=w.get("acknowledged_by"), response=w.get("response", ""))
                whistles.append(s.whistle_row)
        Whistle.objects.bulk_create(whistles, batch_size=BATCH)
        mediations = []
        for s in sims:
            if s.mediation:
                m = s.mediation
                s.mediation_row = Mediation(case=s.case, community_id=s.case.community_id, mediator_id=m["mediator"],
                                            opened_by_id=m["opened_by"], opened_at=m["opened_at"],
                                            status=m["status"], agreement_terms=m.get("terms", ""),
                                            outcome_note=m.get("note", ""), closed_at=m.get("closed_at"))
                mediations.append(s.mediation_row)
        Mediation.objects.bulk_create(mediations, batch_size=BATCH)
        parties, sessions = [], []
        for s in sims:
            if s.mediation:
                for side, name, resident, phone in s.mediation["parties"]:
                    parties.append(MediationParty(mediation=s.mediation_row, side=side, name=name[:50],
                                                  resident=resident, phone=phone or ""))
                for item in s.mediation["sessions"]:
                    sessions.append(MediationSession(mediation=s.mediation_row, held_at=item["held_at"],
                                                     place=item["place"], attendees=item["attendees"],
                                                     notes=item["notes"], recorded_by_id=item["recorded_by"]))
        MediationParty.objects.bulk_create(parties, batch_size=BATCH)
        MediationSession.objects.bulk_create(sessions, batch_size=BATCH)

        def resolve(value):
            if isinstance(value, tuple) and value[0] == "case":
                return value[1].case.pk
            return value

        events, owners = [], []
        for s in sims:
            for e in s.events:
                data = {}
                for k, v in e.data.items():
                    if v == ("whistle",):
                        v = s.whistle_row.pk
                    elif v == ("mediation",):
                        v = s.mediation_row.pk
                    data[k] = resolve(v)
                note = e.note.replace("#{dup}", f"#{data.get('duplicate')}") if "#{dup}" in e.note else e.note
                events.append(CaseEvent(case=s.case, kind=e.kind, created_at=e.at, actor_id=e.actor_id,
                                        from_status=e.from_status, to_status=e.to_status, tier=e.tier, note=note,
                                        data=data, public=e.public))
                owners.append((s, e))
        CaseEvent.objects.bulk_create(events, batch_size=BATCH)
        CategoryCorrection.objects.bulk_create(
            [_with_case(s.correction, s.case) for s in sims if s.correction is not None], batch_size=BATCH)
        _notifications(events, owners, now)


def _with_case(correction: CategoryCorrection, case: Case) -> CategoryCorrection:
    correction.case = case
    return correction


def _notifications(events: list[CaseEvent], owners: list, now: datetime) -> None:
    """The in-app messages record() would have sent for the last two weeks' events."""
    since = now - timedelta(days=NOTIFY_DAYS)
    rows = []
    for event, (sim, ev) in zip(events, owners):
        if ev.at < since:
            continue
        recipients = set(getattr(ev, "notify", []) or [])
        if ev.public and ev.kind != K.SUBMITTED or ev.kind == K.SUBMITTED and sim.case.channel != Channel.RESIDENT:
            recipients |= {r for r in sim.reporter_ids if r}
        recipients.discard(ev.actor_id)
        recipients.discard(None)
        label = K(ev.kind).label
        for uid in sorted(recipients):
            rows.append(Notification(
                user_id=uid, source="casework", kind=f"case.{ev.kind}", subject=sim.case.title[:200],
                dedupe_key=f"casework.event:{event.pk}", title=f"诉求 #{sim.case.pk}：{label}",
                body=event.note[:500], url=f"/cases/{sim.case.pk}/", created_at=ev.at,
                read_at=ev.at + timedelta(hours=2) if ev.at < now - timedelta(days=2) else None,
            ))
    Notification.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


__all__ = ["Plan", "delete_requests", "explicit_timestamps", "register", "request_counts", "search_text",
           "seed_requests"]
