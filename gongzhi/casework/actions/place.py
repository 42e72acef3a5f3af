"""Setting or correcting where a request is (调整地点), and routing it to that place's people.

A request filed for "somewhere else in the community" lands at community tier with no building:
the grid worker of the building it is really about cannot see it, and 派单 can only name community
staff. Once its handler sets the building, the request starts again at the tier its category
starts at there (as intake would have routed it), and the people who answer at that tier are told
through the inbox.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core.errors import ApplicationError, PermissionDeniedError
from gongzhi.org.models import Building

from .. import error_codes as codes
from ..models import Case, CaseEvent, Tier
from ..permissions import access_case, can_handle, can_supervise
from .common import record, require_status
from .intake import Place, starting_tier

S = Case.Status
MAX_ADDRESS = 200


def place_text(*, building: Building | None, address: str) -> str:
    """The place as the timeline says it: "阳光小区 1栋 东侧", or the address alone."""
    parts = [building.compound.name if building is not None and building.compound_id else "",
             building.name if building is not None else "", address]
    return " ".join(p for p in parts if p) or _("未填写")


@transaction.atomic
def case_relocate(*, actor, case_id: int, building_id: int | None, address: str | None = None) -> Case:
    """Set the building of an open request (and, optionally, the exact spot) and re-route it.

    Its handlers, or the community staff who supervise it, may do this; the building must be in
    the request's community. The request goes to the tier its category starts at in that building
    (a department keeps a request it was whistled to); a handler who does not answer for the new
    place gives it back, and it waits there to be accepted again.
    """
    case = access_case(actor, case_id)
    case = Case.objects.select_for_update(of=("self",)).select_related(
        "household", "category", "community", "building__compound", "handler").get(pk=case.pk)
    if not (can_handle(actor, case) or can_supervise(actor, case)):
        raise PermissionDeniedError()
    require_status(case, Case.OPEN_STATUSES, _("调整地点"))
    if not building_id:
        raise ApplicationError(codes.BUILDING_REQUIRED, _("请选择诉求所在的楼栋。"), field="building")
    building = Building.objects.select_related("compound").filter(pk=building_id).first()
    if building is None or building.community_id != case.community_id:
        raise ApplicationError(codes.PLACE_OUTSIDE, _("所选楼栋不在该诉求所在的社区。"), field="building")
    address = case.address if address is None else str(address).strip()
    if len(address) > MAX_ADDRESS:
        raise ApplicationError(codes.TOO_LONG, _("具体位置不能超过 %(n)d 个字。") % {"n": MAX_ADDRESS},
                               field="address")
    if building.pk == case.building_id and address == case.address:
        return case
    old = {"building": case.building_id, "grid": case.grid_id, "tier": case.tier, "address": case.address,
           "handler": case.handler_id}
    old_text = place_text(building=case.building if case.building_id else None, address=case.address)
    if case.household_id and case.household.building_id != building.pk:
        case.household = None
    case.building, case.grid_id, case.compound_id, case.address = (
        building, building.grid_id, building.compound_id, address)
    handlers: list[int] = []
    if case.tier != Tier.DEPARTMENT:
        place = Place(community=case.community, grid_id=case.grid_id, compound_id=case.compound_id,
                      building=building, household=case.household)
        case.tier, handlers = starting_tier(case.category, place)
    from_status = case.status
    if case.handler_id and not can_handle(case.handler, case):
        case.handler = None
        if case.status in (S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS):
            case.status = S.SUBMITTED
    case.save()
    new_text = place_text(building=building, address=address)
    record(
        case, actor=actor, kind=CaseEvent.Kind.RELOCATED, from_status=from_status,
        note=_("地点由“%(old)s”调整为“%(new)s”") % {"old": old_text, "new": new_text},
        data={"from": old, "to": {"building": building.pk, "grid": case.grid_id, "tier": case.tier,
                                  "address": address, "handler": case.handler_id}},
        notify_users=handlers,
        audit_changes={key: [old[key], value] for key, value in (
            ("building", building.pk), ("grid", case.grid_id), ("tier", case.tier), ("address", address),
            ("handler", case.handler_id)) if old[key] != value},
    )
    return case
