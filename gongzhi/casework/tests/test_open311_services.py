"""GeoReport v2 conformance: discovery, service list, service definitions, jurisdictions, formats and URL errors.

Written from http://wiki.open311.org/GeoReport_v2 and /Service_Discovery: both
formats for every resource, element names checked on the parsed XML.
"""

import pytest

from gongzhi.org.setup import community_prepare

from gongzhi.casework.actions.categories import category_update, ensure_categories
from gongzhi.casework.models import Category
from gongzhi.casework.open311.definitions import DEFINITIONS, DEFINITIONS_CHANGESET
from gongzhi.casework.open311.testing import (
    BASE,
    children,
    json_body,
    json_errors,
    xml_errors,
    xml_root,
)
from gongzhi.org.models import Region

pytestmark = pytest.mark.django_db

SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE_FIELDS = ["variable", "code", "datatype", "required", "datatype_description", "order", "description"]


# Discovery ------------------------------------------------------------------------------------------------------------

def test_discovery_json(client, case_world):
    response = client.get(BASE + "discovery.json")
    assert response.status_code == 200
    body = json_body(response)
    assert list(body) == ["changeset", "contact", "key_service", "endpoints"]
    assert body["changeset"] == DEFINITIONS_CHANGESET
    assert "open311_apikey" in body["key_service"]
    [endpoint] = body["endpoints"]
    assert endpoint == {
        "specification": "http://wiki.open311.org/GeoReport_v2",
        "url": "http://testserver/open311/v2",
        "changeset": DEFINITIONS_CHANGESET,
        "type": "production",
        "formats": ["text/xml", "application/json"],
    }


def test_discovery_xml_and_root(client, case_world):
    for url in (BASE + "discovery.xml", BASE):
        root = xml_root(client.get(url))
        assert root.tag == "discovery"
        assert children(root) == ["changeset", "contact", "key_service", "endpoints"]
        [endpoint] = root.find("endpoints")
        assert endpoint.tag == "endpoint"
        assert children(endpoint) == ["specification", "url", "changeset", "type", "formats"]
        assert [f.tag for f in endpoint.find("formats")] == ["format", "format"]
        assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
        assert endpoint.findtext("url") == "http://testserver/open311/v2"


def test_discovery_changeset_moves_when_a_category_is_edited(client, case_world):
    w = case_world
    before = json_body(client.get(BASE + "discovery.json"))["changeset"]
    category = Category.objects.get(community=w.c1, code="environment")
    category_update(actor=w.users["community_secretary"], category_id=category.pk, data={"name": "环境卫生与绿化"})
    after = json_body(client.get(BASE + "discovery.json"))["changeset"]
    assert after > before  # sortable: clients refresh cached services and definitions


# Services -------------------------------------------------------------------------------------------------------------

def test_services_json_lists_active_categories_of_the_jurisdiction(client, case_world):
    w = case_world
    Category.objects.filter(community=w.c1, code="other").update(is_active=False)
    response = client.get(BASE + "services.json", {"jurisdiction_id": "T01"})
    assert response.status_code == 200
    services = json_body(response)
    active = list(Category.objects.filter(community=w.c1, is_active=True).order_by("sort_order", "code"))
    assert [s["service_code"] for s in services] == [c.code for c in active]
    assert "other" not in [s["service_code"] for s in services]
    for service in services:
        assert list(service) == SERVICE_FIELDS
        assert service["type"] == "realtime"
        assert isinstance(service["metadata"], bool)
    by_code = {s["service_code"]: s for s in services}
    repair = by_code["property_repair"]
    assert repair["service_name"] == "房屋维修与物业服务"
    assert repair["metadata"] is True and repair["group"] == "楼栋"
    assert "电梯" in repair["keywords"].split(", ")
    assert by_code["public_facility"]["group"] == "网格"
    assert by_code["policy_consultation"]["group"] == "社区"
    assert by_code["suggestion"]["metadata"] is False  # no questions to answer


def test_services_xml(client, case_world):
    root = xml_root(client.get(BASE + "services.xml", {"jurisdiction_id": "T02"}))
    assert root.tag == "services"
    assert {child.tag for child in root} == {"service"}
    assert len(root) == Category.objects.filter(community=case_world.c2, is_active=True).count()
    for service in root:
        assert children(service) == SERVICE_FIELDS
        assert service.findtext("type") == "realtime"
        assert service.findtext("metadata") in ("true", "false")
    suggestion = next(s for s in root if s.findtext("service_code") == "suggestion")
    assert suggestion.findtext("metadata") == "false"


