"""PowerPoint 97-2003 .ppt / WPS .dps: slides, notes, masters, old saves, objects and pictures."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from builders import make_pptx, noisy_png
from legacy_builders import compound_file, ppt, word97
from libreoffice import convert, needs_libreoffice

from scanner.extract import extract_bytes, extract_path, sniff
from scanner.pipeline import scan_bytes
from scanner.types import Verdict

MARK = "机密★1年"
SLIDES = [["关于年度工作的汇报", "一、工作进展"], ["二、下一步安排"]]


def units(extraction):
    return [(unit.part, unit.page, unit.text) for unit in extraction.units]


def test_slides_notes_masters_and_properties_are_read_in_order():
    data = ppt(SLIDES, titles=["汇报"], notes={2: "讲到这里停一下"}, hidden=[2], master="某某局",
               properties={2: "年度汇报", 4: "李四"}, picture=noisy_png(60, 60, seed=7))
    assert sniff(data, "a.bin") == "ppt"
    extraction = extract_bytes(data, "a.dps")
    assert extraction.format == "ppt" and extraction.errors == ()
    assert units(extraction) == [
        ("metadata", None, "年度汇报"), ("metadata", None, "李四"),
        ("slide", 1, "汇报"), ("slide", 1, "关于年度工作的汇报"), ("slide", 1, "一、工作进展"),
        ("slide", 2, "二、下一步安排"), ("notes", 2, "讲到这里停一下"),
        ("master", None, "某某局"),
    ]
    assert extraction.pages == 2
    kinds = {notice.kind: notice.detail for notice in extraction.notices}
    assert kinds["hidden-slide"] == "1 张隐藏幻灯片：第2张" and "speaker-notes" in kinds
    assert [(image.name, image.data[:4]) for image in extraction.images] == [("Pictures/1.png", b"\x89PNG")]


@pytest.mark.parametrize(
    ("layer", "kwargs"),
    [
        ("slide", {"slides": [[MARK, "关于某事项的通知"]]}),
        ("slide", {"slides": SLIDES, "titles": [MARK]}),
        ("notes", {"slides": SLIDES, "notes": {1: MARK}}),
        ("master", {"slides": SLIDES, "master": MARK}),
        ("deleted", {"slides": SLIDES, "old_text": MARK}),
        ("comment", {"slides": SLIDES, "comment": (2, "张三", MARK)}),
    ],
    ids=["text-box", "title", "notes", "master", "earlier-save", "comment"],
)
def test_a_mark_in_each_layer_is_found_in_that_layer(settings, tmp_path, layer, kwargs):
    result = scan_bytes(ppt(**kwargs), "a.ppt", settings)
    marks = [f for f in result.findings if f.rule == "CM001"]
    assert [f.location.part for f in marks] == [layer]
    assert result.verdict is not Verdict.PASS
    if layer == "slide":
        # judged as the same text on a pptx slide (the markings policy's severity for slides)
        assert marks[0].location.page == 1
        pptx = make_pptx(tmp_path / "a.pptx", [[*kwargs.get("titles", ()), *kwargs["slides"][0]]])
        expected = scan_bytes(pptx.read_bytes(), "a.pptx", settings)
        assert [(f.severity, f.text) for f in marks] == [
            (f.severity, f.text) for f in expected.findings if f.rule == "CM001"
        ]


def test_an_embedded_document_is_scanned_as_a_member(settings):
    result = scan_bytes(ppt(SLIDES, embedded=word97(["附件", MARK])), "a.ppt", settings)
    marks = [f for f in result.findings if f.rule == "CM001"]
    assert [(f.location.part, f.location.source) for f in marks] == [("body", "嵌入对象1")]


def test_the_same_presentation_without_marks_passes(settings):
    result = scan_bytes(ppt(SLIDES, titles=["年度汇报"], master="某某局", properties={2: "年度汇报"}), "a.ppt", settings)
    assert result.errors == ()
    assert result.verdict is Verdict.PASS, result.findings


def test_damaged_and_encrypted_presentations_are_review_naming_what(settings):
    data = ppt(SLIDES)
    start = data.find(struct.pack("<HH", 0x000F, 0x03F8))  # the master, the stream's first record
    truncated = scan_bytes(data[: start + 200], "a.ppt", settings)
    assert truncated.verdict is Verdict.REVIEW and truncated.errors
    # without the Current User stream the persist directory cannot be found: read in file order, and said so
    from legacy_builders import _ppt_record

    stream = _ppt_record(0x03EE, b"", container=True)
    orphan = compound_file({"PowerPoint Document": stream + _ppt_record(0x03EE, _ppt_record(0x0FA0, MARK.encode("utf-16-le")),
                                                                    container=True)})
    result = scan_bytes(orphan, "a.ppt", settings)
    assert result.verdict is Verdict.REVIEW
    assert any("持久目录" in error for error in result.errors)
    assert [f.location.part for f in result.findings if f.rule == "CM001"] == ["slide"]
    encrypted = bytearray(data)
    token = encrypted.find(struct.pack("<I", 0xE391C05F))
    encrypted[token : token + 4] = struct.pack("<I", 0xF3D1C4DF)
    assert any("加密" in error for error in scan_bytes(bytes(encrypted), "a.ppt", settings).errors)


@needs_libreoffice
def test_a_ppt_written_by_libreoffice_reads_like_its_pptx(tmp_path):
    pptx = make_pptx(tmp_path / "deck.pptx", [[MARK, "关于某事项的汇报"], ["第二张", "第二行"]], notes={1: "备注内容"},
                     hidden=[2])
    from_ppt = extract_path(convert(pptx, "ppt"))
    assert from_ppt.format == "ppt" and from_ppt.errors == ()

    def layered(extraction):
        # LibreOffice writes a slide-number field on each notes page as "*"
        return [(u.part, u.page, u.text) for u in extraction.units if u.part in ("slide", "notes") and u.text != "*"]

    assert layered(from_ppt) == layered(extract_path(pptx))
    assert [n.detail for n in from_ppt.notices if n.kind == "hidden-slide"] == ["1 张隐藏幻灯片：第2张"]


def test_a_storage_in_place_of_the_stream_is_an_error_not_a_crash():
    from legacy_builders import compound_file_tree

    from scanner.extract import INTERNAL_FAILURE

    data = compound_file_tree({"PowerPoint Document/x": b"1", "Current User": b"2"})
    errors = extract_bytes(data, "a.ppt").errors
    assert errors and not any(INTERNAL_FAILURE in error for error in errors)


def test_comments_are_read_with_their_author_and_slide():
    extraction = extract_bytes(ppt(SLIDES, comment=(2, "张三", "这页数字再核一下")), "a.ppt")
    assert [(u.part, u.page, u.source, u.text) for u in extraction.units if u.part == "comment"] == [
        ("comment", 2, "批注 张三", "这页数字再核一下")
    ]
    assert "comment" in {notice.kind for notice in extraction.notices}
