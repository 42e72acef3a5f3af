"""Stable error codes of the casework API (clients switch on these).

Typed (``CaseworkError``) and registered in ``gongzhi.core.error_codes``, which lists every app's codes
in the published API schema.
"""

from enum import StrEnum

from gongzhi.core.error_codes import register


@register("casework")
class CaseworkError(StrEnum):
    DESCRIPTION_REQUIRED = "description_required"
    DESCRIPTION_TOO_LONG = "description_too_long"
    UNKNOWN_CATEGORY = "unknown_category"
    PLACE_REQUIRED = "place_required"
    PLACE_OUTSIDE = "place_outside_community"
    PLACE_NOT_ALLOWED = "place_not_allowed"
    PHOTO_NOT_IMAGE = "photo_not_image"
    PHOTO_TOO_LARGE = "photo_too_large"
    TOO_MANY_PHOTOS = "too_many_photos"
    DUPLICATE_SUBMISSION = "duplicate_submission"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    NOT_YOUR_CASE = "not_your_case"
    NOT_RESOLVED = "not_resolved"
    INVALID_RATING = "invalid_rating"
    COMMENT_TOO_LONG = "comment_too_long"
    REASON_REQUIRED = "reason_required"
    RESULT_REQUIRED = "result_required"
    INVALID_HANDLER = "invalid_handler"
    INVALID_URGENCY = "invalid_urgency"
    INVALID_CHANNEL = "invalid_channel"
    MERGE_INVALID = "merge_invalid"
    UNKNOWN_DEPARTMENT = "unknown_department"
    ALREADY_ACKNOWLEDGED = "already_acknowledged"
    TOP_TIER = "top_tier"
    BUILDING_REQUIRED = "building_required"
    NO_PHONE = "reporter_no_phone"
    # 职能部门 settings
    DEPARTMENT_NAME_REQUIRED = "department_name_required"
    DEPARTMENT_NAME_TOO_LONG = "department_name_too_long"
    DEPARTMENT_NAME_TAKEN = "department_name_taken"
    INVALID_DEPARTMENT_KIND = "invalid_department_kind"
    INVALID_ACK_HOURS = "invalid_ack_hours"
    INVALID_PHONE = "invalid_phone"
    UNKNOWN_USER = "unknown_user"
    ALREADY_MEMBER = "already_member"
    NOT_MEMBER = "not_member"
    MEMBER_HANDLING_CASES = "member_handling_cases"
    # intake, bulk dispatch and category limits; the shared input cleaning (fieldwork/actions.py)
    UNKNOWN_PATROL = "unknown_patrol"
    NOTHING_SELECTED = "nothing_selected"
    TOO_MANY = "too_many"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    INVALID_DATETIME = "invalid_datetime"
    INVALID_HOURS = "invalid_hours"
    # services (services/actions.py)
    INVALID_PROVIDER = "invalid_provider"
    OFFERING_TITLE_TAKEN = "offering_title_taken"
    OFFERING_INACTIVE = "offering_inactive"
    OFFERING_STATE = "offering_state"
    NOT_A_RESIDENT = "not_a_resident"
    HOUSEHOLD_REQUIRED = "household_required"
    HOUSEHOLD_NOT_YOURS = "household_not_yours"
    DUPLICATE_ORDER = "duplicate_order"
    ORDER_TRANSITION = "order_transition_not_allowed"
    ORDER_ALREADY_TAKEN = "order_already_taken"
    NOT_ELIGIBLE = "not_eligible_taker"
    OWN_ORDER = "own_order"
    INVALID_ASSIGNEE = "invalid_assignee"
    NOT_YOUR_ORDER = "not_your_order"
    NOT_COMPLETED = "order_not_completed"
    ALREADY_RATED = "order_already_rated"
    # mediation (mediation/actions.py)
    MEDIATION_EXISTS = "mediation_exists"
    CASE_NOT_OPEN = "case_not_open"
    INVALID_MEDIATOR = "invalid_mediator"
    MEDIATION_CLOSED = "mediation_closed"
    INVALID_SIDE = "invalid_side"
    UNKNOWN_RESIDENT = "unknown_resident"
    SESSION_IN_FUTURE = "session_in_future"
    INVALID_OUTCOME = "invalid_outcome"
    PARTIES_MISSING = "parties_missing"
    TOO_MANY_PARTIES = "too_many_parties"
    NO_SESSION = "no_session"
    CANNOT_RESOLVE = "cannot_resolve_case"
    # patrols (patrols/actions.py)
    NOT_GRID_WORKER = "not_grid_worker"
    PATROL_ALREADY_OPEN = "patrol_already_open"
    PATROL_ENDED = "patrol_ended"
    NOT_YOUR_PATROL = "not_your_patrol"
    STOP_PLACE_REQUIRED = "stop_place_required"
    BUILDING_OUTSIDE_GRID = "building_outside_grid"
    # response and satisfaction rates (rates/)
    INVALID_PERIOD = "invalid_period"
    INVALID_SCOPE = "invalid_scope"
    INVALID_BREAKDOWN = "invalid_breakdown"


# The members stay importable as module constants (``codes.TOO_LONG``), as the actions use them.
globals().update(CaseworkError.__members__)
