"""Category suggestions from the request text, with the newest trained model.

The model in use is the newest ClassifierModel row; when there is none, the
classifier is trained from the shipped corpus on first use. Each process keeps
the loaded model and checks for a newer row at most every RELOAD_SECONDS, so a
retrain reaches every web process and worker without a restart.
"""

from __future__ import annotations

import logging
import threading
import time

from .models import Category, ClassifierModel

RELOAD_SECONDS = 60
logger = logging.getLogger(__name__)

_lock = threading.Lock()
_state: dict = {"model": None, "model_id": None, "checked_at": 0.0}


def current_classifier():
    from .classification import Classifier, default_classifier
    from .classification.errors import ClassifierFormatError

    now = time.monotonic()
    if _state["model"] is not None and now - _state["checked_at"] < RELOAD_SECONDS:
        return _state["model"]
    with _lock:
        latest_id = ClassifierModel.objects.order_by("-created_at", "-id").values_list("pk", flat=True).first()
        if latest_id is None:
            if _state["model_id"] is not None or _state["model"] is None:
                _state["model"] = default_classifier()
                _state["model_id"] = None
        elif latest_id != _state["model_id"]:
            blob = ClassifierModel.objects.filter(pk=latest_id).values_list("blob", flat=True).first()
            try:
                _state["model"] = Classifier.from_bytes(bytes(blob))
            except ClassifierFormatError:
                # A model stored by an older release: keep suggesting with the shipped
                # corpus until the next retrain replaces it, rather than failing intake.
                logger.warning("Stored classifier %s is unreadable; using the shipped model", latest_id)
                _state["model"] = default_classifier()
            _state["model_id"] = latest_id
        _state["checked_at"] = now
        return _state["model"]


def forget_loaded_model() -> None:
    """Make the next call look at the database again (after a retrain, and in tests)."""
    _state["checked_at"] = 0.0


def suggest_category(
    community_id: int, text: str, *, categories: dict[str, Category] | None = None
) -> tuple[Category | None, float | None]:
    """The community's active category the text most likely belongs to, with its probability.

    ``categories`` (the community's categories by code, if the caller has them) saves a query.
    """
    predictions = current_classifier().predict(text, k=3)
    if not predictions:
        return None, None
    if categories is None:
        by_code = {c.code: c for c in Category.objects.filter(community_id=community_id, is_active=True)}
    else:
        by_code = {code: c for code, c in categories.items() if c.is_active}
    for code, probability in predictions:
        if probability <= 0:
            break
        if code in by_code:
            return by_code[code], float(probability)
    return None, None
