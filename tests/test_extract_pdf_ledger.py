"""PDF coverage ledger and bounds: bombs, damaged streams, structures referenced many times (issues #21, #22)."""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from pdf_builders import (
    append_revision,
    content_object,
    first_extra,
    flate_bomb,
    page_dict,
    page_object,
    stream,
    text_content,
    text_pdf,
)

from scanner.extract import extract_bytes
from scanner.extract.pdf_streams import STREAM_LIMIT
from scanner.pipeline import build_settings, scan_bytes

BOMB = 1 << 30  # a gigabyte of zeros, about 1 MB deflated
LIMIT = f"{STREAM_LIMIT // 2**20} MB"


def body(extraction):
    return [(unit.page, unit.text) for unit in extraction.units if unit.part == "body"]


def ledger(extraction, kind):
    return [(entry.name, entry.status) for entry in extraction.coverage if entry.kind == kind]


def unread_notices(extraction):
    return [(notice.page, notice.detail) for notice in extraction.notices if notice.kind == "unread-part"]


def test_every_page_content_stream_and_font_is_in_the_ledger():
    # a file whose bytes could hold a bomb (an LZW stream) is walked object by object
    lzw = stream(b"\x80\x0b\x60\x50\x22\x0c\x0c\x85\x01", b"/Filter /LZWDecode")
    extraction = extract_bytes(text_pdf([["page one"], ["page two"]], extra_objects=[lzw]), "a.pdf")
    assert ledger(extraction, "page") == [("第1页", "read"), ("第2页", "read")]
    assert ledger(extraction, "content") == [("第1页内容流 1（对象 5）", "read"), ("第2页内容流 1（对象 7）", "read")]
    # shared by both pages: each listed once
    assert ledger(extraction, "font") == [("字体 Helvetica", "read"), ("字体 STSong-Light", "read")]
    assert extraction.errors == () and unread_notices(extraction) == []


def test_a_sound_file_is_not_walked_object_by_object_but_its_pages_are_in_the_ledger():
    padding = stream(b"%" * 70_000)  # big enough that a stream of it could have been a bomb
    extraction = extract_bytes(text_pdf([["page one"], ["page two", "第二页"]], extra_objects=[padding]), "a.pdf")
    assert ledger(extraction, "page") == [("第1页", "read"), ("第2页", "read")]
    assert ledger(extraction, "content") == []
    # its fonts are, as PDFium names them from the text it drew (each once): pdfminer's walk would cost
    # 40 % more a file, PDFium's names cost 0.6 % of its extraction
    assert ledger(extraction, "font") == [("字体 Helvetica", "read"), ("字体 STSong-Light", "read")]


def test_flate_bomb_in_a_content_stream_is_not_decoded_and_the_page_is_named(tmp_path):
    pages = [["page one public"], ["page two"], ["page three public"]]
    data = text_pdf(pages)
    bomb = stream(flate_bomb(BOMB), b"/Filter /FlateDecode")
    data = text_pdf(pages, extra_objects=[bomb])
    # page 2 draws the bomb instead of its own content
    data = append_revision(data, {page_object(1): page_dict(1, 3, contents=first_extra(3))})
    extraction = extract_bytes(data, "bomb.pdf")
    assert body(extraction) == [(1, "page one public"), (3, "page three public")]
    [(page, detail)] = unread_notices(extraction)
    assert page == 2 and LIMIT in detail and "本页未读取" in detail
    assert ("第2页", "unread") in ledger(extraction, "page")


def test_flate_bomb_in_the_xmp_stream_is_review_naming_the_limit():
    data = text_pdf([["public text"]], catalog_extra=b"/Metadata %d 0 R" % first_extra(1), extra_objects=[
        stream(flate_bomb(BOMB), b"/Type /Metadata /Subtype /XML /Filter /FlateDecode")])
    extraction = extract_bytes(data, "xmp.pdf")
    assert body(extraction) == [(1, "public text")]
    assert any("xmp" in error and LIMIT in error for error in extraction.errors)
    assert ("XMP 元数据", "unread") in ledger(extraction, "metadata")
    result = scan_bytes(data, "xmp.pdf", build_settings(ocr=False))
    assert result.verdict.value == "review"


