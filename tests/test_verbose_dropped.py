"""``scan -v`` lists the candidates the matcher dropped, with the filter that dropped each."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli import main
from scanner.explain import dropped_candidates
from scanner.findings import DocumentViews
from scanner.match import Dropped
from scanner.pipeline import Settings, scan_file

TEXT = "关于加强招标管理的通知\n要守住目标底线，成功的秘密在于坚持。\n公开招标的标底不得泄露。\n编号110105194912310022。\n"


def _doc(tmp_path: Path) -> Path:
    path = tmp_path / "drop.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_verbose_lists_each_dropped_candidate_with_its_filter(tmp_path: Path) -> None:
    path = _doc(tmp_path)
    verbose = CliRunner().invoke(main, ["--no-cache", "-v", str(path)]).stdout
    assert "已排除的候选" in verbose
    assert "SC101 “标底” 第2段 正文：命中词跨越词语边界" in verbose  # 目标底线
    assert "SC101 “标底” 第3段 正文：附近有排除语境“不得泄露”" in verbose
    plain = CliRunner().invoke(main, ["--no-cache", str(path)]).stdout
    assert "已排除的候选" not in plain
    redacted = CliRunner().invoke(main, ["--no-cache", "-v", "--redact-excerpts", str(path)]).stdout
    assert "SC101 “标＊” 第2段" in redacted and "“标底”" not in redacted


def test_verbose_lists_the_dropped_candidates_in_a_batch_too(tmp_path: Path) -> None:
    # batch results travel without their text unless a report needs it: -v does
    _doc(tmp_path)
    (tmp_path / "other.txt").write_text("关于召开会议的通知\n", encoding="utf-8")
    for run in (["--no-cache"], ["--cache-dir", str(tmp_path / "cache")], ["--cache-dir", str(tmp_path / "cache")]):
        verbose = CliRunner().invoke(main, [*run, "-v", "--jobs", "1", str(tmp_path)]).stdout
        assert "SC101 “标底” 第2段 正文：命中词跨越词语边界" in verbose, verbose


def test_the_trace_changes_no_finding(tmp_path: Path, settings: Settings) -> None:
    doc = scan_file(_doc(tmp_path), settings)
    views, joined = DocumentViews.normalised(doc.units)
    trace: list[Dropped] = []
    assert settings.matcher.match(views, joined=joined, dropped=trace) == settings.matcher.match(views, joined=joined)
    dropped = dropped_candidates(doc, settings.matcher)
    assert dropped == tuple(sorted(trace, key=lambda d: (d.location.paragraph or 0, d.location.start)))
    for item in dropped:  # located in the original text, like a finding
        unit = next(u for u in doc.units if u.paragraph == item.location.paragraph)
        assert unit.text[item.location.start : item.location.end] == item.text
    reasons = {(item.rule, item.reason) for item in dropped}
    assert ("PI001", "校验未通过：校验码不符（GB 11643）") in reasons  # the bad ID number
    assert ("PI004", "附近没有该规则要求的语境（身份证、身份号码、证件号）") in reasons
