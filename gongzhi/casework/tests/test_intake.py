"""Intake from every channel, and every kind of bad input changing nothing."""

import pytest

from gongzhi.casework.models import Case, CasePhoto, Channel
from gongzhi.core.notifications.models import Notification
from gongzhi.testing import kit

from gongzhi.core.tests.test_images import bomb, encoded, gps_exif

from .helpers import as_user, photo, png_bytes, post, snapshot, submit_as

pytestmark = pytest.mark.django_db


def test_resident_files_for_own_household_with_photo(client, case_world):
    w = case_world
    h = w.h("b1 1-101")
    response = submit_as(client, w, "resident", household_id=h.pk, photos=[photo()],
                         description="卫生间天花板漏水，楼上好像没人住，水一直往下滴")
    assert response.status_code == 201, response.content
    data = response.json()
    case = Case.objects.get(pk=data["id"])
    assert (case.community_id, case.grid_id, case.compound_id, case.building_id, case.household_id) == (
        w.c1.pk, w.g1.pk, w.compound_a.pk, w.b1.pk, h.pk)
    assert case.channel == Channel.RESIDENT and case.reporter == w.users["resident"]
    assert case.reporter_name == w.residents["b1 1-101 owner"].name
    assert case.status == "submitted"
    # Leaks are property repairs, which start at the building: b1 has a building head.
    assert case.category.code == data["category"] == "property_repair"
    assert case.suggested_category == case.category and 0 < case.suggestion_confidence <= 1
    assert case.tier == "building"
    assert case.photos.count() == 1 and case.photos.get().content_type == "image/png"
    assert [e["kind"] for e in data["timeline"]] == ["submitted"]
    # The building head and unit head of b1 unit 1 are told; the reporter is not notified of their own act.
    notified = set(Notification.objects.filter(url=f"/cases/{case.pk}/").values_list("user_id", flat=True))
    assert notified == {w.users["building_head"].pk, w.users["unit_head"].pk}


def test_staff_walk_in_for_a_resident(client, case_world):
    w = case_world
    owner = w.residents["b1 1-101 owner"]
    response = submit_as(client, w, "community_staff", household_id=w.h("b1 1-101").pk, channel="walk_in",
                         reporter_resident_id=owner.pk, description="小区门口路灯不亮", category="public_facility")
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert case.channel == "walk_in" and case.created_by == w.users["community_staff"]
    assert case.reporter == w.users["resident"]  # the resident has a login: they follow and rate it
    assert case.tier == "grid"
    assert Notification.objects.filter(url=f"/cases/{case.pk}/", user=w.users["resident"]).exists()


def test_phone_call_with_free_address(client, case_world):
    w = case_world
    response = submit_as(client, w, "community_staff", community_id=w.c1.pk, channel="phone",
                         address="社区东门公交站旁", reporter_name="王先生", reporter_phone="13612345678",
                         description="公交站旁边的井盖没了，晚上很危险")
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert case.building_id is None and case.address == "社区东门公交站旁"
    assert case.tier == "community"  # no grid known: the community answers
    assert case.reporter is None and case.reporter_name == "王先生"


def test_npc_deputy_liaison_station(client, case_world):
    w = case_world
    response = submit_as(client, w, "npc_deputy", building_id=w.b2.pk, channel="npc_station",
                         reporter_name="李阿姨", description="2栋门口垃圾堆了三天没人清，蚊子苍蝇特别多")
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert case.channel == "npc_station" and case.category.code == "environment"
    # b2 has no building head in the world: environment starts at the building but nobody is there.
    assert case.tier == "grid"


@pytest.mark.parametrize("body,code,field", [
    ({"description": ""}, "description_required", "description"),
    ({"description": "   "}, "description_required", "description"),
    ({"description": "漏" * 4001}, "description_too_long", "description"),
    ({"category": "ufo_sighting"}, "unknown_category", "category"),
    ({"household_id": 999999}, "place_outside_community", "household"),
    ({"household_id": None, "community_id": 999999}, "place_outside_community", "community"),
    ({"household_id": None}, "place_required", "place"),
    ({"photos": [photo(b"%PDF-1.4 not an image", "scan.pdf")]}, "photo_not_image", "photos"),
    ({"photos": [photo(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "broken.png")]}, "photo_not_image", "photos"),
    ({"photos": [photo(png_bytes((8, 8))) for _ in range(4)]}, "too_many_photos", "photos"),
    ({"photos": [{"name": "x.jpg", "data": "not base64!!"}]}, "photo_not_image", "photos"),
    ({"photos": [photo(bomb(), "bomb.png")]}, "photo_not_image", "photos"),  # 15 000 × 15 000 px in 27 KB
])
def test_bad_input_changes_nothing(client, case_world, body, code, field):
    w = case_world
    payload = {"household_id": w.h("b1 1-101").pk, "description": "楼道灯坏了"}
    payload.update(body)
    before = snapshot()
    response = submit_as(client, w, "resident", **payload)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert response.json()["field"] == field
    assert response.json()["message"]  # a Chinese sentence
    assert snapshot() == before
    assert CasePhoto.objects.count() == 0


