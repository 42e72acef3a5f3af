"""Open311 service definitions: the extra questions (attributes) each category asks, and how answers are checked.

A GeoReport v2 *service* is one of our request categories (``service_code`` =
``Category.code``). The definitions below add, per default category code:

* ``keywords`` for the service list (synonyms residents use),
* ``attributes``: the questions a client shows before submitting. Answers come
  back as ``attribute[code]=value`` (``attribute[code][]=v1&…`` for a
  multivaluelist) and are checked by :func:`clean_attributes` against the
  definition (required, datatype, allowed values),
* ``public``: whether GET requests may show what the resident wrote and where.
  Categories about a person rather than a place (disputes between households,
  elderly and disability care, benefit enquiries) are listed, accepted and
  tracked like any other, but their description, address and coordinates are
  never published. Categories a community adds itself are treated the same
  way until somebody adds a definition here (privacy by default).

``urgency`` is common to almost every service and becomes the case's urgency;
every other answer is written into the case text that staff read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Urgency

# Bump when the definitions below change: discovery's changeset tells clients to refresh cached definitions.
DEFINITIONS_CHANGESET = "2026-11-22T00:00:00Z"

STRING, NUMBER, DATETIME, TEXT, SINGLE, MULTI = (
    "string", "number", "datetime", "text", "singlevaluelist", "multivaluelist",
)
DATATYPES = (STRING, NUMBER, DATETIME, TEXT, SINGLE, MULTI)
MAX_LENGTH = {STRING: 200, TEXT: 2000, NUMBER: 40, DATETIME: 40}


@dataclass(frozen=True)
class Value:
    key: str
    name: str


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    label: str  # short name, written before the answer in the case text staff read
    description: str  # the question shown to the user
    required: bool = False
    variable: bool = True  # False: information shown to the user, nothing to answer
    datatype_description: str | None = None
    values: tuple[Value, ...] = ()

    def value_name(self, key: str) -> str:
        return next((str(v.name) for v in self.values if v.key == key), key)


@dataclass(frozen=True)
class ServiceDefinition:
    keywords: tuple[str, ...] = ()
    attributes: tuple[Attribute, ...] = ()
    public: bool = False

    def attribute(self, code: str) -> Attribute | None:
        return next((a for a in self.attributes if a.code == code), None)


def _values(*pairs: tuple[str, str]) -> tuple[Value, ...]:
    return tuple(Value(key, name) for key, name in pairs)


L = gettext_lazy

URGENCY = Attribute(
    code="urgency", datatype=SINGLE, label=L("紧急程度"),
    description=L("情况是否紧急？涉及人身安全、财产正在受损（如漏水不止、电梯困人）请选“紧急”。"),
    values=_values(("normal", L("一般")), ("urgent", L("紧急"))),
)

DEFINITIONS: dict[str, ServiceDefinition] = {
    "property_repair": ServiceDefinition(
        keywords=("漏水", "渗水", "水管", "电梯", "楼道灯", "门禁", "暖气", "停水停电", "物业"),
        public=True,
        attributes=(
            Attribute(
                code="facility", datatype=SINGLE, required=True, label=L("报修部位"),
                description=L("需要维修的是什么？"),
                values=_values(("leak", L("漏水渗水")), ("pipe", L("水管下水道")), ("elevator", L("电梯")),
                               ("stair_light", L("楼道灯")), ("door", L("单元门/门禁")),
                               ("heating", L("暖气")), ("power_water", L("停水停电")),
                               ("service", L("物业服务")), ("other", L("其他"))),
            ),
            Attribute(
                code="room", datatype=STRING, label=L("楼栋/房号"),
                description=L("问题所在的楼栋/房号"), datatype_description=L("例如：3栋2单元501"),
            ),
            URGENCY,
        ),
    ),
    "environment": ServiceDefinition(
        keywords=("垃圾", "杂物", "蚊蝇", "老鼠", "异味", "小广告", "绿化", "油烟", "扬尘"),
        public=True,
        attributes=(
            Attribute(
                code="issues", datatype=MULTI, label=L("问题类型"),
                description=L("有哪些问题？（可多选）"),
                values=_values(("garbage", L("垃圾清运")), ("clutter", L("杂物堆放")), ("pests", L("蚊蝇鼠害")),
                               ("odour", L("异味油烟")), ("greenery", L("绿化养护")),
                               ("noise_dust", L("施工噪音扬尘")), ("ads", L("小广告"))),
            ),
            URGENCY,
        ),
    ),
    "public_facility": ServiceDefinition(
        keywords=("路灯", "道路", "健身器材", "公厕", "充电桩", "积水", "无障碍"),
        public=True,
        attributes=(
            Attribute(
                code="facility", datatype=SINGLE, required=True, label=L("设施"),
                description=L("哪类公共设施有问题？"),
                values=_values(("street_light", L("路灯")), ("road", L("道路路面")), ("fitness", L("健身器材")),
                               ("toilet", L("公共厕所")), ("charger", L("充电桩")), ("drain", L("积水/雨水井")),
                               ("ramp", L("无障碍设施")), ("other", L("其他"))),
            ),
            URGENCY,
        ),
    ),
    "safety_hazard": ServiceDefinition(
        keywords=("消防", "飞线充电", "电动车", "燃气", "高空坠物", "井盖", "治安"),
        public=True,
        attributes=(
            Attribute(
                code="emergency_notice", datatype=STRING, variable=False, label=L("紧急提示"),
                description=L("正在发生火情、燃气泄漏或有人受伤时，请立即拨打 119、110 或 120，再在这里反映。"),
            ),
            Attribute(
                code="hazard", datatype=SINGLE, required=True, label=L("隐患类型"),
                description=L("是哪一类隐患？"),
                values=_values(("ebike", L("飞线充电/电动车进楼")), ("fire_lane", L("消防通道堵塞")),
                               ("gas", L("燃气异味")), ("falling", L("坠物风险")), ("wires", L("电线裸露")),
                               ("manhole", L("井盖缺失")), ("security", L("治安隐患")), ("other", L("其他"))),
            ),
            URGENCY,
        ),
    ),
    "parking_traffic": ServiceDefinition(
        keywords=("停车", "消防通道", "僵尸车", "道闸", "共享单车", "拥堵"),
        public=True,
        attributes=(
            Attribute(
                code="issue", datatype=SINGLE, label=L("问题"), description=L("是什么问题？"),
                values=_values(("fire_lane", L("占用消防通道")), ("parking", L("乱停车")),
                               ("abandoned", L("僵尸车")), ("bikes", L("非机动车停放")),
                               ("traffic", L("交通秩序"))),
            ),
            URGENCY,
        ),
    ),
    "neighbour_dispute": ServiceDefinition(
        keywords=("噪音", "装修扰民", "宠物", "漏水协商", "占用公共空间", "邻里矛盾"),
        attributes=(
            Attribute(
                code="dispute", datatype=SINGLE, label=L("纠纷类型"), description=L("是哪一类纠纷？"),
                values=_values(("noise", L("噪音")), ("leak", L("漏水")), ("space", L("占用公共空间")),
                               ("pets", L("宠物")), ("other", L("其他"))),
            ),
            Attribute(
                code="history", datatype=TEXT, label=L("此前协商情况"),
                description=L("双方此前是否沟通过？结果如何？"),
            ),
            URGENCY,
        ),
    ),
    "elderly_disability": ServiceDefinition(
        keywords=("独居老人", "助餐", "助浴", "陪同就医", "适老化", "轮椅", "残疾人"),
        attributes=(
            Attribute(
                code="services", datatype=MULTI, required=True, label=L("需要的服务"),
                description=L("需要哪些帮助？（可多选）"),
                values=_values(("meals", L("助餐送餐")), ("bathing", L("助浴助洁")), ("medical", L("陪同就医")),
                               ("visit", L("上门探访")), ("aids", L("辅具借用")), ("other", L("其他"))),
            ),
            Attribute(
                code="age", datatype=NUMBER, label=L("服务对象年龄"), description=L("服务对象的年龄"),
                datatype_description=L("数字，例如：82"),
            ),
            Attribute(
                code="preferred_time", datatype=DATETIME, label=L("希望服务时间"),
                description=L("希望什么时候上门？"), datatype_description=L("例如：2026-12-01T09:00:00+08:00"),
            ),
            URGENCY,
        ),
    ),
    "policy_consultation": ServiceDefinition(
        keywords=("低保", "医保", "社保", "养老金", "户籍", "居住证", "入学", "证明", "补贴"),
        attributes=(
            Attribute(
                code="topic", datatype=SINGLE, label=L("咨询事项"), description=L("想咨询哪方面的政策？"),
                values=_values(("assistance", L("救助与补贴")), ("insurance", L("社保医保养老")),
                               ("residence", L("户籍与居住证")), ("school", L("入学")), ("jobs", L("就业创业")),
                               ("certificate", L("开具证明")), ("other", L("其他"))),
            ),
            URGENCY,
        ),
    ),
    "suggestion": ServiceDefinition(keywords=("建议", "意见", "表扬", "加装电梯", "晾晒"), public=True),
    "other": ServiceDefinition(keywords=("失物招领", "寻人寻宠", "咨询"), attributes=(URGENCY,)),
}

# A category the community created itself: urgency only, and nothing personal published.
GENERIC = ServiceDefinition(attributes=(URGENCY,))


def definition_for(code: str) -> ServiceDefinition:
    return DEFINITIONS.get(code, GENERIC)


def _check() -> None:
    for code, definition in [*DEFINITIONS.items(), ("(generic)", GENERIC)]:
        codes = [a.code for a in definition.attributes]
        assert len(codes) == len(set(codes)), f"{code}: duplicate attribute code"
        for a in definition.attributes:
            assert a.datatype in DATATYPES, (code, a.code)
            assert bool(a.values) == (a.datatype in (SINGLE, MULTI)), (code, a.code)
            assert not (a.required and not a.variable), (code, a.code)


_check()


@dataclass
class CleanedAttributes:
    """Checked answers: ``values`` (code → str or list of keys) for the record, ``lines`` for the case text."""

    values: dict = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    urgency: str = Urgency.NORMAL
    errors: list[tuple[str, str]] = field(default_factory=list)  # (parameter, message)


def clean_attributes(definition: ServiceDefinition, answers: dict[str, list[str]]) -> CleanedAttributes:
    """Check ``attribute[code]`` answers against the definition; every problem is reported, none is fixed up.

    ``answers`` maps an attribute code to the values sent for it (blank values
    already removed). Codes the definition does not know, and answers to
    informational (``variable=false``) attributes, are ignored, as clients
    written for other servers send their own.
    """
    result = CleanedAttributes()
    for attribute in definition.attributes:
        if not attribute.variable:
            continue
        param = f"attribute[{attribute.code}]"
        given = answers.get(attribute.code) or []
        if not given:
            if attribute.required:
                result.errors.append((param, _("请回答“%(label)s”（必填）。") % {"label": attribute.label}))
            continue
        if attribute.datatype != MULTI and len(given) > 1:
            result.errors.append((param, _("“%(label)s”只能填一个值。") % {"label": attribute.label}))
            continue
        error, value, shown = _clean_one(attribute, given)
        if error:
            result.errors.append((param, error))
            continue
        result.values[attribute.code] = value
        if attribute.code == URGENCY.code:
            result.urgency = value
        else:
            result.lines.append(f"{attribute.label}：{shown}")
    return result


def _clean_one(attribute: Attribute, given: list[str]) -> tuple[str | None, object, str]:
    label = attribute.label
    if attribute.datatype in (SINGLE, MULTI):
        keys = {v.key for v in attribute.values}
        unknown = [v for v in given if v not in keys]
        if unknown:
            allowed = "、".join(f"{v.key}（{v.name}）" for v in attribute.values)
            return (_("“%(label)s”的取值 %(bad)s 无效，可选：%(allowed)s。")
                    % {"label": label, "bad": "、".join(unknown), "allowed": allowed}, None, "")
        if attribute.datatype == SINGLE:
            return None, given[0], attribute.value_name(given[0])
        chosen = list(dict.fromkeys(given))
        return None, chosen, "、".join(attribute.value_name(k) for k in chosen)
    text = given[0].strip()
    limit = MAX_LENGTH[attribute.datatype]
    if len(text) > limit:
        return _("“%(label)s”不能超过 %(n)d 个字。") % {"label": label, "n": limit}, None, ""
    if attribute.datatype == STRING:
        if "\n" in text or "\r" in text:
            return _("“%(label)s”只能填一行，不能换行。") % {"label": label}, None, ""
        return None, text, text
    if attribute.datatype == TEXT:
        return None, text, text
    if attribute.datatype == NUMBER:
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            return _("“%(label)s”必须是数字。") % {"label": label}, None, ""
        return None, text, text
    moment = parse_iso_datetime(text)
    if moment is None:
        return (_("“%(label)s”必须是 ISO 8601 日期时间，例如 2026-12-01T09:00:00+08:00。") % {"label": label},
                None, "")
    return None, moment.isoformat(), timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def parse_iso_datetime(text: str) -> datetime | None:
    """An ISO 8601 date or date-time; without a zone it is read in the server's time zone."""
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
