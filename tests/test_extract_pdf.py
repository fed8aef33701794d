"""PDF extraction: pages, layers, failed redactions and unreadable files."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from builders import (
    FONT_SIZE,
    LEFT,
    line_y,
    make_empty_pdf,
    make_image_only_pdf,
    make_pdf,
    make_pdf_drawn,
    units_in,
)

from scanner.extract import extract_bytes, extract_path, pdf, pdf_pdfium


def test_mark_on_page_1_is_page_1_line_1(tmp_path):
    extraction = extract_path(make_pdf(tmp_path / "a.pdf", [["秘密★6个月", "关于某事的通知"], ["第二页正文"]]))
    assert extraction.format == "pdf"
    assert extraction.errors == ()
    body = units_in(extraction, "body")
    assert [(u.text, u.page, u.paragraph) for u in body] == [
        ("秘密★6个月", 1, 1), ("关于某事的通知", 1, 2), ("第二页正文", 2, 1),
    ]
    assert extraction.pages == 2


def test_words_keep_their_spaces(tmp_path):
    extraction = extract_path(make_pdf(tmp_path / "a.pdf", [["user admin password 123456"]]))
    assert units_in(extraction, "body")[0].text == "user admin password 123456"


def test_text_under_black_box_is_a_failed_redaction(tmp_path):
    extraction = extract_path(
        make_pdf(tmp_path / "a.pdf", [["公开内容", "身份证号110101199003077777"]],
                 dark_box_over=(1, "身份证号110101199003077777"))
    )
    redactions = [n for n in extraction.notices if n.kind == "dark-box"]
    assert len(redactions) == 1
    assert redactions[0].page == 1
    assert redactions[0].text == "身份证号110101199003077777"
    assert "深色方块" in redactions[0].detail
    # The hidden text is still text of the page, so the matchers see it too.
    assert "身份证号110101199003077777" in [u.text for u in units_in(extraction, "body")]


def test_light_shading_and_white_on_black_are_not_redactions(tmp_path):
    extraction = extract_path(
        make_pdf(tmp_path / "a.pdf", [["表头白字", "浅色底纹的行"]],
                 white_text_on_dark=(1, "表头白字"), light_box_over=(1, "浅色底纹的行"))
    )
    assert [n for n in extraction.notices if n.kind == "dark-box"] == []
    assert [u.text for u in units_in(extraction, "body")] == ["表头白字", "浅色底纹的行"]


def test_annotations_redact_annotation_and_black_highlight(tmp_path):
    extraction = extract_path(
        make_pdf(
            tmp_path / "a.pdf",
            [["第一页"], ["第二页"]],
            annotations=[(1, "Text", "此段需删除"), (1, "FreeText", "内部意见"), (2, "Redact", "")],
        )
    )
    notes = units_in(extraction, "annotation")
    assert [(u.text, u.page, u.source) for u in notes] == [("此段需删除", 1, "Text"), ("内部意见", 1, "FreeText")]
    assert sorted(n.kind for n in extraction.notices) == ["annotation", "unapplied-redaction"]
    redact = next(n for n in extraction.notices if n.kind == "unapplied-redaction")
    assert redact.page == 2


def test_metadata_outline_and_form(tmp_path):
    extraction = extract_path(
        make_pdf(tmp_path / "a.pdf", [["正文一"], ["正文二"]], title="内部资料", author="张三",
                 outline=["第一章 总则", "第二章 附则"], form_field=("phone", "13812345678"))
    )
    metadata = {u.source: u.text for u in units_in(extraction, "metadata")}
    assert metadata["Title"] == "内部资料"
    assert metadata["Author"] == "张三"
    assert extraction.title == "内部资料"
    assert [u.text for u in units_in(extraction, "outline")] == ["第一章 总则", "第二章 附则"]
    assert [(u.text, u.source) for u in units_in(extraction, "form")] == [("13812345678", "phone")]


def test_embedded_pdf_is_listed_and_read(tmp_path):
    inner = make_pdf(tmp_path / "inner.pdf", [["附件里的机密★1年"]]).read_bytes()
    extraction = extract_path(make_pdf(tmp_path / "a.pdf", [["正文"]], attachment=("附件.pdf", inner)))
    attached = units_in(extraction, "attachment")
    assert "附件里的机密★1年" in [u.text for u in attached]
    assert all(u.source.startswith("附件.pdf") for u in attached)
    listing = [n for n in extraction.notices if n.kind == "attachment"]
    assert len(listing) == 1 and "附件.pdf" in listing[0].detail


def test_encrypted_pdf_is_an_error_unless_the_user_password_is_empty(tmp_path):
    locked = extract_path(make_pdf(tmp_path / "locked.pdf", [["秘密"]], encrypt="secret"))
    assert locked.errors == ("加密文件，无法读取 / encrypted",)
    assert locked.units == ()
    open_ = extract_path(make_pdf(tmp_path / "open.pdf", [["秘密★6个月"]], encrypt=""))
    assert open_.errors == ()
    assert [u.text for u in units_in(open_, "body")] == ["秘密★6个月"]


def test_image_only_pdf_names_each_page(tmp_path):
    extraction = extract_path(make_image_only_pdf(tmp_path / "scan.pdf", pages=2))
    assert extraction.errors == (
        "第1页无文字层（扫描图像） / page 1 has no text layer (scanned image)",
        "第2页无文字层（扫描图像） / page 2 has no text layer (scanned image)",
    )


def test_scanned_page_inside_a_text_pdf_is_reported(tmp_path):
    extraction = extract_path(make_pdf(tmp_path / "mixed.pdf", [["第一页文字"], []], images_on=[2]))
    assert extraction.errors == ("第2页无文字层（扫描图像） / page 2 has no text layer (scanned image)",)
    assert [u.text for u in units_in(extraction, "body")] == ["第一页文字"]


def test_empty_pdf_is_an_error(tmp_path):
    extraction = extract_path(make_empty_pdf(tmp_path / "empty.pdf"))
    assert len(extraction.errors) == 1 and "没有任何文字" in extraction.errors[0]


def test_truncated_pdf_is_an_error(tmp_path):
    data = make_pdf(tmp_path / "a.pdf", [["秘密"]]).read_bytes()
    extraction = extract_bytes(data[:200], "a.pdf")
    assert extraction.errors and " / " in extraction.errors[0]


def test_pdf_named_txt_is_read_as_pdf(tmp_path):
    source = make_pdf(tmp_path / "a.pdf", [["秘密★6个月"]])
    liar = tmp_path / "notes.txt"
    shutil.copy(source, liar)
    extraction = extract_path(liar)
    assert extraction.format == "pdf"
    assert units_in(extraction, "body")[0].text == "秘密★6个月"


def test_black_highlight_annotation_over_text_is_a_failed_redaction(tmp_path):
    lines = [f"第{i}行" for i in range(7)] + ["被黑色高亮遮住的姓名"]
    black = extract_path(make_pdf(tmp_path / "a.pdf", [lines], annotations=[(1, "BlackHighlight", "")]))
    redactions = [n for n in black.notices if n.kind == "dark-box"]
    assert [(n.page, n.text) for n in redactions] == [(1, "被黑色高亮遮住的姓名")]
    yellow = extract_path(make_pdf(tmp_path / "b.pdf", [lines], annotations=[(1, "Highlight", "")]))
    assert [n for n in yellow.notices if n.kind == "dark-box"] == []


# -- the PDFium reader and its pdfminer fallback ---------------------------


def _line(canvas, index, text, *, font="STSong-Light", grey=0.0):
    canvas.setFillColorRGB(grey, grey, grey)
    canvas.setFont(font, FONT_SIZE)
    canvas.drawString(LEFT, line_y(index), text)


def _black_box(canvas, index, *, alpha=1.0, grey=0.0):
    canvas.setFillColorRGB(grey, grey, grey)
    canvas.setFillAlpha(alpha)
    canvas.rect(LEFT - 2, line_y(index) - 4, 200, FONT_SIZE + 6, fill=1, stroke=0)
    canvas.setFillAlpha(1.0)


def _rf001(extraction):
    return [(n.page, n.text) for n in extraction.notices if n.kind == "dark-box"]


def test_black_box_inside_a_form_xobject_is_found_where_the_form_puts_it(tmp_path):
    def draw(canvas, page_no):
        canvas.beginForm("cover")
        canvas.setFillColorRGB(0, 0, 0)
        canvas.rect(0, 0, 100, 10, fill=1, stroke=0)
        canvas.endForm()
        _line(canvas, 0, "公开的第一行")
        _line(canvas, 1, "被遮住的姓名张三")
        canvas.saveState()
        # The form's own box is at the origin: only its matrix puts it over line 1.
        canvas.translate(LEFT - 2, line_y(1) - 4)
        canvas.scale(2, 2)
        canvas.doForm("cover")
        canvas.restoreState()

    extraction = extract_path(make_pdf_drawn(tmp_path / "a.pdf", draw))
    assert _rf001(extraction) == [(1, "被遮住的姓名张三")]
    assert [u.text for u in units_in(extraction, "body")] == ["公开的第一行", "被遮住的姓名张三"]


def test_dark_text_on_a_dark_box_is_hidden_even_when_the_box_comes_first(tmp_path):
    def draw(canvas, page_no):
        _black_box(canvas, 0)
        _line(canvas, 0, "黑底黑字的电话13812345678")

    extraction = extract_path(make_pdf_drawn(tmp_path / "a.pdf", draw))
    assert _rf001(extraction) == [(1, "黑底黑字的电话13812345678")]


def test_translucent_or_mid_grey_box_is_not_a_redaction(tmp_path):
    def draw(canvas, page_no):
        _line(canvas, 0, "半透明遮罩下的文字")
        _black_box(canvas, 0, alpha=0.3)
        _line(canvas, 1, "中灰色方块下的文字")
        _black_box(canvas, 1, grey=0.5)
        _line(canvas, 2, "真正涂黑的文字")
        _black_box(canvas, 2, grey=0.1)

    extraction = extract_path(make_pdf_drawn(tmp_path / "a.pdf", draw))
    assert _rf001(extraction) == [(1, "真正涂黑的文字")]


def test_standard_latin_fonts_are_read(tmp_path):
    def draw(canvas, page_no):
        _line(canvas, 0, "Internal use only: password Secret123", font="Helvetica")
        _line(canvas, 1, "Times line", font="Times-Roman")

    extraction = extract_path(make_pdf_drawn(tmp_path / "a.pdf", draw))
    assert [u.text for u in units_in(extraction, "body")] == ["Internal use only: password Secret123", "Times line"]


def test_ordinary_pages_never_reach_pdfminer_page_content(tmp_path, monkeypatch):
    # The throughput target rests on PDFium reading the pages; pdfminer's
    # content interpreter is for pages PDFium cannot decode.
    def refuse(*args, **kwargs):
        raise AssertionError("pdfminer was asked to read page content")

    monkeypatch.setattr(pdf._Miner, "page", refuse)
    extraction = extract_path(
        make_pdf(tmp_path / "a.pdf", [["秘密★6个月"], ["第二页"], ["第三页"]], annotations=[(3, "Text", "批注")],
                 dark_box_over=(2, "第二页"))
    )
    assert extraction.errors == ()
    assert [(u.text, u.page) for u in units_in(extraction, "body")] == [("秘密★6个月", 1), ("第二页", 2), ("第三页", 3)]
    assert [(u.text, u.page) for u in units_in(extraction, "annotation")] == [("批注", 3)]
    assert _rf001(extraction) == [(2, "第二页")]


def _garbled_pdfium(monkeypatch, lines):
    """Make PDFium's reading of every page look undecoded (as for a font it cannot map)."""
    real = pdf.read_page

    def garbled(document, index, annotations):
        content = real(document, index, annotations)
        return pdf_pdfium.PageContent(
            lines=lines, text_objects=content.text_objects, images=content.images,
            undecoded=pdf_pdfium.undecoded_share("".join(lines)) if lines else 0.0, hidden=(),
        )

    monkeypatch.setattr(pdf, "read_page", garbled)


