"""Suggest a category for a resident request from its Chinese text.

Features: TF-IDF over jieba words (precise mode, with the community user
dictionary) plus TF-IDF over character 1–3-grams, which
carries typos (电悌, 楼到灯) and words jieba splits badly. Model: multinomial
logistic regression, so ``predict`` returns real probabilities for the top
``k`` categories.

The model only *suggests*: staff confirm or override, and overrides come back
through ``retrain`` as weighted examples.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import threading
import time
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp
import sklearn
from django.utils.translation import gettext as _
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from ..taxonomy import OTHER
from .corpus import (
    CORPUS_NAME,
    CORRECTION_WEIGHT,
    USERDICT_NAME,
    Example,
    corrections_to_examples,
    data_file,
    load_corpus,
)
from .errors import (
    FORMAT_MISMATCH,
    INVALID_EXAMPLE,
    NOT_A_MODEL,
    NOT_ENOUGH_CATEGORIES,
    ClassifierError,
    ClassifierFormatError,
)

logger = logging.getLogger(__name__)

# Bump when the pickled payload or the feature pipeline changes shape; stored
# models with another version are refused (retrain them from the corpus and
# the stored corrections). 2: the payload carries the word-block weight.
FORMAT_VERSION = 2
MAGIC = b"GZCLF\n"

# Only the first MAX_CHARS characters count: the category is clear long before
# that, and it bounds the time one prediction can take.
MAX_CHARS = 1000

# Chosen by 5-fold cross-validation on the shipped corpus (three shuffles;
# docs/classification.md lists the figures): the word block, scaled by
# WORD_WEIGHT after its own L2 normalisation, adds to the character block
# rather than dominating it; C is the inverse regularisation strength.
WORD_WEIGHT = 0.5
C = 20.0

# ---------------------------------------------------------------------------
# Text normalisation and tokenisation
# ---------------------------------------------------------------------------

_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_HAS_WORD_CHAR = re.compile(r"[^\W\d_]")  # a letter or CJK character


def normalize_text(text: str) -> str:
    """NFKC (full-width → half-width), lower case, every number → "0",
    whitespace collapsed. Room numbers like 3栋2单元502 become 0栋0单元0: the
    shape is a useful signal, the digits are not."""
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 2])[:MAX_CHARS]
    text = _DIGITS.sub("0", text.lower())
    return _SPACES.sub(" ", text).strip()


_jieba_lock = threading.Lock()
_jieba_tokenizer = None


def jieba_tokenizer():
    """The process's jieba tokenizer: its own instance (the global one is left
    alone for other code), user dictionary loaded, initialised once and
    quietly. The first call costs about a second (dictionary load)."""
    global _jieba_tokenizer
    if _jieba_tokenizer is None:
        with _jieba_lock:
            if _jieba_tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict…" on stderr
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                with data_file(USERDICT_NAME).open("rb") as fh:
                    tokenizer.load_userdict(fh)
                _jieba_tokenizer = tokenizer
    return _jieba_tokenizer


def jieba_words(text: str) -> list[str]:
    """jieba precise-mode words of already-normalised text, without
    punctuation, spaces and bare numbers. Module-level so pickled vectorizers
    refer to it by name."""
    return [w for w in jieba_tokenizer().cut(text, cut_all=False, HMM=True) if _HAS_WORD_CHAR.search(w)]


def _make_vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    words = TfidfVectorizer(
        tokenizer=jieba_words,
        token_pattern=None,
        lowercase=False,
        sublinear_tf=True,
        dtype=np.float64,
    )
    chars = TfidfVectorizer(
        analyzer="char",
        lowercase=False,
        ngram_range=(1, 3),
        min_df=2,  # a trigram seen once is noise; halves the feature count
        sublinear_tf=True,
        dtype=np.float64,
    )
    return words, chars


# ---------------------------------------------------------------------------
# The classifier
# ---------------------------------------------------------------------------


class Classifier:
    """A trained model. Build with ``train`` / ``retrain`` / ``from_bytes``."""

    def __init__(
        self,
        *,
        word_vectorizer: TfidfVectorizer,
        char_vectorizer: TfidfVectorizer,
        model: LogisticRegression,
        word_weight: float,
        meta: dict,
    ) -> None:
        self.word_vectorizer = word_vectorizer
        self.char_vectorizer = char_vectorizer
        self.model = model
        self.word_weight = float(word_weight)
        self.meta = dict(meta)
        self.codes: tuple[str, ...] = tuple(str(c) for c in model.classes_)
        self._prepare_fast_path()

    # -- prediction ---------------------------------------------------------

    def _prepare_fast_path(self) -> None:
        # scikit-learn's transform()/predict_proba() spend most of one call on
        # input validation; for a single short text we compute the same TF-IDF
        # (sublinear tf × idf, L2-normalised per vectorizer) and the same
        # softmax directly. test_classification checks both paths agree.
        wv, cv = self.word_vectorizer, self.char_vectorizer
        self._word_analyzer = wv.build_analyzer()
        self._char_analyzer = cv.build_analyzer()
        self._word_vocab = wv.vocabulary_
        self._char_vocab = cv.vocabulary_
        self._word_idf = wv.idf_
        self._char_idf = cv.idf_
        n_words = len(self._word_vocab)
        coef = np.asarray(self.model.coef_, dtype=np.float64)
        intercept = np.asarray(self.model.intercept_, dtype=np.float64)
        if coef.shape[0] == 1:  # two classes: sklearn keeps one row; softmax([0, s]) == expit(s)
            coef = np.vstack([np.zeros_like(coef), coef])
            intercept = np.concatenate([[0.0], intercept])
        self._word_coef = np.ascontiguousarray(coef[:, :n_words].T * self.word_weight)  # (n_words, n_classes)
        self._char_coef = np.ascontiguousarray(coef[:, n_words:].T)
        self._intercept = intercept

    @staticmethod
    def _tfidf(tokens: list[str], vocab: dict, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        counts: dict[int, int] = {}
        for tok in tokens:
            j = vocab.get(tok)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return np.empty(0, dtype=np.intp), np.empty(0)
        idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (np.log(tf) + 1.0) * idf[idx]
        values /= np.sqrt(values @ values)
        return idx, values

    def _scores(self, normalized: str) -> np.ndarray | None:
        """Decision scores for one normalised text, or None if the text has no
        word or character the model knows."""
        wi, wx = self._tfidf(self._word_analyzer(normalized), self._word_vocab, self._word_idf)
        ci, cx = self._tfidf(self._char_analyzer(normalized), self._char_vocab, self._char_idf)
        if not len(wi) and not len(ci):
            return None
        return self._intercept + wx @ self._word_coef[wi] + cx @ self._char_coef[ci]

    def probabilities(self, text: str) -> dict[str, float] | None:
        """Probability of every category, or None when the text carries no
        usable feature (empty, only punctuation/numbers, or nothing known)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        normalized = normalize_text(text)
        if not _HAS_WORD_CHAR.search(normalized):  # empty, punctuation, numbers
            return None
        scores = self._scores(normalized)
        if scores is None:
            return None
        scores = scores - scores.max()
        p = np.exp(scores)
        p /= p.sum()
        return {code: float(x) for code, x in zip(self.codes, p, strict=True)}

    def predict(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` most likely categories, best first, with probabilities.

        Text with nothing to go on (empty, whitespace, punctuation or numbers
        only, or no word or character seen in training) returns
        ``[("other", 0.0)]``: one suggestion with zero confidence, which a form
        should treat as "no suggestion". Text longer than MAX_CHARS is cut.
        """
        if k < 1:
            raise ValueError("k must be at least 1")
        probs = self.probabilities(text)
        if probs is None:
            return [(OTHER, 0.0)]
        ranked = sorted(probs.items(), key=lambda item: (-item[1], self.codes.index(item[0])))
        return ranked[:k]

    def predict_batch(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """Top category and its probability for many texts, through
        scikit-learn (vectorised: use this for evaluation and re-scoring)."""
        normalized = [normalize_text(t) for t in texts]
        proba = self.model.predict_proba(self.features(normalized))
        out = []
        for norm, row in zip(normalized, proba, strict=True):
            if not _HAS_WORD_CHAR.search(norm):
                out.append((OTHER, 0.0))
            else:
                i = int(np.argmax(row))
                out.append((self.codes[i], float(row[i])))
        return out

    def features(self, normalized_texts: Sequence[str]) -> sp.csr_matrix:
        return _stack(
            self.word_vectorizer.transform(normalized_texts),
            self.char_vectorizer.transform(normalized_texts),
            self.word_weight,
        )

    # -- storage ------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Serialise: MAGIC, a one-line JSON header (format version, library
        versions, codes, meta), then the joblib pickle of the fitted parts.
        The header is checked before anything is unpickled."""
        header = {
            "format_version": FORMAT_VERSION,
            "sklearn_version": sklearn.__version__,
            "codes": list(self.codes),
            "meta": self.meta,
        }
        buf = io.BytesIO()
        buf.write(MAGIC)
        buf.write(json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n")
        joblib.dump(
            {
                "word_vectorizer": self.word_vectorizer,
                "char_vectorizer": self.char_vectorizer,
                "model": self.model,
                "word_weight": self.word_weight,
            },
            buf,
            compress=3,
        )
        return buf.getvalue()

    @classmethod
    def read_header(cls, data: bytes) -> tuple[dict, int]:
        """The header of serialised bytes and the offset of the payload."""
        if not isinstance(data, (bytes, bytearray, memoryview)) or not bytes(data[: len(MAGIC)]) == MAGIC:
            raise ClassifierFormatError(NOT_A_MODEL, _("这不是共治的分类模型数据。"))
        data = bytes(data)
        end = data.find(b"\n", len(MAGIC))
        try:
            header = json.loads(data[len(MAGIC) : end].decode("utf-8")) if end > 0 else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            header = None
        if not isinstance(header, dict) or "format_version" not in header:
            raise ClassifierFormatError(NOT_A_MODEL, _("分类模型数据已损坏：缺少文件头。"))
        return header, end + 1

    @classmethod
    def from_bytes(cls, data: bytes) -> Classifier:
        """Load bytes written by ``to_bytes``. Refuses (ClassifierFormatError)
        another format version or another scikit-learn major.minor release
        *before* unpickling; the caller should then retrain. Only load bytes
        this application wrote itself: the payload is a pickle."""
        header, offset = cls.read_header(data)
        found = header.get("format_version")
        if found != FORMAT_VERSION:
            raise ClassifierFormatError(
                FORMAT_MISMATCH,
                _("分类模型的格式版本为 %(found)s，当前程序需要版本 %(expected)s，请重新训练模型。")
                % {"found": found, "expected": FORMAT_VERSION},
                details={"found": found, "expected": FORMAT_VERSION},
            )
        stored_sklearn = str(header.get("sklearn_version", ""))
        if _major_minor(stored_sklearn) != _major_minor(sklearn.__version__):
            raise ClassifierFormatError(
                FORMAT_MISMATCH,
                _("分类模型由 scikit-learn %(found)s 训练，当前为 %(current)s，请重新训练模型。")
                % {"found": stored_sklearn or "?", "current": sklearn.__version__},
                details={"found": stored_sklearn, "expected": sklearn.__version__},
            )
        try:
            parts = joblib.load(io.BytesIO(bytes(data)[offset:]))
            classifier = cls(
                word_vectorizer=parts["word_vectorizer"],
                char_vectorizer=parts["char_vectorizer"],
                model=parts["model"],
                word_weight=parts["word_weight"],
                meta=header.get("meta") or {},
            )
        except Exception as exc:  # truncated or corrupted payload
            raise ClassifierFormatError(NOT_A_MODEL, _("分类模型数据已损坏，无法读取。")) from exc
        if list(classifier.codes) != list(header.get("codes", [])):
            raise ClassifierFormatError(NOT_A_MODEL, _("分类模型数据已损坏：类别与文件头不一致。"))
        return classifier

    def __repr__(self) -> str:
        return f"<Classifier {len(self.codes)} categories, {self.meta.get('n_examples')} examples>"


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def _stack(words: sp.spmatrix, chars: sp.spmatrix, word_weight: float) -> sp.csr_matrix:
    return sp.hstack([words * word_weight, chars], format="csr")


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------


def train(examples: Iterable[Example], *, seed: int = 0) -> Classifier:
    """Fit a classifier on examples (their weights become sample weights).

    Deterministic for a given list of examples and seed. Raises
    ClassifierError if an example has no text or fewer than two categories
    are present.
    """
    examples = list(examples)
    texts = [normalize_text(e.text) for e in examples]
    for n, (example, text) in enumerate(zip(examples, texts, strict=True), start=1):
        if not _HAS_WORD_CHAR.search(text):
            raise ClassifierError(
                INVALID_EXAMPLE, _("第 %(n)d 条训练样本没有文字。") % {"n": n}, details={"index": n}
            )
        if example.weight <= 0:
            raise ClassifierError(
                INVALID_EXAMPLE, _("第 %(n)d 条训练样本的权重必须大于 0。") % {"n": n}, details={"index": n}
            )
    labels = [e.category for e in examples]
    if len(set(labels)) < 2:
        raise ClassifierError(NOT_ENOUGH_CATEGORIES, _("训练至少需要两个类别的样本。"))
    weights = np.array([e.weight for e in examples], dtype=np.float64)

    started = time.perf_counter()
    jieba_tokenizer()  # load the dictionary before timing the fit
    word_vectorizer, char_vectorizer = _make_vectorizers()
    X = _stack(word_vectorizer.fit_transform(texts), char_vectorizer.fit_transform(texts), WORD_WEIGHT)
    model = LogisticRegression(C=C, solver="newton-cg", max_iter=1000, random_state=seed)
    # One BLAS thread: on a small problem extra threads only contend with the
    # web workers (measured 7 s with the default thread pool on 2 busy cores,
    # 0.3 s with one thread).
    with threadpool_limits(limits=1):
        model.fit(X, labels, sample_weight=weights)
    meta = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "n_examples": len(examples),
        "n_weighted": int(np.count_nonzero(weights != 1.0)),
        "n_features": int(X.shape[1]),
        "fit_seconds": round(time.perf_counter() - started, 3),
    }
    return Classifier(
        word_vectorizer=word_vectorizer,
        char_vectorizer=char_vectorizer,
        model=model,
        word_weight=WORD_WEIGHT,
        meta=meta,
    )


def merge_corrections(
    base_examples: Iterable[Example],
    corrections: Iterable[tuple[str, str]],
    *,
    weight: float = CORRECTION_WEIGHT,
) -> list[Example]:
    """Base examples plus corrections as weighted examples.

    A correction wins over anything it contradicts: a base example with the
    same (normalised) text is dropped, and when the same text was corrected
    more than once, the last correction counts (pass corrections oldest
    first).
    """
    corrected = corrections_to_examples(corrections, weight=weight)
    latest: dict[str, Example] = {}
    for example in corrected:
        key = normalize_text(example.text)
        latest.pop(key, None)  # keep insertion order = order of the last correction
        latest[key] = example
    kept = [e for e in base_examples if normalize_text(e.text) not in latest]
    return kept + list(latest.values())


def retrain(
    base_examples: Iterable[Example],
    corrections: Iterable[tuple[str, str]],
    *,
    weight: float = CORRECTION_WEIGHT,
    seed: int = 0,
) -> Classifier:
    """Train on the base examples plus staff corrections ((text, code) pairs,
    oldest first), each correction counting ``weight`` times."""
    merged = merge_corrections(base_examples, corrections, weight=weight)
    classifier = train(merged, seed=seed)
    classifier.meta["n_corrections"] = sum(1 for e in merged if e.weight != 1.0)
    classifier.meta["correction_weight"] = weight
    return classifier


# ---------------------------------------------------------------------------
# Process-level default
# ---------------------------------------------------------------------------

_default_lock = threading.Lock()
_default: Classifier | None = None


def default_classifier() -> Classifier:
    """The classifier this process uses for suggestions.

    Trained from the shipped corpus and kept for the life of the process. Training costs about
    1.3–2 s (jieba dictionary 0.9–1.5 s, fit ~0.4 s; ``manage.py classifier_report`` measures both)
    and several seconds on a busy machine, so the trained model is also kept on disk
    (``_default_cache_path``): every later process — each web worker, the task worker, each test
    process — loads it in a fraction of that. Training is deterministic, so the file is what this
    process would have trained; its name holds a digest of the corpus, the user dictionary and the
    library versions, so a change to any of them trains anew.
    """
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = _load_or_train_default()
    return _default


def _default_cache_path() -> Path | None:
    from django.conf import settings

    var_dir = getattr(settings, "VAR_DIR", None)
    if not var_dir:
        return None
    digest = hashlib.sha256()
    for name in (CORPUS_NAME, USERDICT_NAME):
        digest.update(data_file(name).read_bytes())
    digest.update(f"{FORMAT_VERSION}|{sklearn.__version__}|{joblib.__version__}|{np.__version__}".encode())
    return Path(var_dir) / "cache" / f"default-classifier-{digest.hexdigest()[:16]}.bin"


def _load_or_train_default() -> Classifier:
    started = time.perf_counter()
    path = _default_cache_path()
    if path is not None and path.exists():
        try:
            classifier = Classifier.from_bytes(path.read_bytes())
        except (OSError, ClassifierFormatError):
            logger.warning("Cached default classifier %s is unreadable; training again", path)
        else:
            jieba_tokenizer()  # predictions need the dictionary: load it now, not in the first request
            logger.info("Loaded the default request classifier in %.1f s", time.perf_counter() - started)
            return classifier
    classifier = train(load_corpus())
    logger.info("Trained the default request classifier in %.1f s", time.perf_counter() - started)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.name}.{os.getpid()}.part")
            partial.write_bytes(classifier.to_bytes())
            os.replace(partial, path)  # atomic: a concurrent process reads the old file or the new one
        except OSError:
            logger.warning("Could not keep the default classifier in %s", path)
    return classifier


def set_default_classifier(classifier: Classifier | None) -> None:
    """Replace (or with None, forget) the process's default classifier, e.g.
    after a retrain."""
    global _default
    with _default_lock:
        _default = classifier
