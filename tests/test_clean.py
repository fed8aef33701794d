"""secscan clean: every hidden layer the scanner reads is gone, the visible text is not, the files open."""

from __future__ import annotations

import io
import posixpath
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from builders import make_docx, make_html, make_pdf, make_pptx, make_xlsx

from scanner.clean.proof import is_hidden_layer, visible_lines
from scanner.pipeline import Settings, scan_file
from scanner.types import DocumentResult, Verdict
from tests.cli_helpers import clean_cli


def hidden_findings(result: DocumentResult) -> list[tuple[str, str, str]]:
    return [(f.rule, f.location.part, f.text) for f in result.findings if is_hidden_layer(f)]


def assert_zip_intact(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert len(names) == len(set(names))
        types = archive.read("[Content_Types].xml").decode()
        # every override names a part that exists, every internal relationship a member that exists
        from lxml import etree

        for override in etree.fromstring(types.encode()).iter("{*}Override"):
            assert override.get("PartName").lstrip("/") in names, override.get("PartName")
        for rels in (n for n in names if n.endswith(".rels")):
            folder = rels.rsplit("_rels/", 1)[0]
            for rel in etree.fromstring(archive.read(rels)).iter("{*}Relationship"):
                if rel.get("TargetMode") == "External":
                    continue
                target = rel.get("Target")
                resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                    posixpath.join(folder, target))
                assert resolved in names, (rels, target)


def full_docx(path: Path, body: list[str]) -> Path:
    return make_docx(
        path, body=body, header="某某局办公室", comments=["此处拟提拔王五同志，请核"],
        deleted=["拟提拔王五同志任办公室主任"], inserted=["经研究同意。"], hidden=["联系人手机13812345678"],
        properties={"author": "李四", "subject": "内部资料 注意保存", "keywords": "工作秘密", "comments": "草稿"},
        custom_xml="工作秘密 仅限内部使用", image_alt="内部资料 注意保存",
    )


def test_docx_every_hidden_layer_gone_visible_text_kept(tmp_path: Path, settings: Settings) -> None:
    source = full_docx(tmp_path / "draft.docx", ["关于2025年度重点项目安排的通知", "各单位：现将有关事项通知如下。"])
    before = scan_file(source, settings)
    assert {"HC001", "HC002", "HC003", "HC008"} <= {rule for rule, _, _ in hidden_findings(before)}
    target = tmp_path / "clean.docx"
    outcome = clean_cli(source, "-o", target, "--all")
    after = scan_file(target, settings)
    assert hidden_findings(after) == []
    assert visible_lines(after.units) == visible_lines(before.units)
    assert "经研究同意。" in [u.text for u in after.units if u.part == "body"]  # the insertion was accepted
    assert "可见文字：一致" in outcome.output and "已清除" in outcome.output and " 仍存在 " not in outcome.output
    assert outcome.exit_code == (0 if after.verdict is Verdict.PASS else 1)
    assert_zip_intact(target)
    import docx

    opened = docx.Document(str(target))
    assert opened.core_properties.author == "" and opened.core_properties.subject == ""
    assert opened.comments is None or len(list(opened.comments)) == 0
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        document = archive.read("word/document.xml").decode()
    assert not any(n.startswith("customXml/") or "comments" in n or "thumbnail" in n for n in names)
    for leftover in ("w:del ", "w:ins ", "w:vanish", "commentReference", "commentRangeStart", 'descr="'):
        assert leftover not in document, leftover


def test_untouched_parts_keep_their_bytes(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "a.docx", body=["公开通知"], header="页眉", comments=["意见"])
    target = tmp_path / "b.docx"
    clean_cli(source, "-o", target)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target) as new:
        for name in ("word/header1.xml", "word/styles.xml"):
            if name in old.namelist():
                assert old.read(name) == new.read(name)


