"""File-system hazards in a directory scan (issue 10): nothing hangs, nothing is lost, nothing passes unread."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scanner.batch import BatchOptions, SettingsSpec, file_tasks, iter_files, run_batch
from scanner.pipeline import Settings
from scanner.types import Verdict
from tests.cli_helpers import scan_cli

GBK_NAME = "秘密.txt".encode("gbk")


def scan_dir(directory: Path) -> dict[str, dict]:
    outcome = scan_cli("--no-cache", "--format", "json", "--timeout", "20", directory)
    assert outcome.exit_code == 1, outcome.output
    return {Path(doc["path"]).name: doc for doc in json.loads(outcome.stdout)["documents"]}


def test_links_pipes_and_undecodable_names(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "ok.txt").write_text("关于举办全民阅读活动的通知\n", encoding="utf-8")
    (site / "broken.txt").symlink_to(tmp_path / "nowhere")
    (site / "loop").symlink_to(site, target_is_directory=True)
    os.mkfifo(site / "pipe.txt")  # opening it would block forever
    with open(os.path.join(os.fsencode(site), GBK_NAME), "wb") as handle:
        handle.write("绝密★长期\n正文\n".encode())
    docs = scan_dir(site)
    assert set(docs) == {"ok.txt", "broken.txt", "pipe.txt", "秘密.txt"}  # the loop is not followed; a GBK name is shown decoded
    assert docs["ok.txt"]["verdict"] == "pass"
    assert docs["broken.txt"]["verdict"] == "review" and "无法读取文件" in docs["broken.txt"]["errors"][0]
    assert docs["pipe.txt"]["verdict"] == "review" and "不是普通文件" in docs["pipe.txt"]["errors"][0]
    assert docs["秘密.txt"]["verdict"] == "block"


def test_file_that_vanishes_during_the_scan(tmp_path: Path, settings: Settings) -> None:
    for index in range(3):
        (tmp_path / f"f{index}.txt").write_text("正文\n", encoding="utf-8")
    tasks = list(file_tasks(iter_files([tmp_path])))
    (tmp_path / "f1.txt").unlink()  # listed, then gone before it is read
    outcome = run_batch(tasks, SettingsSpec(), settings, BatchOptions(jobs=1, timeout=30))
    verdicts = {Path(doc.path).name: doc.verdict for doc in outcome.result.documents}
    assert verdicts == {"f0.txt": Verdict.PASS, "f1.txt": Verdict.REVIEW, "f2.txt": Verdict.PASS}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_permissions(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("正文\n", encoding="utf-8")
    locked = tmp_path / "locked.txt"
    locked.write_text("正文\n", encoding="utf-8")
    locked.chmod(0)
    try:
        docs = scan_dir(tmp_path)
    finally:
        locked.chmod(0o600)
    assert docs["ok.txt"]["verdict"] == "pass"
    assert docs["locked.txt"]["verdict"] == "review" and "无法读取文件" in docs["locked.txt"]["errors"][0]