def test_flate_bomb_in_an_attachment_is_review_naming_the_attachment_and_the_limit():
    n = first_extra(1)
    data = text_pdf([["public text"]], catalog_extra=b"/Names << /EmbeddedFiles << /Names [(a.txt) %d 0 R] >> >>" % n,
                    extra_objects=[b"<< /Type /Filespec /F (a.txt) /EF << /F %d 0 R >> >>" % (n + 1),
                                   stream(flate_bomb(BOMB), b"/Type /EmbeddedFile /Filter /FlateDecode")])
    extraction = extract_bytes(data, "att.pdf")
    assert any("a.txt" in error and LIMIT in error for error in extraction.errors)
    assert scan_bytes(data, "att.pdf", build_settings(ocr=False)).verdict.value == "review"


def test_a_name_tree_whose_nodes_are_referenced_many_times_is_read_once_per_node(monkeypatch):
    from pdfminer import pdftypes

    n = first_extra(1)
    depth, fan_out = 6, 10  # 10**5 paths through the tree, 6 nodes
    nodes = [b"<< /Kids [%s] >>" % b" ".join([b"%d 0 R" % (n + level + 1)] * fan_out) for level in range(depth - 1)]
    nodes.append(b"<< /Names [(a.txt) %d 0 R] >>" % (n + depth))
    data = text_pdf([["public text"]], catalog_extra=b"/Names << /EmbeddedFiles %d 0 R >>" % n, extra_objects=[
        *nodes,
        b"<< /Type /Filespec /F (a.txt) /EF << /F %d 0 R >> >>" % (n + depth + 1),
        stream(b"attached words", b"/Type /EmbeddedFile"),
    ])
    calls = 0
    original = pdftypes.resolve1

    def counting(x, default=None):
        nonlocal calls
        calls += 1
        return original(x, default)

    monkeypatch.setattr(pdftypes, "resolve1", counting)
    extraction = extract_bytes(data, "names.pdf")
    assert [unit.text for unit in extraction.units if unit.part == "attachment"] == ["attached words"]
    assert calls < 2_000  # a walk of every path would resolve 10**5 nodes


def test_an_outline_whose_next_loops_back_ends():
    n = first_extra(1)
    data = text_pdf([["public text"]], catalog_extra=b"/Outlines %d 0 R" % n, extra_objects=[
        b"<< /Type /Outlines /First %d 0 R /Last %d 0 R >>" % (n + 1, n + 2),
        b"<< /Title (One) /Parent %d 0 R /Next %d 0 R /Dest [4 0 R /Fit] >>" % (n, n + 2),
        b"<< /Title (Two) /Parent %d 0 R /Next %d 0 R /Dest [4 0 R /Fit] >>" % (n, n + 1),  # back to One
    ])
    extraction = extract_bytes(data, "loop.pdf")
    assert [unit.text for unit in extraction.units if unit.part == "outline"] == ["One", "Two"]


def test_a_damaged_content_stream_on_page_2_of_3_is_named_and_the_other_pages_are_read():
    pages = [["page one text"], ["page two words", "more"], ["page three text"]]
    data = text_pdf(pages)
    packed = zlib.compress(text_content(pages[1]))
    assert packed in data
    damaged = data.replace(packed, packed[:12] + bytes(b ^ 0x5A for b in packed[12:30]) + packed[30:])
    extraction = extract_bytes(damaged, "damaged.pdf")
    assert [page for page, _ in body(extraction)] == [1, 3]
    [(page, detail)] = unread_notices(extraction)
    assert page == 2 and "压缩数据损坏" in detail
    assert ledger(extraction, "page") == [("第1页", "read"), ("第2页", "unread"), ("第3页", "read")]
    assert ("第2页内容流 1（对象 7）", "partial") in ledger(extraction, "content")
    result = scan_bytes(damaged, "damaged.pdf", build_settings(ocr=False))
    assert result.verdict.value == "review"
    assert [finding.location.page for finding in result.findings if finding.rule == "UR003"] == [2]
    # the same file undamaged passes
    assert scan_bytes(data, "intact.pdf", build_settings(ocr=False)).verdict.value == "pass"


