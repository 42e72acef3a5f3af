"""The roster workbook's layout: sheets, columns, value labels and formula escaping.

The headers and value labels are the file format, so they are fixed Chinese
strings (not gettext msgids): a workbook exported under the English UI must
import under the Chinese one and vice versa. Messages shown to people are
translated elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gongzhi.core.excel import safe_cell, unescape_cell

INSTRUCTIONS = "说明"
BUILDINGS = "楼栋"
HOUSEHOLDS = "房屋"
RESIDENTS = "居民"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    width: int = 12
    help: str = ""
    choices: tuple[str, ...] = ()  # drop-down values offered in the workbook
    kind: str = "text"  # text | int | decimal | date (data validation and number format)


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def index(self, key: str) -> int:
        for i, c in enumerate(self.columns):
            if c.key == key:
                return i
        raise KeyError(key)

    def column(self, key: str) -> Column:
        return self.columns[self.index(key)]


# The template's example rows name this compound and grid, which no community
# has, so an example row left in a file is reported instead of imported.
EXAMPLE_COMPOUND = "示例小区"
EXAMPLE_GRID = "示例网格"

# Value labels in the workbook → model values.
USE_LABELS = {"住宅": "dwelling", "商铺": "shop"}
OCCUPANCY_LABELS = {"在住": "occupied", "空置": "vacant"}
# Also accepted on import (the model's own label and a common short form).
OCCUPANCY_ALIASES = {"自住/在住": "occupied", "自住": "occupied"}
RELATION_LABELS = {"业主": "owner", "共有人": "co_owner", "租户": "tenant", "家庭成员": "family"}
GENDER_LABELS = {"男": "M", "女": "F"}
TAG_LABELS = {
    "独居老人": "elderly_alone",
    "低保": "subsistence",
    "困难家庭": "hardship",
    "残疾": "disability",
    "退役军人": "veteran",
    "党员": "party_member",
}

USE_NAMES = {v: k for k, v in USE_LABELS.items()}
OCCUPANCY_NAMES = {v: k for k, v in OCCUPANCY_LABELS.items()}
RELATION_NAMES = {v: k for k, v in RELATION_LABELS.items()}
GENDER_NAMES = {v: k for k, v in GENDER_LABELS.items()}
TAG_NAMES = {v: k for k, v in TAG_LABELS.items()}
TAG_ORDER = {v: i for i, v in enumerate(TAG_LABELS.values())}
TAG_SEPARATORS = re.compile(r"[、,，;；\s]+")

BUILDING_SHEET = Sheet(
    BUILDINGS,
    (
        Column("compound", "小区", True, 16, "系统中已有的小区名称（由社区工作人员先行创建）"),
        Column("building", "楼栋", True, 10, "楼栋名称，如 1栋、3号楼；同一小区内不重复"),
        Column("grid", "网格", True, 14, "系统中已有的网格名称（由社区工作人员先行创建）"),
        Column("floors", "层数", False, 8, "地上层数，正整数，可空", kind="int"),
        Column("units", "单元数", False, 8, "单元（楼梯）数，正整数，可空；缺少的单元按 1、2、3… 补建", kind="int"),
        Column("address", "地址", False, 28, "门牌地址，可空"),
    ),
)

HOUSEHOLD_SHEET = Sheet(
    HOUSEHOLDS,
    (
        Column("compound", "小区", True, 16, "同“楼栋”表"),
        Column("building", "楼栋", True, 10, "须在“楼栋”表中列出，或系统中已有"),
        Column("unit", "单元", True, 8, "单元号，如 1、2"),
        Column("room", "房号", True, 10, "如 502；同一单元内不重复"),
        Column("floor", "楼层", False, 8, "整数；留空时按房号推算（502 → 5 层）", kind="int"),
        Column("area", "建筑面积(㎡)", True, 12, "大于 0 的数字", kind="decimal"),
        Column("use", "用途", False, 8, "住宅 或 商铺；留空为住宅", tuple(USE_LABELS)),
        Column("occupancy", "居住状态", False, 10, "在住 或 空置；留空为在住", tuple(OCCUPANCY_LABELS)),
        Column("note", "备注", False, 24, "可空"),
    ),
)

RESIDENT_SHEET = Sheet(
    RESIDENTS,
    (
        Column("compound", "小区", True, 16, "同“房屋”表"),
        Column("building", "楼栋", True, 10, "同“房屋”表"),
        Column("unit", "单元", True, 8, "同“房屋”表"),
        Column("room", "房号", True, 10, "须在“房屋”表中列出，或系统中已有"),
        Column("name", "姓名", True, 10, ""),
        Column("relation", "关系", True, 10, "业主、共有人、租户 或 家庭成员", tuple(RELATION_LABELS)),
        Column("share", "产权份额(%)", False, 12, "业主/共有人的产权份额，0–100，可空；同一户合计不超过 100",
               kind="decimal"),
        Column("gender", "性别", False, 6, "男 或 女，可空", tuple(GENDER_LABELS)),
        Column("birth_date", "出生日期", False, 12, "如 1956-03-08，可空", kind="date"),
        Column("phone", "电话", False, 14, "手机号或带区号的固定电话，可空"),
        Column("id_number", "身份证号", False, 21, "18 位居民身份证号（请以文本格式填写），可空"),
        Column("tags", "标签", False, 18, "可多个，用顿号（、）或逗号分隔：" + "、".join(TAG_LABELS)),
    ),
)

SHEETS = (BUILDING_SHEET, HOUSEHOLD_SHEET, RESIDENT_SHEET)

INSTRUCTION_LINES = (
    "社区花名册（楼栋、房屋、居民）",
    "",
    "填写说明",
    "1. 本文件共三张数据表：“楼栋”“房屋”“居民”。请勿修改表名和第一行列名；列的顺序可以调整，多余的列会被忽略。",
    "2. 标 * 的列为必填（见下方列说明）。各表第 2 行起每行一条记录。模板中的示例行请在导入前删除。",
    "3. 小区和网格须由社区工作人员事先在系统中创建，这里按名称引用；楼栋、单元、房屋、居民由导入自动新建或更新。",
    (
        "4. 对应规则：楼栋按“小区 + 楼栋”对应，单元按“楼栋 + 单元号”，房屋按“单元 + 房号”；"
        "居民有身份证号时按身份证号对应，否则按“姓名 + 电话”，都没有时按“姓名 + 所在房屋”。"
    ),
    "5. 导入只新增或更新，不删除任何数据：文件中没有的房屋、居民和标签保持不变；空白单元格不会清除系统中已有的内容。",
    "6. 导入是“全部成功或全部不导入”：只要有一处问题，系统就不写入任何数据，并列出每个问题所在的表、行、列和原因。",
    "7. 每户（住宅）登记了居民时须至少有一名业主或共有人；同一户的产权份额合计不能超过 100%。",
    "8. 电话、身份证号请以文本格式填写，避免被 Excel 改成科学计数法。",
    "9. 以 = + - @ 开头的文字在导出时会加上前缀 '，以防被当作公式执行；导入时会自动去掉该前缀。",
    "",
    "列说明（* 为必填）",
)


def instruction_rows() -> list[list[str]]:
    """The 说明 sheet: general notes, then one line per column of every sheet."""
    rows = [[line] for line in INSTRUCTION_LINES]
    for sheet in SHEETS:
        rows.append([])
        rows.append([f"“{sheet.name}”表"])
        for c in sheet.columns:
            rows.append([("* " if c.required else "  ") + c.header, c.help])
    return rows


# Formula injection -------------------------------------------------------------
# A text cell that could start a formula (= + - @, or a tab / CR before one) is
# written with one leading apostrophe and the import removes exactly one again:
# the rule lives in gongzhi.core.excel, shared by every export of the project.
escape_text = safe_cell
unescape_text = unescape_cell
