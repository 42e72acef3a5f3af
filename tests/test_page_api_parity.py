"""Every page of one object and its API twin answer alike, for every role (issue #6, point 1).

Pages and the JSON API reach objects through the same ``access_*`` functions, so for any role a
page that opens (200) has an API twin that opens, and a page that is refused (404: nothing leaks) has
an API twin that is refused. The walk covers objects inside and outside each role's scope.

``TWINS`` pairs each page with its API twin; ``NO_PAGE_TWIN`` lists the object APIs that have no
page of their own, with the reason. A new ``GET /api/…/{id}`` operation fails
``test_every_object_api_is_walked`` until it is added to one of them.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from gongzhi.casework.actions import lifecycle
from gongzhi.casework.actions.intake import case_submit
from gongzhi.casework.models import Mediation, Patrol, PatrolStop, ServiceOffering, ServiceOrder
from gongzhi.org.testing.world import ROLE_KEYS
from gongzhi.testing.kit import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# page URL pattern -> API URL pattern (``{pk}`` is the object's id)
TWINS = {
    "region": ("/org/regions/{pk}/", "/api/org/regions/{pk}"),
    "building": ("/org/buildings/{pk}/", "/api/org/buildings/{pk}"),
    "household": ("/org/households/{pk}/", "/api/org/households/{pk}"),
    "resident": ("/org/residents/{pk}/", "/api/org/residents/{pk}"),
    "case": ("/cases/{pk}/", "/api/casework/cases/{pk}"),
    "order": ("/services/orders/{pk}/", "/api/field/services/orders/{pk}"),
    "mediation": ("/mediation/{pk}/", "/api/field/mediations/{pk}"),
    "patrol": ("/patrols/{pk}/", "/api/field/patrols/{pk}"),
}
# GET operations on one object that have no page of their own.
NO_PAGE_TWIN = {
    "/api/field/services/orders/{order_id}/candidates": "a picker inside the order page (dispatch form)",
    "/api/field/mediations/parties/{party_id}/phone": "an audited reveal inside the mediation page",
}


def twin_objects(w) -> dict[str, list[int]]:
    """Objects of each kind, inside and outside the roles' scopes."""
    resident = w.users["resident"]
    in_b1 = case_submit(actor=resident, household_id=w.h("b1 1-101").pk, description="卫生间漏水，楼下天花板湿了")
    in_b2 = case_submit(actor=w.users["community_staff"], household_id=w.h("b2 1-101").pk, channel="phone",
                        reporter_name="钱先生", description="楼道灯坏了")
    in_c2 = case_submit(actor=w.users["outsider"], community_id=w.c2.pk, channel="walk_in", reporter_name="孙女士",
                        description="幸福家园路灯坏了")
    dispute = case_submit(actor=resident, household_id=w.h("b1 1-101").pk, category_code="neighbour_dispute",
                          description="楼上养的狗天天半夜叫，沟通没用，请社区调解")
    lifecycle.case_accept(actor=w.users["grid_worker"], case_id=dispute.pk)
    from gongzhi.casework.mediation import actions as mediation_actions

    mediation = mediation_actions.mediation_open(actor=w.users["grid_worker"], case_id=dispute.pk)
    haircut = ServiceOffering.objects.create(community=w.c1, title="理发", provider=ServiceOffering.Provider.ANY)
    haircut_c2 = ServiceOffering.objects.create(community=w.c2, title="理发", provider=ServiceOffering.Provider.ANY)
    orders = [
        ServiceOrder.objects.create(offering=o, community=o.community, household=w.h(h), requested_by=w.users[u],
                                    status="ordered")
        for o, h, u in ((haircut, "b1 1-101", "resident"), (haircut_c2, "b4 1-101", "outsider"))
    ]
    patrol = Patrol.objects.create(community=w.c1, grid=w.g1, worker=w.users["grid_worker"], started_at=timezone.now())
    PatrolStop.objects.create(patrol=patrol, building=w.b1, visited_at=timezone.now())
    assert Mediation.objects.filter(pk=mediation.pk).exists()
    return {
        "region": [w.c1.pk, w.c2.pk, w.g1.pk, w.g2.pk, w.g3.pk],
        "building": [w.b1.pk, w.b2.pk, w.b3.pk, w.b4.pk],
        "household": [w.h(k).pk for k in ("b1 1-101", "b1 2-101", "b2 1-101", "b3 1-101", "b4 1-101")],
        "resident": [w.residents[k].pk for k in ("b1 1-101 family", "b1 1-101 owner", "b2 1-101 owner",
                                                 "b4 1-101 owner")],
        "case": [in_b1.pk, in_b2.pk, in_c2.pk, dispute.pk],
        "order": [o.pk for o in orders],
        "mediation": [mediation.pk],
        "patrol": [patrol.pk],
    }


