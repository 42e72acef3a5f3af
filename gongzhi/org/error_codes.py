"""Stable error codes of the org app (API clients may switch on these).

Typed (``OrgError``) and registered in ``gongzhi.core.error_codes``, which lists every app's codes
in the published API schema.
"""

from enum import StrEnum

from gongzhi.core.error_codes import register


@register("org")
class OrgError(StrEnum):
    INVALID_PHONE = "invalid_phone"
    INVALID_ID_NUMBER = "invalid_id_number"
    INVALID_AREA = "invalid_area"
    NOT_INTEGER = "not_integer"
    OUT_OF_RANGE = "out_of_range"
    INVALID_SHARE = "invalid_share"
    INVALID_CHOICE = "invalid_choice"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    DUPLICATE_ROOM = "duplicate_room"
    DUPLICATE_NAME = "duplicate_name"
    DUPLICATE_ID_NUMBER = "duplicate_id_number"
    WRONG_COMMUNITY = "wrong_community"
    WRONG_SCOPE = "wrong_scope"
    ROLE_EXISTS = "role_exists"
    UNKNOWN_USER = "unknown_user"
    LAST_OWNER = "last_owner"
    SHARES_OVER_100 = "shares_over_100"
    NOT_PARTY_MEMBER = "not_party_member"
    NOT_RESIDENT = "not_resident"
    ALREADY_REGISTERED = "already_registered"
    NO_PARTY_GROUP = "no_party_group"
    POST_CLOSED = "post_closed"
    POST_FULL = "post_full"
    ALREADY_CLAIMED = "already_claimed"
    NOT_CLAIMED = "not_claimed"
    INVALID_HOURS = "invalid_hours"
    INVALID_DATE = "invalid_date"
    EMPLOYER_REQUIRED = "employer_required"
    FILE_NOT_XLSX = "file_not_xlsx"
    FILE_TOO_LARGE = "file_too_large"
    ROSTER_INVALID = "roster_invalid"
    # 双报到 / party organisations
    PARTY_ORG_EXISTS = "party_org_exists"
    INVALID_PARENT = "invalid_parent"
    REGISTRATION_ENDED = "registration_ended"
    NOT_REGISTERED = "not_registered"
    SLOTS_TOO_FEW = "slots_too_few"
    ROSTER_CONFLICT = "roster_conflict"
    # raised with a literal code (org/actions/roles.py, org/party_views.py)
    WEAK_PASSWORD = "weak_password"
    NO_BUILDINGS = "no_buildings"


# The members stay importable as module constants (``codes.TOO_LONG``), as the actions use them.
globals().update(OrgError.__members__)