def test_marked_body_stays_block(tmp_path: Path, settings: Settings) -> None:
    source = full_docx(tmp_path / "secret.docx", ["机密★1年", "关于2025年度重点项目安排的请示"])
    target = tmp_path / "secret.clean.docx"
    outcome = clean_cli(source, "-o", target, "--all")
    assert outcome.exit_code == 1
    after = scan_file(target, settings)
    assert after.verdict is Verdict.BLOCK
    assert "CM001" in {f.rule for f in after.findings}
    assert hidden_findings(after) == []
    assert "仍为「阻止发布」" in outcome.output


def test_without_flags_the_optional_layers_stay_and_are_listed(tmp_path: Path, settings: Settings) -> None:
    source = make_docx(tmp_path / "a.docx", body=["公开通知"], hidden=["联系人手机13812345678"], comments=["意见"])
    target = tmp_path / "b.docx"
    outcome = clean_cli(source, "-o", target)
    after = scan_file(target, settings)
    assert {rule for rule, _, _ in hidden_findings(after)} >= {"HC003"}
    assert "HC002" not in {rule for rule, _, _ in hidden_findings(after)}
    assert "仍存在" in outcome.output and "--hidden" in outcome.output
    assert outcome.exit_code == 1


def test_deleted_paragraph_mark_joins_paragraphs(tmp_path: Path, settings: Settings) -> None:
    from lxml import etree

    from scanner.clean.docx import accept_revisions

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    root = etree.fromstring(
        f'<w:body xmlns:w="{w}"><w:p><w:pPr><w:rPr><w:del w:id="1" w:author="a"/></w:rPr></w:pPr>'
        '<w:r><w:t>前半</w:t></w:r></w:p><w:p><w:r><w:t>后半</w:t></w:r></w:p>'
        '<w:tbl><w:tr><w:trPr><w:del w:id="2" w:author="a"/></w:trPr><w:tc><w:p><w:r><w:t>删行</w:t></w:r></w:p>'
        '</w:tc></w:tr></w:tbl>'
        '<w:p><w:r><w:rPr><w:b/><w:rPrChange w:id="3" w:author="a"><w:rPr/></w:rPrChange></w:rPr>'
        '<w:t>格式</w:t></w:r></w:p></w:body>'
    )
    assert accept_revisions(root)
    paragraphs = ["".join(p.itertext()) for p in root.iter(f"{{{w}}}p")]
    assert paragraphs == ["前半后半", "格式"]
    assert root.find(f".//{{{w}}}rPrChange") is None and root.find(f".//{{{w}}}tr") is None


def test_xlsx_hidden_sheet_rows_comments_gone(tmp_path: Path, settings: Settings) -> None:
    source = make_xlsx(
        tmp_path / "book.xlsx",
        {"公开": [["项目", "金额"], ["道路", 100], ["隐藏行", "13812345678"]], "底稿": [["身份证", "11010519491231002X"]]},
        hidden=["底稿"], comments={("公开", "A1"): "拟提拔王五同志"}, hidden_rows={"公开": [3]}, title="内部资料",
    )
    before = scan_file(source, settings)
    assert {"HC002", "HC005"} <= {rule for rule, _, _ in hidden_findings(before)}
    target = tmp_path / "book.clean.xlsx"
    outcome = clean_cli(source, "-o", target, "--hidden")
    after = scan_file(target, settings)
    assert hidden_findings(after) == []
    assert after.verdict is Verdict.PASS and outcome.exit_code == 0, outcome.output
    assert_zip_intact(target)
    import openpyxl

    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["公开"]
    assert book["公开"]["A2"].value == "道路" and book["公开"]["B3"].value is None
    with zipfile.ZipFile(target) as archive:
        everything = b"".join(archive.read(n) for n in archive.namelist())
    assert b"11010519491231002X" not in everything  # not even in the shared strings


