"""Errors raised by the request classifier (stable codes, Chinese messages)."""

from __future__ import annotations

from gongzhi.core.errors import ApplicationError

INVALID_CORPUS = "classifier_invalid_corpus"
INVALID_EXAMPLE = "classifier_invalid_example"
NOT_ENOUGH_CATEGORIES = "classifier_not_enough_categories"
NOT_A_MODEL = "classifier_not_a_model"
FORMAT_MISMATCH = "classifier_format_mismatch"


class ClassifierError(ApplicationError):
    """Bad training data or a stored model this code cannot use."""


class ClassifierFormatError(ClassifierError):
    """Stored model bytes are not a classifier, or were written by another
    format version / scikit-learn release. The remedy is to retrain."""
