"""Writes for 双报到, one module per sub-feature; every action is also importable from here.

- ``organisations``: 社区党委 → 网格/小区党支部 → 楼栋党小组;
- ``institutions``: partner units, employers and social organisations;
- ``registration``: registering by QR code or by staff, and ending a registration;
- ``posts``: service posts and members' claims on them;
- ``hours``: hours served on a claim.

Who may do what:
- community secretary and staff (``MANAGE_PARTY`` over the community): organisations,
  institutions, staff entry of registrations, posts, service records;
- sub-district staff (``VIEW_PARTY``) see everything but change nothing (403);
- a resident linked to the login registers themself by scanning the building's QR
  code, claims and withdraws from posts;
- anyone else gets 404 (a miss and a refusal look the same).

Every action validates first, writes inside one transaction, records an audit
event and changes nothing when it raises.
"""

from .hours import service_record_add
from .institutions import institution_create, institution_update
from .organisations import party_groups_create_missing, party_org_create
from .posts import post_claim, post_close, post_create, post_update, post_withdraw
from .registration import party_register_by_qr, party_register_by_staff, registration_end

__all__ = [
    "institution_create",
    "institution_update",
    "party_groups_create_missing",
    "party_org_create",
    "party_register_by_qr",
    "party_register_by_staff",
    "post_claim",
    "post_close",
    "post_create",
    "post_update",
    "post_withdraw",
    "registration_end",
    "service_record_add",
]