def test_pptx_notes_hidden_slides_gone(tmp_path: Path, settings: Settings) -> None:
    source = make_pptx(tmp_path / "talk.pptx", ["第一页 工作总结", "第二页 内部资料 注意保存", "第三页 谢谢"],
                       notes={1: "讲稿：拟提拔王五同志"}, hidden=[2], title="内部")
    before = scan_file(source, settings)
    assert {"HC004", "HC006"} <= {rule for rule, _, _ in hidden_findings(before)}
    target = tmp_path / "talk.clean.pptx"
    clean_cli(source, "-o", target, "--notes", "--hidden")
    after = scan_file(target, settings)
    assert hidden_findings(after) == []
    assert_zip_intact(target)
    import pptx

    deck = pptx.Presentation(str(target))
    texts = [shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame]
    assert texts == ["第一页 工作总结", "第三页 谢谢"]
    assert not any(slide.has_notes_slide for slide in deck.slides)


def test_pdf_hidden_layers_and_history_gone(tmp_path: Path, settings: Settings) -> None:
    from pypdf import PdfReader, PdfWriter

    source = make_pdf(
        tmp_path / "a.pdf", [["关于项目安排的通知", "现将有关事项通知如下。"]],
        annotations=[(1, "Text", "拟提拔王五同志")], title="Draft v1 secret", author="Li Si",
        form_field=("phone", "13812345678"), attachment=("note.txt", "内部资料 注意保存".encode()),
    )
    # an incremental update: the old title stays in the file after the new one
    writer = PdfWriter(source, incremental=True)
    writer.add_metadata({"/Title": "Draft v2"})
    buffer = io.BytesIO()
    writer.write(buffer)
    source.write_bytes(buffer.getvalue())
    assert source.read_bytes().count(b"%%EOF") == 2
    before = scan_file(source, settings)
    assert {"HC007", "HC009"} <= {rule for rule, _, _ in hidden_findings(before)}
    target = tmp_path / "a.clean.pdf"
    outcome = clean_cli(source, "-o", target, "--form-values")
    after = scan_file(target, settings)
    assert hidden_findings(after) == [] and after.verdict is Verdict.PASS, outcome.output
    data = target.read_bytes()
    assert data.count(b"%%EOF") == 1 and b"Draft v1" not in data and b"Li Si" not in data
    assert b"/EmbeddedFile" not in data and b"/Subtype /Text" not in data  # gone, not merely unreferenced
    reader = PdfReader(target)
    assert reader.metadata is None and not reader.attachments and "/OpenAction" not in reader.trailer["/Root"]
    assert "/Annots" not in reader.pages[0] or all(
        a.get_object()["/Subtype"] in ("/Widget", "/Link") for a in reader.pages[0]["/Annots"])
    assert visible_lines(after.units) == visible_lines(before.units)
    assert "早期版本" in outcome.output


def test_failed_redaction_refused_then_redacted(tmp_path: Path, settings: Settings) -> None:
    covered = "身份证号11010519491231002X"
    source = make_pdf(tmp_path / "r.pdf", [["关于项目的公示", covered, "公示期五天。"]], dark_box_over=(1, covered))
    assert "RF001" in {f.rule for f in scan_file(source, settings).findings}
    target = tmp_path / "r.clean.pdf"
    refused = clean_cli(source, "-o", target)
    assert refused.exit_code == 1 and "涂黑失败" in refused.output and "--redact" in refused.output
    assert not target.exists()
    outcome = clean_cli(source, "-o", target, "--redact")
    after = scan_file(target, settings)
    assert "RF001" not in {f.rule for f in after.findings}
    assert all("11010519491231002X" not in unit.text for unit in after.units)
    from pypdf import PdfReader

    page = PdfReader(target).pages[0]
    assert "1101051949" not in page.extract_text() and b" re f" in page.get_contents().get_data()  # box kept
    assert [u.text for u in after.units if u.part == "body"] == ["关于项目的公示", "公示期五天。"]
    assert f"【{covered}】" in outcome.output.replace(" ", "") or covered in outcome.output.replace(" ", "")
    assert outcome.exit_code == 0, outcome.output


