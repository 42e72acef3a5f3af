"""The audit page's words for what org writes (``gongzhi.core.audit_labels``)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core import audit_labels

audit_labels.register("org", {
    "compound.create": _("新增小区"),
    "grid.create": _("新增网格"),
    "building.create": _("新增楼栋"),
    "building.update": _("修改楼栋"),
    "unit.create": _("新增单元"),
    "household.create": _("新增房屋"),
    "household.update": _("修改房屋"),
    "resident.create": _("新增居民"),
    "resident.update": _("修改居民信息"),
    "resident.tags": _("修改居民标签"),
    "resident.sensitive_read": _("查看敏感标签"),
    "resident.reveal_contact": _("查看完整联系方式"),
    "occupancy.add": _("登记入住"),
    "occupancy.remove": _("迁出"),
    "role.assign": _("分配角色"),
    "role.revoke": _("撤销角色"),
    "role.steward_households": _("调整红管家联系户"),
    "user.create": _("开通登录账号"),
    "roster.import": _("导入花名册"),
    "roster.export": _("导出花名册"),
    "demo.seed": _("生成演示数据"),
    "party_org.create": _("新建党组织"),
    "institution.create": _("新增单位"),
    "institution.update": _("修改单位"),
    "party.register": _("党员双报到登记"),
    "party.registration_end": _("结束双报到"),
    "post.create": _("发布服务岗位"),
    "post.update": _("修改服务岗位"),
    "post.close": _("关闭服务岗位"),
    "post.claim": _("认领服务岗位"),
    "post.withdraw": _("退出服务岗位"),
    "service_record.add": _("记录服务时长"),
})

audit_labels.register_fields({
    "households": _("联系户"),
    "tags": _("标签"),
    "role": _("角色"),
    "scope": _("范围"),
})
