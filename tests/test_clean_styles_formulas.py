"""secscan clean: text hidden by a style, formulas on removed hidden sheets, the proof as JSON.

Every input is built here: a docx whose styles part hides text through a
character style, a paragraph style (by ``w:basedOn``) and the document
defaults; a workbook whose visible sheet has formulas that read hidden
sheets (plain, quoted, shared and through a defined name), with and without
the values Excel saves.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from scanner.clean.proof import is_hidden_layer, visible_lines
from scanner.extract.docx_styles import hidden_styles
from scanner.pipeline import Settings, scan_file
from tests import builders
from tests.cli_helpers import clean_cli

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _replace_members(path: Path, edits: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    members.update(edits)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)


# ---------------------------------------------------------------- text hidden by a style

STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W}">
  <w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val="21"/></w:rPr></w:rPrDefault></w:docDefaults>
  <w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
  <w:style w:type="paragraph" w:styleId="Secret"><w:name w:val="Secret"/><w:basedOn w:val="Normal"/>
    <w:rPr><w:vanish/></w:rPr></w:style>
  <w:style w:type="paragraph" w:styleId="SecretChild"><w:name w:val="Secret child"/><w:basedOn w:val="Secret"/></w:style>
  <w:style w:type="paragraph" w:styleId="Shown"><w:name w:val="Shown"/><w:basedOn w:val="Secret"/>
    <w:rPr><w:vanish w:val="0"/></w:rPr></w:style>
  <w:style w:type="character" w:styleId="HiddenChar"><w:name w:val="Hidden char"/><w:rPr><w:vanish/></w:rPr></w:style>
</w:styles>"""


def _paragraph(text: str, *, style: str = "", run_style: str = "", run_vanish: str | None = None) -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    rpr = ""
    if run_style or run_vanish is not None:
        inner = f'<w:rStyle w:val="{run_style}"/>' if run_style else ""
        if run_vanish is not None:
            inner += f'<w:vanish w:val="{run_vanish}"/>'
        rpr = f"<w:rPr>{inner}</w:rPr>"
    return f"<w:p>{ppr}<w:r>{rpr}<w:t>{text}</w:t></w:r></w:p>"


def styled_docx(path: Path) -> Path:
    builders.make_docx(path, ["占位"])
    body = "".join([
        _paragraph("关于召开年度工作会议的通知"),
        _paragraph("联系人李四，手机13812345678", style="Secret"),
        _paragraph("拟提拔王五同志任办公室主任", style="SecretChild"),
        _paragraph("会议地点另行通知", style="Shown"),
        _paragraph("内部资料 注意保存", run_style="HiddenChar"),
        _paragraph("请各单位准时参加", style="Secret", run_vanish="0"),
    ])
    with zipfile.ZipFile(path) as source:
        document = source.read("word/document.xml").decode()
    document = re.sub(r"<w:body>.*?(<w:sectPr)", lambda m: f"<w:body>{body}{m.group(1)}", document, flags=re.S)
    _replace_members(path, {"word/document.xml": document.encode(), "word/styles.xml": STYLES.encode()})
    return path


HIDDEN_TEXTS = {"联系人李四，手机13812345678", "拟提拔王五同志任办公室主任", "内部资料 注意保存"}
VISIBLE_TEXTS = {"关于召开年度工作会议的通知", "会议地点另行通知", "请各单位准时参加"}


def test_styles_resolve_through_based_on_and_overrides() -> None:
    styles = hidden_styles(STYLES.encode())
    assert styles.paragraph == {"Secret": True, "SecretChild": True, "Shown": False}
    assert styles.character == {"HiddenChar": True}
    assert styles.default_paragraph == "Normal" and not styles.document
    assert not hidden_styles(b"<w:styles/>") and not hidden_styles(None)


def test_text_hidden_by_a_style_is_the_hidden_layer(tmp_path: Path, settings: Settings) -> None:
    result = scan_file(styled_docx(tmp_path / "styled.docx"), settings)
    by_part = {unit.text: unit.part for unit in result.units}
    assert {text: by_part.get(text) for text in HIDDEN_TEXTS} == dict.fromkeys(HIDDEN_TEXTS, "hidden")
    assert {text: by_part.get(text) for text in VISIBLE_TEXTS} == dict.fromkeys(VISIBLE_TEXTS, "body")
    assert "HC003" in {f.rule for f in result.findings}


