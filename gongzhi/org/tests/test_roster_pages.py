"""Roster pages: permissions for every role, upload → background task → progress page, export, template."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from gongzhi.core.models import AuditEvent
from gongzhi.org.roster.importing import roster_import_run
from gongzhi.org.models import Building, RosterImport
from gongzhi.org.testing.world import ROLE_KEYS

from .test_roster_import import (
    NEW_BUILDING,
    NEW_HOUSEHOLD,
    make_workbook,
    owner_row,
    snapshot,
)

ALLOWED = {"community_secretary", "community_staff"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(data: io.BytesIO | bytes, name="花名册.xlsx") -> SimpleUploadedFile:
    content = data.getvalue() if isinstance(data, io.BytesIO) else data
    return SimpleUploadedFile(name, content, content_type=XLSX)


def good_workbook() -> io.BytesIO:
    return make_workbook([NEW_BUILDING], [NEW_HOUSEHOLD], [owner_row()])


def post_upload(client, world, data, capture):
    with capture(execute=True):
        return client.post(reverse("org:roster_upload"), {"community": world.c1.pk, "file": upload(data)})


# Permissions: every role -----------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLE_KEYS)
def test_roster_page_by_role(world, login, role):
    response = login(world.users[role]).get(reverse("org:roster"), {"community": world.c1.pk})
    assert response.status_code == (200 if role in ALLOWED else 404)
    if role in ALLOWED:
        assert "上传并导入" in response.content.decode()


def test_roster_page_defaults_to_the_users_own_community(world, login):
    response = login(world.users["outsider"]).get(reverse("org:roster"))
    assert response.status_code == 200
    assert world.c2.name in response.content.decode()


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_template_download_by_role(world, login, role):
    response = login(world.users[role]).get(reverse("org:roster_template"), {"community": world.c1.pk})
    if role not in ALLOWED:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert wb.sheetnames == ["说明", "楼栋", "房屋", "居民"]


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_export_by_role(world, login, role):
    audits = AuditEvent.objects.filter(action="roster.export").count()
    response = login(world.users[role]).post(reverse("org:roster_export"), {"community": world.c1.pk})
    if role not in ALLOWED:
        assert response.status_code == 404
        assert AuditEvent.objects.filter(action="roster.export").count() == audits
        return
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert sum(1 for _ in wb["房屋"].iter_rows(min_row=2)) == 16
    event = AuditEvent.objects.get(action="roster.export")
    assert event.actor == world.users[role] and event.community_id == world.c1.pk


def test_export_is_post_only(world, login):
    response = login(world.users["community_staff"]).get(reverse("org:roster_export"), {"community": world.c1.pk})
    assert response.status_code == 405


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_upload_by_role(world, login, role, django_capture_on_commit_callbacks):
    before = snapshot()
    response = post_upload(login(world.users[role]), world, good_workbook(), django_capture_on_commit_callbacks)
    if role not in ALLOWED:
        assert response.status_code == 404
        assert not RosterImport.objects.exists()
        assert snapshot() == before
        return
    record = RosterImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("org:roster_import", args=[record.pk])
    assert record.status == RosterImport.Status.SUCCEEDED
    assert record.uploaded_by == world.users[role]
    assert record.summary["households_created"] == 1
    assert Building.objects.filter(compound=world.compound_a, name="3栋").exists()
    assert AuditEvent.objects.filter(action="roster.import", actor=world.users[role]).count() == 1


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_progress_page_by_role(world, login, role):
    record = RosterImport.objects.create(
        community=world.c1, uploaded_by=world.users["community_staff"], filename="a.xlsx", size=10,
        status=RosterImport.Status.RUNNING, phase="validate", total_rows=1000, processed_rows=250,
    )
    response = login(world.users[role]).get(reverse("org:roster_import", args=[record.pk]))
    assert response.status_code == (200 if role in ALLOWED else 404)


def test_import_of_another_community_is_not_found(world, login):
    record = RosterImport.objects.create(
        community=world.c2, uploaded_by=world.users["outsider"], filename="a.xlsx", size=10,
    )
    client = login(world.users["community_secretary"])
    assert client.get(reverse("org:roster_import", args=[record.pk])).status_code == 404
    assert client.get(reverse("org:roster_import", args=[record.pk + 999])).status_code == 404


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("org:roster"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Upload, task, progress ---------------------------------------------------------------------------
def test_upload_runs_the_task_and_deletes_the_stored_file(world, login, media, django_capture_on_commit_callbacks):
    client = login(world.users["community_staff"])
    response = post_upload(client, world, good_workbook(), django_capture_on_commit_callbacks)
    record = RosterImport.objects.get()
    assert record.status == RosterImport.Status.SUCCEEDED
    assert record.started_at and record.finished_at
    assert record.filename == "花名册.xlsx"
    assert record.file.name == ""
    assert not any(p.is_file() for p in media.rglob("*"))  # the upload holds personal data: gone
    page = client.get(response["Location"]).content.decode()
    assert "导入完成" in page
    assert "hx-trigger" not in page
    assert roster_import_run(import_id=record.pk) == "skipped"  # a retried task does nothing


def test_task_is_enqueued_only_after_commit(world, login, django_capture_on_commit_callbacks):
    client = login(world.users["community_staff"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("org:roster_upload"), {"community": world.c1.pk, "file": upload(good_workbook())})
    record = RosterImport.objects.get()
    assert record.status == RosterImport.Status.PENDING
    assert not record.file.storage.exists(record.file.name)  # not even the file before commit
    assert len(callbacks) == 2  # write the file, then queue the task
    callbacks[0]()
    assert record.file.storage.exists(record.file.name)
    callbacks[1]()  # the import runs (and deletes the uploaded file when done)
    record.refresh_from_db()
    assert record.status == RosterImport.Status.SUCCEEDED


def test_upload_with_row_errors_fails_and_lists_them(world, login, django_capture_on_commit_callbacks):
    client = login(world.users["community_staff"])
    before = snapshot()
    wb = make_workbook([NEW_BUILDING], [NEW_HOUSEHOLD, NEW_HOUSEHOLD], [owner_row(phone="12345")])
    response = post_upload(client, world, wb, django_capture_on_commit_callbacks)
    record = RosterImport.objects.get()
    assert record.status == RosterImport.Status.FAILED
    assert {"sheet": "房屋", "row": 3, "column": "房号",
            "message": "房号重复：与第 2 行是同一单元的同一房号（阳光小区 3栋 1-101）。"} in record.errors
    assert {"sheet": "居民", "row": 2, "column": "电话", "message": "电话号码格式不正确：12345"} in record.errors
    assert record.summary == {"message": "花名册中有 2 处问题，未导入任何数据。", "error_count": 2}
    assert snapshot() == before
    assert not AuditEvent.objects.filter(action="roster.import").exists()
    page = client.get(response["Location"]).content.decode()
    assert "未导入" in page and "第 3 行" in page and "房号重复" in page and "电话号码格式不正确：12345" in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,room\n", "文件不是 Excel 工作簿（.xlsx），请用模板填写后上传。"),
        (b"", "文件不是 Excel 工作簿（.xlsx），请用模板填写后上传。"),
    ],
)
def test_upload_that_is_not_a_workbook_is_refused_at_once(world, login, content, message,
                                                          django_capture_on_commit_callbacks):
    client = login(world.users["community_staff"])
    response = post_upload(client, world, content, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert not RosterImport.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert message in page


def test_upload_too_large_is_refused_at_once(world, login, settings, django_capture_on_commit_callbacks):
    settings.ROSTER_MAX_BYTES = 1000
    client = login(world.users["community_staff"])
    response = post_upload(client, world, good_workbook(), django_capture_on_commit_callbacks)
    assert not RosterImport.objects.exists()
    assert "文件过大" in client.get(response["Location"]).content.decode()


def test_upload_of_a_zip_that_is_no_workbook_fails_in_the_task(world, login, django_capture_on_commit_callbacks):
    import zipfile

    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        z.writestr("hello.txt", "你好")
    post_upload(login(world.users["community_staff"]), world, data, django_capture_on_commit_callbacks)
    record = RosterImport.objects.get()
    assert record.status == RosterImport.Status.FAILED
    assert record.errors == [
        {"sheet": "", "row": None, "column": "", "message": "文件无法作为 Excel 工作簿（.xlsx）打开。"}
    ]


def test_uploader_who_lost_the_right_gets_nothing_imported(world, tmp_path):
    from django.core.files.base import ContentFile

    record = RosterImport(community=world.c1, uploaded_by=world.users["grid_worker"], filename="a.xlsx", size=1)
    record.file.save("a.xlsx", ContentFile(good_workbook().getvalue()), save=True)
    before = snapshot()
    assert roster_import_run(import_id=record.pk) == "failed"
    record.refresh_from_db()
    assert record.status == RosterImport.Status.FAILED
    assert record.errors[0]["message"] == "上传人已无权导入该社区的花名册，未导入任何数据。"
    assert snapshot() == before


def test_unexpected_error_marks_the_import_failed(world, monkeypatch):
    from django.core.files.base import ContentFile

    def broken(plan, progress=None):
        raise RuntimeError("disk full")

    monkeypatch.setattr("gongzhi.org.roster.importing.apply_plan", broken)
    record = RosterImport(community=world.c1, uploaded_by=world.users["community_staff"], filename="a.xlsx", size=1)
    record.file.save("a.xlsx", ContentFile(good_workbook().getvalue()), save=True)
    with pytest.raises(RuntimeError):
        roster_import_run(import_id=record.pk)
    record.refresh_from_db()
    assert record.status == RosterImport.Status.FAILED
    assert record.errors[0]["message"] == "导入时发生系统错误，未导入任何数据。请稍后重试或联系管理员。"
    assert record.file.name == ""


def test_progress_page_while_validating(world, login):
    record = RosterImport.objects.create(
        community=world.c1, uploaded_by=world.users["community_staff"], filename="a.xlsx", size=10,
        status=RosterImport.Status.RUNNING, phase="validate", total_rows=1000, processed_rows=250,
    )
    client = login(world.users["community_staff"])
    url = reverse("org:roster_import", args=[record.pk])
    page = client.get(url).content.decode()
    assert "<html" in page
    assert "校验数据" in page
    assert 'aria-valuenow="25"' in page and "width: 25%" in page
    assert "已处理 250 / 1000 行" in page
    assert f'hx-get="{url}"' in page and 'hx-trigger="every 1s"' in page
    # The poll gets just the fragment, which keeps polling while the import runs.
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'id="roster-progress"' in fragment and "every 1s" in fragment
    RosterImport.objects.filter(pk=record.pk).update(processed_rows=900)
    assert 'aria-valuenow="90"' in client.get(url, HTTP_HX_REQUEST="true").content.decode()


def test_progress_page_while_writing(world, login):
    record = RosterImport.objects.create(
        community=world.c1, uploaded_by=world.users["community_staff"], filename="a.xlsx", size=10,
        status=RosterImport.Status.RUNNING, phase="write", total_rows=5000, processed_rows=0,
    )
    page = login(world.users["community_staff"]).get(
        reverse("org:roster_import", args=[record.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "写入数据库" in page and "every 1s" in page
    # SQLite cannot publish progress from inside the write transaction: the bar says so instead of sticking.
    assert ("indeterminate" in page) == (connection.vendor == "sqlite")


def test_progress_page_when_done_stops_polling_and_shows_counts(world, login):
    record = RosterImport.objects.create(
        community=world.c1, uploaded_by=world.users["community_staff"], filename="a.xlsx", size=10,
        status=RosterImport.Status.SUCCEEDED, total_rows=10, processed_rows=10,
        summary={"rows": 10, "buildings_created": 1, "households_created": 3, "households_updated": 2,
                 "residents_created": 5},
    )
    fragment = login(world.users["community_staff"]).get(
        reverse("org:roster_import", args=[record.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "导入完成" in fragment and "hx-trigger" not in fragment
    assert "共读取 10 行数据" in fragment
