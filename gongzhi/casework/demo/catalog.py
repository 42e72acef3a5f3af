"""What the demo's requests are made of: how often each category, channel and place comes up,
which departments a category calls, and the texts people write (results, notes, comments)."""

from __future__ import annotations

from ..models import Channel

REQUESTS_PER_HOUSEHOLD = {0: 0.9, 1: 0.4}  # community index → requests per household per year
NOTIFY_DAYS = 14
SWEEP_LAG = (1, 5)  # minutes between a deadline and the sweep run that notices it

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

