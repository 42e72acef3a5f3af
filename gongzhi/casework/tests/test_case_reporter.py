"""Staff can reach the person who reported a request (issue #8, point 2).

The staff case page showed only "居民自助 · name". It now shows the reporter's household (a link to
the org household page, for those who may open it) and a call button: the full number comes from an
audited POST — org's own reveal (``resident.reveal_contact``) for a resident, ``case.reveal_contact``
for the contact staff recorded for a walk-in or a caller. Only the roles that may see the household
or the full phone get them.
"""

from __future__ import annotations

import functools
import json

import pytest

from gongzhi.casework.actions.intake import case_submit
from gongzhi.core.models import AuditEvent
from gongzhi.org.testing.world import ROLE_KEYS
from gongzhi.testing import kit
from gongzhi.testing.kit import client_for

pytestmark = pytest.mark.django_db

snapshot = kit.snapshot_of(counts=(AuditEvent,))
expect_error = functools.partial(kit.expect_error, snapshot=snapshot)

# A request by the resident of b1 1-101 (grid 1, building b1, unit 1).
SEES_CASE = {"subdistrict_staff", "community_secretary", "community_staff", "grid_head", "grid_worker",
             "building_head", "unit_head", "social_worker", "property_staff", "npc_deputy", "resident"}
# …of whom these may open the household page and reveal the phone (org's view_households / reveal_contact).
SEES_HOUSEHOLD = {"subdistrict_staff", "community_secretary", "community_staff", "grid_head", "grid_worker",
                  "building_head", "unit_head", "social_worker", "property_staff"}
CALLS = {"community_secretary", "community_staff", "grid_head", "grid_worker", "building_head", "unit_head",
         "social_worker"}


def resident_case(w):
    return case_submit(actor=w.users["resident"], household_id=w.h("b1 1-101").pk, description="卫生间漏水")


def walk_in_case(w):
    return case_submit(actor=w.users["community_staff"], building_id=w.b1.pk, channel="walk_in",
                       reporter_name="孙女士", reporter_phone="13812345678", description="1栋门口路灯坏了")


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_who_sees_the_household_and_the_call_button(case_world, role):
    w = case_world
    case = resident_case(w)
    household, owner = w.h("b1 1-101"), w.residents["b1 1-101 owner"]
    response = client_for(w.users[role]).get(f"/cases/{case.pk}/")
    if role not in SEES_CASE:
        assert response.status_code == 404
        return
    html = response.content.decode()
    staff_page = role != "resident"
    assert ('id="reporter"' in html) == staff_page
    assert (f'href="/org/households/{household.pk}/"' in html) == (role in SEES_HOUSEHOLD)
    assert (f'action="/cases/{case.pk}/reporter-phone/"' in html) == (role in CALLS)
    assert owner.phone not in html  # never in full on the page itself
    if staff_page:
        assert owner.name in html and f"{owner.phone[:3]}****{owner.phone[-4:]}" in html


def _page(client, case):
    return client.post(f"/cases/{case.pk}/reporter-phone/")


def _api(client, case):
    return client.post(f"/api/casework/cases/{case.pk}/reporter-phone", data=json.dumps({}),
                       content_type="application/json")


@pytest.mark.parametrize("send", [_page, _api], ids=["page", "api"])
def test_the_reveal_for_every_role(case_world, send):
    """Allowed: the full number (and an audit row); refused: nothing recorded."""
    w = case_world
    case = resident_case(w)
    phone = w.residents["b1 1-101 owner"].phone
    failures = []
    for role in ROLE_KEYS:
        before = snapshot()
        response = send(client_for(w.users[role]), case)
        want = 200 if role in CALLS else 403 if role in SEES_CASE else 404
        if response.status_code != want:
            failures.append(f"{role}: {response.status_code} != {want}")
        elif want == 200:
            assert phone in response.content.decode()
            assert AuditEvent.objects.filter(action="resident.reveal_contact", actor=w.users[role]).exists()
        else:
            assert snapshot() == before, role
    assert not failures, "; ".join(failures)


def test_the_call_button_dials_the_revealed_number(case_world):
    w = case_world
    case = resident_case(w)
    phone = w.residents["b1 1-101 owner"].phone
    html = client_for(w.users["grid_worker"]).post(f"/cases/{case.pk}/reporter-phone/").content.decode()
    assert f'href="tel:{phone}"' in html and 'id="call-reporter"' in html


def test_a_walk_in_shows_the_contact_staff_recorded(case_world):
    w = case_world
    case = walk_in_case(w)
    html = client_for(w.users["grid_worker"]).get(f"/cases/{case.pk}/").content.decode()
    assert "孙女士" in html and "138****5678" in html and "13812345678" not in html
    assert f'action="/cases/{case.pk}/reporter-phone/"' in html
    revealed = client_for(w.users["grid_worker"]).post(f"/cases/{case.pk}/reporter-phone/")
    assert revealed.status_code == 200 and 'href="tel:13812345678"' in revealed.content.decode()
    audit = AuditEvent.objects.get(action="case.reveal_contact")
    assert audit.actor == w.users["grid_worker"] and audit.community_id == w.c1.pk
    # Property staff see the request (their compound) but not full numbers.
    property_page = client_for(w.users["property_staff"]).get(f"/cases/{case.pk}/").content.decode()
    assert "138****5678" in property_page and "reporter-phone" not in property_page
    assert client_for(w.users["property_staff"]).post(f"/cases/{case.pk}/reporter-phone/").status_code == 403


def test_no_phone_recorded(case_world):
    w = case_world
    case = case_submit(actor=w.users["community_staff"], building_id=w.b1.pk, channel="walk_in",
                       reporter_name="路人", description="路灯坏了")
    from gongzhi.casework.actions.contact import case_reporter_phone

    expect_error("reporter_no_phone", lambda: case_reporter_phone(actor=w.users["community_staff"],
                                                                  case_id=case.pk), status=409)
    assert "reporter-phone" not in client_for(w.users["community_staff"]).get(f"/cases/{case.pk}/").content.decode()
