"""The default taxonomy of resident requests (有求必应).

Ten categories, each with the tier that answers it by default and its
deadlines. The casework app copies these into the database for each community
(which may then rename or add categories); the classifier in
``gongzhi.casework.classification`` is trained on the codes below.

Tiers follow 小事不出楼栋，大事不出社区: ``building`` (楼栋长 / 物业 close it at
the building), ``grid`` (网格员 and the grid branch), ``community`` (居委会
staff), ``department`` (the community blows the whistle and a government
department reports, 社区吹哨、部门报到). No default category starts at
``department``: escalation is a casework decision, not a category.

Where the line falls between neighbouring categories (the classifier corpus is
labelled by the same rules, see docs/classification.md):

* Facilities *inside a building or maintained by the compound's property
  company* (楼道灯, 电梯, 单元门/门禁, 水管, 屋顶, 暖气, 化粪池堵塞) are
  ``property_repair``; facilities in shared public space that no single
  building's property service owns (路灯, 健身器材, 道路, 公厕, 充电桩, 宣传栏)
  are ``public_facility``. So "楼道灯坏了" is ``property_repair``.
* Objects or bikes that create a fire or injury risk (飞线充电, 电动车进楼,
  杂物堵塞消防通道, 外墙瓷砖脱落, 井盖缺失, 燃气味) are ``safety_hazard``;
  clutter that is only untidy is ``environment``; *cars* parked in a fire
  lane are ``parking_traffic``.
* A leak or noise described as a conflict between households is
  ``neighbour_dispute``; a leak to be fixed is ``property_repair``.
* "How do I apply / what are the conditions" for any benefit, including
  elderly and disability benefits, is ``policy_consultation``; a concrete
  need for care or help for an elderly or disabled person is
  ``elderly_disability``.
* Proposals, wishes, praise and criticism of community work are
  ``suggestion``; lost property, chatter, adverts and questions that are not
  a request for service are ``other``.
"""

from __future__ import annotations

from dataclasses import dataclass

TIER_BUILDING = "building"
TIER_GRID = "grid"
TIER_COMMUNITY = "community"
TIER_DEPARTMENT = "department"
TIERS = (TIER_BUILDING, TIER_GRID, TIER_COMMUNITY, TIER_DEPARTMENT)

URGENCY_NORMAL = "normal"
URGENCY_URGENT = "urgent"
URGENCIES = (URGENCY_NORMAL, URGENCY_URGENT)

OTHER = "other"


@dataclass(frozen=True)
class Deadlines:
    """Hours allowed, by urgency. Response = first contact; resolution = closed."""

    normal: float
    urgent: float

    def for_urgency(self, urgency: str) -> float:
        if urgency == URGENCY_NORMAL:
            return self.normal
        if urgency == URGENCY_URGENT:
            return self.urgent
        raise ValueError(f"unknown urgency {urgency!r}; expected one of {URGENCIES}")


@dataclass(frozen=True)
class Category:
    code: str
    name_zh: str
    name_en: str
    description: str  # Chinese: what belongs here, with examples
    tier: str
    response_hours: Deadlines
    resolution_hours: Deadlines


