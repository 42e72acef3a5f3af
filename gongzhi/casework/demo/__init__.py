"""Demo requests (有求必应): a year of resident requests in 清风街道, in every state.

A step of ``manage.py demo`` (the extension point in gongzhi/org/demo/__init__.py),
registered from CaseworkConfig.ready(). Like the org steps it writes rows in bulk,
but every request carries exactly the history the actions and the deadline sweep
would have written, in time order:

- intake (channel, reporter, place, category suggested by the stored classifier,
  staff corrections with a CategoryCorrection, deadlines from the category,
  starting tier as ``intake.starting_tier`` picks it);
- responses by the right tier's people (accept, or dispatch to a named handler),
  escalations (manual, and the sweep's automatic ones with a fresh response
  window), whistles to departments with their 报到 on time, late or missing;
- progress notes, mediations of neighbour disputes (parties, sessions, outcome),
  resolution with ``resolved_tier``, reopening, verification, ratings (mostly
  4–5 stars, some low, lower when late) and the sweep's reminders, overdue
  flags and automatic closing;
- duplicates merged into an open request of the same building.

About 0.9 requests per household a year in 和谐社区 (3,300 households → ~3,000; S2
reports 2,352 opinions in three years for one community, before a platform made
reporting easy) and 0.4 in 幸福社区; the memorable demo logins get requests of
their own in predictable states (see ``_showcase``). Departments: one property
company per compound (its 物业人员 are the members), 区房管所, 城西派出所 (the
community police are members) and 城管中队, with logins of their own. The newest
stored classifier (``classifier_retrain``) is what web processes load.

Rows are inserted with their historical timestamps; audit events are not written
(seeding, not use) and notifications only for the last two weeks' events.

Modules, in the order a request lives through them:

- ``catalog``: how often each category, channel and place comes up; the texts people write.
- ``texts``: the labelled corpus, put at the request's real place; search words.
- ``classifier``: the stored model, trained through ``classifier_retrain``.
- ``world``: one community's handlers at each tier; ``people``: its departments and app users.
- ``history``: a simulated request (``Sim``), its events and its ``Plan``; ``step()`` records one.
- ``cases``: intake of one request; ``handling``: every step after it;
  ``whistles``, ``mediation``: the two longer ones; ``sweep``: the deadline sweep replayed.
- ``year``: a year of requests, the duplicates and the demo logins' own requests.
- ``writing``: bulk inserts with the historical timestamps, and the last two weeks' messages.
"""

from __future__ import annotations

from datetime import datetime, time

from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.core.notifications.models import Notification
from gongzhi.org.models import Resident, RoleAssignment

from ..models import Case, CaseEvent, Category, Department, Mediation, Whistle
from .history import Plan
from .texts import search_text
from .writing import explicit_timestamps


def register() -> None:
    """Add the step to ``manage.py demo`` (called from CaseworkConfig.ready())."""
    from gongzhi.org.demo import Step, register_step

    register_step(Step(name="casework", label="居民诉求（有求必应）", run=seed_requests, reset=delete_requests,
                       counts=request_counts))


def seed_requests(ctx) -> None:
    from ..actions.categories import ensure_categories
    from .classifier import store_classifier
    from .texts import corpus
    from .world import World
    from .writing import insert
    from .year import build

    classifier = store_classifier(ctx)
    now = timezone.make_aware(datetime.combine(ctx.as_of, time(7, 0)))
    texts = corpus()
    all_sims = []
    for index, cd in enumerate(ctx.communities):
        ensure_categories(cd.region.pk)
        world = World(ctx, cd, index, now, ctx.rng("casework", cd.plan.code), classifier, texts)
        build(world)
        all_sims.extend(world.sims)
        ctx.log(f"  {cd.plan.name}：{len(world.sims)} 条诉求，{sum(len(s.events) for s in world.sims)} 条办理记录，"
                f"{sum(1 for s in world.sims if s.whistle)} 次吹哨，{sum(1 for s in world.sims if s.mediation)} 起调解")
    insert(all_sims, now)


def delete_requests() -> None:
    """Everything casework keeps about the org data (it PROTECTs regions, buildings and households)."""
    dept_users = set(Department.members.through.objects.values_list("user_id", flat=True))
    keep = set(RoleAssignment.objects.values_list("user_id", flat=True))
    keep |= set(Resident.objects.filter(user__isnull=False).values_list("user_id", flat=True))
    Notification.objects.filter(source="casework").delete()
    Mediation.objects.all().delete()
    Whistle.objects.all().delete()
    Case.objects.filter(merged_into__isnull=False).delete()
    Case.objects.all().delete()
    Department.objects.all().delete()
    Category.objects.all().delete()
    User.objects.filter(pk__in=sorted(dept_users - keep), is_superuser=False).delete()


def request_counts() -> list[tuple[str, int]]:
    return [
        ("诉求", Case.objects.count()),
        ("  其中办理中", Case.objects.filter(status__in=Case.OPEN_STATUSES).count()),
        ("诉求办理记录", CaseEvent.objects.count()),
        ("职能部门", Department.objects.count()),
        ("吹哨", Whistle.objects.count()),
        ("纠纷调解", Mediation.objects.count()),
    ]


__all__ = ["Plan", "delete_requests", "explicit_timestamps", "register", "request_counts", "search_text",
           "seed_requests"]
