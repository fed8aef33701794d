"""Files a user names are read safely: regular files only, size-capped, YAML without aliases,
and every bad file is exit 2 naming the file, the rule and the reason (issue #22 items 8 and 12)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from scanner.catalogue import CatalogueError, load_catalogue
from scanner.userfiles import MAX_USER_FILE_BYTES, UserFileError, load_yaml, read_user_file

BILLION_LAUGHS = "\n".join(
    [
        'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
        *(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]" for previous, name in zip("abcdefgh", "bcdefghi")),
        "rules: *i",
        "",
    ]
)

RULE = """
rules:
  - id: {id}
    name: our-rule
    category: sensitive-content
    severity: review
    summary: 示例
    basis: 本单位工作秘密事项清单第1项
    kind: {kind}
{body}
"""


@pytest.fixture()
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "a.txt"
    path.write_text("关于开展植树活动的通知\n", encoding="utf-8")
    return path


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("option", ["--lexicon", "--config", "--baseline", "--from-file"])
def test_a_device_is_refused_at_once(option: str, doc: Path) -> None:
    started = time.monotonic()
    outcome = invoke(option, "/dev/zero", str(doc))
    assert outcome.exit_code == 2, outcome.output
    assert "/dev/zero" in outcome.output and "不是普通文件" in outcome.output
    assert "Traceback" not in outcome.output
    assert time.monotonic() - started < 5


def test_a_fifo_without_a_writer_does_not_hang(tmp_path: Path, doc: Path) -> None:
    fifo = tmp_path / "rules.yaml"
    os.mkfifo(fifo)
    outcome = invoke("--lexicon", str(fifo), str(doc))
    assert outcome.exit_code == 2 and "不是普通文件" in outcome.output


@pytest.mark.parametrize("option", ["--lexicon", "--config", "--baseline", "--from-file"])
def test_an_oversized_file_is_refused(option: str, tmp_path: Path, doc: Path) -> None:
    big = tmp_path / "big.yaml"
    with open(big, "wb") as handle:
        handle.truncate(MAX_USER_FILE_BYTES + 1)  # sparse: nothing is written
    outcome = invoke(option, str(big), str(doc))
    assert outcome.exit_code == 2, outcome.output
    assert "big.yaml" in outcome.output and "超过上限" in outcome.output


def test_read_user_file_caps_and_reads(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"12345")
    assert read_user_file(path) == b"12345"
    with pytest.raises(UserFileError, match="超过上限"):
        read_user_file(path, limit=4)
    with pytest.raises(UserFileError, match="不是普通文件"):
        read_user_file(tmp_path)
    with pytest.raises(UserFileError, match="无法读取"):
        read_user_file(tmp_path / "missing")


@pytest.mark.parametrize("option", ["--lexicon", "--config"])
def test_a_billion_laughs_fails_fast(option: str, tmp_path: Path, doc: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BILLION_LAUGHS, encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(UserFileError, match="别名"):
        load_yaml(bomb.read_bytes(), str(bomb))
    assert time.monotonic() - started < 0.5
    outcome = invoke(option, str(bomb), str(doc))
    assert outcome.exit_code == 2 and "bomb.yaml" in outcome.output and "YAML 别名" in outcome.output


def test_anchors_and_ampersands_without_aliases_still_load() -> None:
    assert load_yaml("a: &x [1]\nb: R&D\n", "x.yaml") == {"a": [1], "b": "R&D"}
    assert load_yaml(b"terms: [AT&T]\n", "x.yaml") == {"terms": ["AT&T"]}


def test_redefining_a_built_in_rule_is_a_usage_error(tmp_path: Path, doc: Path) -> None:
    rules = tmp_path / "ours.yaml"
    rules.write_text(RULE.format(id="CM001", kind="terms", body="    terms: [青龙工程]"), encoding="utf-8")
    outcome = invoke("--lexicon", str(rules), str(doc))
    assert outcome.exit_code == 2
    assert "ours.yaml" in outcome.output and "CM001" in outcome.output and "内置规则重名" in outcome.output
    assert "Traceback" not in outcome.output


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ('{gate: "[0-9"}', "params.gate: bad regular expression"),
        ('{gate: ["\\\\d", "(x"]}', "params.gate: bad regular expression"),
        ('{near_pattern: "a{2,1}"}', "params.near_pattern: bad regular expression"),
        ("{gate: 3}", "params.gate: must be a regular expression"),
        ("{anchors: [1]}", "params.anchors: must be a list"),
    ],
)
def test_bad_matcher_params_are_a_usage_error(params: str, reason: str, tmp_path: Path, doc: Path) -> None:
    rules = tmp_path / "ours.yaml"
    rules.write_text(RULE.format(id="UX001", kind="pattern", body=f'    pattern: "X\\\\d+"\n    params: {params}'),
                     encoding="utf-8")
    with pytest.raises(CatalogueError, match=reason):
        load_catalogue([rules])
    outcome = invoke("--lexicon", str(rules), str(doc))
    assert outcome.exit_code == 2, outcome.output
    assert "ours.yaml" in outcome.output and "UX001" in outcome.output and reason in outcome.output
