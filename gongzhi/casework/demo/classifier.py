"""The stored classifier model, trained on the corpus through the real action."""

from __future__ import annotations

from ..models import ClassifierModel
from .texts import CORPUS

_trained: dict = {}


def store_classifier(ctx):
    """Train and store the model web processes load (``classifier_retrain``).

    Training takes seconds; a second demo run in the same process (tests) stores the
    same model again instead of training it again — there are no corrections yet.
    """
    from ..actions.classifier import classifier_retrain
    from ..classification import Classifier
    from ..suggest import forget_loaded_model

    key = (CORPUS.stat().st_mtime_ns, CORPUS.stat().st_size)
    if _trained.get("key") == key and not ClassifierModel.objects.exists():
        row = ClassifierModel.objects.create(blob=_trained["blob"], examples=_trained["examples"], corrections=0,
                                             accuracy=_trained["accuracy"])
        forget_loaded_model()
    else:
        row = classifier_retrain()
        _trained.update(key=key, blob=bytes(row.blob), examples=row.examples, accuracy=row.accuracy)
    ctx.log(f"  分类模型已保存（{row.examples} 条样本，留出集准确率 "
            f"{'—' if row.accuracy is None else f'{row.accuracy:.0%}'}）")
    return Classifier.from_bytes(bytes(row.blob))
