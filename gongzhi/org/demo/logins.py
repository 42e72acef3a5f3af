"""The memorable demo logins: one per role, all with the same password.

This list is the single source for the ``demo`` command (which gives these
phone numbers to the people it picks), ``demo_logins`` (which prints them) and
docs/demo.md. Every other person the demo creates with a login (every building
head, grid worker, …) has the same password too; their phone numbers are on the
secretary's 角色 page.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "gongzhi2026"
DEMO_URL = "http://127.0.0.1:8000/"

# Phone numbers 138 0000 0000–0099 are reserved for these logins; generated
# people never get one.
RESERVED_PHONE_PREFIX = "1380000"


@dataclass(frozen=True)
class DemoLogin:
    key: str  # a Role value, or "resident" / "party_member" / "outsider" / "admin"
    phone: str
    label: str  # the role, in Chinese
    community: str  # where the role sits
    try_this: str  # what to try after logging in


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("community_secretary", "13800000001", "社区书记", "和谐社区",
              "首页看各网格户数；诉求办理的督办和四率统计；组织架构、角色、花名册、审计；双报到总览和季度报告"),
    DemoLogin("community_staff", "13800000002", "社区工作者", "和谐社区",
              "查找住户（房号 1-502、姓名或手机尾号）；录入报到、发布服务岗位、登记服务时长"),
    DemoLogin("grid_head", "13800000003", "网格长", "和谐社区 第一网格",
              "首页看本网格；住户页看困难群体标签（每次查看都记审计）"),
    DemoLogin("grid_worker", "13800000004", "网格员", "和谐社区 第一网格",
              "诉求队列：受理、办结本网格的诉求，开始巡查；搜索本网格住户、修改住户信息"),
    DemoLogin("building_head", "13800000005", "楼栋长", "和谐社区 第一个小区 1栋",
              "首页点单元、点房号找到住户；点“查看完整”看电话；本楼栋的诉求"),
    DemoLogin("unit_head", "13800000006", "邻长/单元长", "和谐社区 一个单元",
              "首页点自己的单元，只看到本单元住户"),
    DemoLogin("red_steward", "13800000007", "红管家", "和谐社区",
              "看自己联系的约 10 户（含独居老人等）"),
    DemoLogin("social_worker", "13800000008", "社工", "和谐社区",
              "全社区住户与困难群体标签（低保、独居、残疾）"),
    DemoLogin("property_staff", "13800000009", "物业人员", "和谐社区 第一个小区",
              "只看到本小区的楼栋和住户，电话打码"),
    DemoLogin("owners_committee", "13800000010", "业委会委员", "和谐社区 第一个小区",
              "本小区楼栋与业主名单"),
    DemoLogin("npc_deputy", "13800000011", "人大代表", "和谐社区",
              "组织架构：网格、小区、楼栋（不含个人信息）"),
    DemoLogin("police_liaison", "13800000012", "社区民警", "和谐社区",
              "全社区查找住户、查看完整电话"),
    DemoLogin("volunteer", "13800000013", "志愿者", "和谐社区",
              "接单：接群众点的便民服务单；只看得到自己的住户"),
    DemoLogin("subdistrict_staff", "13800000014", "街道工作人员", "清风街道",
              "两个社区的组织架构、户数和双报到数据（只读）"),
    DemoLogin("resident", "13800000015", "居民（业主、党员、已报到）", "和谐社区",
              "反映诉求（可带照片）、看进度、核查和评价；我的住户；报到的楼栋党小组"),
    DemoLogin("party_member", "13800000016", "在职党员（已认领岗位）", "和谐社区",
              "我的服务：认领的岗位和服务时长；服务岗位里再认领一个"),
    DemoLogin("outsider", "13800000017", "幸福社区工作者", "幸福社区",
              "只看得到幸福社区：打开和谐社区的住户链接是 404（数据隔离）"),
    DemoLogin("admin", "13800000000", "平台管理员", "全部",
              "/admin/ 后台；可看所有社区"),
)

LOGIN_BY_KEY = {login.key: login for login in DEMO_LOGINS}
DEMO_PHONES = frozenset(login.phone for login in DEMO_LOGINS)