def test_html_comments_hidden_attributes(tmp_path: Path, settings: Settings) -> None:
    source = make_html(
        tmp_path / "p.html",
        '<p>关于项目的通知</p><!-- 审核意见：拟提拔王五同志 --><div style="display:none">手机13812345678</div>'
        '<img src="a.png" alt="内部资料 注意保存"><p>公开内容。</p>',
        title="通知", meta={"keywords": "工作秘密"}, charset="gbk",
    )
    target = tmp_path / "p.clean.html"
    outcome = clean_cli(source, "-o", target, "--hidden", "--attributes")
    after = scan_file(target, settings)
    assert hidden_findings(after) == [] and outcome.exit_code == 0, outcome.output
    text = target.read_bytes().decode("gbk")
    assert "<!--" not in text and "13812345678" not in text and "内部资料" not in text
    assert "关于项目的通知" in text and 'src="a.png"' in text


def test_never_overwrites_without_in_place(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "a.docx", body=["公开通知"], comments=["意见"])
    original = source.read_bytes()
    assert clean_cli(source).exit_code == 2
    assert clean_cli(source, "-o", source).exit_code == 2
    assert source.read_bytes() == original
    outcome = clean_cli(source, "--in-place")
    assert outcome.exit_code == 0, outcome.output
    assert source.read_bytes() != original
    assert [p.name for p in tmp_path.iterdir()] == ["a.docx"]  # no temporary file left behind


def test_corrupt_input_refused_with_message(tmp_path: Path) -> None:
    source = tmp_path / "bad.docx"
    good = make_docx(tmp_path / "good.docx", body=["公开通知"]).read_bytes()
    source.write_bytes(good[: len(good) // 2])
    outcome = clean_cli(source, "-o", tmp_path / "out.docx")
    assert outcome.exit_code == 1 and "未清理" in outcome.output
    assert not (tmp_path / "out.docx").exists()


def test_legacy_refused_without_converter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scanner.clean.legacy.soffice", lambda: None)
    source = tmp_path / "old.doc"
    source.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + b"\0" * 600)
    outcome = clean_cli(source, "-o", tmp_path / "old.clean.doc")
    assert outcome.exit_code == 1 and "LibreOffice" in outcome.output and "docx" in outcome.output


SOFFICE = shutil.which("soffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


@needs_soffice
def test_clean_copies_open_in_libreoffice(tmp_path: Path) -> None:
    clean_dir = tmp_path / "clean"
    clean_dir.mkdir()
    documents = [
        full_docx(tmp_path / "a.docx", ["关于项目安排的通知"]),
        make_xlsx(tmp_path / "b.xlsx", {"公开": [["项目"]], "底稿": [["身份证"]]}, hidden=["底稿"],
                  comments={("公开", "A1"): "意见"}),
        make_pptx(tmp_path / "c.pptx", ["第一页", "第二页"], notes={1: "备注"}, hidden=[2]),
    ]
    for document in documents:
        assert clean_cli(document, "-o", clean_dir / document.name, "--all").exit_code in (0, 1)
    out = tmp_path / "out"
    completed = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), *(str(clean_dir / d.name) for d in documents)],
        capture_output=True, timeout=300, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    for document in documents:
        produced = out / f"{document.stem}.pdf"
        assert produced.is_file() and produced.stat().st_size > 500, document.name


@needs_soffice
def test_legacy_doc_converted_then_cleaned(tmp_path: Path, settings: Settings) -> None:
    from scanner.clean.legacy import convert

    modern = full_docx(tmp_path / "m.docx", ["关于项目安排的通知"])
    doc = tmp_path / "old.doc"
    doc.write_bytes(convert(modern.read_bytes(), "m.docx", "doc", SOFFICE or ""))
    outcome = clean_cli(doc, "-o", tmp_path / "old.clean.doc", "--all")
    target = tmp_path / "old.clean.docx"
    assert target.is_file(), outcome.output
    assert "已先由 doc 格式转换为 docx" in outcome.output
    after = scan_file(target, settings)
    assert hidden_findings(after) == []
    assert "关于项目安排的通知" in [u.text for u in after.units if u.part == "body"]


