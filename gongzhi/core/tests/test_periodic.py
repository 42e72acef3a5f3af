import pytest
from django.core.management import call_command
from django.test import override_settings

from gongzhi.core.periodic import claim_run

pytestmark = pytest.mark.django_db


def test_claim_run_once_per_interval():
    assert claim_run("x", 60) is True
    assert claim_run("x", 60) is False
    assert claim_run("y", 60) is True


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}})
def test_schedule_tasks_starts_each_chain_once(capsys):
    from django_tasks_db.models import DBTaskResult

    call_command("schedule_tasks")
    call_command("schedule_tasks")
    out = capsys.readouterr().out
    assert "casework_sweep: scheduled" in out and "already scheduled" in out
    assert DBTaskResult.objects.filter(task_path="gongzhi.casework.tasks.casework_sweep").count() == 1
