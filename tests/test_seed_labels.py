"""No reader ever sees the project's seed labels ("S0", "S1", "S2").

They are names of the seed documents in the project's own notes and mean
nothing to an officer: a finding cites the law and its article, or the
unit's own regulation by the name the unit configures (issue #23 item 7).
The check runs over the rule data, every renderer's output (the approval
sheet included) for the report fixture and for a real scan, and the goldens.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from scanner.catalogue import load_catalogue
from scanner.pipeline import build_settings, result_of, scan_file
from scanner.report import RENDERERS
from scanner.report.common import ReportOptions
from tests.builders import make_docx
from tests.report_fixture import GOLDEN_DIR, batch_result, draft_document, single_result

# "S1" as a word of its own: no \b, since 第 after S1 is a word character to re
SEED_LABEL = re.compile(r"(?<![A-Za-z0-9_])S[0-2](?![0-9A-Za-z_])")


def _readable(content: str | bytes) -> str:
    """A report as text; the approval sheet (docx) as the text of its parts."""
    if isinstance(content, str):
        return content
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        return "\n".join(
            package.read(name).decode("utf-8") for name in package.namelist() if name.endswith(".xml")
        )


def test_the_pattern_finds_a_label_in_chinese_text() -> None:
    assert SEED_LABEL.search("依据：S1第六条")
    assert SEED_LABEL.search("依据：S1 第六条")
    assert not SEED_LABEL.search("SC201 PI002 CM001 GB/T 9704 S10 xS1")


def test_rule_data_has_no_seed_labels() -> None:
    catalogue = load_catalogue([])
    for rule in catalogue.rules.values():
        for text in (rule.name, rule.summary, rule.why, rule.basis, rule.unit_basis):
            assert not SEED_LABEL.search(text or ""), (rule.id, text)


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_fixture_reports_have_no_seed_labels(fmt: str) -> None:
    options = ReportOptions(unit="某市人民政府办公室")
    single = _readable(RENDERERS[fmt](single_result(draft_document()), options))
    assert "中华人民共和国" in single  # the bases are in the report at all
    for text in (single, _readable(RENDERERS[fmt](batch_result(), options))):
        assert not SEED_LABEL.search(text), SEED_LABEL.search(text)


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_scanned_reports_have_no_seed_labels(tmp_path: Path, fmt: str) -> None:
    draft = make_docx(
        tmp_path / "draft.docx",
        ["机密★1年", "关于2025年度重点项目安排的请示", "联系人张三，电话13812345678。"],
        deleted=["拟提拔王五同志任办公室主任"],
        comments=["此段发布前删除"],
        core_title="内部资料 注意保存",
    )
    settings = build_settings(ocr=False)
    result = result_of([scan_file(draft, settings)], settings)
    text = _readable(RENDERERS[fmt](result, ReportOptions()))
    assert "中华人民共和国" in text
    assert not SEED_LABEL.search(text), SEED_LABEL.search(text)


def test_goldens_have_no_seed_labels() -> None:
    for path in sorted(GOLDEN_DIR.iterdir()):
        text = path.read_text(encoding="utf-8")
        assert not SEED_LABEL.search(text), (path.name, SEED_LABEL.search(text))