def test_services_of_a_community_renamed_its_category(client, case_world):
    w = case_world
    Category.objects.filter(community=w.c2, code="environment").update(name="环境整治")
    names = {s["service_code"]: s["service_name"] for s in json_body(client.get(BASE + "services.json",
                                                                                  {"jurisdiction_id": "T02"}))}
    assert names["environment"] == "环境整治"
    names = {s["service_code"]: s["service_name"] for s in json_body(client.get(BASE + "services.json",
                                                                                  {"jurisdiction_id": "T01"}))}
    assert names["environment"] == "环境卫生"


# Jurisdictions ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["services", "services/property_repair", "requests"])
def test_jurisdiction_required_when_serving_several_communities(client, case_world, url):
    response = client.get(f"{BASE}{url}.json")
    assert response.status_code == 400
    [(code, description)] = json_errors(response)
    assert code == 400 and description.startswith("jurisdiction_id：") and "T01" in description and "T02" in description
    response = client.get(f"{BASE}{url}.xml", {"jurisdiction_id": ""})  # empty = not given
    assert response.status_code == 400
    [(code, description)] = xml_errors(response)
    assert code == "400" and description.startswith("jurisdiction_id：")


@pytest.mark.parametrize("url", ["services", "services/property_repair", "requests", "requests/1", "tokens/x"])
def test_unknown_jurisdiction_is_404(client, case_world, url):
    for fmt, errors in (("json", json_errors), ("xml", xml_errors)):
        response = client.get(f"{BASE}{url}.{fmt}", {"jurisdiction_id": "beijing.gov.cn"})
        assert response.status_code == 404, (url, fmt)
        [(code, description)] = errors(response)
        assert str(code) == "404" and "jurisdiction_id" in description and "beijing.gov.cn" in description


def test_a_grid_code_is_not_a_jurisdiction(client, case_world):
    assert client.get(BASE + "services.json", {"jurisdiction_id": "T01-G1"}).status_code == 404
    assert client.get(BASE + "services.json", {"jurisdiction_id": "T"}).status_code == 404


@pytest.mark.usefixtures("empty_database")  # the one community of the deployment: no test world
def test_single_community_deployment_needs_no_jurisdiction(client, db):
    sub = Region.create_subdistrict(name="单社区街道", code="S")
    community = sub.create_community(name="独秀社区", code="S01")
    # Reads seed nothing: before the community is prepared there are no services …
    assert json_body(client.get(BASE + "services.json")) == []
    assert not Category.objects.filter(community=community).exists()
    # … and its creator prepares it (every app's defaults, casework's categories among them).
    community_prepare(community_id=community.pk)
    response = client.get(BASE + "services.json")
    assert response.status_code == 200
    assert len(json_body(response)) == len(DEFINITIONS)
    assert Category.objects.filter(community=community).count() == len(DEFINITIONS)
    assert client.get(BASE + "services/environment.xml").status_code == 200
    assert client.get(BASE + "requests.json").status_code == 200
    # Still checked when given.
    assert client.get(BASE + "services.json", {"jurisdiction_id": "S02"}).status_code == 404
    assert client.get(BASE + "services.json", {"jurisdiction_id": "S01"}).status_code == 200


# Service definitions -------------------------------------------------------------------------------------------------

def test_service_definition_json(client, case_world):
    response = client.get(BASE + "services/property_repair.json", {"jurisdiction_id": "T01"})
    assert response.status_code == 200
    body = json_body(response)
    assert list(body) == ["service_code", "attributes"]
    assert body["service_code"] == "property_repair"
    attributes = body["attributes"]
    assert [a["code"] for a in attributes] == ["facility", "room", "urgency"]
    assert [a["order"] for a in attributes] == [1, 2, 3]
    facility, room, urgency = attributes
    assert list(facility) == [*ATTRIBUTE_FIELDS, "values"]
    assert facility["datatype"] == "singlevaluelist" and facility["required"] is True and facility["variable"] is True
    assert facility["datatype_description"] is None
    assert {"key": "elevator", "name": "电梯"} in facility["values"]
    assert list(room) == ATTRIBUTE_FIELDS  # no values for a string
    assert room["datatype"] == "string" and room["required"] is False
    assert room["description"] == "问题所在的楼栋/房号" and room["datatype_description"] == "例如：3栋2单元501"
    assert urgency["values"] == [{"key": "normal", "name": "一般"}, {"key": "urgent", "name": "紧急"}]


