"""The compiled model kernel (scanner/_ngram.c) against numpy, the automaton and math.fsum.

The kernel must give the very integers and floats of the pure paths, so
that a score never depends on whether a machine had a C compiler, and it
must refuse tables that do not fit together instead of reading past them.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.risk import features, load_model
from scanner.risk import linear as model
from scanner.risk.features import NgramCounter, VocabularyIndex, compiled_kernel
from scanner.risk.linear import LinearTextModel, exact_sum

ROOT = Path(__file__).resolve().parents[1]
MODEL_PATH = ROOT / "models" / "risk_model.json"
LAWS = ROOT.parent / "shared" / "corpus" / "real" / "laws.jsonl"
PURE = bool(os.environ.get("SECSCAN_PURE_PYTHON"))

needs_kernel = pytest.mark.skipif(compiled_kernel() is None, reason="scanner/_ngram.c is not built here")


def test_the_kernel_is_built_by_the_install() -> None:
    """`pip install -e .` compiles it (the machines this runs on have gcc); a silent fallback would halve the speed."""
    if PURE:
        pytest.skip("SECSCAN_PURE_PYTHON is set: the kernel is turned off on purpose")
    assert compiled_kernel() is not None, "scanner/_ngram.c was not built: is a C compiler installed?"


@pytest.fixture(scope="module")
def shipped() -> LinearTextModel:
    return LinearTextModel.from_json(MODEL_PATH.read_bytes())


@pytest.fixture(scope="module")
def tables(shipped: LinearTextModel) -> Any:
    return features._HashTables(shipped.terms)


# Vocabulary characters and others: n-grams straddle unknown characters, line
# ends, ASCII, characters outside the basic plane and a lone surrogate (a str
# may hold one; the kernel reads code points, numpy their UTF-32).
SOUP = st.text(
    alphabet=st.sampled_from(list("会议纪要领导阅示拟任不得外传通知市民活动标底口令，。\n AaBb1😀𠀀\ud800")) | st.characters(),
    max_size=900,
)


@needs_kernel
@settings(max_examples=150, deadline=None)
@given(SOUP)
def test_kernel_counts_equal_numpy_and_the_automaton(shipped: LinearTextModel, tables: Any, text: str) -> None:
    found, counts = tables.counts(text)
    plain_found, plain_counts = tables.numpy_counts(text) if text else (found[:0], counts[:0])
    assert found.dtype == plain_found.dtype and counts.dtype == plain_counts.dtype
    assert found.tolist() == plain_found.tolist() and counts.tolist() == plain_counts.tolist()
    assert dict(zip(found.tolist(), counts.tolist(), strict=True)) == NgramCounter(shipped.terms).counts(
        each_lowered(text)
    )


def each_lowered(text: str) -> str:
    """What the tables count: each character lower-cased on its own, but İ and Σ left as they are."""
    return "".join(char if char in features.CONTEXT_CASE else char.lower() for char in text)


# Characters whose case matters: ASCII, Greek with its final sigma, the
# dotted İ (lower case of two characters), the Kelvin and Ångström signs
# (whose lower cases are k and å), full-width letters.
CASED = st.text(
    alphabet=st.sampled_from(list("会议纪要ABCabcXYZxyz ΣσςΑαİIiıKkKÅåＡａ\n")) | st.characters(),
    max_size=600,
)


@pytest.fixture(scope="module")
def vocabulary(shipped: LinearTextModel) -> tuple[VocabularyIndex, NgramCounter]:
    return VocabularyIndex(shipped.terms), NgramCounter(shipped.terms)


@settings(max_examples=150, deadline=None)
@given(CASED)
def test_array_counts_are_the_counts_of_the_lower_cased_text(
    vocabulary: tuple[VocabularyIndex, NgramCounter], text: str
) -> None:
    """The tables fold case themselves (kernel or numpy); a text with İ or Σ is lower-cased in Python first."""
    index, automaton = vocabulary
    expected = automaton.counts(text.lower())
    assert dict(zip(*index._counts_by_dictionary(text.lower()), strict=True)) == expected
    if text:
        for counted in (index.array_counts(text), index.array_counts(text.lower())):
            assert dict(zip(counted[0].tolist(), counted[1].tolist(), strict=True)) == expected
        plain = index._tables.numpy_counts(each_lowered(text))
        assert dict(zip(plain[0].tolist(), plain[1].tolist(), strict=True)) == automaton.counts(each_lowered(text))


@needs_kernel
def test_kernel_counts_equal_numpy_on_real_documents(tables: Any) -> None:
    if not LAWS.is_file():
        pytest.skip(f"{LAWS} not found")
    with LAWS.open(encoding="utf-8") as lines:
        texts = [json.loads(line)["content"].lower() for line, _ in zip(lines, range(40), strict=False)]
    for text in texts:
        found, counts = tables.counts(text)
        plain_found, plain_counts = tables.numpy_counts(text)
        assert found.tolist() == plain_found.tolist() and counts.tolist() == plain_counts.tolist()


@needs_kernel
def test_the_kernel_leaves_its_scratch_tally_zero(tables: Any) -> None:
    tables.counts("会议纪要领导阅示" * 50)
    assert not tables._tally.any()


@needs_kernel
@settings(max_examples=100, deadline=None)
@given(
    terms=st.lists(st.text(alphabet="abcde会议", min_size=1, max_size=6), min_size=1, max_size=40, unique=True),
    text=st.text(alphabet="abcdef会议纪", max_size=300),
)
def test_kernel_counts_any_vocabulary_like_numpy_and_the_automaton(terms: list[str], text: str) -> None:
    """Terms of one to six characters, prefixes of each other or not (the shipped vocabulary has 2 to 4)."""
    tables = features._HashTables(terms)
    assert tables._kernel is not None
    found, counts = tables.counts(text)
    plain_found, plain_counts = tables.numpy_counts(text) if text else (found[:0], counts[:0])
    assert found.tolist() == plain_found.tolist() and counts.tolist() == plain_counts.tolist()
    assert dict(zip(found.tolist(), counts.tolist(), strict=True)) == NgramCounter(terms).counts(text)
    assert not tables._tally.any()


@needs_kernel
def test_malformed_tables_are_refused_not_read_past(tables: Any) -> None:
    import numpy as np

    kernel = compiled_kernel()
    args = dict(
        text="会议纪要", rank=tables._rank, roots=tables._roots, cells=tables._cells, tally=tables._tally,
        found=tables._found, counts=tables._found_counts, base=tables._base, longest=tables._longest,
    )

    def call(**changed: Any) -> int:
        merged = {**args, **changed}
        return int(kernel.count(*merged.values()))

    assert call() > 0
    with pytest.raises(ValueError, match="rank"):
        call(rank=tables._rank[:1000])
    with pytest.raises(ValueError, match="roots"):
        call(roots=tables._roots[:-1])
    with pytest.raises(ValueError, match="cells"):
        call(cells=tables._cells.view(np.uint8)[:-1])
    with pytest.raises(ValueError, match="cells"):
        call(cells=tables._cells[:0])
    with pytest.raises(ValueError, match="out_index"):
        call(found=tables._found[:10])
    with pytest.raises(ValueError, match="implausible"):
        call(longest=40)
    with pytest.raises(ValueError, match="implausible"):
        call(tally=np.zeros(0x10001, dtype=np.uint32))  # more entries than a cell's 16 bits can name
    with pytest.raises(TypeError):
        call(text=b"bytes")
    read_only = np.zeros_like(tables._tally)
    read_only.setflags(write=False)
    with pytest.raises(TypeError):
        call(tally=read_only)
    with pytest.raises((TypeError, BufferError)):  # not contiguous
        call(tally=np.zeros(2 * len(tables._tally), dtype=np.uint32)[::2])
    # a rank past the roots is read as an unknown character, not used as an index
    wild = tables._rank.copy()
    wild[ord("会")] = 0xFFFF
    assert call(rank=wild) < call()
    # entries past the tally: an error, and the tally is left zero
    entries = np.uint64(0xFFFF << features._CHECK_BITS)
    broken = tables._cells.copy()
    broken[broken != 0] |= entries
    with pytest.raises(ValueError, match="does not exist"):
        call(cells=broken)
    assert not tables._tally.any()
    bad_roots = tables._roots.copy()
    bad_roots[tables._rank[ord("会")]] |= entries
    with pytest.raises(ValueError, match="does not exist"):
        call(roots=bad_roots)
    assert not tables._tally.any()
    # numbers whose cells lie past the array: read as the empty cell 0
    far = tables._roots.copy()
    far[tables._rank[ord("会")]] |= np.uint64(0xFFFFFF << (features._CHECK_BITS + 16))
    assert call(roots=far) <= call()
    # any cells at all, read whole: counts or an error, never a read past them
    rng = np.random.default_rng(7)
    for size in (1, 16, len(tables._cells)):
        for _ in range(10):
            noise = rng.integers(0, 2**64, size=size, dtype=np.uint64)
            noise[rng.random(size) < 0.5] &= np.uint64(0xFFFFFF)  # checks that may match, entries 0
            with contextlib.suppress(ValueError):
                call(cells=noise, text="会议纪要领导阅示" * 20)
            assert not tables._tally.any()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(1, 40), min_size=1, max_size=8, unique=True), max_size=60))
def test_double_array_numbers_give_every_edge_a_cell_of_its_own(edges: list[list[int]]) -> None:
    below = {str(node): ranks for node, ranks in enumerate(edges)}
    number = features._double_array_numbers(below, 41)
    assert sorted(number) == sorted(below)
    assert min(number.values(), default=1) >= 1 and len(set(number.values())) == len(number)
    cells = [number[node] + rank for node, ranks in below.items() for rank in ranks]
    assert len(set(cells)) == len(cells)


@needs_kernel
def test_the_fold_kernel_refuses_a_bad_table() -> None:
    import array

    kernel = compiled_kernel()
    table = array.array("I", bytes(4 * 0x110000))
    table[ord("Ａ")] = ord("A")
    assert kernel.fold("ＡＢ", table) == "AＢ"
    unchanged = "没有要折叠的字"
    assert kernel.fold(unchanged, table) is unchanged
    with pytest.raises(ValueError, match="table"):
        kernel.fold("Ａ", table[:-1])
    table[ord("Ａ")] = 0x110000
    with pytest.raises(ValueError, match="past U\\+10FFFF"):
        kernel.fold("Ａ", table)
    table[ord("Ａ")] = 0x1F600  # a wider result than the text: the string is made wide enough
    assert kernel.fold("aＡ", table) == "a\U0001f600"
    # a narrower one is stored narrow, as every str must be (equal strs of different widths compare unequal)
    table[ord("Ａ")] = ord("A")
    for text, folded in (("aＡ", "aA"), ("Ａé", "Aé"), ("国Ａ", "国A"), ("\U0001f600Ａ", "\U0001f600A")):
        assert kernel.fold(text, table) == folded
        assert sys.getsizeof(kernel.fold(text, table)) == sys.getsizeof(folded)


def alphabet_of(tables: Any) -> list[str]:
    """The characters of the vocabulary, by rank."""
    return [chr(code) for code in sorted(tables._rank.nonzero()[0].tolist(), key=lambda code: tables._rank[code])]


FLOATS = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)


@pytest.fixture(params=["kernel", "numpy"])
def summing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "kernel" and compiled_kernel() is None:
        pytest.skip("scanner/_ngram.c is not built here")
    if request.param == "numpy":
        monkeypatch.setattr(model, "compiled_kernel", lambda: None)
    return str(request.param)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(FLOATS, max_size=300),
    cancelling=st.lists(st.sampled_from([1e16, 1.0, -1e16, 1e-30, -0.0, 0.1, 5e-324, -5e-324]), max_size=40),
)
def test_exact_sum_is_fsum_to_the_bit_either_way(summing: str, values: list[float], cancelling: list[float]) -> None:
    import numpy as np

    for case in (values, cancelling, values + cancelling):
        assert json.dumps(exact_sum(np.array(case, dtype=np.float64))) == json.dumps(math.fsum(case))


def test_exact_sum_of_extremes_either_way(summing: str) -> None:
    import numpy as np

    tiny, huge = 5e-324, 1.7976931348623157e308
    for case in ([tiny] * 3, [huge, -huge, tiny], [huge / 2, huge / 4, -huge / 8], [2.0**53, 1.0, 1.0], [1e-320, -3e-321]):
        assert exact_sum(np.array(case)) == math.fsum(case)
    assert math.isnan(exact_sum(np.array([1.0, math.nan]))) and exact_sum(np.array([math.inf, 1.0])) == math.inf


@needs_kernel
def test_scores_are_the_same_without_the_kernel() -> None:
    """A process with SECSCAN_PURE_PYTHON=1 (numpy only) scores real documents to the same bits."""
    if not LAWS.is_file():
        pytest.skip(f"{LAWS} not found")
    code = (
        "import json, sys\n"
        "from scanner.risk import load_model\n"
        "from scanner.risk.features import compiled_kernel\n"
        "m = load_model()\n"
        "rows = [json.loads(l)['content'] for l, _ in zip(open(sys.argv[1], encoding='utf-8'), range(30))]\n"
        "print(json.dumps([compiled_kernel() is not None] + [m.score_text(r.lower()).probability for r in rows * 2]))\n"
    )
    outputs = []
    for pure in ("", "1"):
        environment = {**os.environ, "SECSCAN_PURE_PYTHON": pure}
        done = subprocess.run(
            [sys.executable, "-c", code, str(LAWS)], cwd=ROOT, env=environment, capture_output=True, text=True,
            check=True,
        )
        outputs.append(json.loads(done.stdout))
    (with_kernel, *kernel_scores), (without, *pure_scores) = outputs
    assert with_kernel and not without
    assert kernel_scores == pure_scores


def test_vocabulary_index_counts_alike_with_and_without_the_kernel(
    shipped: LinearTextModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "会议纪要：拟任同志名单暂不外传，请领导阅示。" * 30
    with_kernel = VocabularyIndex(shipped.terms).array_counts(text)
    monkeypatch.setattr(features, "compiled_kernel", lambda: None)
    without = VocabularyIndex(shipped.terms).array_counts(text)
    assert [part.tolist() for part in with_kernel] == [part.tolist() for part in without]


def test_the_shipped_model_scores_with_whichever_path_is_here() -> None:
    scored = load_model()
    assert scored is not None
    assert 0.0 <= scored.score_text("关于召开全市安全生产工作会议的通知。" * 40).probability <= 1.0


INTERNAL = sorted((ROOT / "corpus" / "internal").rglob("*.txt"))


def evaluated(model_: LinearTextModel, text: str, path: str) -> tuple[int, str, list[int]]:
    """``model_._evaluate(text)`` on one path ("kernel", "numpy", "dictionary"), its ranking read to the end."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(VocabularyIndex, "use_arrays", lambda self, text: path != "dictionary")
        if path == "numpy":
            patch.setattr(VocabularyIndex, "weigh", lambda *args: None)
        known, margin, ranked = model_._evaluate(text)
        return known, json.dumps(margin), list(ranked)