def test_page_pdfium_cannot_decode_is_read_by_pdfminer(tmp_path, monkeypatch):
    _garbled_pdfium(monkeypatch, ("\ufffd\ufffd\ue001\ue002",))
    extraction = extract_path(
        make_pdf(tmp_path / "a.pdf", [["公开内容", "身份证号110101199003077777"]],
                 dark_box_over=(1, "身份证号110101199003077777"))
    )
    assert extraction.errors == ()
    assert [u.text for u in units_in(extraction, "body")] == ["公开内容", "身份证号110101199003077777"]
    # pdfminer's reading of the page brings its own redaction check.
    assert _rf001(extraction) == [(1, "身份证号110101199003077777")]


def test_page_with_text_objects_but_no_text_is_read_by_pdfminer(tmp_path, monkeypatch):
    _garbled_pdfium(monkeypatch, ())
    extraction = extract_path(make_pdf(tmp_path / "a.pdf", [["秘密★6个月"]]))
    assert extraction.errors == ()
    assert [u.text for u in units_in(extraction, "body")] == ["秘密★6个月"]


def test_page_neither_reader_can_decode_is_an_error(tmp_path, monkeypatch):
    _garbled_pdfium(monkeypatch, ("\ufffd\ufffd\ue001\ue002",))

    def unreadable(self, index, boxes):
        raise pdf_pdfium.PageError("pdfminer: broken font")

    monkeypatch.setattr(pdf._Miner, "page", unreadable)
    extraction = extract_path(make_pdf(tmp_path / "a.pdf", [["秘密★6个月"], ["第二页"]]))
    assert extraction.errors == (
        "第1页文字无法解码（字体缺少编码表） / page 1 text cannot be decoded",
        "第2页文字无法解码（字体缺少编码表） / page 2 text cannot be decoded",
    )


