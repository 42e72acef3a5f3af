"""The request category classifier: corpus, accuracy, storage, retraining.

No database. Training on the shipped corpus takes well under a second after
jieba's dictionary is loaded, so a module fixture trains once and the few
tests that need their own model train it themselves.
"""

from __future__ import annotations

import io
import json
from collections import Counter

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from gongzhi.casework.classification import (
    CORRECTION_WEIGHT,
    FORMAT_VERSION,
    Classifier,
    ClassifierError,
    ClassifierFormatError,
    Example,
    default_classifier,
    evaluate,
    load_corpus,
    merge_corrections,
    normalize_text,
    retrain,
    set_default_classifier,
    train,
)
from gongzhi.casework.classification import errors as codes
from gongzhi.casework.classification.model import MAGIC, jieba_words
from gongzhi.casework.taxonomy import (
    CATEGORY_CODES,
    DEFAULT_CATEGORIES,
    OTHER,
    TIERS,
    get_category,
)

# Held-out accuracy with test_fraction=0.2, seed=0 measured 0.846 (165 of 195)
# when this floor was set; over split seeds 0-9 it ranged 0.795-0.872 (mean
# 0.828; docs/classification.md). The figure is deterministic, so the margin is
# not for noise: 0.78 sits below every split measured, so adding examples of
# similar quality or a scikit-learn/jieba upgrade will not trip it, while a
# real regression (a mislabelled batch, a broken feature pipeline, C far off)
# will. For scale: shuffled labels score about 0.1.
ACCURACY_FLOOR = 0.78
TOP3_FLOOR = 0.93  # measured 0.985 at seed 0


@pytest.fixture(scope="module")
def corpus() -> list[Example]:
    return load_corpus()


@pytest.fixture(scope="module")
def classifier(corpus) -> Classifier:
    return train(corpus, seed=0)


# ---------------------------------------------------------------------------
# Taxonomy and corpus
# ---------------------------------------------------------------------------


def test_taxonomy_has_the_agreed_codes_tiers_and_deadlines():
    assert CATEGORY_CODES == (
        "property_repair",
        "environment",
        "public_facility",
        "neighbour_dispute",
        "safety_hazard",
        "parking_traffic",
        "elderly_disability",
        "policy_consultation",
        "suggestion",
        "other",
    )
    tiers = {c.code: c.tier for c in DEFAULT_CATEGORIES}
    assert tiers["property_repair"] == tiers["environment"] == "building"
    assert {tiers[c] for c in ("public_facility", "neighbour_dispute", "safety_hazard", "parking_traffic")} == {"grid"}
    assert {tiers[c] for c in ("elderly_disability", "policy_consultation", "suggestion", "other")} == {"community"}
    assert all(c.tier in TIERS and c.name_zh and c.name_en and c.description for c in DEFAULT_CATEGORIES)
    safety = get_category("safety_hazard")
    for other in DEFAULT_CATEGORIES:
        if other.code != "safety_hazard":
            assert safety.response_hours.normal < other.response_hours.normal
            assert safety.resolution_hours.urgent < other.resolution_hours.urgent
    assert safety.response_hours.for_urgency("urgent") == 0.5
    with pytest.raises(ValueError):
        safety.response_hours.for_urgency("soon")


def test_corpus_loads_with_enough_examples_in_every_category(corpus):
    assert len(corpus) >= 500
    counts = Counter(e.category for e in corpus)
    assert set(counts) == set(CATEGORY_CODES)
    assert min(counts.values()) >= 50, counts
    texts = [e.text for e in corpus]
    assert len(set(texts)) == len(texts), "duplicate texts in the corpus"
    assert all(e.text == e.text.strip() and e.weight == 1.0 for e in corpus)


