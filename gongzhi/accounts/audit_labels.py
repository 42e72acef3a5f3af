"""The audit page's words for what accounts writes (``gongzhi.core.audit_labels``)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core import audit_labels

audit_labels.register("accounts", {
    "api_token.create": _("创建接口令牌"),
    "api_token.revoke": _("吊销接口令牌"),
})