def test_clean_removes_text_hidden_by_a_style(tmp_path: Path, settings: Settings) -> None:
    source = styled_docx(tmp_path / "styled.docx")
    before = scan_file(source, settings)
    kept = clean_cli(source, "-o", tmp_path / "kept.docx")  # without --hidden the hidden text stays, and says so
    assert "仍存在" in kept.output and kept.exit_code == 1
    target = tmp_path / "clean.docx"
    outcome = clean_cli(source, "-o", target, "--hidden")
    after = scan_file(target, settings)
    assert [f for f in after.findings if is_hidden_layer(f)] == []
    assert visible_lines(after.units) == visible_lines(before.units)
    assert "可见文字：一致" in outcome.output and "隐藏文字" in outcome.output
    with zipfile.ZipFile(target) as archive:
        document = archive.read("word/document.xml").decode()
    for text in HIDDEN_TEXTS:
        assert text not in document
    for text in VISIBLE_TEXTS:
        assert text in document
    import docx

    assert [p.text for p in docx.Document(str(target)).paragraphs if p.text] == [
        "关于召开年度工作会议的通知", "会议地点另行通知", "请各单位准时参加"]


# ---------------------------------------------------------------- formulas on removed hidden sheets

S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def formula_book(path: Path, *, cached: bool = True) -> Path:
    builders.make_xlsx(path, {"汇总": [["x"]], "底稿2": [[7]], "底稿": [[1, 5], [2, 4], [3, 5]], "附 表": [["内部数据"]]},
                       hidden=["底稿", "附 表"])

    def v(value: str) -> str:
        return f"<v>{value}</v>" if cached else ""

    rows = (
        f'<row r="1"><c r="A1" t="inlineStr"><is><t>合计</t></is></c><c r="B1"><f>底稿!B1</f>{v("5")}</c>'
        f'<c r="C1" t="str"><f>\'附 表\'!A1&amp;""</f>{v("内部数据")}</c></row>'
        f'<row r="2"><c r="B2"><f t="shared" ref="B2:B3" si="0">底稿!B2*2</f>{v("8")}</c></row>'
        f'<row r="3"><c r="B3"><f t="shared" si="0"/>{v("10")}</c><c r="C3"><f>底稿2!A1</f><v>7</v></c></row>'
        f'<row r="4"><c r="D4"><f>SUM(隐藏区域)</f>{v("14")}</c></row>'
    )
    with zipfile.ZipFile(path) as source:
        names = source.namelist()
        workbook = source.read("xl/workbook.xml").decode()
        rels = source.read("xl/_rels/workbook.xml.rels").decode()
    first = re.search(r'<sheet [^>]*name="汇总"[^>]*r:id="(\w+)"', workbook)
    assert first is not None
    target = re.search(rf'Id="{first.group(1)}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{first.group(1)}"', rels)
    assert target is not None
    sheet_part = "xl/" + (target.group(1) or target.group(2)).lstrip("/").removeprefix("xl/")
    assert sheet_part in names
    with zipfile.ZipFile(path) as source:
        sheet = source.read(sheet_part).decode()
    sheet = re.sub(r"<sheetData>.*</sheetData>|<sheetData\s*/>", f"<sheetData>{rows}</sheetData>", sheet, flags=re.S)
    names_xml = '<definedNames><definedName name="隐藏区域">底稿!$B$1:$B$3</definedName></definedNames>'
    workbook = workbook.replace("</sheets>", f"</sheets>{names_xml}")
    _replace_members(path, {sheet_part: sheet.encode(), "xl/workbook.xml": workbook.encode()})
    return path


