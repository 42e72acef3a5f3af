"""Photo files are written only after the request's transaction commits (gongzhi.core.effects)."""

import pytest
from django.db import transaction

from gongzhi.casework.actions.intake import PhotoIn, case_submit
from gongzhi.casework.models import Case, CasePhoto

from .test_pages_support import png

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def _submit(w):
    return case_submit(actor=w.users["resident"], household_id=w.h("b1 1-101").pk,
                       description="卫生间漏水，楼下天花板湿了", photos=[PhotoIn("leak.png", png())])


def test_a_rolled_back_submission_leaves_no_file(case_world, django_capture_on_commit_callbacks):
    cases = Case.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom):
        with transaction.atomic():
            case = _submit(case_world)
            name = case.photos.get().image.name
            storage = case.photos.get().image.storage
            raise Boom
    assert callbacks == []  # the write was never scheduled past the rollback
    assert Case.objects.count() == cases
    assert not storage.exists(name)


def test_a_committed_submission_writes_the_file_under_a_unique_name(case_world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _submit(case_world).photos.get()
        second = _submit(case_world).photos.get()
    assert first.image.name != second.image.name
    for photo in (first, second):
        photo = CasePhoto.objects.get(pk=photo.pk)
        assert photo.image.storage.exists(photo.image.name)
        with photo.image.open("rb") as fh:
            assert fh.read() == png()
