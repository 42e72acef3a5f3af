"""The audit page's words for what casework writes (``gongzhi.core.audit_labels``).

A case event is audited as ``case.<kind>`` (``actions/common.py: record``): its words are the
event kind's own label, so the timeline and the audit page say the same thing.
"""

from django.utils.translation import gettext_lazy as _

from gongzhi.core import audit_labels

from .models import CaseEvent

audit_labels.register("casework", {
    **{f"case.{value}": label for value, label in CaseEvent.Kind.choices},
    "case.reveal_contact": _("查看反映人电话"),
    "category.create": _("新增诉求类别"),
    "category.update": _("修改诉求类别"),
    "department.create": _("新增职能部门"),
    "department.update": _("修改职能部门"),
    "department.member_add": _("添加部门人员"),
    "department.member_remove": _("移除部门人员"),
    "service_offering.create": _("发布便民服务"),
    "service_offering.update": _("修改便民服务"),
    "service_offering.withdraw": _("下架便民服务"),
    "service_offering.relist": _("重新上架便民服务"),
    "service_order.place": _("预约服务"),
    "service_order.cancel": _("取消服务订单"),
    "service_order.dispatch": _("派发服务订单"),
    "service_order.post": _("发布到接单池"),
    "service_order.take": _("接单"),
    "service_order.release": _("退回接单池"),
    "service_order.complete": _("完成服务"),
    "service_order.rate": _("评价服务"),
    "patrol.start": _("开始巡查"),
    "patrol.stop": _("巡查打卡"),
    "patrol.stop_note": _("修改巡查记录"),
    "patrol.report": _("巡查上报诉求"),
    "patrol.end": _("结束巡查"),
    "mediation.open": _("开始调解"),
    "mediation.add_party": _("添加调解当事人"),
    "mediation.remove_party": _("移除调解当事人"),
    "mediation.add_session": _("记录调解会谈"),
    "mediation.close": _("结束调解"),
    "mediation.reveal_phone": _("查看当事人电话"),
    "open311_key.create": _("创建 Open311 密钥"),
    "open311_key.revoke": _("吊销 Open311 密钥"),
    "case_queue.export": _("导出诉求队列"),
    "case_board.export": _("导出督办清单"),
    "building.message": _("给整栋楼发消息"),
})

audit_labels.register_fields({
    "stop": _("打卡点"),
    "stop_note": _("巡查记录"),
    "case": _("诉求"),
    "party": _("当事人"),
    "session": _("会谈"),
    "assignee": _("接单人"),
    "rating": _("评分"),
    "grid": _("网格"),
})
