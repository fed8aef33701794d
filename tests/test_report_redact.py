"""``--redact-excerpts`` masks the matched text in machine output too: json, jsonl (single and batch) and SARIF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

SECRETS = ("机密★1年", "13812345678")


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "a.txt").write_text("机密★1年\n关于某项工作的通知\n联系人：张三，手机 13812345678\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("关于召开会议的通知\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("fmt", ["json", "jsonl", "sarif"])
@pytest.mark.parametrize("batch", [False, True])
def test_machine_output_masks_every_quote_of_the_match(folder: Path, fmt: str, batch: bool) -> None:
    target = str(folder) if batch else str(folder / "a.txt")
    plain = CliRunner().invoke(main, ["--no-cache", "--format", fmt, target])
    masked = CliRunner().invoke(main, ["--no-cache", "--format", fmt, "--redact-excerpts", target])
    assert plain.exit_code == masked.exit_code == 1, masked.output
    assert all(secret in plain.stdout for secret in SECRETS)  # the test can fail: the plain output quotes them
    assert not any(secret in masked.stdout for secret in SECRETS), masked.stdout
    assert "机＊＊＊＊" in masked.stdout and "1＊＊＊＊＊＊＊＊＊＊" in masked.stdout
    if fmt != "sarif":
        lines = [masked.stdout] if fmt == "json" else masked.stdout.splitlines()
        documents = [doc for line in lines for doc in (json.loads(line).get("documents") or [json.loads(line)])]
        findings = [f for doc in documents for f in doc.get("findings", [])]
        assert {f["rule"] for f in findings} >= {"CM001"} and all(f["fingerprint"] for f in findings)
