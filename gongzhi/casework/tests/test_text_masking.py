"""Phone and ID numbers typed into a request's text are masked for roles without the full phone/ID right
(property staff, sub-district staff, NPC deputy, department members), on pages and in the API, as Open311
publishes them; the reporter and roles with the right (org's ``reveal_contact``) see them in full (issue #7)."""

import pytest

from gongzhi.casework.actions import lifecycle
from gongzhi.casework.actions.intake import case_submit
from gongzhi.org.testing.world import ROLE_KEYS
from gongzhi.testing import kit

pytestmark = pytest.mark.django_db

PHONE, MASKED_PHONE = "13912345678", "139****5678"
LANDLINE, MASKED_LANDLINE = "0551-63601234", "055******1234"
ID, MASKED_ID = "340104198001011234", "340***********1234"
# Hand-written from docs/permissions.md: who sees this case at b1 1-101, and who of them lacks the right.
MASKED = {"subdistrict_staff", "npc_deputy", "property_staff", "department"}
FULL = {"resident", "community_secretary", "community_staff", "grid_head", "grid_worker", "building_head",
        "unit_head", "social_worker"}  # (the red steward's households are others)


@pytest.fixture
def case(case_world):
    w = case_world
    case = case_submit(actor=w.users["resident"], household_id=w.h("b1 1-101").pk,
                       description=f"{PHONE} 楼上漏水，请联系我；身份证 {ID}，座机 {LANDLINE}")
    staff = w.users["community_staff"]
    lifecycle.case_accept(actor=staff, case_id=case.pk)
    lifecycle.case_progress(actor=staff, case_id=case.pk, note=f"已约好上门，楼上住户电话 {PHONE}")
    whistle = lifecycle.case_whistle(actor=staff, case_id=case.pk, department_id=w.departments["housing"].pk,
                                     reason=f"请房管所联系 {PHONE}")
    lifecycle.whistle_acknowledge(actor=w.users["department"], whistle_id=whistle.pk)
    lifecycle.case_resolve(actor=w.users["department"], case_id=case.pk, result=f"已修好，回访电话 {LANDLINE}")
    lifecycle.case_verify(actor=w.users["resident"], case_id=case.pk, fixed=True)
    lifecycle.case_rate(actor=w.users["resident"], case_id=case.pk, rating=5, comment=f"谢谢，有事再打 {PHONE}")
    return case


def _shows(body: str) -> str:
    full = PHONE in body or LANDLINE in body or ID in body
    masked = MASKED_PHONE in body and MASKED_LANDLINE in body and MASKED_ID in body
    assert full != masked, body[:400]
    return "full" if full else "masked"


def test_every_role_on_the_case_page_and_its_api_twin(case_world, case):
    seen = {}
    for role in ROLE_KEYS:
        client = kit.client_for(case_world.users[role])
        page = client.get(f"/cases/{case.pk}/")
        api = client.get(f"/api/casework/cases/{case.pk}")
        assert page.status_code == api.status_code, role
        if api.status_code == 404:
            continue
        data = api.json()
        texts = " ".join([data["title"], data["description"], data["resolution"], data["rating_comment"]]
                         + [e["note"] for e in data["timeline"]])
        seen[role] = _shows(texts)
        assert _shows(page.content.decode()) == seen[role], role
    assert {r for r, s in seen.items() if s == "full"} == FULL
    assert {r for r, s in seen.items() if s == "masked"} == MASKED


def test_lists_mask_the_title_too(case_world, case):
    w = case_world
    for role, expected in (("subdistrict_staff", MASKED_PHONE), ("property_staff", MASKED_PHONE),
                           ("community_staff", PHONE), ("grid_worker", PHONE)):
        client = kit.client_for(w.users[role])
        items = client.get("/api/casework/cases").json()["items"]
        [title] = [i["title"] for i in items if i["id"] == case.pk]
        assert title.startswith(expected), (role, title)
        queue = client.get("/casework/", {"status": "all"}).content.decode()
        assert expected in queue and (expected == PHONE or PHONE not in queue), role


def test_the_a4_printout_masks_like_the_case_page(case_world, case):
    """The printout is the case page on paper: the same masking for every role that may open it."""
    for role in ("subdistrict_staff", "property_staff", "community_staff", "resident"):
        client = kit.client_for(case_world.users[role])
        page = client.get(f"/cases/{case.pk}/print/")
        assert page.status_code == 200, role
        body = page.content.decode()
        if role in MASKED:
            assert MASKED_PHONE in body and PHONE not in body and LANDLINE not in body, role
        else:
            assert PHONE in body, role


def test_the_queue_export_masks_like_the_queue(case_world, case):
    import io

    from openpyxl import load_workbook

    for role, expected in (("subdistrict_staff", MASKED_PHONE), ("community_staff", PHONE)):
        response = kit.client_for(case_world.users[role]).get("/casework/export.xlsx", {"status": "all"})
        assert response.status_code == 200, role
        sheet = load_workbook(io.BytesIO(response.content)).active
        [description] = [r[1] for r in sheet.iter_rows(values_only=True) if r and r[0] == case.pk]
        assert description.startswith(expected), (role, description)
