"""Word boundaries: every backend gives jieba's words (HMM off).

rjieba is the segmenter; jieba's own ``Tokenizer.cut(text, HMM=False)`` is
the reference it is compared with, on windows like the matcher's, on whole
lines and on characters outside the dictionary.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from scanner.segment import BACKENDS, Segmenter, load_segmenter

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
def rjieba_cut() -> Callable[[str], tuple[int, ...]]:
    return load_segmenter("rjieba")


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
    """Whichever backend is loaded, the boundaries are jieba's."""
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


def test_whole_lines_are_cut_as_jieba_cuts_them(laws: list[str], rjieba_cut: Callable[[str], tuple[int, ...]],
                                                jieba_tokenizer: Any) -> None:
    lines = [line for text in laws for line in text.split("\n") if len(line) > 64][:300]
    assert len(lines) == 300
    for line in [*lines, "\n".join(laws[:3])]:
        assert rjieba_cut(line) == offsets(jieba_tokenizer.cut(line, HMM=False)), line


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
def test_characters_outside_the_dictionary(text: str, rjieba_cut: Callable[[str], tuple[int, ...]],
                                           jieba_tokenizer: Any) -> None:
    assert rjieba_cut(text) == offsets(jieba_tokenizer.cut(text, HMM=False))


def test_the_default_is_rjieba_and_jieba_is_not_loaded() -> None:
    """A cold scan with a hit to check loads rjieba only: jieba's import costs 0.6-0.9 s."""
    probe = (
        "import sys; from scanner.segment import Segmenter; "
        "assert Segmenter().cuts_word('坚持目标底线思维', 3, 5); "
        "print(sorted(name for name in ('jieba', 'rjieba') if name in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert loaded.stdout.strip() == "['rjieba']"


def test_without_rjieba_the_default_falls_back_to_jieba(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rjieba", None)  # import rjieba raises ImportError
    with pytest.raises(ImportError):
        load_segmenter("rjieba")
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
