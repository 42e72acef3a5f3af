"""Category suggestions at intake: the stored model, and what happens when it can't be read."""

import pytest

from gongzhi.casework import suggest
from gongzhi.casework.models import ClassifierModel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_state():
    suggest._state.update(model=None, model_id=None, checked_at=0.0)
    yield
    suggest._state.update(model=None, model_id=None, checked_at=0.0)


def test_obvious_text_gets_the_communitys_category(case_world):
    category, confidence = suggest.suggest_category(case_world.c1.pk, "楼道里的灯坏了好几天，晚上看不见")
    assert category is not None and category.community_id == case_world.c1.pk
    assert 0 < confidence <= 1


def test_an_unreadable_stored_model_falls_back_to_the_shipped_one(case_world):
    ClassifierModel.objects.create(blob=b"not a model at all", examples=10)
    category, confidence = suggest.suggest_category(case_world.c1.pk, "楼道里的灯坏了好几天，晚上看不见")
    assert category is not None and confidence > 0
    # The bad row is remembered, so it is not re-read on every request.
    assert suggest._state["model_id"] == ClassifierModel.objects.get().pk


@pytest.mark.parametrize("text", ["。。。", "12345", "   "])
def test_text_without_content_gives_no_suggestion(case_world, text):
    assert suggest.suggest_category(case_world.c1.pk, text) == (None, None)
