"""Tracked insertions in ODF, RTF and WordML: visible body text, and reported again as part ``inserted`` as in docx."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from builders import make_docx
from markup_builders import flat_odf, odt, rtf, wordml

from scanner.extract import extract_bytes
from scanner.pipeline import scan_bytes

BODY = ["关于道路维修工程的通知", "各单位：请按时报送材料。"]
ADDED = "拟任张三为办公室主任"

DOCUMENTS = {
    "odt": (lambda: odt(BODY, inserted=("李四", ADDED)), "a.odt", "插入修订 李四"),
    "fodt": (lambda: flat_odf(odt(BODY, inserted=("李四", ADDED))), "a.fodt", "插入修订 李四"),
    "rtf": (lambda: rtf(BODY, inserted=ADDED), "a.rtf", "正文"),
    "wordml": (lambda: wordml(BODY, inserted=ADDED), "a.xml", "正文"),
}


@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
def test_an_insertion_is_body_text_and_its_own_inserted_unit_in_the_same_paragraph(kind):
    build, name, source = DOCUMENTS[kind]
    extraction = extract_bytes(build(), name)
    assert extraction.errors == ()
    inserted = [u for u in extraction.units if u.part == "inserted"]
    assert [(u.text, u.source) for u in inserted] == [(ADDED, source)]
    carrier = [u for u in extraction.units if u.part == "body" and ADDED in u.text]
    assert len(carrier) == 1 and carrier[0].paragraph == inserted[0].paragraph  # a reader sees it where it stands


@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
def test_a_finding_in_an_insertion_names_the_inserted_layer_as_docx_does(settings, tmp_path, kind):
    build, name, _ = DOCUMENTS[kind]
    result = scan_bytes(build(), name, settings)
    path = tmp_path / "a.docx"
    make_docx(path, BODY, inserted=[ADDED])
    expected = scan_bytes(path.read_bytes(), "a.docx", settings)
    assert sorted((f.rule, f.location.part) for f in result.findings if f.rule.startswith("SC")) == sorted(
        (f.rule, f.location.part) for f in expected.findings if f.rule.startswith("SC"))
    assert any(f.location.part == "inserted" for f in result.findings)


def test_without_insertions_there_is_no_inserted_part():
    for build, name in ((lambda: odt(BODY), "a.odt"), (lambda: rtf(BODY), "a.rtf"), (lambda: wordml(BODY), "a.xml")):
        assert not [u for u in extract_bytes(build(), name).units if u.part == "inserted"]