def test_a_bad_corpus_line_is_reported_with_its_number(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text(
        json.dumps({"text": "楼道灯坏了", "category": "property_repair"}, ensure_ascii=False)
        + "\n\n"
        + json.dumps({"text": "楼道灯坏了", "category": "lighting"}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(ClassifierError) as exc:
        load_corpus(path)
    assert exc.value.code == codes.INVALID_CORPUS
    assert "第 3 行" in exc.value.message and "lighting" in exc.value.message

    path.write_text('{"text": "", "category": "other"}\n', encoding="utf-8")
    with pytest.raises(ClassifierError, match="第 1 行缺少文本"):
        load_corpus(path)
    path.write_text("not json\n", encoding="utf-8")
    with pytest.raises(ClassifierError, match="第 1 行不是有效的 JSON"):
        load_corpus(path)


def test_jieba_uses_the_community_user_dictionary():
    words = jieba_words(normalize_text("3栋的网格员说飞线充电要罚，物业费也涨了"))
    assert {"网格员", "飞线充电", "物业费"} <= set(words)
    assert "0" not in words  # numbers are not words


def test_normalisation_folds_width_case_and_numbers():
    assert normalize_text("  ３栋２单元５０２  ＡＢＣ！ ") == "0栋0单元0 abc!"


# ---------------------------------------------------------------------------
# Accuracy and obvious cases
# ---------------------------------------------------------------------------


def test_held_out_accuracy_is_above_the_floor(corpus):
    report = evaluate(corpus, test_fraction=0.2, seed=0)
    assert report.n_test == round(len(corpus) * 0.2)
    assert report.accuracy >= ACCURACY_FLOOR, report.format()
    assert report.top3_accuracy >= TOP3_FLOOR, report.format()
    assert {c.code for c in report.categories} == set(CATEGORY_CODES)
    assert sum(c.support for c in report.categories) == report.n_test
    assert sum(c.count for c in report.confusions) == len(report.misclassified)
    assert all(c.true != c.predicted for c in report.confusions)
    assert "accuracy" in report.format()


# Phrasings written for this test, not copied from the corpus. Building-
# internal facilities (楼道灯, 电梯) belong to property_repair; facilities in
# public space (路灯) to public_facility (see gongzhi/casework/taxonomy.py).
OBVIOUS = [
    ("楼道灯坏了", "property_repair"),
    ("电梯坏了，我们住十八楼", "property_repair"),
    ("小区门口的路灯坏了", "public_facility"),
    ("垃圾桶满了没人清理", "environment"),
    ("楼上天天半夜跺脚，吵得睡不着", "neighbour_dispute"),
    ("有人在楼道里给电动车充电", "safety_hazard"),
    ("有煤气味", "safety_hazard"),
    ("车位被别人占了", "parking_traffic"),
    ("独居老人没人照顾", "elderly_disability"),
    ("低保怎么申请", "policy_consultation"),
    ("建议小区增加一些健身器材", "suggestion"),
    ("捡到一把钥匙", "other"),
]


@pytest.mark.parametrize(("text", "expected"), OBVIOUS)
def test_obvious_requests_are_classified_correctly(classifier, corpus, text, expected):
    assert text not in {e.text for e in corpus}
    suggestions = classifier.predict(text, k=3)
    assert suggestions[0][0] == expected, suggestions
    assert suggestions[0][1] > 0.4


def test_predict_returns_k_ranked_probabilities(classifier):
    top3 = classifier.predict("3栋2单元502卫生间漏水", k=3)
    assert len(top3) == 3
    probs = [p for _, p in top3]
    assert probs == sorted(probs, reverse=True)
    everything = classifier.predict("3栋2单元502卫生间漏水", k=50)
    assert sorted(c for c, _ in everything) == sorted(CATEGORY_CODES)
    assert sum(p for _, p in everything) == pytest.approx(1.0)
    assert classifier.predict("3栋2单元502卫生间漏水", k=1) == top3[:1]
    with pytest.raises(ValueError):
        classifier.predict("漏水", k=0)


def test_fast_path_matches_scikit_learn(classifier, corpus):
    texts = [e.text for e in corpus[::7]] + ["楼道灯坏了", "楼上漏水，" * 600]  # the last is cut at MAX_CHARS
    normalized = [normalize_text(t) for t in texts]
    expected = classifier.model.predict_proba(classifier.features(normalized))
    got = np.array([[classifier.probabilities(t)[c] for c in classifier.codes] for t in texts])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    assert [c for c, _ in classifier.predict_batch(texts)] == [classifier.predict(t)[0][0] for t in texts]


@pytest.mark.parametrize("text", ["", "   \n\t", "！！！？？", "3-2-502", "…… 。。。", "qzxv"])
def test_text_without_usable_content_gets_other_with_zero_confidence(classifier, text):
    # Documented choice: no error, one suggestion ("other", 0.0) that a form
    # treats as "no suggestion".
    assert classifier.predict(text) == [(OTHER, 0.0)]
    assert classifier.probabilities(text) is None


def test_non_text_is_a_type_error(classifier):
    with pytest.raises(TypeError):
        classifier.predict(None)


# ---------------------------------------------------------------------------
# Storage
# ---------------------------------------------------------------------------


def test_serialisation_round_trip_gives_identical_predictions(classifier, corpus):
    blob = classifier.to_bytes()
    assert blob.startswith(MAGIC)
    loaded = Classifier.from_bytes(blob)
    assert loaded.codes == classifier.codes
    assert loaded.meta == classifier.meta
    for text in [e.text for e in corpus[::25]] + ["楼道灯坏了", ""]:
        assert loaded.predict(text, k=10) == classifier.predict(text, k=10)


def _with_header(blob: bytes, **changes) -> bytes:
    header, offset = Classifier.read_header(blob)
    header.update(changes)
    return MAGIC + json.dumps(header).encode() + b"\n" + blob[offset:]


def test_another_format_version_is_refused_before_unpickling(classifier):
    blob = _with_header(classifier.to_bytes(), format_version=FORMAT_VERSION + 1)
    with pytest.raises(ClassifierFormatError) as exc:
        Classifier.from_bytes(blob)
    assert exc.value.code == codes.FORMAT_MISMATCH
    assert "格式版本" in exc.value.message and "重新训练" in exc.value.message
    assert exc.value.details == {"found": FORMAT_VERSION + 1, "expected": FORMAT_VERSION}


def test_another_scikit_learn_release_is_refused(classifier):
    blob = _with_header(classifier.to_bytes(), sklearn_version="0.24.2")
    with pytest.raises(ClassifierFormatError, match="scikit-learn 0.24.2") as exc:
        Classifier.from_bytes(blob)
    assert exc.value.code == codes.FORMAT_MISMATCH


@pytest.mark.parametrize("damage", ["garbage", "no_header", "truncated", "codes"])
def test_damaged_bytes_are_refused_clearly(classifier, damage):
    blob = classifier.to_bytes()
    bad = {
        "garbage": b"\x80\x04not a model at all",
        "no_header": MAGIC + b"{oops\n" + blob[Classifier.read_header(blob)[1] :],
        "truncated": blob[: len(blob) // 2],
        "codes": _with_header(blob, codes=["a", "b"]),
    }[damage]
    with pytest.raises(ClassifierFormatError) as exc:
        Classifier.from_bytes(bad)
    assert exc.value.code == codes.NOT_A_MODEL
    assert "分类模型" in exc.value.message or "不是" in exc.value.message


# ---------------------------------------------------------------------------
# Training and retraining
# ---------------------------------------------------------------------------


def test_training_is_deterministic(corpus):
    sample = corpus[::3]
    a, b = train(sample, seed=0), train(sample, seed=0)
    for text in ["楼道灯坏了", "低保怎么申请", "广场舞太吵"]:
        assert a.predict(text, k=10) == b.predict(text, k=10)


def test_training_refuses_bad_examples():
    with pytest.raises(ClassifierError) as exc:
        train([Example("楼道灯坏了", "property_repair"), Example("电梯坏了", "property_repair")])
    assert exc.value.code == codes.NOT_ENOUGH_CATEGORIES
    with pytest.raises(ClassifierError, match="第 2 条训练样本没有文字") as exc:
        train([Example("楼道灯坏了", "property_repair"), Example("  。。", "other")])
    assert exc.value.code == codes.INVALID_EXAMPLE


# Drones are not in the corpus; the base model reads "拍到我家窗户" as a
# dispute between neighbours, staff file it as a safety (privacy/security) matter.
NOVEL = "无人机在小区上空飞来飞去，拍到我家窗户了"
CORRECTIONS = [
    ("无人机在小区上空乱飞，拍到我家阳台", "safety_hazard"),
    ("有人在楼顶放无人机，对着窗户拍", "safety_hazard"),
    ("晚上有无人机贴着楼飞，吓人", "safety_hazard"),
]


def test_retraining_with_corrections_changes_a_novel_prediction(classifier, corpus):
    assert "无人机" not in "".join(e.text for e in corpus)
    before = classifier.predict(NOVEL)[0][0]
    assert before != "safety_hazard"  # otherwise this test proves nothing

    retrained = retrain(corpus, CORRECTIONS)
    assert retrained.predict(NOVEL)[0][0] == "safety_hazard"
    assert retrained.meta["n_corrections"] == len(CORRECTIONS)
    assert retrained.meta["correction_weight"] == CORRECTION_WEIGHT
    # What it knew before still holds.
    for text, expected in OBVIOUS:
        assert retrained.predict(text)[0][0] == expected

    # Corrections count more than corpus examples: the same single correction
    # moves the prediction further at the default weight than at weight 1.
    light = retrain(corpus, CORRECTIONS[:1], weight=1.0).probabilities(NOVEL)["safety_hazard"]
    heavy = retrain(corpus, CORRECTIONS[:1]).probabilities(NOVEL)["safety_hazard"]
    assert heavy > light


def test_a_correction_overrides_the_corpus_and_the_latest_correction_wins():
    base = [Example("楼道灯坏了", "public_facility"), Example("电梯坏了", "property_repair")]
    merged = merge_corrections(
        base,
        [("楼道灯坏了", "environment"), ("电梯坏了 ", "safety_hazard"), ("楼道灯坏了", "property_repair")],
    )
    assert merged == [
        Example("电梯坏了", "safety_hazard", CORRECTION_WEIGHT),
        Example("楼道灯坏了", "property_repair", CORRECTION_WEIGHT),
    ]


@pytest.mark.parametrize("pair", [("楼道灯坏了",), ("", "other"), ("漏水", ""), None])
def test_malformed_corrections_are_refused(corpus, pair):
    with pytest.raises(ClassifierError) as exc:
        retrain(corpus[:50], [("电梯坏了", "property_repair"), pair])
    assert exc.value.code == codes.INVALID_EXAMPLE
    assert "第 2 条更正" in exc.value.message


def test_default_classifier_is_trained_once_per_process(classifier):
    set_default_classifier(None)
    try:
        first = default_classifier()
        assert default_classifier() is first
        assert first.meta["n_examples"] == len(load_corpus())
        assert first.predict("楼道灯坏了")[0][0] == "property_repair"
        set_default_classifier(classifier)
        assert default_classifier() is classifier
    finally:
        set_default_classifier(None)


def test_the_default_classifier_is_kept_on_disk_for_the_next_process(classifier, settings, tmp_path):
    """The first process trains and writes var/cache; the next loads the same model; a damaged file
    is trained over."""
    from gongzhi.casework.classification.model import _default_cache_path

    settings.VAR_DIR = tmp_path
    path = _default_cache_path()
    assert path.parent == tmp_path / "cache" and not path.exists()
    texts = ["楼道灯坏了", "小区门口垃圾三天没人清", "楼上装修噪音太吵"]
    set_default_classifier(None)
    try:
        trained = default_classifier()
        assert path.exists() and trained.meta["n_examples"] == len(load_corpus())
        set_default_classifier(None)  # as a new process would start
        loaded = default_classifier()
        assert loaded is not trained
        assert loaded.meta == trained.meta  # the file's model, not a second training
        for text in texts:
            assert loaded.predict(text, k=3) == trained.predict(text, k=3)
        path.write_bytes(b"not a model")
        set_default_classifier(None)
        again = default_classifier()
        assert again.predict(texts[0])[0][0] == "property_repair"
        assert Classifier.from_bytes(path.read_bytes()).meta == again.meta  # replaced by the new training
        assert not list(path.parent.glob("*.part"))
    finally:
        set_default_classifier(None)


# ---------------------------------------------------------------------------
# Management command
# ---------------------------------------------------------------------------


def test_classifier_report_command_prints_accuracy_table_confusions_and_timings():
    out = io.StringIO()
    call_command("classifier_report", "--cv", "2", "--calls", "20", "--fits", "1", "--seed", "0", stdout=out)
    text = out.getvalue()
    assert "Corpus: " in text
    assert "accuracy      0." in text
    for code in CATEGORY_CODES:
        assert code in text
    assert "Most confused" in text and " → " in text
    assert "2-fold cross-validation" in text
    assert "predict(text, k=3), 20 calls" in text
    assert "train on the whole corpus" in text


@pytest.mark.parametrize("args", [["--cv", "1"], ["--test-fraction", "1.5"], ["--fits", "0"]])
def test_classifier_report_refuses_bad_options(args):
    with pytest.raises(CommandError):
        call_command("classifier_report", *args, stdout=io.StringIO())