@pytest.fixture
def objects(case_world):
    return twin_objects(case_world)


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_page_and_api_answer_alike(case_world, objects, role):
    client = client_for(case_world.users[role])
    mismatches, opened = [], 0
    for kind, (page_url, api_url) in TWINS.items():
        for pk in objects[kind]:
            page = client.get(page_url.format(pk=pk))
            api = client.get(api_url.format(pk=pk))
            assert page.status_code in (200, 404), (page_url, pk, page.status_code)
            assert api.status_code in (200, 404), (api_url, pk, api.status_code)
            if page.status_code != api.status_code:
                mismatches.append(f"{kind} {pk}: page {page.status_code}, API {api.status_code}")
            opened += page.status_code == 200
    assert not mismatches, f"{role}: " + "; ".join(mismatches)
    if role in ("community_secretary", "community_staff", "subdistrict_staff"):
        assert opened > 10  # the walk is not vacuous: staff open most of it


def test_every_object_api_is_walked():
    from config.api import api

    walked = {api_url.replace("{pk}", "") for _page, api_url in TWINS.values()}
    missing = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "get" not in operations or "{" not in path or path in NO_PAGE_TWIN:
            continue
        if path.split("{")[0] not in walked:
            missing.append(path)
    assert not missing, f"GET operations with no page twin in TWINS or NO_PAGE_TWIN: {missing}"


# Actions with a page form and an API twin: the same action behind both, so for every role they
# refuse alike (403 seen but not allowed, 404 unseen) or both succeed (the page redirects).
# name -> (page URL, API URL, the form, the JSON body); ``{pk}`` is a fresh object for each call.
ACTION_TWINS = {
    "case place": ("/cases/{pk}/place/", "/api/casework/cases/{pk}/place",
                   lambda w: {"building": w.b3.pk}, lambda w: {"building_id": w.b3.pk}),
    "case reporter phone": ("/cases/{pk}/reporter-phone/", "/api/casework/cases/{pk}/reporter-phone",
                            lambda w: {}, lambda w: {}),
}


def _stranded_case(w):
    """A resident's request for "elsewhere in the community": community tier, no building."""
    return case_submit(actor=w.users["resident"], community_id=w.c1.pk, category_code="public_facility",
                       address="翠竹苑1栋门口", description="翠竹苑1栋门口的路灯坏了")


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_action_page_and_api_answer_alike(case_world, role):
    import json

    w = case_world
    client = client_for(w.users[role])
    mismatches = []
    for name, (page_url, api_url, form, body) in ACTION_TWINS.items():
        page = client.post(page_url.format(pk=_stranded_case(w).pk), form(w))
        api = client.post(api_url.format(pk=_stranded_case(w).pk), data=json.dumps(body(w)),
                          content_type="application/json")
        page_status = 200 if page.status_code == 302 else page.status_code
        if page_status != api.status_code:
            mismatches.append(f"{name}: page {page.status_code}, API {api.status_code}")
    assert not mismatches, f"{role}: " + "; ".join(mismatches)