def test_photo_over_10_mb_is_refused(client, case_world):
    w = case_world
    big = png_bytes() + b"\0" * (10 * 1024 * 1024)
    before = snapshot()
    response = submit_as(client, w, "resident", household_id=w.h("b1 1-101").pk, photos=[photo(big)])
    assert response.status_code == 400 and response.json()["code"] == "photo_too_large"
    assert "超过 10 MB" in response.json()["message"]
    assert snapshot() == before


def test_stored_photos_carry_no_location(client, case_world, django_capture_on_commit_callbacks):
    import io

    from PIL import Image

    w = case_world
    original = encoded(Image.new("RGB", (60, 40), (10, 200, 10)), "JPEG", exif=gps_exif())
    with django_capture_on_commit_callbacks(execute=True):
        response = submit_as(client, w, "resident", household_id=w.h("b1 1-101").pk, photos=[photo(original, "a.jpg")])
    assert response.status_code == 201, response.content
    stored = Case.objects.get(pk=response.json()["id"]).photos.get()
    with stored.image.open("rb") as fh, Image.open(io.BytesIO(fh.read())) as kept:
        assert kept.format == "JPEG" and dict(kept.getexif()) == {} and kept.size == (60, 40)
    assert (stored.width, stored.height, stored.content_type) == (60, 40, "image/jpeg")


def test_resident_cannot_file_for_someone_elses_household(client, case_world):
    w = case_world
    before = snapshot()
    response = submit_as(client, w, "resident", household_id=w.h("b1 1-102").pk)
    assert response.status_code == 403 and response.json()["code"] == "place_not_allowed"
    response = submit_as(client, w, "resident", community_id=w.c2.pk, household_id=None)
    assert response.status_code == 403
    assert snapshot() == before


def test_staff_cannot_file_outside_their_scope(client, case_world):
    w = case_world
    before = snapshot()
    response = submit_as(client, w, "building_head", household_id=w.h("b2 1-101").pk, channel="walk_in")
    assert response.status_code == 403 and response.json()["code"] == "place_not_allowed"
    response = submit_as(client, w, "nobody", household_id=w.h("b1 1-101").pk)
    assert response.status_code == 403
    assert snapshot() == before


def test_repeated_submission_with_same_idempotency_key(client, case_world):
    w = case_world
    body = {"household_id": w.h("b1 1-101").pk, "description": "电梯又坏了", "idempotency_key": "k-123"}
    first = submit_as(client, w, "resident", **body)
    assert first.status_code == 201
    before = snapshot()
    second = submit_as(client, w, "resident", **body)
    assert second.status_code == 409
    assert second.json()["code"] == "duplicate_submission"
    assert second.json()["details"] == {"case_id": first.json()["id"]}
    assert snapshot() == before
    # The header works too, and keys are per submitter.
    kit.log_in(client, w.users["resident"])
    third = client.post("/api/casework/cases", data='{"household_id": %d, "description": "x"}' % body["household_id"],
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-123")
    assert third.status_code == 409


def test_anonymous_cannot_submit(client, case_world):
    response = post(client, "/api/casework/cases", {"description": "x", "community_id": case_world.c1.pk})
    assert response.status_code == 401


def test_similar_open_request_is_suggested(client, case_world):
    w = case_world
    first = submit_as(client, w, "resident", household_id=w.h("b1 1-101").pk,
                      description="1栋电梯坏了，老人上下楼很困难，请尽快修")
    staff = as_user(client, w, "community_staff")
    second = post(staff, "/api/casework/cases", {
        "household_id": w.h("b1 2-201").pk, "channel": "phone", "reporter_name": "赵女士",
        "description": "1栋的电梯坏了两天了，老人上下楼困难"})
    assert second.status_code == 201
    similar = second.json()["similar"]
    assert [s["id"] for s in similar] == [first.json()["id"]]
    assert similar[0]["score"] >= 0.3
    assert similar[0]["title"] == first.json()["title"]  # staff may open it
    # The resident's own reply names the neighbour's request by category and shared words only.
    third = submit_as(client, w, "resident", household_id=w.h("b1 1-101").pk,
                      description="电梯又坏了，老人上下楼困难")
    [mine] = [s for s in third.json()["similar"] if s["id"] == second.json()["id"]]
    assert mine["title"] is None and "赵女士" not in str(third.json()["similar"])
    assert "电梯" in mine["shared_words"] and mine["category_name"]
