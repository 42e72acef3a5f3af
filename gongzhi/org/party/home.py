"""双报到's contributions to the home page and the navigation bar (registered in OrgConfig.ready)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.home import Section

from ..models import PostClaim, ServiceRecord
from ..permissions import VIEW_PARTY
from .permissions import post_communities
from .selectors import active_registration, member_of, quarter_dates


def home_sections(request) -> list[Section]:
    """Party members see their registration, their posts and this quarter's hours."""
    member = member_of(request.user)
    if member is None:
        return []
    today = timezone.localdate()
    year, quarter = today.year, (today.month - 1) // 3 + 1
    start, end = quarter_dates(year, quarter)
    hours = ServiceRecord.objects.filter(
        claim__member=member, served_on__gte=start, served_on__lt=end
    ).aggregate(total=Sum("hours"))["total"] or Decimal(0)
    claims = list(
        PostClaim.objects.filter(member=member, status=PostClaim.Status.ACTIVE).select_related("post").order_by(
            "-claimed_at"
        )[:5]
    )
    return [
        Section(
            15,
            "org/party/home_member.html",
            {
                "member": member,
                "registration": active_registration(member),
                "claims": claims,
                "hours": hours,
                "year": year,
                "quarter": quarter,
            },
        )
    ]


def nav_provider(request, caps: set[str]) -> list[tuple[int, str, str]]:
    items = []
    if post_communities(request.user):
        items.append((45, _("服务岗位"), "org:party_posts"))
    if VIEW_PARTY in caps:
        items.append((50, _("党建"), "org:party_overview"))
    return items