def _formulas(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/"))


def test_formulas_on_a_removed_hidden_sheet_become_their_saved_values(tmp_path: Path, settings: Settings) -> None:
    source = formula_book(tmp_path / "book.xlsx")
    before = scan_file(source, settings)
    target = tmp_path / "book.clean.xlsx"
    outcome = clean_cli(source, "-o", target, "--hidden")
    assert "引用隐藏工作表的公式（已替换为保存的计算结果）" in outcome.output, outcome.output
    assert "可见文字：一致" in outcome.output
    sheets = _formulas(target)
    assert "底稿!" not in sheets and "附 表" not in sheets and "隐藏区域" not in sheets
    assert "<f>底稿2!A1</f>" in sheets  # a kept sheet whose name starts the same is not touched
    import openpyxl

    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["汇总", "底稿2"]
    values = {ref: book["汇总"][ref].value for ref in ("B1", "C1", "B2", "B3", "D4", "C3")}
    assert values == {"B1": 5, "C1": "内部数据", "B2": 8, "B3": 10, "D4": 14, "C3": "=底稿2!A1"}
    after = scan_file(target, settings)
    assert visible_lines(after.units) == visible_lines(before.units, frozenset({"底稿", "附 表"}))
    with zipfile.ZipFile(target) as archive:
        assert "隐藏区域" not in archive.read("xl/workbook.xml").decode()


def test_formulas_without_saved_values_are_refused(tmp_path: Path) -> None:
    source = formula_book(tmp_path / "book.xlsx", cached=False)
    target = tmp_path / "book.clean.xlsx"
    outcome = clean_cli(source, "-o", target, "--hidden")
    assert outcome.exit_code == 1
    assert "没有保存计算结果" in outcome.output and "B1" in outcome.output
    assert not target.exists()
    # without --hidden the sheets stay, so do the formulas: nothing to refuse
    assert clean_cli(source, "-o", target).exit_code in (0, 1) and target.exists()


# ---------------------------------------------------------------- the proof as JSON

jsonschema = pytest.importorskip("jsonschema")
SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "docs" / "schema" / "report-v1.schema.json").read_text())


def _validate(instance: object) -> None:
    validator = jsonschema.Draft202012Validator({"$ref": "#/$defs/clean_proof", "$defs": SCHEMA["$defs"]})
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert problems == []


def test_proof_as_json(tmp_path: Path) -> None:
    source = builders.make_docx(tmp_path / "n.docx", ["关于做好春节期间安全工作的通知"], comments=["拟提拔王五同志"],
                                hidden=["联系人手机13812345678"])
    target = tmp_path / "n.clean.docx"
    outcome = clean_cli(source, "-o", target, "--hidden", "--proof-format", "json")
    proof = json.loads(outcome.stdout)
    _validate(proof)
    assert proof["ok"] is True and proof["visible_text"]["same"] is True
    assert proof["verdict_before"] == "review" and proof["verdict"] == "pass" and outcome.exit_code == 0
    rules = {(item["finding"]["rule"], item["finding"]["location"]["part"], item["gone"]) for item in proof["hidden_findings"]}
    assert ("HC002", "comment", True) in rules and ("HC003", "hidden", True) in rules
    assert proof["remaining"] == [] and "批注" in proof["removed"] and "隐藏文字" in proof["removed"]
    assert proof["target"] == str(target)


def test_marked_body_proof_json_stays_block(tmp_path: Path) -> None:
    source = builders.make_docx(tmp_path / "m.docx", ["机密★1年", "关于某项工作的请示"], comments=["请核"])
    outcome = clean_cli(source, "-o", tmp_path / "m.clean.docx", "--proof-format", "json")
    proof = json.loads(outcome.stdout)
    _validate(proof)
    assert proof["verdict"] == "block" and outcome.exit_code == 1
    assert "CM001" in {finding["rule"] for finding in proof["remaining"]}


def test_refusal_as_json(tmp_path: Path) -> None:
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    outcome = clean_cli(broken, "-o", tmp_path / "out.docx", "--proof-format", "json")
    assert outcome.exit_code == 1
    proof = json.loads(outcome.stdout)
    _validate(proof)
    assert proof["ok"] is False and proof["refused"] and proof["source"] == str(broken)
    assert not (tmp_path / "out.docx").exists()
    assert not outcome.stdout.startswith("清理")


# ---------------------------------------------------------------- LibreOffice reads the clean copies

SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_reads_the_clean_copies(tmp_path: Path) -> None:
    book, styled = tmp_path / "book.clean.xlsx", tmp_path / "styled.clean.docx"
    assert clean_cli(formula_book(tmp_path / "book.xlsx"), "-o", book, "--hidden").exit_code in (0, 1)
    assert clean_cli(styled_docx(tmp_path / "styled.docx"), "-o", styled, "--hidden").exit_code in (0, 1)
    charted = tmp_path / "chart.clean.xlsx"
    assert clean_cli(chart_book(tmp_path / "chart.xlsx"), "-o", charted, "--hidden").exit_code in (0, 1)
    out = tmp_path / "out"
    for source, target in ((book, "csv:Text - txt - csv (StarCalc):44,34,76"), (styled, "txt:Text (encoded):UTF8"),
                           (charted, "pdf")):
        completed = subprocess.run(
            [SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--convert-to",
             target, "--outdir", str(out), str(source)],
            capture_output=True, timeout=300, check=False,
        )
        assert completed.returncode == 0, completed.stderr
    rows = (out / "book.clean.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].split(",")[:3] == ["合计", "5", "内部数据"] and rows[1].split(",")[1] == "8", rows
    assert rows[2].split(",")[1:3] == ["10", "7"] and rows[3].split(",")[3] == "14", rows
    text = (out / "styled.clean.txt").read_text(encoding="utf-8-sig")
    assert all(visible in text for visible in VISIBLE_TEXTS)
    assert not any(hidden in text for hidden in HIDDEN_TEXTS)
    assert (out / "chart.clean.pdf").stat().st_size > 1000  # the chart with literal data renders


def chart_book(path: Path, *, cached: bool = True) -> Path:
    """A chart on the visible sheet whose series name, categories and values read the hidden sheet."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference, Series

    book = Workbook()
    shown = book.active
    shown.title = "汇总"
    shown["A1"] = "合计"
    hidden = book.create_sheet("底稿")
    for row in (["张三", 5], ["李四", 4], ["王五", 3]):
        hidden.append(row)
    hidden["C1"] = "拟提拔人选票数"
    hidden.sheet_state = "hidden"
    chart = BarChart()
    chart.series.append(Series(Reference(hidden, min_col=2, min_row=1, max_row=3), title="x"))
    chart.set_categories(Reference(hidden, min_col=1, min_row=1, max_row=3))
    shown.add_chart(chart, "C3")
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/charts/chart1.xml").decode()

    def points(values: list[str]) -> str:
        return f'<ptCount val="{len(values)}"/>' + "".join(
            f'<pt idx="{i}"><v>{v}</v></pt>' for i, v in enumerate(values))

    name = "<strCache>" + points(["拟提拔人选票数"]) + "</strCache>" if cached else ""
    xml = xml.replace("<tx><v>x</v></tx>", f"<tx><strRef><f>'底稿'!$C$1</f>{name}</strRef></tx>")
    categories = "<strCache>" + points(["张三", "李四", "王五"]) + "</strCache>" if cached else ""
    xml = xml.replace("<cat><numRef><f>'底稿'!$A$1:$A$3</f></numRef></cat>",
                      f"<cat><strRef><f>'底稿'!$A$1:$A$3</f>{categories}</strRef></cat>")
    values = "<numCache><formatCode>General</formatCode>" + points(["5", "4", "3"]) + "</numCache>" if cached else ""
    xml = xml.replace("<val><numRef><f>'底稿'!$B$1:$B$3</f></numRef></val>",
                      f"<val><numRef><f>'底稿'!$B$1:$B$3</f>{values}</numRef></val>")
    assert xml.count("'底稿'!") == 3
    _replace_members(path, {"xl/charts/chart1.xml": xml.encode()})
    return path


def test_chart_series_on_a_removed_hidden_sheet_keep_their_saved_values(tmp_path: Path) -> None:
    target = tmp_path / "chart.clean.xlsx"
    outcome = clean_cli(chart_book(tmp_path / "chart.xlsx"), "-o", target, "--hidden")
    assert "引用隐藏工作表的图表数据（已替换为保存的数值）" in outcome.output, outcome.output
    with zipfile.ZipFile(target) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert "底稿" not in chart and "<f>" not in chart and "Ref>" not in chart
    assert "<tx><v>拟提拔人选票数</v></tx>" in chart
    assert re.search(r"<cat><strLit><ptCount val=\"3\"/><pt idx=\"0\"><v>张三</v>", chart)
    assert re.search(r"<val><numLit><formatCode>General</formatCode><ptCount val=\"3\"/>", chart)
    import openpyxl

    assert openpyxl.load_workbook(target).sheetnames == ["汇总"]


def test_chart_series_without_saved_values_are_refused(tmp_path: Path) -> None:
    target = tmp_path / "chart.clean.xlsx"
    outcome = clean_cli(chart_book(tmp_path / "chart.xlsx", cached=False), "-o", target, "--hidden")
    assert outcome.exit_code == 1 and "没有保存数值" in outcome.output and not target.exists()
