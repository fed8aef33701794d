"""Generated documents for the findings snapshot gate (``scripts/findings_snapshot.py``).

Each case puts text in one layer the extractors read — body, header,
footer, comment, deletion, hidden text, properties, text box, table,
footnote, custom XML, sheet, slide notes, PDF annotation, attachment, form,
redaction box, hidden HTML — with a mark, personal data or a sensitive term,
and a clean twin where it matters.  The names are stable: they are the
snapshot's keys.  Add cases at the end when a new layer or format is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from tests import builders

MARK = "机密★1年"
TITLE = "关于2025年度重点项目安排的请示"
BODY = ["经研究，拟将某项目列入年度计划，联系人张三，电话13812345678。", "特此请示。"]
PUBLIC = ["各区人民政府：", "现将有关事项通知如下，请认真贯彻执行。", "（此件公开发布）"]


def _docx_cases() -> Iterator[tuple[str, Callable[[Path], object]]]:
    yield "draft.docx", lambda p: builders.make_docx(p, [MARK, TITLE, *BODY], deleted=["拟提拔王五同志任办公室主任"])
    yield "public.docx", lambda p: builders.make_docx(p, PUBLIC)
    yield "header-mark.docx", lambda p: builders.make_docx(p, PUBLIC, header="秘密★6个月")
    yield "footer-internal.docx", lambda p: builders.make_docx(p, PUBLIC, footer="内部资料 注意保存")
    yield "comment.docx", lambda p: builders.make_docx(p, PUBLIC, comments=["此段发布前删除，内部掌握"])
    yield "hidden.docx", lambda p: builders.make_docx(p, PUBLIC, hidden=["身份证号 11010519491231002X"])
    yield "properties.docx", lambda p: builders.make_docx(p, PUBLIC, properties={"subject": "机密", "author": "李四"})
    yield "textbox.docx", lambda p: builders.make_docx(p, PUBLIC, textbox=MARK)
    yield "table.docx", lambda p: builders.make_docx(
        p, PUBLIC, table=[["姓名", "身份证号", "手机"], ["王五", "11010519491231002X", "13912345678"]]
    )
    yield "footnote.docx", lambda p: builders.make_docx(p, PUBLIC, footnote="标底价格为1200万元")
    yield "custom-xml.docx", lambda p: builders.make_docx(p, PUBLIC, custom_xml="内部事项 注意保管")
    yield "image-alt.docx", lambda p: builders.make_docx(p, PUBLIC, image_alt="秘密★长期")
    yield "inserted.docx", lambda p: builders.make_docx(p, PUBLIC, inserted=["拟任副局长人选"])
    yield "mention.docx", lambda p: builders.make_docx(
        p, ["国家秘密的密级分为绝密、机密、秘密三级。", "标志应标注为“机密★1年”的形式。"]
    )


def _office_cases() -> Iterator[tuple[str, Callable[[Path], object]]]:
    roster = [["姓名", "身份证号"], ["张三", "11010519491231002X"], ["李四", "440524188001010014"]]
    yield "roster.xlsx", lambda p: builders.make_xlsx(p, {"Sheet1": roster})
    yield "hidden-sheet.xlsx", lambda p: builders.make_xlsx(
        p, {"公开": [["项目", "金额"], ["道路", 100]], "内部": [["内部资料 注意保存"]]}, hidden=["内部"]
    )
    yield "cell-comment.xlsx", lambda p: builders.make_xlsx(
        p, {"Sheet1": [["项目"], ["道路"]]}, comments={("Sheet1", "A2"): "拟提拔王五同志"}
    )
    yield "public.xlsx", lambda p: builders.make_xlsx(p, {"Sheet1": [["项目", "金额"], ["道路", 100]]})
    yield "notes.pptx", lambda p: builders.make_pptx(p, ["年度工作汇报", "主要成绩"], notes={2: "内部掌握，不宜公开"})
    yield "slide-mark.pptx", lambda p: builders.make_pptx(p, [[MARK, "年度工作汇报"]])
    yield "public.pptx", lambda p: builders.make_pptx(p, ["年度工作汇报", "主要成绩"])


def _pdf_cases() -> Iterator[tuple[str, Callable[[Path], object]]]:
    yield "mark.pdf", lambda p: builders.make_pdf(p, [[MARK, TITLE, *BODY]])
    yield "public.pdf", lambda p: builders.make_pdf(p, [PUBLIC, ["第二页内容"]])
    yield "redaction.pdf", lambda p: builders.make_pdf(
        p, [["公示名单如下：", "王五 身份证号 11010519491231002X"]],
        dark_box_over=(1, "王五 身份证号 11010519491231002X"),
    )
    yield "annotation.pdf", lambda p: builders.make_pdf(
        p, [PUBLIC], annotations=[(1, "Text", "拟提拔王五同志，暂不公开")]
    )
    yield "attachment.pdf", lambda p: builders.make_pdf(
        p, [PUBLIC], attachment=("名单.txt", "张三 13812345678\n".encode())
    )
    yield "form.pdf", lambda p: builders.make_pdf(p, [PUBLIC], form_field=("phone", "13812345678"))
    yield "image-only.pdf", lambda p: builders.make_image_only_pdf(p)
    yield "empty.pdf", lambda p: builders.make_empty_pdf(p)
    yield "encrypted.pdf", lambda p: builders.make_pdf(p, [PUBLIC], encrypt="secret")


def _web_cases() -> Iterator[tuple[str, Callable[[Path], object]]]:
    yield "hidden.html", lambda p: builders.make_html(
        p, '<p>通知</p><div style="display:none">内部资料 注意保存</div>', title="通知"
    )
    yield "comment.html", lambda p: builders.make_html(p, "<p>通知</p><!-- 秘密★6个月 -->", title="通知")
    yield "public.html", lambda p: builders.make_html(p, "".join(f"<p>{line}</p>" for line in PUBLIC), title="通知")
    yield "mark.txt", lambda p: builders.write_text(p, "\n".join([MARK, TITLE, *BODY]))
    yield "gbk.txt", lambda p: builders.write_text(p, "\n".join(["内部资料", "注意保存", *BODY]), encoding="gbk")


def build_all(folder: Path) -> list[Path]:
    """Write every case into ``folder``; returns their paths in a stable order."""
    paths = []
    for family in (_docx_cases, _office_cases, _pdf_cases, _web_cases):
        for name, build in family():
            path = folder / name
            build(path)
            paths.append(path)
    return paths
