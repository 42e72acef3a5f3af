"""The "pick a community" control: one helper (404 for a community outside the list) and one include."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from gongzhi.core.errors import NotFound
from gongzhi.core.pickers import community_choice, pick

A, B = SimpleNamespace(pk=1, name="和谐社区"), SimpleNamespace(pk=2, name="幸福社区")


def test_pick_the_first_when_none_asked_the_asked_one_or_404():
    rf = RequestFactory()
    assert community_choice(rf.get("/"), [A, B]) is A
    assert community_choice(rf.get("/", {"community": "2"}), [A, B]) is B
    assert community_choice(rf.post("/?community=1", {"community": "2"}), [A, B]) is B  # the form's own value wins
    assert community_choice(rf.post("/?community=2", {}), [A, B]) is B
    assert pick([A, B], 1) is A
    with pytest.raises(NotFound):
        community_choice(rf.get("/", {"community": "3"}), [A, B])
    with pytest.raises(NotFound):
        community_choice(rf.get("/", {"community": "x"}), [A, B])
    with pytest.raises(NotFound):
        community_choice(rf.get("/"), [])


def render(**context) -> str:
    return render_to_string("includes/community_picker.html", context)


def test_the_control_shows_only_with_a_choice():
    assert render(communities=[A], community=A).strip() == ""
    assert render(communities=[A], community=A, picker="tabs").strip() == ""
    assert render(communities=[A], picker="field").strip() == ""


def test_switch_tabs_and_field():
    switch = render(communities=[A, B], community=B)
    assert 'name="community"' in switch and "data-autosubmit" in switch
    assert '<option value="2" selected>幸福社区</option>' in switch and "<noscript>" in switch
    tabs = render(communities=[A, B], community=B, picker="tabs")
    assert '<a href="?community=2" aria-selected="true">幸福社区</a>' in tabs and 'href="?community=1"' in tabs
    field = render(communities=[A, B], picker="field", field_id="f-c", selected=2, blank="全部")
    assert '<label for="f-c">' in field and '<option value="">全部</option>' in field
    assert '<option value="2" selected>' in field and "<form" not in field
    assert render(communities=[A, B], picker="field", selected="1").count(" selected") == 1
    assert render(communities=[A], picker="field", hidden_if_one=True).strip() == (
        '<input type="hidden" name="community" value="1">')


PICKER_PAGES = ["org:roster", "org:roles", "org:party_overview", "org:party_registrations", "org:party_report",
                "casework:categories", "field:board", "field:offerings"]


@pytest.fixture
def two_communities(world):
    """The secretary of both communities of the test world."""
    from gongzhi.org.models import Role, RoleAssignment
    from gongzhi.org.testing.world import make_user

    user = make_user("两社区书记")
    for community in (world.c1, world.c2):
        RoleAssignment.objects.create(user=user, role=Role.COMMUNITY_SECRETARY, region=community, community=community)
    return user


@pytest.mark.parametrize("name", PICKER_PAGES)
def test_pages_with_the_picker(world, login, two_communities, name):
    """Every page that works on one community offers the choice, honours it and answers 404 outside it."""
    from django.urls import reverse

    client = login(two_communities)
    url = reverse(name)
    first = client.get(url)
    assert first.status_code == 200
    html = first.content.decode()
    assert f'?community={world.c2.pk}"' in html or f'<option value="{world.c2.pk}"' in html
    second = client.get(url, {"community": world.c2.pk})
    assert second.status_code == 200 and second.context["community"] == world.c2
    assert client.get(url, {"community": 999999}).status_code == 404
