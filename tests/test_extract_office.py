"""xlsx and pptx extraction: sheets, hidden sheets and rows, comments, slides, notes."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from builders import make_pptx, make_xlsx, units_in

from scanner.extract import extract_bytes, extract_path


def test_xlsx_every_sheet_with_cells_and_hidden_layers(tmp_path):
    extraction = extract_path(
        make_xlsx(
            tmp_path / "a.xlsx",
            {
                "公开": [["姓名", "电话"], ["张三", 13812345678], ["合计", 1]],
                "底稿": [["内部资料 注意保存"]],
                "深藏": [["绝密★长期"]],
            },
            hidden=["底稿"],
            very_hidden=["深藏"],
            comments={("公开", "B2"): "手机号发布前删除"},
            header="机密★1年",
            hidden_rows={"公开": [2]},
        )
    )
    assert extraction.format == "xlsx"
    assert extraction.errors == ()
    sheet = [(u.text, u.source, u.page, u.cell) for u in units_in(extraction, "sheet")]
    assert sheet == [
        ("姓名", "公开", 1, (0, 0)), ("电话", "公开", 1, (0, 1)),
        ("合计", "公开", 1, (2, 0)), ("1", "公开", 1, (2, 1)),
        ("内部资料 注意保存", "底稿", 2, (0, 0)),
        ("绝密★长期", "深藏", 3, (0, 0)),
    ]
    assert [(u.text, u.cell) for u in units_in(extraction, "hidden")] == [("张三", (1, 0)), ("13812345678", (1, 1))]
    assert [(u.text, u.source, u.cell) for u in units_in(extraction, "comment")] == [("手机号发布前删除", "公开", (1, 1))]
    assert {u.text for u in units_in(extraction, "header")} == {"机密★1年"}
    hidden_sheet = [n for n in extraction.notices if n.kind == "hidden-sheet"]
    assert len(hidden_sheet) == 1
    assert "底稿" in hidden_sheet[0].detail and "深藏" in hidden_sheet[0].detail
    assert hidden_sheet[0].text.startswith("内部资料 注意保存")
    assert sorted(n.kind for n in extraction.notices) == ["comment", "hidden-sheet", "hidden-text"]


def test_xlsx_without_hidden_parts_has_no_notices(tmp_path):
    extraction = extract_path(make_xlsx(tmp_path / "a.xlsx", {"表": [["公开数据", 1]]}, title="统计表"))
    assert extraction.notices == ()
    assert extraction.title == "统计表"


def test_pptx_slides_notes_and_hidden_slide(tmp_path):
    extraction = extract_path(
        make_pptx(
            tmp_path / "a.pptx",
            ["工作汇报", ["第二页", "机密★1年"], "隐藏页：考察对象名单"],
            notes={2: "讲稿：数字暂不对外"},
            hidden=[3],
        )
    )
    assert extraction.format == "pptx"
    assert extraction.pages == 3
    slides = [(u.text, u.page, u.paragraph) for u in units_in(extraction, "slide")]
    assert slides == [("工作汇报", 1, 1), ("第二页", 2, 1), ("机密★1年", 2, 2), ("隐藏页：考察对象名单", 3, 1)]
    assert [(u.text, u.page) for u in units_in(extraction, "notes")] == [("讲稿：数字暂不对外", 2)]
    kinds = {n.kind: n for n in extraction.notices}
    assert sorted(kinds) == ["hidden-slide", "speaker-notes"]
    assert kinds["hidden-slide"].page == 3 and kinds["hidden-slide"].text == "隐藏页：考察对象名单"
    assert kinds["speaker-notes"].text == "讲稿：数字暂不对外"


def test_truncated_xlsx_and_pptx_are_errors(tmp_path):
    for path in (
        make_xlsx(tmp_path / "a.xlsx", {"表": [["数据"] * 20] * 200}),
        make_pptx(tmp_path / "a.pptx", ["幻灯片"] * 5),
    ):
        data = path.read_bytes()
        extraction = extract_bytes(data[: len(data) // 2], path.name)
        assert extraction.format == path.suffix[1:]
        assert extraction.errors and "损坏或被截断" in extraction.errors[0]
