"""Shared helpers of the page tests (no tests here): log in as a role, file a request through the action, read an element."""

from __future__ import annotations

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from PIL import Image

from gongzhi.casework.actions import lifecycle
from gongzhi.casework.actions.intake import PhotoIn, case_submit
from gongzhi.org.testing.world import ROLE_KEYS
from gongzhi.testing import kit

ALL_ROLES = ROLE_KEYS


def as_role(client, world, role):
    kit.log_in(client, world.users[role])
    return client


def png(size=(40, 30), color=(30, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(data: bytes | None = None, name="photo.png", content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else png(), content_type=content_type)


def file_case(world, *, household="b1 1-101", description="1栋楼道灯坏了好几天，晚上上下楼很不方便", photo=False,
              **extra):
    """A resident's request for their own household, through the real intake action."""
    photos = [PhotoIn("leak.png", png())] if photo else []
    with TestCase.captureOnCommitCallbacks(execute=True):  # photo files are written after commit
        return case_submit(actor=world.users["resident"], description=description,
                           household_id=world.h(household).pk, photos=photos, **extra)


def staff_case(world, *, role="community_staff", household=None, building=None, community=None,
               description="小区门口路灯不亮，晚上很黑", channel="walk_in", **extra):
    return case_submit(
        actor=world.users[role], description=description, channel=channel,
        household_id=world.h(household).pk if household else None,
        building_id=building.pk if building else None,
        community_id=community.pk if community else None,
        reporter_name="王先生", **extra,
    )


def resolved_case(world, **kwargs):
    """A request the building head has accepted and resolved: waiting for the resident."""
    case = file_case(world, **kwargs)
    head = world.users["building_head"]
    lifecycle.case_accept(actor=head, case_id=case.pk)
    lifecycle.case_resolve(actor=head, case_id=case.pk, result="已更换楼道灯泡，亮了")
    case.refresh_from_db()
    return case


def element(html: str, element_id: str) -> str:
    """The inner HTML of the element with ``id`` (nested tags of the same name included), or "" when absent."""
    start = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    if start is None:
        return ""
    tag = start.group(1)
    depth, pos = 1, start.end()
    pattern = re.compile(rf"<(/?){tag}\b[^>]*>")
    while depth:
        match = pattern.search(html, pos)
        if match is None:
            return html[start.end():]
        depth += -1 if match.group(1) else 1
        pos = match.end()
    return html[start.end():match.start()]


def text(response) -> str:
    return response.content.decode()
