"""Suggest the category of a resident request (有求必应) from its Chinese text.

    from gongzhi.casework.classification import default_classifier
    default_classifier().predict("3栋2单元楼道灯坏了", k=3)
    # [("property_repair", 0.8…), ("public_facility", 0.0…), …]

See docs/classification.md for the taxonomy, the corpus, measured accuracy
and how staff corrections flow back through ``retrain``.
"""

from .corpus import CORRECTION_WEIGHT, Example, corrections_to_examples, load_corpus
from .errors import ClassifierError, ClassifierFormatError
from .evaluation import CategoryScore, Confusion, Report, cross_validate, evaluate
from .model import (
    FORMAT_VERSION,
    Classifier,
    default_classifier,
    merge_corrections,
    normalize_text,
    retrain,
    set_default_classifier,
    train,
)

__all__ = [
    "CORRECTION_WEIGHT",
    "FORMAT_VERSION",
    "CategoryScore",
    "Classifier",
    "ClassifierError",
    "ClassifierFormatError",
    "Confusion",
    "Example",
    "Report",
    "corrections_to_examples",
    "cross_validate",
    "default_classifier",
    "evaluate",
    "load_corpus",
    "merge_corrections",
    "normalize_text",
    "retrain",
    "set_default_classifier",
    "train",
]
