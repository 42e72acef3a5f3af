"""Background tasks of the roster (django-tasks; ``db_worker`` runs them).

This module imports the worker function from ``importing``, which never imports
this module: ``actions.roster_import_start`` enqueues the task, so the chain is
actions → tasks → importing, with no cycle.
"""

from django_tasks import task

from .importing import roster_import_run


@task()
def run_roster_import(import_id: int) -> str:
    """Import an uploaded roster (see importing.roster_import_run). Safe to run twice."""
    return roster_import_run(import_id=import_id)
