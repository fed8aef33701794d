"""Word boundaries: every backend gives jieba's words (HMM off), and the C dictionary reads jieba's file as jieba does.

The compiled ``Dictionary`` (scanner/_ngram.c) redoes jieba's
``Tokenizer.cut(text, HMM=False)``; it is compared with jieba itself on
windows like the matcher's, on whole lines, and on tiny dictionaries built
here where floating-point ties decide the route.  Malformed dictionaries
are refused with a ValueError naming the line, never read past.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from scanner import segment as segment_module
from scanner.kernel import compiled_kernel
from scanner.segment import BACKENDS, Segmenter, jieba_dictionary, load_segmenter

ROOT = Path(__file__).resolve().parent.parent


def offsets(words: Iterable[str]) -> tuple[int, ...]:
    marks = [0]
    for word in words:
        marks.append(marks[-1] + len(word))
    return tuple(marks)


@pytest.fixture(scope="module")
def jieba_tokenizer() -> Any:
    import jieba

    jieba.setLogLevel(60)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


@pytest.fixture(scope="module")
def kernel() -> Any:
    module = compiled_kernel()
    if module is None:
        pytest.skip("the compiled kernel is not built (or SECSCAN_PURE_PYTHON is set)")
    return module


@pytest.fixture(scope="module")
def shipped_dictionary(kernel: Any) -> Any:
    return kernel.Dictionary(jieba_dictionary().read_bytes())


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(request: pytest.FixtureRequest) -> Callable[[str], tuple[int, ...]]:
    """Each backend's boundary function, loaded once for the module (a backend not here is skipped)."""
    try:
        return load_segmenter(request.param)
    except ImportError as missing:
        pytest.skip(f"{request.param}: {missing}")


@pytest.fixture(scope="module")
def laws(shared_dir: Path) -> list[str]:
    with open(shared_dir / "corpus" / "real" / "laws.jsonl", encoding="utf-8") as lines:
        return [json.loads(next(lines))["content"] for _ in range(200)]


# --- the segmenter ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end", "cuts"),
    [
        ("坚持目标底线思维", 3, 5, True),  # 标底 in 目标/底线
        ("本项目标底为120万元", 3, 5, False),
        ("两者有机密切结合", 3, 5, True),  # 机密 in 有机/密切
        ("开展模拟任务演练", 3, 5, True),  # 拟任 in 模拟/任务
        ("标底", 0, 2, False),
        ("A标底1", 1, 3, False),  # neighbours that are not Chinese never cut
    ],
)
@pytest.mark.parametrize("backend", BACKENDS)
def test_cuts_word(text: str, start: int, end: int, cuts: bool, backend: str) -> None:
    segmenter = Segmenter(backend=backend)
    try:
        segmenter.boundaries("")
    except ImportError as missing:
        pytest.skip(f"{backend}: {missing}")
    assert segmenter.cuts_word(text, start, end) is cuts


def test_every_backend_gives_jiebas_words(laws: list[str], loaded: Callable[[str], tuple[int, ...]],
                                          jieba_tokenizer: Any) -> None:
    """The C dictionary is the default because it loads in a fifth of rjieba's time; it must not change a boundary."""
    rng = random.Random(9)
    alphabet = sorted(set("".join(laws[:5]))) + list(" \n\r\t\u3000aZ09.%#&+-_，。機密★①😀\u200b\x00")
    windows = ["", " ", "\r\n", "机密★1年", "有机密切", "A-1.5%标底", "繁體字的機密文件"]
    for text in laws:
        for _ in range(10):
            start = rng.randrange(max(1, len(text) - 40))
            windows.append(text[start : start + rng.randint(1, 40)])
    windows += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(2000)]
    for window in windows:
        assert loaded(window) == offsets(jieba_tokenizer.cut(window, HMM=False)), window


def test_whole_lines_are_cut_as_jieba_cuts_them(laws: list[str], shipped_dictionary: Any,
                                                jieba_tokenizer: Any) -> None:
    """boundaries() is not only for windows: long texts take the arrays off the stack."""
    lines = [line for text in laws for line in text.split("\n") if len(line) > 64][:300]
    assert len(lines) == 300
    for line in [*lines, "\n".join(laws[:3])]:
        assert shipped_dictionary.boundaries(line) == offsets(jieba_tokenizer.cut(line, HMM=False)), line


@pytest.mark.parametrize(
    "text",
    [
        "\ud800机密\udfff",  # lone surrogates: a str may hold them
        "\U0001f600\U0010ffff机密文件\U00020000",  # astral characters, in and out of jieba's blocks
        "a\x00b\x00机密",
        "\r\r\n\n\r\n\r",  # "\r\n" is one word, the rest one character each
        "\x1c\x85\xa0\u2028 \t\x0b\x0c",  # white space of every sort: one character each
        "鿕鿖abc12 3.5%C++ c# AT&T",  # U+9FD5 is the last of jieba's blocks
        "ＡＢＣ１２３",  # full-width: not [a-zA-Z0-9]
        "x" * 200 + "机密" * 100,
    ],
)
def test_characters_outside_the_dictionary(text: str, shipped_dictionary: Any, jieba_tokenizer: Any) -> None:
    assert shipped_dictionary.boundaries(text) == offsets(jieba_tokenizer.cut(text, HMM=False))


