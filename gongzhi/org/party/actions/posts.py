"""Service posts (服务岗位): staff publish and close them; registered members claim and withdraw."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record, diff_fields
from gongzhi.core.errors import ApplicationError, PermissionDeniedError

from ... import error_codes as codes
from ...actions.common import clean_choice, clean_int, clean_text
from ...models import PartyMember, PartyRegistration, PostClaim, Resident, ServicePost
from ...permissions import MANAGE_PARTY, VIEW_PARTY, can, require
from ..permissions import access_post, managed_community


def _clean_post(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "title" in data or not partial:
        cleaned["title"] = clean_text(data.get("title"), field="title", label=_("岗位名称"), max_length=100)
    if "description" in data:
        cleaned["description"] = clean_text(
            data["description"], field="description", label=_("岗位说明"), max_length=2000, required=False
        )
    if "category" in data or not partial:
        cleaned["category"] = clean_choice(
            data.get("category") or ServicePost.Category.OTHER, ServicePost.Category, field="category",
            label=_("类别"),
        )
    if "location" in data:
        cleaned["location"] = clean_text(data["location"], field="location", label=_("服务地点"), max_length=200,
                                         required=False)
    if "slots" in data or not partial:
        cleaned["slots"] = clean_int(data.get("slots", 1), field="slots", label=_("需求人数"), minimum=1, maximum=999)
    return cleaned


def _managed_post(actor, post_id, *, lock: bool = False) -> ServicePost:
    post = access_post(actor, post_id)
    if not can(actor, VIEW_PARTY, "community", post.community_id):
        raise PermissionDeniedError()
    require(actor, MANAGE_PARTY, "community", post.community_id)
    if lock:
        post = ServicePost.objects.select_for_update().get(pk=post.pk)
    return post


@transaction.atomic
def post_create(*, actor, community_id: int, data: dict[str, Any]) -> ServicePost:
    community = managed_community(actor, community_id)
    cleaned = _clean_post(data, partial=False)
    post = ServicePost.objects.create(community=community, created_by=actor, **cleaned)
    audit_record(actor=actor, action="post.create", target=post, community_id=community.pk, changes=cleaned)
    return post


@transaction.atomic
def post_update(*, actor, post_id: int, data: dict[str, Any]) -> ServicePost:
    post = _managed_post(actor, post_id, lock=True)
    cleaned = _clean_post(data, partial=True)
    if "slots" in cleaned:
        active = post.claims.filter(status=PostClaim.Status.ACTIVE).count()
        if cleaned["slots"] < active:
            raise ApplicationError(
                codes.SLOTS_TOO_FEW, _("需求人数不能少于当前在岗人数（%(n)d 人）。") % {"n": active}, field="slots"
            )
    changes = diff_fields(post, cleaned)
    if changes:
        for key, value in cleaned.items():
            setattr(post, key, value)
        post.save()
        audit_record(actor=actor, action="post.update", target=post, community_id=post.community_id, changes=changes)
    return post


@transaction.atomic
def post_close(*, actor, post_id: int) -> ServicePost:
    """Stop recruiting. Existing claims stay, so hours already served can still be recorded."""
    post = _managed_post(actor, post_id, lock=True)
    if post.status == ServicePost.Status.CLOSED:
        raise ApplicationError(codes.POST_CLOSED, _("该岗位已经关闭。"), field="post")
    post.status = ServicePost.Status.CLOSED
    post.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="post.close", target=post, community_id=post.community_id,
                 changes={"status": [ServicePost.Status.OPEN, ServicePost.Status.CLOSED]})
    return post


def _acting_member(actor, post: ServicePost) -> PartyMember:
    resident = Resident.objects.filter(user=actor, is_active=True).first() if actor.is_authenticated else None
    member = PartyMember.objects.filter(resident=resident).first() if resident else None
    if member is None:
        raise ApplicationError(
            codes.NOT_PARTY_MEMBER, _("只有完成双报到的党员才能认领岗位。请先扫描所住楼栋的二维码报到。"), status=403
        )
    if not PartyRegistration.objects.filter(
        member=member, ended_at__isnull=True, community_id=post.community_id
    ).exists():
        raise ApplicationError(
            codes.NOT_REGISTERED, _("您还没有在本社区报到，请先扫描所住楼栋的二维码报到。"), status=403
        )
    return member


@transaction.atomic
def post_claim(*, actor, post_id: int) -> PostClaim:
    """A registered member claims a post (认领). The post row is locked so slots cannot be overrun."""
    post = access_post(actor, post_id)
    member = _acting_member(actor, post)
    post = ServicePost.objects.select_for_update().get(pk=post.pk)
    if post.status != ServicePost.Status.OPEN:
        raise ApplicationError(codes.POST_CLOSED, _("该岗位已关闭，不能再认领。"), field="post")
    if PostClaim.objects.filter(post=post, member=member, status=PostClaim.Status.ACTIVE).exists():
        raise ApplicationError(codes.ALREADY_CLAIMED, _("您已认领该岗位。"), field="post")
    taken = PostClaim.objects.filter(post=post, status=PostClaim.Status.ACTIVE).count()
    if taken >= post.slots:
        raise ApplicationError(
            codes.POST_FULL, _("该岗位需要 %(n)d 人，已经认领满了。") % {"n": post.slots}, field="post"
        )
    try:
        with transaction.atomic():
            claim = PostClaim.objects.create(post=post, member=member)
    except IntegrityError:
        raise ApplicationError(codes.ALREADY_CLAIMED, _("您已认领该岗位。"), field="post") from None
    audit_record(actor=actor, action="post.claim", target=claim, community_id=post.community_id,
                 changes={"post": post, "member": member})
    return claim


@transaction.atomic
def post_withdraw(*, actor, post_id: int) -> PostClaim:
    """The member withdraws from a post they claimed (退出岗位)."""
    post = access_post(actor, post_id)
    resident = Resident.objects.filter(user=actor, is_active=True).first()
    claim = (
        PostClaim.objects.select_for_update()
        .filter(post=post, member__resident=resident, status=PostClaim.Status.ACTIVE)
        .first()
        if resident
        else None
    )
    if claim is None:
        raise ApplicationError(codes.NOT_CLAIMED, _("您没有认领该岗位。"), field="post")
    claim.status = PostClaim.Status.WITHDRAWN
    claim.withdrawn_at = timezone.now()
    claim.save(update_fields=["status", "withdrawn_at"])
    audit_record(actor=actor, action="post.withdraw", target=claim, community_id=post.community_id,
                 changes={"status": [PostClaim.Status.ACTIVE, PostClaim.Status.WITHDRAWN]})
    return claim
