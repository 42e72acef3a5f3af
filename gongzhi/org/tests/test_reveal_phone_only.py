"""The household page's button reveals the phone it offers, not the ID number too (issue #8 point 6)."""

from __future__ import annotations

from gongzhi.core.models import AuditEvent
from gongzhi.testing.kit import client_for


def test_household_page_reveals_only_the_phone(world):
    owner = world.residents["b1 1-101 owner"]
    c = client_for(world.users["grid_worker"])
    page = c.get(f"/org/households/{world.h('b1 1-101').pk}/").content.decode()
    assert f'/org/residents/{owner.pk}/reveal/?fields=phone' in page and "查看电话" in page
    html = c.post(f"/org/residents/{owner.pk}/reveal/?fields=phone").content.decode()
    assert owner.phone in html and owner.id_number not in html and owner.masked_id_number in html
    event = AuditEvent.objects.filter(action="resident.reveal_contact").latest("pk")
    assert event.details == {"fields": ["phone"]}
    # the resident page still reveals both, and says so in the audit
    html = c.post(f"/org/residents/{owner.pk}/reveal/").content.decode()
    assert owner.phone in html and owner.id_number in html
    assert AuditEvent.objects.filter(action="resident.reveal_contact").latest("pk").details == {
        "fields": ["phone", "id_number"]}


def test_vacant_flats_have_a_legend(world):
    from gongzhi.org.models import Household

    Household.objects.filter(pk=world.h("b1 1-102").pk).update(occupancy=Household.Occupancy.VACANT)
    html = client_for(world.users["grid_worker"]).get(f"/org/buildings/{world.b1.pk}/").content.decode()
    assert 'id="room-legend"' in html and "空置（灰色）" in html
    assert 'aria-label="1-102 空置"' in html
