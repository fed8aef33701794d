"""User lexicons compiled once (issue #29): the parsed rules, the placement of every term and the
automaton are kept by content hash, privately and authenticated, and give exactly the findings of
a matcher built from scratch."""

from __future__ import annotations

import os
import random
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from scanner.catalogue import load_catalogue
from scanner.lexicon_cache import MAGIC, CompiledStore
from scanner.markings import grammar_of
from scanner.match import Matcher
from scanner.pipeline import build_settings, scan_bytes

RULE = """  - id: {id}
    name: unit-list
    category: sensitive-content
    severity: {severity}
    summary: 本单位工作秘密事项清单第{n}项
    basis: 本单位工作秘密事项清单第{n}项
    terms: [{terms}]
"""


def make_lexicon(path: Path, seed: int = 29, rules: int = 6, per_rule: int = 50) -> tuple[Path, list[str]]:
    """Rare generated terms, plus the awkward ones: a shipped term, one term in two rules, full-width and
    traditional spellings that fold, a duplicate within a rule."""
    rng = random.Random(seed)
    body, every = ["rules:"], []
    for number in range(rules):
        terms = ["".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(rng.randrange(3, 7))) for _ in range(per_rule)]
        if number == 0:
            terms += ["标底", "青龙工程", "ＡＢＣ１２３项目", "機密項目甲", "青龙工程"]
        if number == 1:
            terms += ["青龙工程", "白虎计划"]
        every += terms
        body.append(RULE.format(id=f"UL{number + 1:03d}", severity="block" if number % 2 else "review", n=number + 1,
                                terms=", ".join(f'"{term}"' for term in terms)))
    path.write_text("\n".join(body), encoding="utf-8")
    return path, every


def document(terms: list[str]) -> bytes:
    picked = [*terms[::7], "青龙工程", "abc123项目", "机密项目甲", "白虎计划", "标底"]
    lines = [f"第{index}条：关于{term}的安排，请各单位研究。" for index, term in enumerate(picked)]
    return ("关于有关事项的通知\n" + "\n".join(lines) + "\n").encode()


@pytest.fixture()
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def from_scratch(lexicon: Path):  # type: ignore[no-untyped-def]
    """Settings whose matcher puts every term into one automaton, as without a store."""
    settings = build_settings(extra_lexicons=[lexicon])
    catalogue = load_catalogue([lexicon])
    return replace(settings, catalogue=catalogue,
                   matcher=Matcher(catalogue, watch=grammar_of(catalogue).trigger_words))


def compiled(lexicon: Path, directory: Path):  # type: ignore[no-untyped-def]
    store = CompiledStore(directory)
    catalogue = load_catalogue([lexicon], store=store)
    matcher = Matcher(catalogue, watch=grammar_of(catalogue).trigger_words, store=store)
    return replace(build_settings(), catalogue=catalogue, matcher=matcher), store


def test_compiled_lists_find_exactly_what_a_fresh_build_finds(tmp_path: Path, store_dir: Path) -> None:
    lexicon, terms = make_lexicon(tmp_path / "ours.yaml")
    data = document(terms)
    expected = scan_bytes(data, "notice.txt", from_scratch(lexicon))
    assert len({f.rule for f in expected.findings if f.rule.startswith("UL")}) >= 4
    assert any(f.rule == "SC101" for f in expected.findings) or any(f.text == "标底" for f in expected.findings)
    first, store = compiled(lexicon, store_dir)
    assert store.misses == 3 and store.hits == 0  # rules, placement, automaton: made and kept
    assert scan_bytes(data, "notice.txt", first) == expected
    second, store = compiled(lexicon, store_dir)
    assert store.hits == 3 and store.misses == 0  # all three read back
    assert scan_bytes(data, "notice.txt", second) == expected
    assert first.matcher.find("x").terms == [] and second.catalogue == first.catalogue


def test_the_store_is_private(tmp_path: Path, store_dir: Path) -> None:
    lexicon, _ = make_lexicon(tmp_path / "ours.yaml", rules=2, per_rule=5)
    previous = os.umask(0)
    try:
        compiled(lexicon, store_dir)
    finally:
        os.umask(previous)
    folder = store_dir / "compiled"
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    files = list(folder.iterdir())
    assert {path.name.split("-")[0] for path in files} == {"key", "rules", "placement", "automaton"}
    assert all(stat.S_IMODE(os.stat(path).st_mode) == 0o600 for path in files)
    assert all(path.read_bytes().startswith(MAGIC) for path in files if path.name != "key")


@pytest.mark.parametrize("kind", ["rules", "placement", "automaton"])
def test_a_changed_entry_is_not_believed(tmp_path: Path, store_dir: Path, kind: str) -> None:
    lexicon, terms = make_lexicon(tmp_path / "ours.yaml")
    data = document(terms)
    expected = scan_bytes(data, "notice.txt", from_scratch(lexicon))
    compiled(lexicon, store_dir)
    (entry,) = [path for path in (store_dir / "compiled").iterdir() if path.name.startswith(kind + "-")]
    blob = bytearray(entry.read_bytes())
    blob[-3] ^= 0x01  # one bit of the payload: the HMAC no longer matches
    entry.write_bytes(bytes(blob))
    again, store = compiled(lexicon, store_dir)
    assert store.misses == 1 and store.hits == 2
    assert scan_bytes(data, "notice.txt", again) == expected
    _, store = compiled(lexicon, store_dir)
    assert store.hits == 3  # the entry was made again


def test_an_unusable_store_only_costs_time(tmp_path: Path, store_dir: Path) -> None:
    lexicon, terms = make_lexicon(tmp_path / "ours.yaml")
    store_dir.mkdir()
    (store_dir / "compiled").write_text("not a directory")
    settings, store = compiled(lexicon, store_dir)
    assert store.misses == 3
    data = document(terms)
    assert scan_bytes(data, "notice.txt", settings) == scan_bytes(data, "notice.txt", from_scratch(lexicon))


def test_a_lone_surrogate_is_read(tmp_path: Path, store_dir: Path) -> None:
    lexicon, _ = make_lexicon(tmp_path / "ours.yaml", rules=2, per_rule=5)
    settings, _ = compiled(lexicon, store_dir)
    found = settings.matcher.find("关于青龙工程\ud800和白虎计划的说明")
    assert len(found.terms) >= 2


def test_build_settings_uses_the_user_cache_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    lexicon, terms = make_lexicon(tmp_path / "ours.yaml", rules=2, per_rule=5)
    settings = build_settings(extra_lexicons=[lexicon])
    assert any(path.name.startswith("automaton-") for path in (tmp_path / "xdg" / "secscan" / "compiled").iterdir())
    data = document(terms)
    assert scan_bytes(data, "a.txt", settings) == scan_bytes(data, "a.txt", from_scratch(lexicon))


def test_the_lexicon_bench_writes_loadable_lists(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_lexicon_under_test",
                                                  Path(__file__).resolve().parents[1] / "bench" / "bench_lexicon.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    terms = bench.rare_terms(250)
    assert len(set(terms)) == 250
    catalogue = load_catalogue([bench.write_lexicon(tmp_path / "lex.yaml", terms)])
    user = [rule for rule in catalogue.rules.values() if rule.id not in catalogue.shipped]
    assert len(user) == 3 and sum(len(rule.terms) for rule in user) == 250
    site = bench.make_site(tmp_path / "site", 3)
    assert len(list(site.iterdir())) == 3