def test_service_definition_xml(client, case_world):
    root = xml_root(client.get(BASE + "services/elderly_disability.xml", {"jurisdiction_id": "T01"}))
    assert root.tag == "service_definition"
    assert children(root) == ["service_code", "attributes"]
    assert root.findtext("service_code") == "elderly_disability"
    attributes = root.find("attributes")
    assert {a.tag for a in attributes} == {"attribute"}
    datatypes = {a.findtext("code"): a.findtext("datatype") for a in attributes}
    assert datatypes == {"services": "multivaluelist", "age": "number", "preferred_time": "datetime",
                         "urgency": "singlevaluelist"}
    services = next(a for a in attributes if a.findtext("code") == "services")
    assert children(services) == [*ATTRIBUTE_FIELDS, "values"]
    assert services.findtext("required") == "true" and services.findtext("variable") == "true"
    values = services.find("values")
    assert {v.tag for v in values} == {"value"}
    assert all(children(v) == ["key", "name"] for v in values)
    assert ("meals", "助餐送餐") in [(v.findtext("key"), v.findtext("name")) for v in values]
    age = next(a for a in attributes if a.findtext("code") == "age")
    assert age.find("values") is None
    assert [a.findtext("order") for a in attributes] == ["1", "2", "3", "4"]


def test_informational_attribute_and_empty_definition(client, case_world):
    body = json_body(client.get(BASE + "services/safety_hazard.json", {"jurisdiction_id": "T01"}))
    notice = body["attributes"][0]
    assert notice["code"] == "emergency_notice" and notice["variable"] is False and notice["required"] is False
    assert "119" in notice["description"]
    body = json_body(client.get(BASE + "services/suggestion.json", {"jurisdiction_id": "T01"}))
    assert body == {"service_code": "suggestion", "attributes": []}
    root = xml_root(client.get(BASE + "services/suggestion.xml", {"jurisdiction_id": "T01"}))
    assert children(root) == ["service_code", "attributes"] and len(root.find("attributes")) == 0


def test_every_category_has_a_definition_that_renders(client, case_world):
    for category in Category.objects.filter(community=case_world.c1):
        response = client.get(f"{BASE}services/{category.code}.xml", {"jurisdiction_id": "T01"})
        assert response.status_code == 200
        orders = [a.findtext("order") for a in xml_root(response).find("attributes")]
        assert len(orders) == len(set(orders))


def test_a_community_category_gets_the_generic_definition(client, case_world):
    w = case_world
    from gongzhi.casework.actions.categories import category_create

    category_create(actor=w.users["community_secretary"], community_id=w.c1.pk, code="mental_health",
                    name="心理援助", tier="community", response_hours=24, resolution_hours=72)
    body = json_body(client.get(BASE + "services/mental_health.json", {"jurisdiction_id": "T01"}))
    assert [a["code"] for a in body["attributes"]] == ["urgency"]
    assert "mental_health" in [s["service_code"] for s in json_body(client.get(BASE + "services.json",
                                                                                {"jurisdiction_id": "T01"}))]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_or_inactive_service_code_is_404(client, case_world, fmt):
    w = case_world
    Category.objects.filter(community=w.c1, code="other").update(is_active=False)
    for code in ("ufo_sighting", "other"):
        response = client.get(f"{BASE}services/{code}.{fmt}", {"jurisdiction_id": "T01"})
        assert response.status_code == 404
        [(status, description)] = json_errors(response) if fmt == "json" else xml_errors(response)
        assert str(status) == "404" and description.startswith("service_code：") and code in description


# URLs, methods, encoding ------------------------------------------------------------------------------------------------

def test_unknown_resources_and_formats_answer_with_the_error_body(client, case_world):
    response = client.get(BASE + "services.csv")
    assert response.status_code == 404
    assert xml_errors(response)[0][0] == "404"
    response = client.get(BASE + "statuses.json")
    assert response.status_code == 404 and json_errors(response)[0][0] == 404
    response = client.get(BASE + "requests/abc.json")
    assert response.status_code == 404 and json_errors(response)[0][0] == 404


def test_wrong_method(client, case_world):
    response = client.post(BASE + "services.json", {"jurisdiction_id": "T01"})
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
    assert json_errors(response)[0][0] == 405
    response = client.delete(BASE + "requests.xml")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD, POST"
    assert xml_errors(response)[0][0] == "405"


def test_output_is_utf8_chinese_not_escaped(client, case_world):
    response = client.get(BASE + "services.json", {"jurisdiction_id": "T01"})
    assert "房屋维修与物业服务".encode() in response.content  # UTF-8, not \\u escapes
    response = client.get(BASE + "services.xml", {"jurisdiction_id": "T01"})
    assert "房屋维修与物业服务".encode() in response.content


def test_ensure_categories_is_idempotent_under_repeated_reads(client, case_world):
    before = Category.objects.count()
    for _ in range(2):
        client.get(BASE + "services.json", {"jurisdiction_id": "T01"})
    assert Category.objects.count() == before
    ensure_categories(case_world.c1.pk)
    assert Category.objects.count() == before