def test_pdf_scripts_and_open_action_removed(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    source = make_pdf(tmp_path / "js.pdf", [["关于项目安排的通知"]])
    writer = PdfWriter(clone_from=PdfReader(source))
    script = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert")})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(script)
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("a"), writer._add_object(script)])})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    writer.add_uri(0, "https://example.org/", [72, 600, 272, 630])
    writer.write(source)
    assert b"/JavaScript" in source.read_bytes()
    target = tmp_path / "js.clean.pdf"
    clean_cli(source, "-o", target)
    root = PdfReader(target).trailer["/Root"]
    assert "/OpenAction" not in root and ("/Names" not in root or "/JavaScript" not in root["/Names"])
    assert b"/JavaScript" not in target.read_bytes()
    links = [a.get_object()["/Subtype"] for a in PdfReader(target).pages[0].get("/Annots", [])]
    assert links == ["/Link"]  # the page's own link stays


def test_encrypted_pdf_and_plain_text_refused(tmp_path: Path) -> None:
    locked = make_pdf(tmp_path / "locked.pdf", [["关于项目安排的通知"]], encrypt="secret")
    outcome = clean_cli(locked, "-o", tmp_path / "out.pdf")
    assert outcome.exit_code == 1 and "未清理" in outcome.output
    text = tmp_path / "a.txt"
    text.write_text("关于项目安排的通知\n", encoding="utf-8")
    outcome = clean_cli(text, "-o", tmp_path / "b.txt")
    assert outcome.exit_code == 1 and "无法清理该格式" in outcome.output
    assert not (tmp_path / "out.pdf").exists() and not (tmp_path / "b.txt").exists()


def test_kept_title_replaces_the_drafts(tmp_path: Path) -> None:
    import docx

    source = make_docx(tmp_path / "a.docx", body=["公开通知"], core_title="内部讨论稿", properties={"author": "李四"})
    target = tmp_path / "b.docx"
    clean_cli(source, "-o", target, "--title", "关于项目安排的通知")
    properties = docx.Document(str(target)).core_properties
    assert properties.title == "关于项目安排的通知" and properties.author == ""


def test_proof_fails_when_visible_text_changes() -> None:
    from scanner.clean.proof import prove, render
    from scanner.types import TextUnit

    def result(*texts: str) -> DocumentResult:
        return DocumentResult(path="a.docx", format="docx", verdict=Verdict.PASS, risk=0.0,
                              units=tuple(TextUnit(text=t) for t in texts))

    proof = prove(result("第一段", "第二段"), result("第一段"))
    assert not proof.ok and "-body: 第二段" in proof.diff
    assert "有变化" in render(proof, source="a.docx", target="b.docx", removed=())
    assert prove(result("第一段", "第二段"), result("第一段第二段")).ok  # a joined paragraph is the same text
    redacted = prove(result("公示", "身份证110105"), result("公示"), redacted=("身份证110105",))
    assert redacted.ok


def test_clean_scans_under_the_per_file_limits_and_refuses_what_it_could_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the scans before and after run in a limited child, as `scan FILE` does: a deadline no scan can meet
    # stands for a hostile file that would hang it
    import scanner.inputs

    source = make_docx(tmp_path / "draft.docx", ["关于开展检查的通知"], comments=["请核实"])
    monkeypatch.setattr(scanner.inputs, "DEFAULT_TIMEOUT", 1e-6)
    outcome = clean_cli(source, "-o", tmp_path / "clean.docx")
    assert outcome.exit_code != 0
    assert "超时" in outcome.output and not (tmp_path / "clean.docx").exists(), outcome.output