def test_the_default_needs_neither_rjieba_nor_jieba(kernel: Any) -> None:
    """A cold scan with a hit to check loads no other segmenter: that import was a third of the run."""
    probe = (
        "import sys; from scanner.segment import Segmenter; "
        "assert Segmenter().cuts_word('坚持目标底线思维', 3, 5); "
        "print(sorted(name for name in ('jieba', 'rjieba') if name in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert loaded.stdout.strip() == "[]"


def test_without_the_kernel_the_default_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segment_module, "compiled_kernel", lambda: None)
    with pytest.raises(ImportError, match="not built"):
        load_segmenter("kernel")
    assert Segmenter().cuts_word("坚持目标底线思维", 3, 5)


def test_segmenter_backend_is_checked() -> None:
    with pytest.raises(ValueError, match="unknown segmenter backend"):
        Segmenter(backend="thulac")


def test_segmenter_caches_windows() -> None:
    segmenter = Segmenter(cache_size=2)
    first = segmenter.boundaries("坚持目标底线")
    assert segmenter.boundaries("坚持目标底线") is first
    segmenter.boundaries("甲乙")
    segmenter.boundaries("丙丁")
    assert segmenter.boundaries("坚持目标底线") is not first  # evicted, recomputed


# --- the dictionary, read as jieba reads it ---------------------------------


def test_shipped_dictionary_holds_jiebas_frequencies(shipped_dictionary: Any, jieba_tokenizer: Any) -> None:
    frequencies = jieba_tokenizer.FREQ
    assert shipped_dictionary.total == jieba_tokenizer.total
    assert shipped_dictionary.entries == len(frequencies)
    assert all(shipped_dictionary.frequency(word) == count for word, count in frequencies.items())
    for absent in ("", "机密文件柜子", "\x00", "😀", "的的的的"):
        assert absent in frequencies or shipped_dictionary.frequency(absent) is None


def jieba_on(data: bytes, folder: Path, name: str = "dict.txt") -> Any:
    """jieba.Tokenizer on a dictionary file of these bytes (its cache kept in the test's folder)."""
    import jieba

    jieba.setLogLevel(60)
    path = folder / name
    path.write_bytes(data)
    tokenizer = jieba.Tokenizer(str(path))
    tokenizer.tmp_dir = str(folder)
    tokenizer.initialize()
    return tokenizer


# Every frequency 1: log(1) is 0, so a route's value depends only on its
# number of words, and routes with as many words tie to the last bit.
TIES = "甲乙 1\n乙丙 1\n甲 1\n丙 1\n丁戊己 1\n丁 1\n戊己 1\n丁戊 1\n己 1\nab 1\n"


@pytest.mark.parametrize(
    ("data", "texts"),
    [
        (TIES, ["甲乙丙", "丁戊己", "甲乙丙丁戊己", "丙甲乙", "xab1y", "a", "ab", "aab", "ab1ab", "甲a乙b丙"]),
        # a word seen again takes its last frequency; the total counts both lines
        ("甲乙 1\n甲 3\n乙 3\n甲乙 100\n", ["甲乙", "甲乙甲"]),
        ("甲乙 100\n甲 3\n乙 3\n甲乙 1\n", ["甲乙", "甲乙甲"]),
        # frequency 0: a word that is only a prefix, never in the DAG
        ("甲乙丙 5\n甲乙 0\n甲 1\n乙 1\n", ["甲乙", "甲乙丙", "甲乙甲乙丙"]),
        # tags, CRLF, a last line without '\n', a BOM, characters jieba never looks up
        ("\ufeff甲 1 n\r\n乙丙 2 nz\r\n丙 7\n\x00a 1\n😀 2\n乙 1", ["甲乙丙", "乙丙丙", "\ufeff甲"]),
        ("c++ 3 nz\nC# 3\nAT&T 3\n3.5% 2\n-1 1\n", ["c++3.5%AT&T", "C#-1x", "ac++b"]),
        # frequencies past 2**53, rounded to a double as math.log rounds an int
        ("甲乙 9007199254740993\n甲 4611686018427387905\n乙 3\n丙 2305843009213693953\n", ["甲乙", "甲乙丙甲"]),
    ],
)
def test_tiny_dictionaries_cut_and_tie_as_jieba(data: str, texts: list[str], kernel: Any, tmp_path: Path) -> None:
    raw = data.encode()
    tokenizer = jieba_on(raw, tmp_path)
    dictionary = kernel.Dictionary(raw)
    assert (dictionary.total, dictionary.entries) == (tokenizer.total, len(tokenizer.FREQ))
    assert all(dictionary.frequency(word) == count for word, count in tokenizer.FREQ.items())
    for text in texts:
        assert dictionary.boundaries(text) == offsets(tokenizer.cut(text, HMM=False)), text


