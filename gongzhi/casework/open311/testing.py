"""Helpers for the Open311 conformance tests: a key, a POST, and reading both formats back."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from .actions import open311_key_create

BASE = "/open311/v2/"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'


def new_key(name: str = "市民通 App") -> str:
    return open311_key_create(actor=None, name=name)[1]


def post_request(client, fmt: str = "json", **fields):
    """POST requests.<fmt> as the spec's form encoding (lists become repeated fields)."""
    return client.post(f"{BASE}requests.{fmt}", data=fields)


def xml_root(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8", response["Content-Type"]
    assert response.content.startswith(XML_DECLARATION), response.content[:80]
    return ET.fromstring(response.content)


def json_body(response):
    assert response["Content-Type"] == "application/json; charset=utf-8", response["Content-Type"]
    return json.loads(response.content.decode("utf-8"))


def children(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def xml_errors(response) -> list[tuple[str, str]]:
    root = xml_root(response)
    assert root.tag == "errors"
    assert all(children(e) == ["code", "description"] for e in root), response.content
    return [(e.findtext("code"), e.findtext("description")) for e in root.findall("error")]


def json_errors(response) -> list[tuple[int, str]]:
    body = json_body(response)
    assert isinstance(body, list) and body
    assert all(set(item) == {"code", "description"} for item in body), body
    return [(item["code"], item["description"]) for item in body]
