"""Word 97-2003 .doc / WPS .wps: every story and layer, from files written byte by byte and by LibreOffice."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from builders import make_docx, placed_texts
from legacy_builders import compound_file, word97
from libreoffice import convert, needs_libreoffice

from scanner.extract import extract_bytes, extract_path, sniff
from scanner.pipeline import scan_bytes
from scanner.types import Verdict

BODY = ["关于重点项目安排的通知", "各单位：请按时报送材料。"]
MARK = "机密★1年"


def test_every_story_is_read_with_its_place():
    data = word97(BODY, header="某某市人民政府", footer="第1页", footnote="见附件说明", comment=("张三", "请核对数字"),
                  deleted="删去的一句", hidden="不显示的一句", properties={2: "通知标题", 4: "李四"})
    assert sniff(data, "a.bin") == "doc"
    extraction = extract_bytes(data, "a.doc")
    assert extraction.errors == ()
    assert placed_texts(extraction) == [
        ("body", "", BODY[0]), ("body", "", BODY[1]),
        ("deleted", "正文", "删去的一句"), ("hidden", "正文", "不显示的一句"),
        ("footnote", "脚注", "见附件说明"),
        ("header", "页眉 第1节", "某某市人民政府"), ("footer", "页脚 第1节", "第1页"),
        ("comment", "批注 张三", "请核对数字"),
        ("metadata", "属性 title", "通知标题"), ("metadata", "属性 author", "李四"),
    ]
    assert [unit.paragraph for unit in extraction.units[:4]] == [1, 2, 2, 2]
    assert {"deleted-revision", "comment", "hidden-text"} <= {notice.kind for notice in extraction.notices}


@pytest.mark.parametrize(
    ("layer", "kwargs", "docx_kwargs"),
    [
        ("body", {"body": [MARK, *BODY]}, {"body": [MARK, *BODY]}),
        ("header", {"header": MARK}, {"header": MARK}),
        ("footnote", {"footnote": MARK}, {"footnote": MARK}),
        ("comment", {"comment": ("张三", MARK)}, {"comments": [MARK]}),
        ("deleted", {"deleted": MARK}, {"deleted": [MARK]}),
    ],
)
def test_a_mark_in_each_layer_is_found_in_that_layer_as_in_docx(settings, tmp_path, layer, kwargs, docx_kwargs):
    """The .doc is judged exactly as the same docx: the mark found in its layer, the same verdict.

    In the body and the header that is ``block``; in a footnote, comment or
    deleted revision the severity is the markings policy's for that layer
    (``review`` today; issue #21 raises marks in hidden layers to ``block``),
    so the test compares with docx rather than pinning it twice.
    """
    result = scan_bytes(word97(**{"body": BODY, **kwargs}), "a.doc", settings)
    docx = make_docx(tmp_path / "a.docx", **{"body": BODY, **docx_kwargs})
    expected = scan_bytes(docx.read_bytes(), "a.docx", settings)
    marks = [f for f in result.findings if f.rule == "CM001"]
    assert [f.location.part for f in marks] == [layer]
    assert [(f.severity, f.text) for f in marks] == [
        (f.severity, f.text) for f in expected.findings if f.rule == "CM001"
    ]
    assert result.verdict is expected.verdict
    if layer in ("body", "header"):
        assert result.verdict is Verdict.BLOCK


def test_the_same_document_without_marks_passes(settings):
    data = word97(BODY, header="某某市人民政府", footer="第1页", footnote="见附件说明", properties={2: "通知标题"})
    result = scan_bytes(data, "a.doc", settings)
    assert result.errors == ()
    assert result.verdict is Verdict.PASS, result.findings


def test_a_doc_inside_a_zip_is_located_to_the_member(settings):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("附件/通知.doc", word97(BODY, header=MARK))
    result = scan_bytes(buffer.getvalue(), "a.zip", settings)
    marks = [f for f in result.findings if f.rule == "CM001"]
    assert [(f.location.part, f.location.source) for f in marks] == [("header", "附件/通知.doc › 页眉 第1节")]


def test_encrypted_corrupt_and_foreign_compound_files_are_errors():
    data = bytearray(word97(BODY))
    fib = data.find(b"\xec\xa5\xc1\x00")
    data[fib + 11] |= 0x01  # fEncrypted (bit 8 of the flags word at FIB offset 10)
    assert "加密" in extract_bytes(bytes(data), "a.doc").errors[0]
    truncated = word97(BODY)[:3000]
    assert extract_bytes(truncated, "a.doc").errors
    not_word = compound_file({"WordDocument": b"\x00" * 64})
    assert "FIB" in extract_bytes(not_word, "a.doc").errors[0]


@needs_libreoffice
def test_libreoffice_reads_the_same_words_in_the_generated_doc(tmp_path):
    path = tmp_path / "gen.doc"
    path.write_bytes(word97(BODY, deleted="删去的一句", hidden="不显示的一句", comment=("张三", "请核对数字")))
    lines = [line.strip("\ufeff") for line in convert(path, "txt:Text").read_text("utf-8").splitlines() if line.strip()]
    ours = extract_path(path)
    assert lines == [unit.text for unit in ours.units if unit.part in ("body", "deleted", "hidden")]
    # and LibreOffice sees the same layers: its docx of our .doc has them where we found them
    again = extract_path(convert(path, "docx"))
    layered = {(unit.part, unit.text) for unit in again.units if unit.part != "metadata"}
    assert layered == {(unit.part, unit.text) for unit in ours.units if unit.part != "metadata"}


@needs_libreoffice
def test_a_doc_written_by_libreoffice_reads_like_its_docx(tmp_path):
    docx = make_docx(tmp_path / "full.docx", BODY, header=MARK, footer="第一页页脚", comments=["发布前删除此段"],
                     deleted=["删除的内部资料 注意保存"], hidden=["隐藏的文字内容"], textbox="文本框里的内容")
    from_docx = extract_path(docx)
    from_doc = extract_path(convert(docx, "doc"))
    assert from_doc.format == "doc" and from_doc.errors == ()
    expected = {(unit.part, unit.text) for unit in from_docx.units if unit.part != "metadata"}
    assert {(unit.part, unit.text) for unit in from_doc.units if unit.part != "metadata"} == expected


def test_word_95_files_and_damaged_structures_are_errors_not_crashes():
    from legacy_builders import compound_file_tree

    from scanner.extract import INTERNAL_FAILURE

    data = bytearray(word97(BODY))
    fib = data.find(b"\xec\xa5\xc1\x00")
    data[fib + 2 : fib + 4] = b"\x65\x00"  # nFib 101: Word 6.0
    assert "Word 6.0/95" in extract_bytes(bytes(data), "a.doc").errors[0]
    # a storage where the WordDocument stream should be (a case from a fuzzer corpus)
    storage = compound_file_tree({"WordDocument/x": b"1", "1Table": b"2"})
    errors = extract_bytes(storage, "a.doc").errors
    assert errors and not any(INTERNAL_FAILURE in error for error in errors)


def test_a_picture_in_the_data_stream_goes_to_ocr():
    import io
    import random

    from PIL import Image

    rng = random.Random(13)
    image = Image.new("L", (60, 60))
    image.putdata([rng.randrange(256) for _ in range(3600)])
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    extraction = extract_bytes(word97(BODY, picture=buffer.getvalue()), "a.doc")
    assert [(picture.name, picture.data) for picture in extraction.images] == [("Data/图片1.jpg", buffer.getvalue())]