def test_page_pdfium_cannot_load_falls_back_or_is_an_error(tmp_path, monkeypatch):
    def broken(document, index, annotations):
        if index == 1:
            raise pdf_pdfium.PageError("PDFium cannot load the page (error 3)")
        return pdf_pdfium.read_page(document, index, annotations)

    monkeypatch.setattr(pdf, "read_page", broken)
    path = make_pdf(tmp_path / "a.pdf", [["第一页"], ["第二页"]])
    extraction = extract_path(path)
    assert extraction.errors == ()
    assert [(u.text, u.page) for u in units_in(extraction, "body")] == [("第一页", 1), ("第二页", 2)]

    def unreadable(self, index, boxes):
        raise pdf_pdfium.PageError("pdfminer: broken content")

    monkeypatch.setattr(pdf._Miner, "page", unreadable)
    extraction = extract_path(path)
    assert extraction.errors == (
        "第2页无法读取 / page 2 cannot be read: PDFium cannot load the page (error 3); pdfminer: broken content",
    )
    assert [u.text for u in units_in(extraction, "body")] == ["第一页"]


def test_a_long_run_of_unreadable_pages_stops_the_reading(tmp_path, monkeypatch):
    """After MAX_UNREADABLE_RUN pages in a row that neither reader can load, the rest are not
    tried and one error names them; a readable page in between starts the count again."""
    monkeypatch.setattr(pdf, "MAX_UNREADABLE_RUN", 5)
    readable = {0, 4, 6}  # pages 1, 5 and 7; then 8 to 12 fail in a row

    def broken(document, index, annotations):
        if index not in readable:
            raise pdf_pdfium.PageError("PDFium cannot load the page (error 3)")
        return pdf_pdfium.read_page(document, index, annotations)

    def unreadable(self, index, boxes):
        raise pdf_pdfium.PageError("pdfminer: broken content")

    monkeypatch.setattr(pdf, "read_page", broken)
    monkeypatch.setattr(pdf._Miner, "page", unreadable)
    path = make_pdf(tmp_path / "a.pdf", [[f"第{number}页"] for number in range(1, 16)])
    extraction = extract_path(path)
    assert extraction.pages == 15
    assert [u.text for u in units_in(extraction, "body")] == ["第1页", "第5页", "第7页"]
    failed = [error.split(" / ")[0] for error in extraction.errors]
    assert failed == [
        *(f"第{number}页无法读取" for number in (2, 3, 4, 6, 8, 9, 10, 11, 12)),
        "第13至15页未读取：已有连续 5 页无法读取，文件声明的页数可能有误",
    ]


