"""The resident edit form saves fields and tags in one transaction, as PATCH does."""

import json

import pytest

from gongzhi.core.models import AuditEvent
from gongzhi.org.models import Resident, ResidentTag
from gongzhi.testing.kit import log_in

pytestmark = pytest.mark.django_db


def _state(resident):
    resident.refresh_from_db()
    return (resident.name, sorted(ResidentTag.objects.filter(resident=resident).values_list("tag", flat=True)),
            AuditEvent.objects.count())


@pytest.mark.parametrize("via", ["page", "api"])
def test_a_bad_tag_leaves_the_name_unchanged_too(client, world, via):
    owner = world.residents["b1 1-102 owner"]
    log_in(client, world.users["community_staff"])
    before = _state(owner)
    if via == "page":
        response = client.post(f"/org/residents/{owner.pk}/edit/",
                               {"name": "改过的名字", "tags_submitted": "1", "tags": ["no_such_tag"]})
        assert response.status_code == 302
        assert "标签" in client.get(response.url).content.decode()  # the error is shown on the page
    else:
        response = client.patch(f"/api/org/residents/{owner.pk}", data=json.dumps(
            {"name": "改过的名字", "tags": ["no_such_tag"]}), content_type="application/json")
        assert response.status_code == 400
    assert _state(owner) == before


def test_fields_and_tags_are_saved_together(client, world):
    owner = world.residents["b1 1-102 owner"]
    log_in(client, world.users["community_staff"])
    client.post(f"/org/residents/{owner.pk}/edit/", {"name": "新名字", "tags_submitted": "1", "tags": ["veteran"]})
    assert Resident.objects.get(pk=owner.pk).name == "新名字"
    assert list(ResidentTag.objects.filter(resident=owner).values_list("tag", flat=True)) == ["veteran"]