@needs_kernel
def test_compiled_weighing_equals_numpys_to_the_bit(shipped: LinearTextModel) -> None:
    """Counts, margin and the whole ranking, also past the first RANKED_FIRST (weighed again for those)."""
    if not LAWS.is_file():
        pytest.skip(f"{LAWS} not found")
    with LAWS.open(encoding="utf-8") as lines:
        texts = [json.loads(line)["content"] for line, _ in zip(lines, range(40), strict=False)]
    texts += [path.read_text(encoding="utf-8") for path in INTERNAL[:: max(1, len(INTERNAL) // 40)]]
    texts.append("会议" * 5000)  # a count past the tf table (4,096): the numpy path weighs
    texts.append("ΣΑΣ会议纪要İ" * 40)  # lower-cased in Python first, on every path
    arrays = shipped._numpy_arrays()
    many = 0
    for text in texts:
        window = features.scoring_window(text, shipped.window)
        compiled = evaluated(shipped, window, "kernel")
        assert compiled == evaluated(shipped, window, "numpy")
        weighed = shipped._index.weigh(window, arrays["tf"], arrays["weights"], model.RANKED_FIRST)
        many += weighed is not None and weighed[2] > model.RANKED_FIRST
    assert many >= 5, "no text ranked more positive terms than the kernel returns at first"


@needs_kernel
@settings(max_examples=150, deadline=None)
@given(
    terms=st.lists(st.text(alphabet="abcde会议", min_size=1, max_size=5), min_size=1, max_size=40, unique=True),
    coef=st.lists(st.sampled_from([-2.0, -0.5, 0.0, 1e-3, 0.5, 1.0, 3.0]), min_size=40, max_size=40),
    idf=st.lists(st.sampled_from([1.0, 1.5, 2.0, 7.25]), min_size=40, max_size=40),
    text=st.text(alphabet="abcdeAB会议纪 ", min_size=1, max_size=400),
    first=st.integers(0, 6),
)
def test_compiled_weighing_of_any_vocabulary_equals_numpy_and_the_dictionary(
    terms: list[str], coef: list[float], idf: list[float], text: str, first: int
) -> None:
    """Few distinct weights, so equal contributions are common: the smaller index ranks first on every path."""
    model_ = LinearTextModel(
        terms=tuple(terms), coef=tuple(coef[: len(terms)]), idf=tuple(idf[: len(terms)]), intercept=-0.25,
        platt_a=1.0, platt_b=0.0, window=features.TextWindow(), evidence=model.Evidence(full_terms=10, prior=0.1),
        digest="test", _index=VocabularyIndex(terms),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(model, "RANKED_FIRST", first)  # the rest of the ranking is weighed again
        compiled = evaluated(model_, text, "kernel")
    assert compiled == evaluated(model_, text, "numpy") == evaluated(model_, text, "dictionary")


@needs_kernel
def test_the_kernel_ranks_the_first_positive_contributions(shipped: LinearTextModel) -> None:
    text = INTERNAL[0].read_text(encoding="utf-8")
    arrays = shipped._numpy_arrays()
    known, total, positives, ranked = shipped._index.weigh(text, arrays["tf"], arrays["weights"], 10**6)
    assert known > positives == len(ranked) > 12
    for limit in (0, 1, 5, 12, positives, positives + 1):
        again = shipped._index.weigh(text, arrays["tf"], arrays["weights"], limit)
        assert again == (known, total, positives, ranked[:limit])
    assert not shipped._index._tables._tally.any()


@needs_kernel
def test_weighing_kernel_refuses_bad_input(tables: Any) -> None:
    """Wrong lengths raise, as count's do; a count past the tf table, a value not finite or a zero sum give None."""
    import numpy as np

    kernel = compiled_kernel()
    size = len(tables._tally) - 1
    tf = np.array(features.SUBLINEAR_TF)
    weights = np.ones((size, 2))
    text = "会议纪要领导阅示" * 20
    counted = tables.counts(text)

    def call(tf: Any = tf, weights: Any = weights, limit: int = 3, **changed: Any) -> Any:
        merged = dict(
            text=text, rank=tables._rank, roots=tables._roots, cells=tables._cells, tally=tables._tally,
            found=tables._found, counts=tables._found_counts, base=tables._base, longest=tables._longest,
        )
        return kernel.weigh(*{**merged, **changed}.values(), tf, weights, limit)

    # idf and coef 1: each contribution is tf / norm, all positive
    raw = tf[counted[1]]
    contributions = 1.0 * (raw / math.sqrt(exact_sum(raw * raw)))
    order = sorted(range(raw.size), key=lambda item: -contributions[item])  # stable: the smaller index first
    assert call() == (raw.size, exact_sum(contributions), raw.size, counted[0][order[:3]].tolist())
    assert call(text="😀 \U0002a6a5" * 30) == (0, 0.0, 0, [])
    for wrong in (weights[:-1], np.ones(size), np.ones(2 * size + 1)):
        with pytest.raises(ValueError, match="weights"):
            call(weights=wrong)
    with pytest.raises(ValueError, match="tf"):
        call(tf=tf.view(np.uint8)[:-1])
    with pytest.raises(ValueError, match="negative"):
        call(limit=-1)
    with pytest.raises(ValueError, match="rank"):
        call(rank=tables._rank[:1000])
    with pytest.raises(ValueError, match="out_index"):
        call(found=tables._found[:10])
    read_only = np.zeros_like(tables._found)
    read_only.setflags(write=False)
    with pytest.raises(TypeError):
        call(found=read_only)
    assert call(tf=tf[:2]) is None  # a count of 2 or more is past the table
    assert call(tf=tf[:0]) is None
    for value in (math.nan, math.inf, -math.inf, 1e200):  # 1e200 squared is not finite
        for column in (0, 1):
            bad = weights.copy()
            bad[:, column] = value
            assert call(weights=bad) is None or (column == 1 and value == 1e200)
    zero = weights.copy()
    zero[:, 1] = 0.0  # every contribution 0: fsum knows the sign of that sum, numpy's path decides
    assert call(weights=zero) is None
    zero[:, 0] = 0.0
    assert call(weights=zero) is None
    tiny = weights.copy()
    tiny[:, 1] = 5e-324  # a subnormal sum: rounded by fsum on numpy's path
    assert call(weights=tiny) is None
    assert not tables._tally.any()
    # entries past the tally: an error, and the tally is left zero, as for count
    broken = tables._cells.copy()
    broken[broken != 0] |= np.uint64(0xFFFF << features._CHECK_BITS)
    with pytest.raises(ValueError, match="does not exist"):
        call(cells=broken)
    assert not tables._tally.any()


@needs_kernel
def test_exact_sum_kernel_leaves_zero_subnormal_and_huge_sums_to_fsum() -> None:
    import numpy as np

    kernel = compiled_kernel()
    assert kernel.exact_sum(np.array([0.1, 0.2, 0.3])) == math.fsum([0.1, 0.2, 0.3])
    for case in ([], [0.0], [1.0, -1.0], [-0.0], [5e-324], [2.0**-1022, -(2.0**-1023)], [math.nan], [math.inf, 1.0],
                 [1.7976931348623157e308, 1e292]):
        assert kernel.exact_sum(np.array(case, dtype=np.float64)) is None, case
    assert kernel.exact_sum(b"\0" * 9) is None  # not whole doubles


ULP = 2.0**-52


def test_exact_sum_rounds_to_nearest_ties_to_even_either_way(summing: str) -> None:
    """Ties, the bits below them, carries into the next power of two, negative sums, both of the kernel's methods."""
    import numpy as np

    cases = [
        [2.0**53, 1.0], [2.0**53 + 2, 1.0], [2.0**53, 1.0, 2.0**-40], [-(2.0**53), -1.0], [-(2.0**53) - 2, -1.0],
        [1.0, ULP / 2], [1.0 + ULP, ULP / 2], [1.0, ULP / 2, 2.0**-100], [1.0, ULP / 2, -(2.0**-100)],
        [2.0 - ULP, ULP / 2], [2.0 - ULP, ULP / 2, -(2.0**-200)], [1.0, 2.0**-60, -(2.0**-60)],
        [1e300, 1.0, -1e300, 1e-300], [2.0**60, 3.0, 2.0**-30] * 5, [0.1] * 10, [-0.1, 0.3, -1e-17],
        [2.0**-1000, 2.0**-1000], [2.0**-1022, 2.0**-1070],
    ]
    for case in cases:
        assert json.dumps(exact_sum(np.array(case))) == json.dumps(math.fsum(case)), case
    with pytest.raises(OverflowError):
        exact_sum(np.array([1.7976931348623157e308, 1e292]))


# Values whose exponents lie close together, as a document's weights do (the kernel sums them in 128 bits).
NARROW = st.builds(math.ldexp, st.integers(-(2**53), 2**53), st.integers(-70, -20))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(NARROW, min_size=1, max_size=300), shifted=st.integers(-900, 900))
def test_exact_sum_of_close_exponents_is_fsum_either_way(summing: str, values: list[float], shifted: int) -> None:
    import numpy as np

    for case in (values, [math.ldexp(value, shifted) for value in values]):
        assert json.dumps(exact_sum(np.array(case, dtype=np.float64))) == json.dumps(math.fsum(case))