def test_page_count_far_beyond_the_page_tree_is_not_read_page_by_page():
    """A 3.5 KB file (from the fuzzer) whose page tree declares 114,200 pages: PDFium loads two
    of them; reading stops after the first MAX_UNREADABLE_RUN failures (it took > 29 s)."""
    data = (Path(__file__).parent / "data" / "fuzz-regressions" / "pdf-page-count-lie.pdf").read_bytes()
    extraction = extract_bytes(data, "a.pdf")
    assert extraction.pages == 114_200
    page_errors = [error for error in extraction.errors if "无法读取 / page" in error]
    assert len(page_errors) == pdf.MAX_UNREADABLE_RUN
    assert extraction.errors[-1].startswith(f"第{pdf.MAX_UNREADABLE_RUN + 3}至114200页未读取")


def test_structure_pdfminer_cannot_parse_is_an_error_but_the_text_is_kept(tmp_path, monkeypatch):
    from pdfminer.psexceptions import PSSyntaxError

    def refuse(self, data):
        raise PSSyntaxError("invalid xref")

    monkeypatch.setattr(pdf._Miner, "__init__", refuse)
    extraction = extract_path(make_pdf(tmp_path / "a.pdf", [["秘密★6个月"]], title="内部资料"))
    assert [u.text for u in units_in(extraction, "body")] == ["秘密★6个月"]
    assert units_in(extraction, "metadata") == []
    assert len(extraction.errors) == 1
    assert extraction.errors[0].startswith("PDF 文档结构无法读取") and "invalid xref" in extraction.errors[0]


