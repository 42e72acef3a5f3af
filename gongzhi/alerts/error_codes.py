"""Stable error codes of the alerts app (registered in ``gongzhi.core.error_codes``)."""

from enum import StrEnum

from gongzhi.core.error_codes import register


@register("alerts")
class AlertsError(StrEnum):
    CAP_TOO_LARGE = "cap_too_large"
    CAP_NOT_XML = "cap_not_xml"
    CAP_FORBIDDEN_XML = "cap_forbidden_xml"  # a DTD or entity declaration: refused, never expanded
    CAP_WRONG_ROOT = "cap_wrong_root"
    CAP_MISSING = "cap_missing"
    CAP_INVALID_VALUE = "cap_invalid_value"
    CAP_INVALID_TIME = "cap_invalid_time"
    CAP_UNKNOWN_ELEMENT = "cap_unknown_element"
    CAP_BAD_REFERENCES = "cap_bad_references"
