"""The quarterly service report per employer unit, against hours computed by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.org.party import actions
from gongzhi.org.models import PartyMember, PartyRegistration, PostClaim, ServicePost
from gongzhi.org.party.report import quarterly_report
from gongzhi.org.testing.party_world import build_party_world
from gongzhi.org.testing.world import make_user


def aware(d: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(d, datetime.time(9)))


@pytest.fixture
def data(world):
    """Last year's second quarter (always in the past), with records on both sides of its edges.

    hospital: member  — 2.0 (Apr 5) + 1.5 (Jun 30) in Q2; 4.0 (Mar 31) and 3.0 (Jul 1) outside
              extra_a — 2.5 (May 10, 楼道卫生监督) + 1.0 (May 11, 周末护学岗) in Q2
              extra_c — registered in Q2, no service             → listed with 0
              gone    — registration ended before Q2, no service  → not listed
    school:   extra_b — 0.5 (Apr 20, 周末护学岗)
    member2 (在地, no employer) — 3.0 (May 1): in no employer's sheet
    Expected Q2: hospital 7.0 h in 4 records by 3 listed members (2 serving); school 0.5 h, 1 record.
    """
    pw = build_party_world(world)
    staff = world.users["community_staff"]
    year = timezone.localdate().year - 1

    def q2(m, d):
        return datetime.date(year, m, d)

    long_ago = aware(datetime.date(year, 1, 2))

    def new_member(household: str, employer, *, registered=long_ago, ended=None, group=pw.group_b2):
        resident = world.residents[f"{household} owner"]
        resident.user = make_user(resident.name)
        resident.save()
        m = PartyMember.objects.create(community=world.c1, resident=resident, kind="employed", employer=employer)
        reg = PartyRegistration.objects.create(member=m, party_group=group, building=group.building,
                                               community=world.c1, method="staff")
        PartyRegistration.objects.filter(pk=reg.pk).update(registered_at=registered, ended_at=ended)
        return m

    PartyRegistration.objects.filter(member__in=[pw.member, pw.member2]).update(registered_at=long_ago)
    extra_a = new_member("b2 1-102", pw.hospital)
    extra_b = new_member("b2 1-201", pw.school)
    extra_c = new_member("b2 1-202", pw.hospital, registered=aware(q2(5, 20)))
    gone = new_member("b3 1-101", pw.hospital, ended=aware(q2(3, 15)))
    guard = ServicePost.objects.create(community=world.c1, title="周末护学岗", category="youth", slots=5)

    def claim(member: PartyMember, post: ServicePost) -> PostClaim:
        c = PostClaim.objects.create(post=post, member=member)
        PostClaim.objects.filter(pk=c.pk).update(claimed_at=long_ago)
        return c

    def record(c: PostClaim, day: datetime.date, hours: str) -> None:
        actions.service_record_add(actor=staff, claim_id=c.pk, served_on=day, hours=hours, note="服务")

    c_member = claim(pw.member, pw.post_open)
    record(c_member, q2(4, 5), "2")
    record(c_member, q2(6, 30), "1.5")
    record(c_member, q2(3, 31), "4")
    record(c_member, q2(7, 1), "3")
    record(claim(extra_a, pw.post_open), q2(5, 10), "2.5")
    record(claim(extra_a, guard), q2(5, 11), "1")
    record(claim(extra_b, guard), q2(4, 20), "0.5")
    c_full = PostClaim.objects.get(post=pw.post_full, member=pw.member2)
    PostClaim.objects.filter(pk=c_full.pk).update(claimed_at=long_ago)
    record(c_full, q2(5, 1), "3")
    return {"pw": pw, "year": year, "extra_a": extra_a, "extra_b": extra_b, "extra_c": extra_c, "gone": gone}


def test_report_hours_per_employer(world, data):
    pw, year = data["pw"], data["year"]
    reports = quarterly_report(world.c1, year, 2)
    assert [r.institution.name for r in reports] == ["和谐小学", "市第一人民医院"]
    school, hospital = reports
    assert hospital.total_hours == Decimal("7.0") and len(hospital.records) == 4
    rows = {m.member.pk: m for m in hospital.members}
    assert set(rows) == {pw.member.pk, data["extra_a"].pk, data["extra_c"].pk}  # not "gone"
    assert rows[pw.member.pk].hours == Decimal("3.5") and rows[pw.member.pk].record_count == 2
    assert rows[pw.member.pk].group_name == "阳光小区1栋党小组"
    assert rows[data["extra_a"].pk].hours == Decimal("3.5")
    assert rows[data["extra_a"].pk].posts == ["楼道卫生监督", "周末护学岗"]
    assert rows[data["extra_c"].pk].hours == 0 and rows[data["extra_c"].pk].posts == []
    assert hospital.serving_members == 2
    assert school.total_hours == Decimal("0.5") and [m.member.pk for m in school.members] == [data["extra_b"].pk]
    # The neighbouring quarters hold the edge records.
    q1 = {r.institution.name: r.total_hours for r in quarterly_report(world.c1, year, 1)}
    q3 = {r.institution.name: r.total_hours for r in quarterly_report(world.c1, year, 3)}
    assert q1["市第一人民医院"] == Decimal("4.0") and q3["市第一人民医院"] == Decimal("3.0")


def _sheet_rows(ws) -> list[list]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_report_workbook(world, data, login):
    year = data["year"]
    client = login(world.users["community_secretary"])
    response = client.get(f"/party/report/xlsx/?community={world.c1.pk}&year={year}&quarter=2")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == ["汇总", "和谐小学", "市第一人民医院"]
    summary = _sheet_rows(wb["汇总"])
    assert ["和谐小学", 1, 1, 1, 0.5] in summary and ["市第一人民医院", 3, 2, 4, 7.0] in summary
    assert ["合计", 4, 3, 5, 7.5] in summary
    hospital = _sheet_rows(wb["市第一人民医院"])
    member_row = next(r for r in hospital if r[0] == data["pw"].member.resident.name and r[1] == "在职党员")
    assert member_row[2:6] == ["阳光小区1栋党小组", "楼道卫生监督", 2, 3.5]
    total = next(r for r in hospital if r[0] == "合计")
    assert total[1] == "3 人" and total[4] == 4 and total[5] == 7.0
    details = [r for r in hospital if isinstance(r[0], datetime.datetime)]
    assert [(r[0].date(), r[4]) for r in details] == [
        (datetime.date(year, 4, 5), 2.0), (datetime.date(year, 5, 10), 2.5), (datetime.date(year, 5, 11), 1.0),
        (datetime.date(year, 6, 30), 1.5),
    ]


def test_single_employer_workbook(world, data, login):
    client = login(world.users["community_staff"])
    response = client.get(f"/party/report/xlsx/?community={world.c1.pk}&year={data['year']}&quarter=2"
                          f"&institution={data['pw'].school.pk}")
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == ["和谐小学"]
    rows = _sheet_rows(wb["和谐小学"])
    assert next(r for r in rows if r[0] == "合计")[5] == 0.5
    # A unit with nobody to report still gets a workbook saying so.
    response = client.get(f"/party/report/xlsx/?community={world.c1.pk}&year={data['year']}&quarter=2"
                          f"&institution={data['pw'].social.pk}")
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == ["红枫社工"] and ["本季度无服务记录"] in [list(r[:1]) for r in _sheet_rows(wb.active)]


def test_report_page_summary(world, data, login):
    client = login(world.users["subdistrict_staff"])
    page = client.get(f"/party/report/?community={world.c1.pk}&year={data['year']}&quarter=2")
    assert page.status_code == 200
    reports = page.context["reports"]
    assert [(r.institution.name, r.total_hours) for r in reports] == [
        ("和谐小学", Decimal("0.5")), ("市第一人民医院", Decimal("7.0"))
    ]
    html = page.content.decode()
    assert "7.5" in html and f"{data['year']}-04-01" in html and f"{data['year']}-06-30" in html
    bad = client.get(f"/party/report/?community={world.c1.pk}&year={data['year']}&quarter=5")
    assert bad.status_code == 400 and "季度" in bad.content.decode()


def test_report_query_count(world, data, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        reports = quarterly_report(world.c1, data["year"], 2)
        for r in reports:
            for m in r.members:
                _ = (m.member.resident.name, m.member.employer.name, m.group_name)
            for rec in r.records:
                _ = (rec.claim.post.title, rec.member.resident.name)
