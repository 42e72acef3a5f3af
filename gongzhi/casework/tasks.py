"""Background tasks of the casework app (run by ``manage.py db_worker``)."""

from django_tasks import task

from gongzhi.core.periodic import claim_run, schedule_next

SWEEP_INTERVAL_SECONDS = 300


@task()
def casework_sweep() -> dict:
    """Deadlines, reminders and supervision (督办), every five minutes."""
    result = {}
    if claim_run("casework.sweep", SWEEP_INTERVAL_SECONDS - 5):
        from .actions.supervision import sweep_deadlines

        result = sweep_deadlines().__dict__
    schedule_next(casework_sweep, SWEEP_INTERVAL_SECONDS)
    return result


@task()
def classifier_retrain() -> dict:
    """Retrain the category classifier from the corpus plus staff corrections."""
    from .actions.classifier import classifier_retrain as retrain

    model = retrain()
    return {"model": model.pk, "accuracy": model.accuracy}
