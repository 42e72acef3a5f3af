"""The home page's request cards: residents see their own first; people who handle requests see their work first."""

import pytest

from gongzhi.org.models import Resident

from .test_pages_support import as_role, text

pytestmark = pytest.mark.django_db


def _positions(html: str) -> tuple[int, int]:
    return html.find('id="home-queue"'), html.find('id="home-cases"')


def test_a_resident_sees_their_requests_card(client, case_world):
    handler, resident = _positions(text(as_role(client, case_world, "resident").get("/")))
    assert resident >= 0 and handler == -1


def test_a_handler_who_lives_here_sees_their_work_first(client, case_world):
    w = case_world
    # The building head also lives in b1 1-102.
    Resident.objects.filter(pk=w.residents["b1 1-102 owner"].pk).update(user=w.users["building_head"])
    handler, resident = _positions(text(as_role(client, w, "building_head").get("/")))
    assert 0 <= handler < resident
