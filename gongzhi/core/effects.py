"""Side effects after commit: the one way an action schedules work outside its transaction.

An action writes rows inside ``transaction.atomic``; anything the database cannot roll back — a task
enqueued for the worker, a file written to storage, a message sent — must wait until the transaction
has committed, or a rollback would leave a task about rows that don't exist, or an orphan file:

    enqueue_on_commit(run_roster_import, import_id)
    save_file_on_commit(photo.image, data)
    after_commit(send_sms, delivery_id)

Outside a transaction (autocommit) Django runs the callback at once. In tests wrapped in a transaction
the callbacks run only when the test asks (``django_capture_on_commit_callbacks(execute=True)``), which
is how tests show that nothing happens on rollback.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial

from django.core.files.base import ContentFile
from django.db import transaction


def after_commit(function: Callable, *args, **kwargs) -> None:
    """Run ``function(*args, **kwargs)`` once the current transaction commits (never on rollback)."""
    transaction.on_commit(partial(function, *args, **kwargs))


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Enqueue a django-tasks task once the current transaction commits."""
    transaction.on_commit(partial(task.enqueue, *args, **kwargs))


def unique_upload_name(field_file, filename: str) -> str:
    """The storage name the field would give ``filename``, made unique with a random part, so the row can
    hold it before the file is written (two uploads of the same name can't collide)."""
    stem, dot, extension = filename.rpartition(".")
    unique = f"{stem or 'file'}-{uuid.uuid4().hex[:12]}{dot}{extension}" if dot else f"{filename}-{uuid.uuid4().hex[:12]}"
    return field_file.field.generate_filename(field_file.instance, unique)


def save_file_on_commit(field_file, filename: str, data: bytes) -> str:
    """Give the model's file field its name now and write the bytes after commit.

    Returns the name (already set on the instance; save the instance as usual). If the transaction
    rolls back, no file is written: no orphans in storage.
    """
    name = unique_upload_name(field_file, filename)
    field_file.name = name
    storage = field_file.storage
    after_commit(_write, storage, name, data)
    return name


def _write(storage, name: str, data: bytes) -> None:
    saved = storage.save(name, ContentFile(data))
    if saved != name:  # pragma: no cover - the random part makes a clash practically impossible
        raise RuntimeError(f"storage renamed {name!r} to {saved!r}")
