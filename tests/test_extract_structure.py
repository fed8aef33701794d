"""The coverage ledger: OOXML packages read by their structure, never by file name (issue #21).

Each case is a real package edited where python-docx/python-pptx cannot
write it: with the mark the document never passes (``block`` with the layer
named, or ``review`` with the unread part named); without it, it passes.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from builders import make_docx, make_pptx

from fuzz.bombs import zip_bytes
from scanner.extract import extract_bytes
from scanner.pipeline import scan_bytes
from scanner.types import Verdict

MARK = "机密★1年"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORDML = "application/vnd.openxmlformats-officedocument.wordprocessingml."


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def add_rel(parts: dict[str, bytes], rels: str, rel_id: str, kind: str, target: str) -> None:
    parts[rels] = parts[rels].replace(
        b"</Relationships>",
        f'<Relationship Id="{rel_id}" Type="{REL}/{kind}" Target="{target}"/></Relationships>'.encode(),
    )


def add_type(parts: dict[str, bytes], name: str, content_type: str) -> None:
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", f'<Override PartName="/{name}" ContentType="{content_type}"/></Types>'.encode()
    )


def body_xml(inner: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}" xmlns:r="{REL}" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        f"<w:body>{inner}<w:sectPr/></w:body></w:document>"
    ).encode()


def para(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def docx(tmp_path: Path, body: str = "正文内容") -> dict[str, bytes]:
    return members(make_docx(tmp_path / "base.docx", body=["关于做好有关工作的通知", body]).read_bytes())


def verdict(data: bytes, name: str, settings) -> tuple[Verdict, list[tuple[str, str, str]]]:
    result = scan_bytes(data, name, settings)
    return result.verdict, [(f.rule, f.location.part, f.location.source) for f in result.findings]


def blocked_in(data: bytes, name: str, settings, part: str) -> None:
    result, findings = verdict(data, name, settings)
    assert result is Verdict.BLOCK, findings
    assert any(found_part == part for rule, found_part, _ in findings if rule.startswith("CM")), findings


# -- the cases at the top of issue #21 ---------------------------------------


def main_part_elsewhere(tmp_path: Path, text: str) -> bytes:
    parts = docx(tmp_path)
    parts["word/main.xml"] = body_xml(para(text) + para("关于做好有关工作的通知"))
    parts["word/_rels/main.xml.rels"] = parts.pop("word/_rels/document.xml.rels")
    parts["word/document.xml"] = body_xml(para("这是一份干净的诱饵文件"))  # decoy, never shown by Word
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(b"word/document.xml", b"word/main.xml")
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"/word/document.xml", b"/word/main.xml")
    add_type(parts, "word/document.xml", f"{WORDML}document.main+xml")
    return zip_bytes(parts)


def test_main_part_is_found_through_the_package_relationships_not_its_name(tmp_path, settings):
    data = main_part_elsewhere(tmp_path, MARK)
    extraction = extract_bytes(data, "a.docx")
    assert extraction.units[0].text == MARK and extraction.units[0].source == "word/main.xml"
    blocked_in(data, "a.docx", settings, "body")
    # the decoy's text is in the file too, read as hidden (Word never shows it)
    assert any(u.part == "hidden" and "诱饵" in u.text for u in extraction.units)
    assert verdict(main_part_elsewhere(tmp_path, "正文开头"), "a.docx", settings)[0] is not Verdict.BLOCK


def renamed_header(tmp_path: Path, text: str) -> bytes:
    parts = members(make_docx(tmp_path / "h.docx", body=["关于做好有关工作的通知", "正文"], header=text).read_bytes())
    header = next(name for name in parts if name.startswith("word/header"))
    parts["word/top-band.xml"] = parts.pop(header)
    base = header.removeprefix("word/")
    parts["word/_rels/document.xml.rels"] = parts["word/_rels/document.xml.rels"].replace(
        base.encode(), b"top-band.xml")
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        f"/{header}".encode(), b"/word/top-band.xml")
    return zip_bytes(parts)


def test_header_part_not_named_header_is_read_as_header(tmp_path, settings):
    data = renamed_header(tmp_path, MARK)
    extraction = extract_bytes(data, "a.docx")
    assert [(u.text, u.source) for u in extraction.units if u.part == "header"] == [(MARK, "word/top-band.xml")]
    blocked_in(data, "a.docx", settings, "header")
    assert verdict(renamed_header(tmp_path, "某某单位"), "a.docx", settings)[0] is Verdict.PASS


def alternate_content(tmp_path: Path, text: str) -> bytes:
    parts = docx(tmp_path)
    parts["word/document.xml"] = body_xml(
        f"<mc:AlternateContent><mc:Choice Requires=\"w14\">{para(text)}</mc:Choice>"
        f"<mc:Fallback>{para(text)}</mc:Fallback></mc:AlternateContent>"
        + para("关于做好有关工作的通知") + para("正文内容")
    )
    return zip_bytes(parts)


def test_paragraph_inside_alternate_content_is_read_once(tmp_path, settings):
    data = alternate_content(tmp_path, MARK)
    assert next(u.text for u in extract_bytes(data, "a.docx").units if u.part == "body") == MARK
    assert sum(u.text == MARK for u in extract_bytes(data, "a.docx").units) == 1  # the fallback repeats it
    blocked_in(data, "a.docx", settings, "body")
    assert verdict(alternate_content(tmp_path, "各有关单位："), "a.docx", settings)[0] is Verdict.PASS


def alt_chunk(tmp_path: Path, text: str) -> bytes:
    parts = docx(tmp_path)
    parts["word/afchunk.htm"] = f"<html><body><p>{text}</p><p>关于做好有关工作的通知</p></body></html>".encode()
    add_rel(parts, "word/_rels/document.xml.rels", "rIdChunk", "aFChunk", "afchunk.htm")
    add_type(parts, "word/afchunk.htm", "text/html")
    parts["word/document.xml"] = body_xml('<w:altChunk r:id="rIdChunk"/>')
    return zip_bytes(parts)


def test_body_made_of_an_alt_chunk_is_read_as_altchunk(tmp_path, settings):
    data = alt_chunk(tmp_path, MARK)
    extraction = extract_bytes(data, "a.docx")
    assert next(u.text for u in extraction.units if u.part == "altchunk") == MARK
    result, findings = verdict(data, "a.docx", settings)
    assert result is not Verdict.PASS and any(part == "altchunk" for _, part, _ in findings), findings
    assert verdict(alt_chunk(tmp_path, "各有关单位："), "a.docx", settings)[0] is Verdict.PASS


DRAWING_NS = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'


def with_drawing_part(tmp_path: Path, text: str, kind: str) -> bytes:
    parts = docx(tmp_path)
    if kind == "chart":
        name, rel, content_type = "word/charts/chart1.xml", "chart", "drawingml.chart+xml"
        xml = (f'<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" {DRAWING_NS}>'
               f"<c:chart><c:title><c:tx><c:rich><a:p><a:r><a:t>{text}</a:t></a:r></a:p></c:rich></c:tx></c:title>"
               "</c:chart></c:chartSpace>")
    else:
        name, rel, content_type = "word/diagrams/data1.xml", "diagramData", "drawingml.diagramData+xml"
        xml = (f'<dgm:dataModel xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram" {DRAWING_NS}>'
               f"<dgm:ptLst><dgm:pt><dgm:t><a:p><a:r><a:t>{text}</a:t></a:r></a:p></dgm:t></dgm:pt></dgm:ptLst>"
               "</dgm:dataModel>")
    parts[name] = xml.encode()
    add_rel(parts, "word/_rels/document.xml.rels", "rIdDrawing", rel, name.removeprefix("word/"))
    add_type(parts, name, f"application/vnd.openxmlformats-officedocument.{content_type}")
    return zip_bytes(parts)


@pytest.mark.parametrize("kind, part", [("chart", "chart"), ("smartart", "smartart")])
def test_chart_and_smartart_text_is_read_with_its_part(tmp_path, settings, kind, part):
    data = with_drawing_part(tmp_path, f"{MARK} 某项目经费", kind)
    extraction = extract_bytes(data, "a.docx")
    assert [u.text for u in extraction.units if u.part == part] == [f"{MARK} 某项目经费"]
    result, findings = verdict(data, "a.docx", settings)
    assert result is not Verdict.PASS and any(p == part for r, p, _ in findings if r.startswith("CM")), findings
    assert verdict(with_drawing_part(tmp_path, "某项目经费", kind), "a.docx", settings)[0] is Verdict.PASS


def test_embedded_docx_object_is_handed_to_the_pipeline_and_not_passed(tmp_path, settings):
    inner = make_docx(tmp_path / "inner.docx", body=[MARK, "内部文件"]).read_bytes()
    parts = docx(tmp_path)
    parts["word/embeddings/Microsoft_Word_Document.docx"] = inner
    add_rel(parts, "word/_rels/document.xml.rels", "rIdOle", "package", "embeddings/Microsoft_Word_Document.docx")
    data = zip_bytes(parts)
    extraction = extract_bytes(data, "a.docx")
    assert [(e.name, e.source, e.data == inner) for e in extraction.embedded] == [
        ("Microsoft_Word_Document.docx", "word/embeddings/Microsoft_Word_Document.docx", True)]
    assert ("word/embeddings/Microsoft_Word_Document.docx", "listed") in {
        (c.name, c.status) for c in extraction.coverage}
    assert verdict(data, "a.docx", settings)[0] is not Verdict.PASS


def test_header_referenced_but_missing_is_a_located_unread_part(tmp_path, settings):
    parts = members(make_docx(tmp_path / "h.docx", body=["关于做好有关工作的通知", "正文"], header="某单位").read_bytes())
    header = next(name for name in parts if name.startswith("word/header"))
    del parts[header]
    data = zip_bytes(parts)
    extraction = extract_bytes(data, "a.docx")
    assert (header, "header", "unread") in {(c.name, c.kind, c.status) for c in extraction.coverage}
    result, findings = verdict(data, "a.docx", settings)
    assert result is Verdict.REVIEW
    assert ("UR003", "header", header) in findings


def master_text(tmp_path: Path, text: str) -> bytes:
    parts = members(make_pptx(tmp_path / "s.pptx", slides=[["关于做好有关工作的通知", "正文"]]).read_bytes())
    master = "ppt/slideMasters/slideMaster1.xml"
    shape = (
        '<p:sp><p:nvSpPr><p:cNvPr id="99" name="banner"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr/>'
        f'<p:txBody><a:bodyPr/><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp>'
    )
    parts[master] = parts[master].replace(b"</p:spTree>", shape.encode() + b"</p:spTree>", 1)
    return zip_bytes(parts)


def test_text_box_on_a_slide_master_is_read_as_master(tmp_path, settings):
    data = master_text(tmp_path, MARK)
    extraction = extract_bytes(data, "a.pptx")
    assert [u.text for u in extraction.units if u.part == "master"] == [MARK]
    result, findings = verdict(data, "a.pptx", settings)
    assert result is not Verdict.PASS and any(p == "master" for r, p, _ in findings if r.startswith("CM")), findings
    assert verdict(master_text(tmp_path, "某某单位"), "a.pptx", settings)[0] is Verdict.PASS


def test_coverage_is_in_the_json_result(tmp_path, settings):
    import json

    from scanner.report import json_report
    from scanner.report.common import ReportOptions
    from scanner.types import ScanResult

    result = scan_bytes(renamed_header(tmp_path, "某单位"), "a.docx", settings)
    rendered = json.loads(json_report.render(ScanResult(version="t", documents=(result,)), ReportOptions()))
    coverage = rendered["documents"][0]["coverage"]
    assert {"name": "word/top-band.xml", "kind": "header", "status": "read", "reason": ""} in coverage
    assert {"name": "word/styles.xml", "kind": "styles", "status": "listed", "reason": ""} in coverage


# -- property: every text-bearing part is read or reported -------------------

_TEXT_TYPES = [
    f"{WORDML}header+xml", f"{WORDML}footer+xml", f"{WORDML}comments+xml", f"{WORDML}footnotes+xml",
    "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
    "application/vnd.openxmlformats-officedocument.drawingml.diagramData+xml",
    "application/xml", "text/html", "application/vnd.example.unknown+xml",
]


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.lists(
    st.tuples(st.sampled_from(_TEXT_TYPES), st.from_regex(r"[a-z]{1,8}", fullmatch=True), st.booleans()),
    min_size=1, max_size=5, unique_by=lambda item: item[1]))
def test_every_part_that_can_carry_text_is_read_or_in_the_ledger(tmp_path, extra):
    parts = docx(tmp_path)
    expected = {}
    for number, (content_type, stem, referenced) in enumerate(extra):
        name = f"word/x{stem}.xml"
        parts[name] = (
            f'<w:hdr xmlns:w="{W_NS}" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
            f"<w:p><w:r><w:t>标记{number}</w:t></w:r></w:p><a:p><a:r><a:t>标记{number}</a:t></a:r></a:p></w:hdr>"
        ).encode()
        add_type(parts, name, content_type)
        if referenced and content_type.endswith(("header+xml", "footer+xml")):
            add_rel(parts, "word/_rels/document.xml.rels", f"rIdX{number}", content_type.split(".")[-1][:6],
                    name.removeprefix("word/"))
        expected[name] = f"标记{number}"
    extraction = extract_bytes(zip_bytes(parts), "a.docx")
    ledger = {c.name: c.status for c in extraction.coverage}
    sources = {u.source.split("#")[0]: u.text for u in extraction.units}
    for name, text in expected.items():
        read = text in sources.get(name, "")
        assert read or ledger.get(name) in ("unread", "partial"), (name, ledger.get(name))
        assert name in ledger
        if ledger[name] in ("unread", "partial"):
            assert any(n.kind == "unread-part" and n.source == name for n in extraction.notices)
