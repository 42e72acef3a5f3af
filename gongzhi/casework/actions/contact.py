"""Reaching the person who reported a request: their phone, revealed on request and audited.

A resident's number comes through org's own reveal (``org.actions.people.contact_reveal``: the
same check and the same ``resident.reveal_contact`` audit event as the household page). A walk-in
or a caller has no resident record: staff recorded a name and a number with the request, and
those are revealed to the same roles (who may see full phone numbers where the request is),
audited as ``case.reveal_contact``.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDeniedError
from gongzhi.org.actions.people import contact_reveal

from .. import error_codes as codes
from ..permissions import access_case, can_reveal_recorded_contact


@transaction.atomic
def case_reporter_phone(*, actor, case_id: int) -> str:
    """The reporter's full phone number, for the call button on the staff case page."""
    case = access_case(actor, case_id)
    if case.reporter_resident_id:
        try:
            phone = contact_reveal(actor=actor, resident_id=case.reporter_resident_id)["phone"]
        except NotFound:  # the request is visible to them, its reporter's record is not: a refusal
            raise PermissionDeniedError() from None
    else:
        if not can_reveal_recorded_contact(actor, case):
            raise PermissionDeniedError()
        phone = case.reporter_phone
        if phone:
            audit_record(actor=actor, action="case.reveal_contact", target=case,
                         target_label=f"#{case.pk} {case.title}", community_id=case.community_id)
    if not phone:
        raise ApplicationError(codes.NO_PHONE, _("反映人没有留下联系电话。"), status=409)
    return phone
