"""Training the category classifier and storing it for every process to load."""

from __future__ import annotations

from django.db import transaction

from ..models import CategoryCorrection, ClassifierModel
from ..suggest import forget_loaded_model


def classifier_retrain(*, evaluate_holdout: bool = True) -> ClassifierModel:
    """Train on the shipped corpus plus every staff correction (oldest first) and store the model.

    The held-out accuracy is measured on the corpus alone (the same split
    ``manage.py classifier_report`` uses) so models stay comparable.
    """
    from ..classification import evaluate, load_corpus, retrain

    corpus = load_corpus()
    corrections = list(
        CategoryCorrection.objects.order_by("created_at", "id").values_list("text", "corrected_code")
    )
    accuracy = evaluate(corpus).accuracy if evaluate_holdout else None
    classifier = retrain(corpus, corrections)
    with transaction.atomic():
        model = ClassifierModel.objects.create(
            blob=classifier.to_bytes(), examples=len(corpus) + len(corrections), corrections=len(corrections),
            accuracy=accuracy,
        )
    forget_loaded_model()
    return model
