"""The residual-risk model as the scanner uses it: JSON in, calibrated score out, no scikit-learn."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.decide import Policy
from scanner.findings import UnitView
from scanner.normalize import normalize
from scanner.risk import load_model
from scanner.risk.features import SHORT_TEXT, NgramCounter, TextWindow, VocabularyIndex, scoring_text, weigh
from scanner.risk.linear import (
    FORMAT,
    LinearTextModel,
    ModelFormatError,
    decode_floats,
    encode_floats,
    exact_sum,
)
from scanner.types import TextUnit

ROOT = Path(__file__).resolve().parents[1]
MODEL_PATH = ROOT / "models" / "risk_model.json"
FLOORS = json.loads((ROOT / "tests" / "eval_floors.json").read_text(encoding="utf-8"))

# Written for this test, not taken from the corpus: a plain public notice.
PUBLIC_NOTICE = """关于开展2024年全民健身日系列活动的通知
各街道办事处、区直各部门：
为大力弘扬体育精神，营造全民参与健身的良好氛围，区体育局定于8月8日在区体育中心举办全民健身日系列活动。
一、活动时间：2024年8月8日上午9时。
二、活动地点：区体育中心田径场及周边场馆。
三、活动内容：健步走、广场舞展演、趣味运动会、科学健身知识讲座和免费体质监测。
四、参加对象：全区干部职工和广大市民群众，均可自愿报名参加。
请各单位积极组织干部群众参与，活动当天请注意防暑降温。咨询电话：12345。
特此通知。
区体育局
2024年7月20日
"""

# A test-split family (shard 3): its wording was not used for training.
INTERNAL_MINUTES = ROOT / "corpus" / "internal" / "meeting-deliberation-f3" / "internal-meeting-deliberation-f3-000.txt"


def views_of(text: str, part: str = "body") -> list[UnitView]:
    return [
        UnitView(TextUnit(text=line, part=part, paragraph=number), normalize(line), number - 1)
        for number, line in enumerate(text.splitlines(), start=1)
    ]


@pytest.fixture(scope="module")
def model() -> LinearTextModel:
    return LinearTextModel.from_json(MODEL_PATH.read_bytes())


def test_the_shipped_model_is_plain_json_with_its_parameters() -> None:
    raw = json.loads(MODEL_PATH.read_bytes())
    assert raw["format"] == FORMAT == "secscan-linear-ngram/3"
    assert raw["evidence"]["full_terms"] >= 1 and 0 < raw["evidence"]["prior"] < Policy().review_threshold
    coef, idf = decode_floats(raw["coef"]), decode_floats(raw["features"]["idf"])
    assert len(coef) == len(raw["features"]["terms"]) == len(idf) > 1000
    assert set(raw["calibration"]) >= {"a", "b"}
    assert raw["training"]["corpus_sha256"] == FLOORS["corpus_sha256"], "the model was not trained on the pinned corpus"


def test_load_model_returns_the_json_model() -> None:
    loaded = load_model()
    assert isinstance(loaded, LinearTextModel)
    assert len(loaded.digest) == 16
    assert loaded.digest == LinearTextModel.from_json(MODEL_PATH.read_bytes()).digest


def test_scoring_imports_neither_sklearn_nor_pickle() -> None:
    code = (
        "import sys; from scanner.risk.linear import LinearTextModel; from pathlib import Path;"
        f"m = LinearTextModel.from_json(Path({str(MODEL_PATH)!r}).read_bytes());"
        "m.score_text('关于召开会议的通知');"
        "print(sorted(n for n in ('sklearn', 'pickle', 'joblib', 'jieba') if n in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    # pickle may be imported by the standard library indirectly; sklearn, joblib and jieba must not be.
    loaded = json.loads(out.stdout.strip().replace("'", '"'))
    assert not {"sklearn", "joblib", "jieba"} & set(loaded)


def test_malformed_model_files_are_refused() -> None:
    with pytest.raises(ModelFormatError):
        LinearTextModel.from_json(b'{"format": "pickle"}')
    with pytest.raises(ModelFormatError):
        LinearTextModel.from_json(b"not json")
    raw = json.loads(MODEL_PATH.read_bytes())
    for coef in (
        encode_floats(decode_floats(raw["coef"])[:-1]),  # one weight short
        raw["coef"][:-4],  # not whole doubles
        raw["coef"].replace("A", "*", 1),  # not base64
        encode_floats([math.nan, *decode_floats(raw["coef"])[1:]]),
        decode_floats(raw["coef"]),  # a plain list: format 2
    ):
        with pytest.raises(ModelFormatError):
            LinearTextModel.from_json(json.dumps({**raw, "coef": coef}).encode())


def test_scores_are_deterministic(model: LinearTextModel) -> None:
    text = INTERNAL_MINUTES.read_text(encoding="utf-8")
    first = model.score(views_of(text))
    again = LinearTextModel.from_json(MODEL_PATH.read_bytes()).score(views_of(text))
    assert first == again
    assert 0.0 <= first.probability <= 1.0


def test_a_clean_public_notice_scores_low(model: LinearTextModel) -> None:
    score = model.score(views_of(PUBLIC_NOTICE))
    assert score.probability < 0.2, score


def test_generated_internal_minutes_score_high_with_reasons(model: LinearTextModel) -> None:
    text = INTERNAL_MINUTES.read_text(encoding="utf-8")
    assert not any(mark in text for mark in ("秘密", "机密", "内部资料", "工作秘密")), "pick an unmarked document"
    score = model.score(views_of(text))
    assert score.probability >= Policy().review_threshold, score
    assert score.top_terms
    assert all(term in normalize(text).text.lower() for term in score.top_terms)
    # overlapping n-grams are reported once
    assert not any(a != b and a in b for a in score.top_terms for b in score.top_terms)


def test_only_body_like_parts_are_scored(model: LinearTextModel) -> None:
    text = INTERNAL_MINUTES.read_text(encoding="utf-8")
    assert model.score(views_of(text, part="metadata")).probability == 0.0
    assert model.score(views_of(text, part="table")).probability >= Policy().review_threshold


def test_empty_text_scores_zero(model: LinearTextModel) -> None:
    assert model.score([]).probability == 0.0
    assert model.score_text("").top_terms == ()


def test_the_scored_window_is_bounded_and_stable() -> None:
    window = TextWindow(head=100, samples=3, sample_chars=10)
    long_text = "".join(chr(0x4E00 + index % 500) for index in range(10_000))
    cut = scoring_text(long_text, window)
    assert len(cut) == 100 + 3 * 11
    assert cut.startswith(long_text[:100])
    assert scoring_text(cut, window) == cut
    assert scoring_text("ABC内部", window) == "abc内部"


# --- short texts (issue #6: short public texts were sent to review) --------

# Ordinary public texts, too short for the old model: it judged them by its
# intercept and sent them to review with no reason ("主要依据词：无").
SHORT_PUBLIC = ["今天天气很好", "关于举办读书活动的通知\n欢迎各位市民参加。", "关于召开全市安全生产工作会议的通知"]
# Written for this test (not in corpus/): short not-publishable texts.
SHORT_INTERNAL = [
    "关于拟提拔干部人选的酝酿情况，请各位领导阅示，不得外传",
    "党组会上对两名人选分歧较大，王书记倾向于先缓一缓，会议未作决定，讨论情况请勿外传。",
]


@pytest.mark.parametrize("text", SHORT_PUBLIC)
def test_short_public_texts_are_not_sent_to_review(model: LinearTextModel, text: str) -> None:
    score = model.score(views_of(text))
    assert score.probability < Policy().review_threshold, score


@pytest.mark.parametrize("text", SHORT_INTERNAL)
def test_short_internal_notes_score_high_with_reasons(model: LinearTextModel, text: str) -> None:
    score = model.score(views_of(text))
    assert score.probability >= Policy().review_threshold, score
    assert score.top_terms
    assert all(term in normalize(text).text.lower() for term in score.top_terms)


def toy_model(*, intercept: float, coef: dict[str, float], full_terms: int = 4, prior: float = 0.02) -> LinearTextModel:
    """A hand-made model whose numbers the tests can follow (idf 1, Platt a = 1, b = 0)."""
    terms = sorted(coef)
    raw = {
        "format": FORMAT,
        "features": {
            "terms": terms, "idf": encode_floats([1.0] * len(terms)),
            "window": {"head": 8000, "samples": 4, "sample_chars": 1000},
        },
        "coef": encode_floats(coef[term] for term in terms),
        "intercept": intercept,
        "calibration": {"a": 1.0, "b": 0.0},
        "evidence": {"full_terms": full_terms, "prior": prior},
    }
    return LinearTextModel.from_json(json.dumps(raw, ensure_ascii=False).encode())


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_thin_evidence_is_shrunk_towards_the_prior() -> None:
    toy = toy_model(intercept=0.0, coef={"外传": 8.0, "酝酿": 8.0, "阅示": 8.0, "拟任": 8.0})
    # one known n-gram of four: a quarter of the model's log-odds, three quarters of the prior's
    one = toy.score_text("不得外传").probability
    assert one == pytest.approx(1 / (1 + math.exp(-(0.25 * 8.0 + 0.75 * logit(0.02)))))
    assert one < Policy().review_threshold
    # four known n-grams: full evidence, the model's own probability (x = 1/2 each)
    full = toy.score_text("酝酿阅示拟任外传")
    assert full.probability == pytest.approx(1 / (1 + math.exp(-16.0)))
    assert set(full.top_terms) == {"外传", "酝酿", "阅示", "拟任"}


def test_no_positive_term_means_no_review() -> None:
    # a large intercept (the old bug) and only n-grams that lower the score
    toy = toy_model(intercept=9.0, coef={"通知": -0.5, "市民": -0.5, "欢迎": -0.5, "活动": -0.5}, full_terms=1)
    score = toy.score_text("欢迎市民参加活动的通知")
    assert score.top_terms == ()
    assert score.probability <= 0.02


def test_implausible_evidence_rules_are_refused() -> None:
    raw = json.loads(MODEL_PATH.read_bytes())
    for evidence in ({"full_terms": 0, "prior": 0.02}, {"full_terms": 20, "prior": 0.9}, {"full_terms": 20}):
        raw["evidence"] = evidence
        with pytest.raises(ModelFormatError):
            LinearTextModel.from_json(json.dumps(raw).encode())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["请", "领导", "阅示", "会议", "通知", "市民", "外传", "同志", "方案", "，", "。", "公示", "考察",
                                 "天气", "标底", "口令", "活动", "欢迎", "不得", "酝酿"]), max_size=12))
def test_a_review_always_names_its_terms(shipped: LinearTextModel, pieces: list[str]) -> None:
    score = shipped.score_text("".join(pieces))
    if score.probability >= Policy().review_threshold:
        assert score.top_terms, score
    if len("".join(pieces)) <= 2:
        assert score.probability < Policy().review_threshold, score


@pytest.fixture(scope="session")
def shipped() -> LinearTextModel:
    return LinearTextModel.from_json(MODEL_PATH.read_bytes())


def reference_score(model: LinearTextModel, text: str) -> tuple[float, int]:
    """Decision value and distinct known n-grams, counted by the training-time automaton."""
    counts = NgramCounter(model.terms).counts(scoring_text(text, model.window))
    weights = weigh(counts, model.idf)
    return model.intercept + sum(model.coef[index] * value for index, value in weights.items()), len(counts)


# Characters of the vocabulary and others, so n-grams straddle unknown characters,
# line ends, ASCII (lower-cased) and a character outside the basic plane.
VOCABULARY_SOUP = st.text(alphabet=st.sampled_from(list("会议纪要领导阅示拟任不得外传通知市民活动标底口令，。\n AaBb1😀𠀀")), max_size=900)


@settings(max_examples=80, deadline=None)
@given(VOCABULARY_SOUP)
def test_vectorised_counts_equal_the_automaton(shipped: LinearTextModel, text: str) -> None:
    index = VocabularyIndex(shipped.terms)
    expected = NgramCounter(shipped.terms).counts(text)
    indexes, counts = index.counts(text)
    assert dict(zip(indexes, counts)) == expected
    if text:
        found, tally = index.array_counts(text)  # the numpy path, also for short texts
        assert dict(zip(found.tolist(), tally.tolist())) == expected


def test_fast_scoring_equals_the_training_counts_on_long_and_short_texts(shipped: LinearTextModel) -> None:
    long_text = (PUBLIC_NOTICE + "会议纪要：经研究，拟任同志名单暂不外传，请领导阅示。\n") * 60
    texts = [PUBLIC_NOTICE, long_text, PUBLIC_NOTICE[: SHORT_TEXT - 1], PUBLIC_NOTICE[:SHORT_TEXT]]
    assert len(scoring_text(long_text, shipped.window)) >= SHORT_TEXT > len(texts[2])
    for text in texts:
        margin, known = reference_score(shipped, text)
        assert shipped.margin_text(text) == pytest.approx(margin, abs=1e-9)
        score = shipped.score_text(text)
        expected = shipped.evidence.shrink(shipped.platt_a * margin + shipped.platt_b, known_terms=known)
        if score.top_terms:
            assert score.probability == pytest.approx(expected, abs=1e-9)


def test_short_texts_are_scored_without_numpy() -> None:
    code = (
        "import sys; from scanner.risk.linear import LinearTextModel; from pathlib import Path;"
        f"m = LinearTextModel.from_json(Path({str(MODEL_PATH)!r}).read_bytes());"
        "m.score_text('关于召开会议的通知'); print('numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_score_does_not_depend_on_the_counting_path() -> None:
    """The first texts of a process are counted without numpy, later ones with it: same scores, to the bit."""
    import json as _json

    from scanner.risk.features import WARM_UP_TEXTS

    rows = [INTERNAL_MINUTES.read_text(encoding="utf-8"), PUBLIC_NOTICE * 5, "关于召开全市安全生产工作会议的通知。" * 40]
    model = load_model()
    assert model is not None
    first = [model.score_text(text) for text in rows]  # within the warm-up: dictionary counting
    assert len(rows) <= WARM_UP_TEXTS
    second = [model.score_text(text) for text in rows]  # numpy counting
    assert model._index._tables is not None, "the numpy path was not exercised"
    assert _json.dumps([s.probability for s in first]) == _json.dumps([s.probability for s in second])
    assert [s.top_terms for s in first] == [s.top_terms for s in second]


def test_counts_beyond_the_log_table_match_the_dictionary_path() -> None:
    import json as _json

    from scanner.risk.features import SUBLINEAR_TF, WARM_UP_TEXTS

    text = INTERNAL_MINUTES.read_text(encoding="utf-8")
    model = load_model()
    assert model is not None
    for _ in range(WARM_UP_TEXTS):
        expected = model.score_text(text)  # dictionary path
    arrays = model._numpy_arrays()
    arrays["tf"] = arrays["np"].array(SUBLINEAR_TF[:2])  # every count of 2 or more is "beyond the table"
    actual = model.score_text(text)  # numpy path, scalar formula for the large counts
    assert _json.dumps(actual.probability) == _json.dumps(expected.probability)
    assert actual.top_terms == expected.top_terms


# Finite doubles of every magnitude and sign, and the cancellations fsum exists for.
FLOATS = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)


@settings(max_examples=300, deadline=None)
@given(st.lists(FLOATS, max_size=300), st.lists(st.sampled_from([1e16, 1.0, -1e16, 1e-30, -0.0, 0.1]), max_size=40))
def test_exact_sum_is_fsum_to_the_bit(values: list[float], cancelling: list[float]) -> None:
    import numpy as np

    for case in (values, cancelling, values + cancelling):
        expected = math.fsum(case)
        actual = exact_sum(np.array(case, dtype=np.float64))
        assert json.dumps(actual) == json.dumps(expected)  # the sign of a zero too


def test_exact_sum_on_a_documents_terms() -> None:
    import numpy as np

    rng = np.random.default_rng(7)
    for size in (1, 2, 3000, 40000):
        values = rng.normal(size=size) * 10.0 ** rng.integers(-12, 3, size=size)
        assert exact_sum(values) == math.fsum(values.tolist())


def test_weights_are_stored_exactly() -> None:
    values = [0.0, -0.0, 1.0, -2.5e-308, 5e-324, 1.7976931348623157e308, 0.1, 1 / 3, -123456.789]
    back = decode_floats(encode_floats(values))
    assert [value.hex() for value in back] == [value.hex() for value in values]
