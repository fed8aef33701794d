"""Integrity (issue 10): deterministic output, no network outside --crawl, no pickles."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from tests import builders

ROOT = Path(__file__).resolve().parents[1]


def documents(tmp_path: Path) -> list[str]:
    docx = builders.make_docx(tmp_path / "a.docx", body=["机密★1年", "关于某事的通知", "联系人张三，电话13812345678。"],
                              header="内部资料 注意保存", comments=["请阅示"], deleted=["拟提拔李四"])
    pdf = builders.make_pdf(tmp_path / "b.pdf", pages=[["秘密★6个月", "正文"], ["第二页"]])
    html = builders.make_html(
        tmp_path / "c.html",
        '<link rel="stylesheet" href="http://example.invalid/a.css">'
        '<script src="http://example.invalid/x.js"></script>'
        '<img src="http://example.invalid/i.png" alt="绝密★长期"><p>正文</p>'
        '<iframe src="http://example.invalid/"></iframe>',
    )
    return [str(docx), str(pdf), str(html)]


# jsonl is left out on purpose: it streams documents in the order they finish.
@pytest.mark.parametrize("fmt", ["json", "sarif", "text"])
def test_same_input_gives_byte_identical_output(tmp_path: Path, fmt: str) -> None:
    paths = documents(tmp_path)
    # the second run is served from the cache: it must not change a byte either
    first = CliRunner().invoke(main, ["--format", fmt, "--no-color", *paths])
    second = CliRunner().invoke(main, ["--format", fmt, "--no-color", *paths])
    assert first.exit_code == second.exit_code == 1
    assert first.stdout_bytes == second.stdout_bytes
    assert len(first.stdout_bytes) > 200


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_same_input_gives_identical_report_files(tmp_path: Path, fmt: str) -> None:
    paths = documents(tmp_path)
    outputs = []
    for run in ("one", "two"):
        target = tmp_path / run
        assert CliRunner().invoke(main, ["--format", fmt, "-o", str(target), *paths]).exit_code == 1
        outputs.append({p.relative_to(target): p.read_bytes() for p in sorted(target.rglob("*")) if p.is_file()})
    assert outputs[0] == outputs[1] and len(outputs[0]) == 4


def test_scanning_opens_no_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = documents(tmp_path)
    attempts: list[tuple[object, ...]] = []

    class NoNetwork(socket.socket):
        # AF_UNIX stays allowed: the worker pool talks to its processes over local sockets
        def connect(self, address: object) -> None:  # pragma: no cover - fails the test if reached
            if self.family in (socket.AF_INET, socket.AF_INET6):
                attempts.append((address,))
                raise OSError("network disabled in this test")
            super().connect(address)

    monkeypatch.setattr(socket, "socket", NoNetwork)
    for path in paths:  # one file at a time is scanned in this process, where the patch applies
        outcome = CliRunner().invoke(main, ["--format", "json", path])
        assert outcome.exit_code == 1, outcome.output
    assert attempts == []


def test_no_pickle_is_loaded_anywhere() -> None:
    # One exception: a batch's worker processes send their results to the
    # parent pickled over a pipe (as multiprocessing does), unpickled in one
    # named function, never from a file.
    allowed = ("scanner/batch/messages.py", "    return pickle.loads(item)")
    offenders = []
    for path in [*ROOT.glob("scanner/**/*.py"), ROOT / "cli.py"]:
        name = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for needle in ("pickle.load", "joblib.load", "cloudpickle", "torch.load", "dill."):
                if needle in line and (name, line) != allowed:
                    offenders.append(f"{name}:{number}: {needle}")
    assert offenders == []
    batch = (ROOT / "scanner" / "batch" / "messages.py").read_text(encoding="utf-8")
    assert batch.count("pickle.load") == 1 and "def unpack(item: bytes)" in batch
    assert not list(ROOT.glob("models/*.pkl")) and not list(ROOT.glob("models/*.joblib"))