DEFAULT_CATEGORIES: list[Category] = [
    Category(
        code="property_repair",
        name_zh="房屋维修与物业服务",
        name_en="Building repairs and property services",
        description=(
            "楼栋内部及由物业负责的共用部位设施：漏水渗水、水管爆裂、下水道和化粪池堵塞、"
            "电梯故障或困人、楼道灯、单元门和门禁对讲、屋顶防水、外墙空鼓、暖气不热、"
            "停水停电、水压低；物业费、物业服务质量、保安保洁到岗、公共维修基金使用。"
        ),
        tier=TIER_BUILDING,
        response_hours=Deadlines(normal=24, urgent=2),
        resolution_hours=Deadlines(normal=72, urgent=24),
    ),
    Category(
        code="environment",
        name_zh="环境卫生",
        name_en="Environment and sanitation",
        description=(
            "垃圾清运不及时、垃圾分类、楼道和公共区域杂物堆放（未堵塞消防通道）、"
            "蚊蝇老鼠蟑螂、异味、小广告、宠物粪便、绿化养护和毁绿种菜、餐饮油烟、"
            "污水横流、施工噪音和扬尘。"
        ),
        tier=TIER_BUILDING,
        response_hours=Deadlines(normal=24, urgent=4),
        resolution_hours=Deadlines(normal=72, urgent=24),
    ),
    Category(
        code="public_facility",
        name_zh="公共设施",
        name_en="Public facilities",
        description=(
            "楼栋以外公共空间的设施：小区和社区道路路面、路灯、健身器材、儿童游乐设施、"
            "休闲座椅、公共厕所、宣传栏、快递柜、充电桩、雨水井和道路积水、无障碍坡道、"
            "社区活动室和公共服务场所的设施。"
        ),
        tier=TIER_GRID,
        response_hours=Deadlines(normal=24, urgent=4),
        resolution_hours=Deadlines(normal=120, urgent=48),
    ),
    Category(
        code="neighbour_dispute",
        name_zh="邻里纠纷",
        name_en="Neighbour disputes",
        description=(
            "居民之间的矛盾：楼上噪音、装修扰民、广场舞扰民、宠物扰邻、楼上漏水协商不成、"
            "占用公共空间引起的争执、空调外机滴水、吸烟异味、租户与房东纠纷、家庭矛盾。"
        ),
        tier=TIER_GRID,
        response_hours=Deadlines(normal=24, urgent=2),
        resolution_hours=Deadlines(normal=168, urgent=48),
    ),
    Category(
        code="safety_hazard",
        name_zh="安全隐患",
        name_en="Safety hazards",
        description=(
            "消防、用电、燃气、坠物和治安隐患：飞线充电、电动车进楼入户、杂物堵塞消防通道、"
            "消防设施损坏、燃气泄漏异味、电线裸露、外墙瓷砖或广告牌松动、高空抛物、"
            "井盖缺失、树木倾倒、群租房、陌生人可疑行为、盗窃诈骗、防汛。"
        ),
        tier=TIER_GRID,
        response_hours=Deadlines(normal=2, urgent=0.5),
        resolution_hours=Deadlines(normal=24, urgent=4),
    ),
    Category(
        code="parking_traffic",
        name_zh="停车与交通",
        name_en="Parking and traffic",
        description=(
            "乱停车、机动车占用消防通道、车位不足和车位纠纷、停车费、道闸、僵尸车、"
            "电动车和共享单车停放、小区内车速过快、校门口拥堵、红绿灯和斑马线。"
        ),
        tier=TIER_GRID,
        response_hours=Deadlines(normal=24, urgent=2),
        resolution_hours=Deadlines(normal=120, urgent=24),
    ),
    Category(
        code="elderly_disability",
        name_zh="养老助残服务",
        name_en="Elderly and disability services",
        description=(
            "老人和残疾人的具体服务需求：独居老人探访、助餐送餐、上门助浴助洁、陪同就医、"
            "居家养老服务、适老化改造、轮椅和辅具借用、老人走失、残疾人康复和出行帮助、"
            "日间照料。"
        ),
        tier=TIER_COMMUNITY,
        response_hours=Deadlines(normal=24, urgent=2),
        resolution_hours=Deadlines(normal=72, urgent=24),
    ),
    Category(
        code="policy_consultation",
        name_zh="政策咨询",
        name_en="Policy and procedure enquiries",
        description=(
            "办事和政策咨询：低保、医保、社保、养老金资格认证、高龄津贴、残疾证、户籍和居住证、"
            "入学、生育登记、就业和创业补贴、开具证明、公租房和租房补贴、退役军人事务、"
            "加装电梯补贴。"
        ),
        tier=TIER_COMMUNITY,
        response_hours=Deadlines(normal=48, urgent=8),
        resolution_hours=Deadlines(normal=120, urgent=48),
    ),
    Category(
        code="suggestion",
        name_zh="意见建议",
        name_en="Suggestions and opinions",
        description=(
            "对社区建设和工作的意见、建议和表扬：希望增设设施或开展活动、加装电梯意愿、"
            "晾晒场地、对社区工作人员的评价、感谢信。"
        ),
        tier=TIER_COMMUNITY,
        response_hours=Deadlines(normal=72, urgent=24),
        resolution_hours=Deadlines(normal=336, urgent=120),
    ),
    Category(
        code=OTHER,
        name_zh="其他",
        name_en="Other",
        description="无法归入以上类别的事项：失物招领、寻人寻宠、一般信息询问、闲聊、广告、误发消息。",
        tier=TIER_COMMUNITY,
        response_hours=Deadlines(normal=48, urgent=8),
        resolution_hours=Deadlines(normal=168, urgent=48),
    ),
]

CATEGORY_BY_CODE: dict[str, Category] = {c.code: c for c in DEFAULT_CATEGORIES}
CATEGORY_CODES: tuple[str, ...] = tuple(CATEGORY_BY_CODE)


def get_category(code: str) -> Category:
    """The default category with this code; KeyError if there is none."""
    return CATEGORY_BY_CODE[code]


def _check() -> None:
    assert len(CATEGORY_BY_CODE) == len(DEFAULT_CATEGORIES), "duplicate category code"
    assert OTHER in CATEGORY_BY_CODE
    for c in DEFAULT_CATEGORIES:
        assert c.tier in TIERS, c.code
        for d in (c.response_hours, c.resolution_hours):
            assert 0 < d.urgent <= d.normal, c.code
        assert c.response_hours.normal <= c.resolution_hours.normal, c.code
        assert c.response_hours.urgent <= c.resolution_hours.urgent, c.code


_check()
