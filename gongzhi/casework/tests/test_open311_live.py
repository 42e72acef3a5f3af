"""GeoReport v2 over a real HTTP server: a client POSTs a form and reads XML back, as a city app would."""

import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from gongzhi.casework.models import Case
from gongzhi.casework.open311.testing import new_key
from gongzhi.org.models import Region

pytestmark = pytest.mark.django_db(transaction=True)


def _open(url: str, data: dict | None = None):
    body = urllib.parse.urlencode(data, doseq=True).encode("utf-8") if data is not None else None
    request = urllib.request.Request(url, data=body)
    if body is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers["Content-Type"], response.read()


@pytest.mark.usefixtures("empty_database")  # the one community of the deployment: no test world
def test_post_and_get_xml_over_http(live_server):
    sub = Region.create_subdistrict(name="演示街道", code="D")
    community = sub.create_community(name="和平社区", code="D01")
    key = new_key("城市服务 App")
    base = live_server.url + "/open311/v2/"

    status, content_type, body = _open(base + "requests.xml", {
        "api_key": key, "service_code": "public_facility", "lat": "31.820587", "long": "117.227239",
        "address_string": "和平路与长江路交口", "description": "路口的路灯不亮，晚上过马路很危险",
        "first_name": "芳", "last_name": "陈", "phone": "13712345678",
        "attribute[facility]": "street_light", "attribute[urgency]": "urgent",
    })
    assert (status, content_type) == (200, "text/xml; charset=utf-8")
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(body)
    assert root.tag == "service_requests" and [r.tag for r in root] == ["request"]
    request_id = root[0].findtext("service_request_id")
    case = Case.objects.get(pk=int(request_id))
    assert (case.community_id, case.channel, case.urgency) == (community.pk, "open311", "urgent")

    status, content_type, body = _open(base + f"requests/{request_id}.xml")
    assert (status, content_type) == (200, "text/xml; charset=utf-8")
    request = ET.fromstring(body)[0]
    assert request.findtext("status") == "open"
    assert request.findtext("description") == "路口的路灯不亮，晚上过马路很危险"
    assert request.findtext("address") == "和平路与长江路交口, 和平社区"
    assert "陈芳".encode() not in body and b"13712345678" not in body

    query = urllib.parse.urlencode({"status": "open", "service_code": "public_facility"})
    status, _, body = _open(base + "requests.xml?" + query)
    assert [r.findtext("service_request_id") for r in ET.fromstring(body)] == [request_id]

    with pytest.raises(urllib.error.HTTPError) as refused:
        _open(base + "requests.xml", {"api_key": "wrong", "service_code": "public_facility", "lat": "1", "long": "2"})
    assert refused.value.code == 403
    errors = ET.fromstring(refused.value.read())
    assert errors.tag == "errors" and errors[0].findtext("code") == "403"
    assert Case.objects.count() == 1