def test_undecoded_share_counts_replacement_private_use_and_control_characters():
    assert pdf_pdfium.undecoded_share("") == 0.0
    assert pdf_pdfium.undecoded_share("秘密 文件\r\n") == 0.0
    assert pdf_pdfium.undecoded_share("秘\ufffd\ue000\x03") == 0.75
    assert pdf_pdfium.undecoded_share("  \ufffd  ") == 1.0


def test_text_does_not_depend_on_installed_fonts(tmp_path):
    # STSong-Light is not embedded; PDFium is kept from substituting a system
    # font, and the text comes from the CMap and the character collection.
    text = "中华人民共和国政府信息公开条例第十五条涉及商业秘密、个人隐私"
    extraction = extract_path(make_pdf(tmp_path / "a.pdf", [[text]]))
    assert [u.text for u in units_in(extraction, "body")] == [text]


def test_pdfminer_warnings_stay_off_the_terminal(tmp_path):
    """pdfminer logs harmless quirks ("MediaBox missing ... defaulting to US Letter") without a
    file name; with no logging configured Python prints them on stderr, between the report
    and a batch's progress line.  What cannot be read is in the extraction's errors.

    Run in a fresh interpreter: pytest's own log capture would hide the fault here.
    """
    path = make_pdf(tmp_path / "a.pdf", [["正文"]], annotations=[(1, "Text", "批注内容")])
    data = path.read_bytes()
    media_box = b"/MediaBox [ 0 0 595 842 ]"
    assert data.count(media_box) == 1
    path.write_bytes(data.replace(media_box, b" " * len(media_box)))  # same length: the xref stays right
    code = (
        "import sys; from scanner.extract import extract_path; "
        "e = extract_path(sys.argv[1]); print([u.text for u in e.units if u.part == 'annotation'])"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1], check=True)
    assert done.stdout.strip() == "['批注内容']"  # pdfminer walked the page
    assert done.stderr == ""
