"""Periodic tasks on django-tasks: each run re-enqueues the next one with ``run_after``.

``claim_run`` makes a run happen at most once per interval even when several
workers (or several chains of the same task) are alive: the winner is the one
whose conditional UPDATE moves ``next_run_at`` forward.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from .models import ScheduledJob


def claim_run(name: str, interval_seconds: int) -> bool:
    now = timezone.now()
    ScheduledJob.objects.get_or_create(name=name, defaults={"next_run_at": now})
    updated = ScheduledJob.objects.filter(name=name, next_run_at__lte=now).update(
        last_run_at=now, next_run_at=now + timedelta(seconds=interval_seconds)
    )
    return updated == 1


def schedule_next(task, interval_seconds: int) -> None:
    """Enqueue the next run if the backend can defer (the database backend can)."""
    from django_tasks import task_backends

    backend = task_backends[task.backend]
    if backend.supports_defer:
        task.using(run_after=timezone.now() + timedelta(seconds=interval_seconds)).enqueue()


def ensure_scheduled(task) -> bool:
    """Start the chain unless a run of this task is already waiting. Returns True if one was enqueued."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - other backends
        DBTaskResult = None
    if DBTaskResult is not None:
        pending = DBTaskResult.objects.filter(task_path=task.module_path, status="READY").exists()
        if pending:
            return False
    task.enqueue()
    return True
