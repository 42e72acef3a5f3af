"""Background tasks of the org app (django-tasks; ``db_worker`` runs them)."""

from django_tasks import task


@task()
def run_roster_import(import_id: int) -> str:
    """Import an uploaded roster (see actions.roster.roster_import_run). Safe to run twice."""
    from .actions.roster import roster_import_run

    return roster_import_run(import_id=import_id)