def test_ties_go_to_the_longer_first_word(kernel: Any) -> None:
    """max() of (value, x) tuples: on a tie the later end wins (甲乙/丙, not 甲/乙丙)."""
    dictionary = kernel.Dictionary(TIES.encode())
    assert dictionary.boundaries("甲乙丙") == (0, 2, 3)
    assert dictionary.boundaries("丁戊己") == (0, 3)  # one word beats two
    assert dictionary.boundaries("xab1y") == (0, 1, 3, 5)  # x, ab, 1y: single letters and digits merge


def jieba_refuses(data: bytes) -> bool:
    import jieba

    try:
        jieba.Tokenizer.gen_pfdict(io.BytesIO(data))
    except ValueError:
        return True
    return False


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # refused by jieba too
        (b"\n", "line 1: an empty line"),
        (b"a 1\n\nb 2\n", "line 2: an empty line"),
        (b"a 1\n \t\r\x0b\x0c\n", "line 2: an empty line"),
        (b"a 1\nb 2\n\n", "line 3: an empty line"),
        (b"word\n", "line 1: no space and frequency"),
        (b"word \n", "line 1: no space and frequency"),  # stripped first
        (b"a 1\nb", "line 2: no space and frequency"),  # a last line cut short
        (b"a  5\n", "line 1: the frequency is not"),
        (b"a x\n", "line 1: the frequency is not"),
        (b"a 5x n\n", "line 1: the frequency is not"),
        (b"\xff 1\n", "line 1: not UTF-8"),
        (b"a 1 \xff\n", "line 1: not UTF-8"),  # the tag too: jieba decodes the whole line
        (b"\xc0\x80 1\n", "line 1: not UTF-8"),  # overlong
        (b"\xed\xa0\x80 1\n", "line 1: not UTF-8"),  # a surrogate
        (b"\xf4\x90\x80\x80 1\n", "line 1: not UTF-8"),  # past U+10FFFF
        (b"a 1\n\xe4\xb8 1\n", "line 2: not UTF-8"),  # a sequence cut short
        (b"a 1\nb 2\xe4", "line 2: not UTF-8"),
        (b"\x80 1\n", "line 1: not UTF-8"),
    ],
)
def test_malformed_dictionaries_are_refused_as_jieba_refuses_them(data: bytes, message: str, kernel: Any) -> None:
    assert jieba_refuses(data)
    with pytest.raises(ValueError, match=message):
        kernel.Dictionary(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # where jieba goes on: int() takes these, then log() fails on a negative one or on a total of 0
        (b"a -5\n", "line 1: the frequency is not"),
        (b"a +5\n", "line 1: the frequency is not"),
        (b"a 1_000\n", "line 1: the frequency is not"),
        (b"a \t5\n", "line 1: the frequency is not"),
        (b"a 5\t n\n", "line 1: the frequency is not"),
        ("a ٥\n".encode(), "line 1: the frequency is not"),  # an Arabic-Indic digit
        (b"a 9223372036854775808\n", "line 1: the frequency is 2\\*\\*63 or more"),
        (b"a 1\nb " + b"9" * 30 + b"\n", "line 2: the frequency is 2\\*\\*63 or more"),
        (b"a 9223372036854775807\nb 1\n", "line 2: the frequencies sum to 2\\*\\*63 or more"),
        (b"", "the frequencies sum to 0"),
        (b"a 0\nb 0\n", "the frequencies sum to 0"),
    ],
)
def test_frequencies_jieba_would_take_are_refused_here(data: bytes, message: str, kernel: Any) -> None:
    with pytest.raises(ValueError, match=message):
        kernel.Dictionary(data)


def test_largest_frequency_and_total_are_kept_exactly(kernel: Any) -> None:
    dictionary = kernel.Dictionary(b"a 9223372036854775804\nb 1\nb 0000000000000000000000000002\n")
    assert (dictionary.total, dictionary.frequency("a"), dictionary.frequency("b")) == (2**63 - 1, 2**63 - 4, 2)


def test_the_node_limit(kernel: Any) -> None:
    """2**21 - 1 words and prefixes fit (jieba's dict.txt has 498,113); one more is refused."""
    most = kernel.Dictionary(b"a" * (2**21 - 1) + b" 1\n")
    assert most.entries == 2**21 - 1
    assert most.boundaries("aaaa") == (0, 4)
    with pytest.raises(ValueError, match="more than 2,097,151 words and prefixes"):
        kernel.Dictionary(b"a" * 2**21 + b" 1\n")


def test_dictionary_arguments_are_checked(kernel: Any, shipped_dictionary: Any) -> None:
    with pytest.raises(TypeError):
        kernel.Dictionary("a 1\n")
    with pytest.raises(TypeError):
        kernel.Dictionary(bytearray(b"a 1\n"))  # only bytes: it is read with the GIL released
    with pytest.raises(TypeError):
        kernel.Dictionary(data=b"a 1\n")
    with pytest.raises(TypeError):
        shipped_dictionary.boundaries(b"abc")
    with pytest.raises(TypeError):
        shipped_dictionary.frequency(None)
