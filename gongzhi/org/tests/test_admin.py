"""Django admin cannot change what only actions may write (residents, tags, roles …): nothing escapes the audit."""

import pytest
from django.contrib import admin

from gongzhi.accounts.models import User
from gongzhi.core.models import AuditEvent
from gongzhi.org import models as m
from gongzhi.testing.kit import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    user = User.objects.create_superuser("13900009999", "x-2026-admin", name="平台管理员")
    return log_in(client, user)


def test_every_org_model_in_admin_is_read_only(rf):
    request = rf.get("/admin/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    org_admins = [a for model, a in admin.site._registry.items() if model._meta.app_label == "org"]
    assert len(org_admins) >= 15
    for model_admin in org_admins:
        assert not model_admin.has_add_permission(request), model_admin
        assert not model_admin.has_change_permission(request), model_admin
        assert not model_admin.has_delete_permission(request), model_admin
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_change_permission(request), inline


def test_posting_to_the_admin_changes_nothing(root, world):
    family = world.residents["b1 1-101 family"]
    assignment = m.RoleAssignment.objects.filter(user=world.users["grid_worker"]).get()
    events = AuditEvent.objects.count()
    assert root.get(f"/admin/org/resident/{family.pk}/change/").status_code == 200  # may look
    response = root.post(f"/admin/org/resident/{family.pk}/change/", {"name": "改名", "gender": "F",
                                                                      "community": world.c1.pk})
    assert response.status_code == 403
    assert root.post(f"/admin/org/resident/{family.pk}/delete/", {"post": "yes"}).status_code == 403
    assert root.post(f"/admin/org/roleassignment/{assignment.pk}/delete/", {"post": "yes"}).status_code == 403
    assert root.post("/admin/org/residenttag/add/", {}).status_code in (403, 404)
    family.refresh_from_db()
    assert family.name == "张奶奶"
    assert m.ResidentTag.objects.filter(resident=family).count() == 2
    assert m.RoleAssignment.objects.filter(pk=assignment.pk, revoked_at__isnull=True).exists()
    assert AuditEvent.objects.count() == events