def test_forms_drawing_forms_many_times_are_not_expanded():
    n = first_extra(2)
    depth, fan_out = 6, 10  # 10**6 drawings if expanded
    forms = []
    for level in range(depth):
        number = n + level
        if level < depth - 1:
            content = b" ".join([b"/X Do"] * fan_out)
            resources = b"<< /XObject << /X %d 0 R >> >>" % (number + 1)
        else:
            content, resources = b"BT /F1 12 Tf 72 700 Td (leaf) Tj ET", b"<< /Font << /F1 3 0 R >> >>"
        forms.append(stream(content, b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources %s" % resources))
    data = text_pdf([["page one"], ["page two"]], extra_objects=forms)
    data = append_revision(data, {
        page_object(1): page_dict(1, 2, resources=b"/XObject << /X %d 0 R >>" % n),
        content_object(1): stream(b"BT /F1 12 Tf 72 780 Td (page two) Tj ET /X Do"),
    })
    extraction = extract_bytes(data, "forms.pdf")
    assert body(extraction) == [(1, "page one")]
    [(page, detail)] = unread_notices(extraction)
    assert page == 2 and "表单对象嵌套引用" in detail


def test_text_inside_nested_forms_is_read_and_each_form_is_in_the_ledger_once():
    n = first_extra(2)
    outer = stream(b"q 1 0 0 1 0 -100 cm /Inner Do Q BT /F1 12 Tf 72 700 Td (outer form words) Tj ET",
                   b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /Inner %d 0 R >> "
                   b"/Font << /F1 3 0 R >> >>" % (n + 1))
    inner = stream(b"BT /F1 12 Tf 72 700 Td (inner form words) Tj ET",
                   b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>")
    data = text_pdf([["page one"], ["page two"]], extra_objects=[outer, inner])
    for index in range(2):  # both pages draw the same form
        data = append_revision(data, {
            page_object(index): page_dict(index, 2, resources=b"/XObject << /Fm %d 0 R >>" % n),
            content_object(index): stream(text_content([f"page {index + 1}"]) + b" /Fm Do"),
        })
    extraction = extract_bytes(data, "forms.pdf")
    for page in (1, 2):
        text = " ".join(text for number, text in body(extraction) if number == page)
        assert f"page {page}" in text and "outer form words" in text and "inner form words" in text
    assert ledger(extraction, "xobject") == [(f"表单对象 Inner（对象 {n + 1}）", "read"), (f"表单对象 Fm（对象 {n}）", "read")]


# -- earlier revisions ------------------------------------------------------------


def _updated(first: list[str], then: list[str]) -> tuple[bytes, bytes]:
    """A one-page PDF showing ``first``, and the same file after an incremental update to ``then``."""
    original = text_pdf([first])
    return original, append_revision(original, {content_object(0): stream(text_content(then), compress=True)})


def test_text_only_in_an_earlier_revision_is_hidden_content_located_in_that_revision():
    original, updated = _updated(["秘密★6个月", "关于某事的通知", "正文第一段"], ["关于某事的通知", "正文第一段"])
    extraction = extract_bytes(updated, "updated.pdf")
    assert body(extraction) == [(1, "关于某事的通知"), (1, "正文第一段")]
    revision = [(u.part, u.page, u.paragraph, u.text) for u in extraction.units if u.part.startswith("revision")]
    assert revision == [("revision:1", 1, 1, "秘密★6个月")]
    [notice] = [n for n in extraction.notices if n.kind == "earlier-revision"]
    assert (notice.part, notice.page, notice.text) == ("revision:1", 1, "秘密★6个月")
    assert ledger(extraction, "revision") == [("修订版本 2（当前版本）", "read"), ("修订版本 1", "read")]
    result = scan_bytes(updated, "updated.pdf", build_settings(ocr=False))
    assert result.verdict.value != "pass"
    found = {(f.rule, f.location.part) for f in result.findings}
    assert ("HC010", "revision:1") in found and any(rule.startswith("CM") and part == "revision:1"
                                                      for rule, part in found)
    # the original alone is one revision, and nothing is hidden in it
    plain = extract_bytes(original, "original.pdf")
    assert [n for n in plain.notices if n.kind == "earlier-revision"] == []
    assert ledger(plain, "revision") == [("修订版本 1（当前版本）", "read")]


def test_an_update_that_changes_nothing_visible_raises_nothing():
    _, updated = _updated(["关于某事的通知", "正文"], ["关于某事的通知", "正文"])
    extraction = extract_bytes(updated, "same.pdf")
    assert [n.kind for n in extraction.notices] == []
    assert scan_bytes(updated, "same.pdf", build_settings(ocr=False)).verdict.value == "pass"


def test_a_linearized_files_first_page_section_is_not_a_revision():
    original, _ = _updated(["关于某事的通知"], [])
    # a linearization dictionary up front and a first-page section ending in its own %%EOF
    head = b"%PDF-1.7\n1000 0 obj\n<< /Linearized 1 >>\nendobj\nstartxref\n0\n%%EOF\n"
    from scanner.extract.pdf_revisions import section_ends

    assert len(section_ends(head + original[len(b"%PDF-1.7\n"):])) == 1


# -- pictures -----------------------------------------------------------------


def _with_pictures(tmp_path, pictures):
    """A page of text with pictures drawn at (x, y, w, h) in points."""
    import io

    from builders import FONT_SIZE, LEFT, line_y, make_pdf_drawn, png_bytes
    from reportlab.lib.utils import ImageReader

    def draw(canvas, page_no):
        canvas.setFont("STSong-Light", FONT_SIZE)
        canvas.drawString(LEFT, line_y(3), "关于做好年度工作的通知")
        for x, y, w, h in pictures:
            canvas.drawImage(ImageReader(io.BytesIO(png_bytes(32, 32, 90))), x, y, w, h)

    return make_pdf_drawn(tmp_path / "pictures.pdf", draw)


def test_a_small_decorative_picture_is_listed_as_info_and_the_document_passes(tmp_path):
    from scanner.extract import extract_path
    from scanner.pipeline import scan_file

    path = _with_pictures(tmp_path, [(72, 400, 12, 12), (72, 300, 400, 2)])  # a bullet and a rule line
    extraction = extract_path(path)
    assert extraction.images == ()
    [notice] = [n for n in extraction.notices if n.kind == "decorative-image"]
    assert "2 张装饰性小图片" in notice.detail and "12×12 pt" in notice.detail
    assert [entry.status for entry in extraction.coverage if entry.kind == "image"] == ["listed", "listed"]
    result = scan_file(path, build_settings(ocr=False))
    assert result.verdict.value == "pass"
    assert [(f.rule, f.severity.value) for f in result.findings] == [("UR004", "info")]


def test_a_small_line_shaped_picture_in_page_ones_head_block_goes_to_ocr_and_a_large_one_is_review_without_it(
        tmp_path):
    from scanner.extract import extract_path
    from scanner.pipeline import scan_file

    path = _with_pictures(tmp_path, [(72, 800, 30, 14), (300, 400, 150, 150)])  # a pasted 秘密, a stamp
    extraction = extract_path(path)
    assert [(image.name, image.page) for image in extraction.images] == [("第1页图片1", 1), ("第1页图片2", 1)]
    assert not [n for n in extraction.notices if n.kind == "decorative-image"]
    result = scan_file(path, build_settings(ocr=False))  # OCR off: the pictures were not read
    assert result.verdict.value == "review"
    assert "UR002" in {f.rule for f in result.findings}


# -- fonts --------------------------------------------------------------------


def test_text_in_a_font_without_tounicode_or_font_file_is_unreadable_naming_page_and_font():
    from pdf_builders import identity_font

    n = first_extra(2)
    data = text_pdf([["page one words"], ["x"]], extra_objects=[identity_font()])
    content = b"BT /F3 14 Tf 72 700 Td <0a1b0c2d3e4f12345678> Tj ET BT /F1 14 Tf 72 600 Td (readable words) Tj ET"
    data = append_revision(data, {page_object(1): page_dict(1, 2, fonts=b"/F3 %d 0 R" % n, contents=n + 1),
                                  n + 1: stream(content)})
    extraction = extract_bytes(data, "fonts.pdf")
    [error] = [error for error in extraction.errors if "无法解码" in error]
    assert error.startswith("第2页") and "ABCDEF+SimSun" in error and "ToUnicode" in error
    assert (1, "page one words") in body(extraction) and (2, "readable words") in body(extraction)
    # the page is rendered for OCR too: what it shows is read even though its text layer is not
    assert [(image.page, image.source) for image in extraction.images] == [(2, "page-scan")]
    assert scan_bytes(data, "fonts.pdf", build_settings(ocr=False)).verdict.value == "review"


def test_chinese_in_a_font_with_a_standard_cmap_is_read():
    data = text_pdf([["关于做好年度工作的通知", "各单位"]])
    extraction = extract_bytes(data, "cjk.pdf")
    assert body(extraction) == [(1, "关于做好年度工作的通知"), (1, "各单位")] and extraction.errors == ()


# -- text drawn as outlines -------------------------------------------------------------


def _outlined(tmp_path, *, glyphs: int, with_text: str = ""):
    """A page with a line of text and, at the top, ``glyphs`` filled outlines of 20 pt (12 segments each)."""
    from builders import FONT_SIZE, LEFT, line_y, make_pdf_drawn

    def draw(canvas, page_no):
        canvas.setFont("STSong-Light", FONT_SIZE)
        canvas.drawString(LEFT, line_y(3), "关于做好年度工作的通知")
        canvas.setFillColorRGB(0.8, 0, 0)
        for number in range(glyphs):
            x = LEFT + number * 24
            path = canvas.beginPath()
            path.moveTo(x, 790)
            for step in range(1, 12):  # a jagged outline, as a glyph's is
                path.lineTo(x + (step % 4) * 5, 790 + step * 1.8)
            path.close()
            canvas.drawPath(path, fill=1, stroke=0)
        if with_text:
            canvas.setFillColorRGB(0, 0, 0)
            canvas.drawString(LEFT, 795, with_text)

    return make_pdf_drawn(tmp_path / "outlined.pdf", draw)


def test_a_line_drawn_as_outlines_goes_to_ocr_and_is_review_without_it(tmp_path):
    from scanner.extract import extract_path
    from scanner.pipeline import scan_file

    path = _outlined(tmp_path, glyphs=6)
    extraction = extract_path(path)
    assert [(image.name, image.page) for image in extraction.images] == [("第1页矢量图形1", 1)]
    assert [(e.name, e.status) for e in extraction.coverage if e.kind == "vector"] == [("第1页矢量图形1", "listed")]
    result = scan_file(path, build_settings(ocr=False))
    assert result.verdict.value == "review"
    assert any(f.rule == "UR002" and "矢量图形" in f.message for f in result.findings)


def test_a_few_shapes_or_shapes_under_real_text_are_not_vector_text(tmp_path):
    from scanner.extract import extract_path

    assert extract_path(_outlined(tmp_path, glyphs=2)).images == ()  # two shapes are no line of text
    assert extract_path(_outlined(tmp_path, glyphs=6, with_text="机关名称")).images == ()  # text is there


def test_attachments_are_in_the_ledger_read_or_not():
    n = first_extra(1)
    data = text_pdf([["public text"]], catalog_extra=b"/Names << /EmbeddedFiles << /Names [(a.txt) %d 0 R (b.txt) %d 0 R] >> >>"
                    % (n, n + 2), extra_objects=[
                        b"<< /Type /Filespec /F (a.txt) /EF << /F %d 0 R >> >>" % (n + 1),
                        stream(b"attached words", b"/Type /EmbeddedFile"),
                        b"<< /Type /Filespec /F (b.txt) /EF << /F %d 0 R >> >>" % (n + 3),
                        stream(flate_bomb(BOMB), b"/Type /EmbeddedFile /Filter /FlateDecode")])
    extraction = extract_bytes(data, "two.pdf")
    assert ledger(extraction, "attachment") == [("附件 a.txt", "read"), ("附件 b.txt", "unread")]


def _utf16(text: str) -> bytes:
    return b"<feff" + text.encode("utf-16-be").hex().encode() + b">"


def _with_info(data: bytes, number: int) -> bytes:
    # the trailer follows the cross-reference section: no offset moves
    return data.replace(b"/Root 1 0 R", b"/Root 1 0 R /Info %d 0 R" % number, 1)


def test_metadata_only_in_an_earlier_revision_is_hidden_content_and_a_mark_there_blocks():
    n = first_extra(1)
    original = _with_info(text_pdf([["关于某事的通知", "正文第一段"]], extra_objects=[
        b"<< /Title %s /Author %s >>" % (_utf16("秘密★6个月"), _utf16("张三"))]), n)
    info = b"/Info %d 0 R" % n
    updated = append_revision(original, {n: b"<< /Title %s /Author %s >>" % (_utf16("关于某事的通知"), _utf16("张三"))},
                              trailer=info)
    extraction = extract_bytes(updated, "updated.pdf")
    revision = [(u.part, u.page, u.text, u.source) for u in extraction.units if u.part.startswith("revision")]
    # the author did not change: only the removed title is the earlier revision's own
    assert revision == [("revision:1", None, "秘密★6个月", "修订版本 1 文档信息 Title")]
    [notice] = [n for n in extraction.notices if n.kind == "earlier-revision"]
    assert notice.part == "revision:1" and "文档信息或注释" in notice.detail
    result = scan_bytes(updated, "updated.pdf", build_settings(ocr=False))
    assert result.verdict.value == "block", [(f.rule, f.severity, f.location.part) for f in result.findings]
    assert any(f.rule.startswith("CM") and f.location.part == "revision:1" for f in result.findings)
    # the same update that keeps the title raises nothing
    same = append_revision(original, {n: b"<< /Title %s /Author %s >>" % (_utf16("秘密★6个月"),
                                                                          _utf16("张三"))}, trailer=info)
    assert [u for u in extract_bytes(same, "same.pdf").units if u.part.startswith("revision")] == []


def test_an_annotation_only_in_an_earlier_revision_is_hidden_content_on_its_page():
    n = first_extra(1)
    note = b"<< /Type /Annot /Subtype /Text /Rect [100 600 120 620] /Contents %s >>" % _utf16("机密★5年")
    page = page_dict(0, 1).replace(b"/Contents", b"/Annots [%d 0 R] /Contents" % n)
    original = text_pdf([["关于某事的通知", "正文第一段"]], extra_objects=[note])
    original = append_revision(original, {page_object(0): page})  # revision 2 adds the note
    updated = append_revision(original, {page_object(0): page_dict(0, 1)})  # revision 3 removes it
    extraction = extract_bytes(updated, "annotated.pdf")
    assert [u for u in extraction.units if u.part == "annotation"] == []
    revision = [(u.part, u.page, u.text, u.source) for u in extraction.units if u.part.startswith("revision")]
    assert revision == [("revision:2", 1, "机密★5年", "修订版本 2 第1页注释 Text")]
    assert ledger(extraction, "revision") == [("修订版本 3（当前版本）", "read"), ("修订版本 1", "read"),
                                              ("修订版本 2", "read")]
    result = scan_bytes(updated, "annotated.pdf", build_settings(ocr=False))
    assert result.verdict.value == "block"
    # the note still in the current file is read there, not reported again from the earlier revision
    kept = append_revision(original, {content_object(0): stream(text_content(["关于某事的通知"]), compress=True)})
    kept_units = extract_bytes(kept, "kept.pdf").units
    assert [u.text for u in kept_units if u.part == "annotation"] == ["机密★5年"]
    assert [(u.part, u.text) for u in kept_units if u.part.startswith("revision")] == [
        ("revision:1", "正文第一段"), ("revision:2", "正文第一段")]


def test_text_drawn_by_a_form_xobject_is_located_by_the_forms_name():
    n = first_extra(1)
    chinese = text_content(["机密★5年"], top=760).replace(b"/F2", b"/F9")
    outer = stream(b"q 1 0 0 1 0 -100 cm /Inner Do Q BT /F1 12 Tf 72 700 Td (letterhead words) Tj ET " + chinese,
                   b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /Inner %d 0 R >> "
                   b"/Font << /F1 3 0 R /F9 %d 0 R >> >>" % (n + 1, n - 1))
    inner = stream(b"BT /F1 12 Tf 72 500 Td (inner form words) Tj ET",
                   b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>")
    logo = stream(b"\x00\x00\x00", b"/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceRGB "
                  b"/BitsPerComponent 8")
    data = text_pdf([["page words"]], extra_objects=[outer, inner, logo])
    data = append_revision(data, {
        page_object(0): page_dict(0, 1, resources=b"/XObject << /Logo %d 0 R /Fm1 %d 0 R >>" % (n + 2, n)),
        # an image drawn first: only forms count in the ordinals that name them
        content_object(0): stream(b"q 10 0 0 10 0 0 cm /Logo Do Q " + text_content(["page words"], top=400)
                                  + b" /Fm1 Do"),
    })
    extraction = extract_bytes(data, "forms.pdf")
    sources = {unit.text: unit.source for unit in extraction.units if unit.part == "body"}
    assert sources == {"page words": "", "letterhead words": "XObject /Fm1", "机密★5年": "XObject /Fm1",
                       "inner form words": "XObject /Fm1 › /Inner"}, sources
    result = scan_bytes(data, "forms.pdf", build_settings(ocr=False))
    mark = next(f for f in result.findings if f.rule.startswith("CM"))
    assert (mark.location.page, mark.location.source) == (1, "XObject /Fm1")


from hypothesis import given  # noqa: E402 - beside the one property that uses it
from hypothesis import strategies as st  # noqa: E402


@given(st.lists(st.sampled_from([b"stream", b"endstream", b"\n", b"\r", b"\r\n", b" ", b"x", b"_", b"s", b"1"]),
                max_size=20).map(b"".join))
def test_stream_starts_are_the_word_boundary_matches(data):
    # the literal search with the boundary checked by hand finds what rb"\bstream(?:\r\n|\n|\r)" finds
    import re

    from scanner.extract.pdf_streams import _stream_starts

    expected = [match.span() for match in re.finditer(rb"\bstream(?:\r\n|\n|\r)", data)]
    assert [match.span() for match in _stream_starts(data)] == expected
