"""The demo's requests follow intake's and the lifecycle's own rules (gongzhi/casework/demo/ calls
them instead of copying them): a change to how intake computes deadlines or picks the starting tier,
or to where an escalation goes, shows up here as a demo request that disagrees."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from gongzhi.casework.actions import intake, lifecycle
from gongzhi.casework.models import Case, CaseEvent, Category
from gongzhi.core.notifications.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_database")]  # the demo seeds from nothing

AS_OF = "2026-06-15"
NOW = datetime.combine(datetime.fromisoformat(AS_OF).date(), time(7, 0), tzinfo=ZoneInfo("Asia/Shanghai"))
K = CaseEvent.Kind


def test_demo_deadlines_tiers_and_escalations_are_intakes_and_the_lifecycles():
    call_command("demo", "--seed", "7", "--households", "300", "--as-of", AS_OF, stdout=StringIO())
    categories = {(c.community_id, c.code): c for c in Category.objects.all()}
    events = defaultdict(list)
    for e in CaseEvent.objects.order_by("created_at", "id"):
        events[e.case_id].append(e)
    recent = defaultdict(set)
    for key, user_id in Notification.objects.filter(source="casework", dedupe_key__startswith="casework.event:") \
            .values_list("dedupe_key", "user_id"):
        recent[int(key.rsplit(":", 1)[1])].add(user_id)
    cases = list(Case.objects.select_related("category", "household", "building", "community"))
    assert len(cases) > 200
    corrected = escalated = checked_notifications = 0
    for case in cases:
        history = events[case.pk]
        submitted = history[0]
        assert submitted.kind == K.SUBMITTED
        filed_under = categories[(case.community_id, submitted.data["category"])]
        # The starting tier (and who is told) is what intake picks for that category at that place.
        place = intake.Place(community=case.community, grid_id=case.grid_id, compound_id=case.compound_id,
                             building=case.building, household=case.household)
        tier, handlers = intake.starting_tier(filed_under, place)
        assert submitted.tier == tier, (case.pk, filed_under.code, submitted.tier, tier)
        if submitted.created_at >= NOW - timedelta(days=13):
            assert set(handlers) - {submitted.actor_id} <= recent[submitted.pk], case.pk
            checked_notifications += 1
        # Deadlines: intake's for the category it was filed under, or for the corrected one (counted
        # from submission, as a correction recomputes them); an automatic escalation after the last
        # correction gives the new tier a fresh response window from the moment it happened.
        changes = [e for e in history if e.kind == K.CATEGORY_CHANGED]
        category = case.category if changes else filed_under
        assert category == case.category
        corrected += bool(changes)
        response_due, resolution_due = intake.deadlines(category, case.urgency, case.created_at)
        assert case.resolution_due_at == resolution_due, case.pk
        automatic = [e for e in history if e.kind == K.ESCALATED and e.data.get("automatic")]
        if automatic and (not changes or automatic[-1].created_at > changes[-1].created_at):
            response_due = intake.deadlines(category, case.urgency, automatic[-1].created_at)[0]
        assert case.response_due_at == response_due, case.pk
        # Every escalation goes where the lifecycle sends it.
        for e in history:
            if e.kind == K.ESCALATED:
                escalated += 1
                assert e.data["to_tier"] == lifecycle.next_tier(Case(tier=e.data["from_tier"], grid_id=case.grid_id))
    assert corrected and escalated and checked_notifications
