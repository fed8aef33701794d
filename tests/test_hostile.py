"""Hostile and broken input (issue #10): bounded, isolated, nothing crashes,
nothing is lost, nothing passes unread.

Every test builds its bad file here.  Memory is measured in a child process
(its VmHWM, which starts afresh at exec), so the test runner's own heap does
not blur the number; the cap is :data:`MEMORY_CAP_MB`.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fuzz.make_seeds import ofd_bytes
from scanner.extract import INTERNAL_FAILURE, _common, _ooxml, extract_bytes
from scanner.extract.text import MAX_TEXT_BYTES
from scanner.roles import NoticeKind
from scanner.types import Extraction
from tests.builders import make_docx, make_html, make_pptx, make_xlsx

REPO = Path(__file__).resolve().parent.parent
# Peak resident memory allowed for extracting one hostile file, in MB.  The
# extractor's own caps (64 MB per XML part, 30 MB of text, 32 MB of HTML,
# 10 million characters per document) keep it far below this.
MEMORY_CAP_MB = 500
SECRET = "TOPSECRET-XYZZY-4711"
REASON = re.compile(r"[\u4e00-\u9fff].* / [A-Za-z0-9]")


# -- helpers -------------------------------------------------------------------


def rewrite(data: bytes, members: dict[str, bytes]) -> bytes:
    """The package ``data`` with members replaced or added."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in members:
                target.writestr(info.filename, source.read(info))
        for name, body in members.items():
            target.writestr(name, body)
    return buffer.getvalue()


def stream_member(path: Path, name: str, chunk: bytes, repeat: int, *, head: bytes = b"", tail: bytes = b"") -> None:
    """Append a member of ``head + chunk * repeat + tail`` without holding it in memory."""
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as package, package.open(
        name, "w", force_zip64=True
    ) as member:
        member.write(head)
        for _ in range(repeat):
            member.write(chunk)
        member.write(tail)


def docx_without(path: Path, member: str, body: list[str]) -> Path:
    """A docx made by the builder, minus ``member`` (to add it back hostile)."""
    make_docx(path, body)
    with zipfile.ZipFile(path) as source:
        kept = [(info.filename, source.read(info)) for info in source.infolist() if info.filename != member]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in kept:
            target.writestr(name, data)
    return path


def lie_about_size(data: bytes, member: str, size: int) -> bytes:
    """Patch the declared uncompressed size of ``member`` (local and central headers)."""
    patched = bytearray(data)
    encoded = member.encode()
    offset = patched.find(b"PK\x01\x02")
    while offset != -1:
        name_length = int.from_bytes(patched[offset + 28 : offset + 30], "little")
        if bytes(patched[offset + 46 : offset + 46 + name_length]) == encoded:
            patched[offset + 24 : offset + 28] = size.to_bytes(4, "little")
            local = int.from_bytes(patched[offset + 42 : offset + 46], "little")
            patched[local + 22 : local + 26] = size.to_bytes(4, "little")
        offset = patched.find(b"PK\x01\x02", offset + 4)
    return bytes(patched)


# Peak resident size from VmHWM, which starts afresh at exec: ru_maxrss is
# inherited across fork and exec, so a child of a large test runner would
# report the runner's peak.
_CHILD = """
import json, sys
from pathlib import Path
from scanner.extract import extract_bytes
def peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
data = Path(sys.argv[1]).read_bytes()
name = sys.argv[2]
before = peak_kb()
extraction = extract_bytes(data, name)
del data
print(json.dumps({
    "format": extraction.format,
    "errors": list(extraction.errors),
    "units": len(extraction.units),
    "longest": max((len(u.text) for u in extraction.units), default=0),
    "chars": sum(len(u.text) for u in extraction.units),
    "first": extraction.units[0].text[:50] if extraction.units else "",
    "notices": [n.kind + ":" + n.detail for n in extraction.notices],
    "input_mb": before / 1024,
    "peak_mb": peak_kb() / 1024,
}))
"""


def extract_in_child(path: Path, name: str, timeout: int = 300) -> dict:
    """Extract ``path`` in a fresh interpreter; returns its summary and peak RSS."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), name],
        cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def assert_unreadable(extraction: Extraction, *words: str) -> None:
    """The extraction says, in both languages, why it could not be read fully."""
    assert extraction.errors, "an unreadable document must carry an error"
    for error in extraction.errors:
        assert REASON.search(error), error
        assert not error.startswith(INTERNAL_FAILURE), error
    joined = " ".join(extraction.errors)
    for word in words:
        assert word in joined, (word, extraction.errors)


def settings_without_model():
    """Pipeline settings with the shipped catalogue and no risk model: these
    tests are about reading and rendering, not about the model's score."""
    from scanner.catalogue import load_catalogue
    from scanner.match import Matcher
    from scanner.pipeline import Settings

    catalogue = load_catalogue()
    return Settings(catalogue=catalogue, matcher=Matcher(catalogue), model=None)


def everything(extraction: Extraction) -> str:
    """All the text an extraction carries anywhere (units, notices, errors, title)."""
    return "\n".join(
        [extraction.title, *extraction.errors, *(u.text for u in extraction.units),
         *(n.text + n.detail for n in extraction.notices)]
    )


# -- archive bombs -------------------------------------------------------------

W_DOC_HEAD = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
W_DOC_TAIL = b"</w:t></w:r></w:p></w:body></w:document>"


def test_docx_bomb_gigabyte_member_is_refused_before_inflating(tmp_path):
    # 1 GiB of XML in a ~1 MB file: refused from the declared size and ratio.
    path = docx_without(tmp_path / "bomb.docx", "word/document.xml", ["正文"])
    stream_member(path, "word/document.xml", b"A" * 1024 * 1024, 1024, head=W_DOC_HEAD, tail=W_DOC_TAIL)
    assert path.stat().st_size < 5 * 1024 * 1024
    summary = extract_in_child(path, "bomb.docx")
    assert any(_ooxml.BOMB in error for error in summary["errors"])
    assert summary["peak_mb"] < MEMORY_CAP_MB, summary


def test_xlsx_bomb_with_lying_sizes_is_bounded(tmp_path):
    # The headers claim 5 kB; the member really inflates to 256 MB.  The
    # reader stops at the declared size (and the CRC then fails), or at
    # MAX_PART_BYTES, never inflating the lie.
    make_xlsx(tmp_path / "a.xlsx", {"表": [["正文"]]})
    raw = (tmp_path / "a.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as package:
        kept = [(info.filename, package.read(info)) for info in package.infolist()
                if info.filename != "xl/worksheets/sheet1.xml"]
    bomb = tmp_path / "lying.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in kept:
            target.writestr(name, data)
    stream_member(bomb, "xl/worksheets/sheet1.xml", b"<!-- " + b"A" * (1024 * 1024 - 10) + b" -->", 256,
                  head=b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>',
                  tail=b"</sheetData></worksheet>")
    bomb.write_bytes(lie_about_size(bomb.read_bytes(), "xl/worksheets/sheet1.xml", 5000))
    summary = extract_in_child(bomb, "lying.xlsx")
    assert summary["errors"], summary
    assert any("sheet1.xml" in error for error in summary["errors"]), summary
    assert summary["peak_mb"] < MEMORY_CAP_MB, summary


def test_part_larger_than_cap_is_refused_while_streaming(tmp_path, monkeypatch):
    # Incompressible text passes the ratio check; the streaming read still
    # stops at the per-part cap instead of trusting the declared size.
    monkeypatch.setattr(_ooxml, "MAX_PART_BYTES", 256 * 1024)
    filler = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(200_000))
    path = make_docx(tmp_path / "big.docx", [filler])
    extraction = extract_bytes(path.read_bytes(), "big.docx")
    assert_unreadable(extraction, "word/document.xml", "too large")
    assert not any(u.text == filler for u in extraction.units)


def test_too_many_members_is_a_bomb(tmp_path):
    path = make_docx(tmp_path / "many.docx", ["正文"])
    with zipfile.ZipFile(path, "a") as package:
        for index in range(_ooxml.MAX_MEMBERS + 1):
            package.writestr(f"word/media/x{index}.bin", b"")
    extraction = extract_bytes(path.read_bytes(), "many.docx")
    assert_unreadable(extraction, _ooxml.BOMB)


def test_nested_archive_in_embeddings_is_reported_not_inflated(tmp_path):
    # A zip bomb (256 MB of zeros) embedded in a docx: the scanner does not
    # open embedded objects, it names them in a review notice.
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as package, package.open(
        "zeros.bin", "w", force_zip64=True
    ) as member:
        for _ in range(256):
            member.write(bytes(1024 * 1024))
    path = make_docx(tmp_path / "nested.docx", ["机密★1年 正文"])
    path.write_bytes(rewrite(path.read_bytes(), {"word/embeddings/oleObject1.zip": inner.getvalue()}))
    summary = extract_in_child(path, "nested.docx")
    assert summary["first"] == "机密★1年 正文"
    assert any(notice.startswith(NoticeKind.UNREAD_EMBEDDED + ":") and "oleObject1.zip" in notice
               for notice in summary["notices"]), summary
    assert summary["peak_mb"] < MEMORY_CAP_MB, summary


# -- OFD -----------------------------------------------------------------------


def test_ofd_text_is_extracted_by_line_and_page():
    data = ofd_bytes([["机密★1年", "关于某事的通知"], ["第二页正文"]], title="某文件")
    extraction = extract_bytes(data, "a.ofd")
    assert extraction.format == "ofd"
    assert not extraction.errors
    assert [(u.text, u.part, u.page) for u in extraction.units] == [
        ("某文件", "metadata", None), ("机密★1年", "body", 1), ("关于某事的通知", "body", 1), ("第二页正文", "body", 2),
    ]
    assert extraction.pages == 2


def test_ofd_with_one_object_per_character_joins_the_line():
    extraction = extract_bytes(ofd_bytes([["内部资料", "第二行"]], per_char=True), "b.ofd")
    assert [u.text for u in extraction.units] == ["内部资料", "第二行"]


def test_ofd_missing_page_and_dtd_are_errors():
    data = ofd_bytes([["正文"]])
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        members = {info.filename: package.read(info) for info in package.infolist()}
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as package:
        for name, body in members.items():
            if "Page_0" not in name:
                package.writestr(name, body)
    assert_unreadable(extract_bytes(broken.getvalue(), "c.ofd"), "Content.xml")
    hostile = rewrite(data, {"OFD.xml": _xxe_prefix("ofd:OFD") + members["OFD.xml"].split(b"?>", 1)[1]})
    extraction = extract_bytes(hostile, "d.ofd")
    assert_unreadable(extraction, "DTD")
    assert SECRET not in everything(extraction)


# -- XML attacks in OOXML ------------------------------------------------------

_SECRET_FILE: dict[str, Path] = {}


@pytest.fixture(autouse=True)
def _secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    _SECRET_FILE["path"] = path
    yield
    _SECRET_FILE.clear()


def _xxe_prefix(root: str) -> bytes:
    uri = _SECRET_FILE["path"].as_uri()
    return f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{uri}">]>'.encode()


def _laughs_prefix(root: str) -> bytes:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    return f'<?xml version="1.0"?><!DOCTYPE {root} [{entities}]>'.encode()


def _docx_part(tmp_path: Path, prefix: bytes, entity: str) -> bytes:
    body = (W_DOC_HEAD + f"机密&{entity};正文".encode() + W_DOC_TAIL).replace(
        b"<w:document", prefix + b"<w:document", 1)
    return rewrite(make_docx(tmp_path / "x.docx", ["占位"]).read_bytes(), {"word/document.xml": body})


def _xlsx_part(tmp_path: Path, prefix: bytes, entity: str) -> bytes:
    raw = make_xlsx(tmp_path / "x.xlsx", {"表": [["占位"]]}).read_bytes()
    strings = (prefix + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
               b'uniqueCount="1"><si><t>' + f"机密&{entity};".encode() + b"</t></si></sst>")
    return rewrite(raw, {"xl/sharedStrings.xml": strings})


def _pptx_part(tmp_path: Path, prefix: bytes, entity: str) -> bytes:
    raw = make_pptx(tmp_path / "x.pptx", ["占位"]).read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as package:
        slide = package.read("ppt/slides/slide1.xml")
    slide = prefix + slide.split(b"?>", 1)[1].replace("占位".encode(), f"机密&{entity};".encode())
    return rewrite(raw, {"ppt/slides/slide1.xml": slide})


def _core_part(tmp_path: Path, prefix: bytes, entity: str) -> bytes:
    raw = make_docx(tmp_path / "y.docx", ["正文"]).read_bytes()
    core = (prefix + b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>'
            + f"&{entity};".encode() + b"</dc:title></cp:coreProperties>")
    return rewrite(raw, {"docProps/core.xml": core})


PART_BUILDERS = {
    "docx-document": (_docx_part, "w:document", "x.docx"),
    "xlsx-sharedStrings": (_xlsx_part, "sst", "x.xlsx"),
    "pptx-slide": (_pptx_part, "p:sld", "x.pptx"),
    "docx-core-properties": (_core_part, "cp:coreProperties", "y.docx"),
}


@pytest.mark.parametrize("case", sorted(PART_BUILDERS))
def test_external_entity_never_reads_the_local_file(tmp_path, case):
    build, root, name = PART_BUILDERS[case]
    extraction = extract_bytes(build(tmp_path, _xxe_prefix(root), "xxe"), name)
    assert SECRET not in everything(extraction)
    assert_unreadable(extraction, "DTD")


@pytest.mark.parametrize("case", sorted(PART_BUILDERS))
def test_billion_laughs_is_refused_without_expanding(tmp_path, case):
    build, root, name = PART_BUILDERS[case]
    extraction = extract_bytes(build(tmp_path, _laughs_prefix(root), "lol9"), name)
    assert_unreadable(extraction, "DTD")
    assert "lol" * 100 not in everything(extraction)


def test_dtd_in_utf16_part_is_refused(tmp_path):
    body = (_xxe_prefix("w:document") + W_DOC_HEAD + "机密&xxe;".encode() + W_DOC_TAIL).decode()
    body = body.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    raw = rewrite(make_docx(tmp_path / "u.docx", ["占位"]).read_bytes(),
                  {"word/document.xml": body.encode("utf-16")})
    extraction = extract_bytes(raw, "u.docx")
    assert SECRET not in everything(extraction)
    assert_unreadable(extraction, "DTD")


# -- XML attacks in HTML / XHTML -----------------------------------------------


def test_xhtml_external_entity_is_not_resolved():
    page = _xxe_prefix("html") + (
        b'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head>'
        b"<body><p>\xe6\xad\xa3\xe6\x96\x87&xxe;</p></body></html>")
    for name in ("a.xhtml", "a.html"):
        extraction = extract_bytes(page, name)
        assert extraction.format == "html"
        assert SECRET not in everything(extraction)
        assert any("正文" in u.text for u in extraction.units)


def test_html_billion_laughs_does_not_expand():
    page = _laughs_prefix("html") + "<html><body><p>正文&lol9;</p></body></html>".encode()
    extraction = extract_bytes(page, "a.html")
    assert "lol" * 100 not in everything(extraction)
    assert any("正文" in u.text for u in extraction.units)


# -- text ----------------------------------------------------------------------


def test_invalid_utf8_is_read_with_an_error():
    data = ("机密★1年\n" + "正文内容，" * 200 + "\n").encode() + b"\xff\xfe\xc3(\n" + "末行".encode()
    extraction = extract_bytes(data, "a.txt")
    assert extraction.units[0].text == "机密★1年"
    assert extraction.units[-1].text == "末行"
    assert_unreadable(extraction, "utf-8")


def test_mixed_encodings_keep_the_readable_text():
    data = ("第一行是UTF-8的正文。" * 30 + "\n").encode() + "第二行是GBK编码的秘密\n".encode("gbk")
    extraction = extract_bytes(data, "mixed.txt")
    assert extraction.units[0].text.startswith("第一行是UTF-8的正文。")
    # The odd line is read too: it is as likely as any to hold the secret.
    assert extraction.units[1].text == "第二行是GBK编码的秘密"
    assert_unreadable(extraction, "mixed encodings")


def test_nul_bytes_and_binary_named_txt_are_errors(tmp_path):
    assert_unreadable(extract_bytes(b"abc\x00def" * 50, "a.txt"), "binary")
    assert_unreadable(extract_bytes(bytes(range(256)) * 40, "b.txt"), "binary")


def test_stray_nul_bytes_are_skipped_and_reported():
    extraction = extract_bytes("机密★1年\x00正文\n".encode() * 50, "a.txt")
    assert extraction.units[0].text == "机密★1年正文"
    assert_unreadable(extraction, "NUL")


def test_extension_that_lies_is_read_by_content(tmp_path):
    docx = make_docx(tmp_path / "a.docx", ["机密★1年"]).read_bytes()
    extraction = extract_bytes(docx, "report.txt")
    assert extraction.format == "docx"
    assert extraction.units[0].text == "机密★1年"
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    assert_unreadable(extract_bytes(png, "notes.txt"), "image")
    html = make_html(tmp_path / "p.html", "<p>内部资料</p>").read_bytes()
    assert extract_bytes(html, "p.pdf").format == "html"


def test_fifty_megabyte_single_line_is_bounded(tmp_path):
    # The issue names 2 GB lines; the text extractor decodes at most
    # MAX_TEXT_BYTES, keeps at most MAX_DOCUMENT_CHARS and splits a line
    # into units of MAX_UNIT_CHARS, with an error saying the rest was not
    # read.  50 MB keeps CI fast; the bound does not depend on the size.
    path = tmp_path / "long.txt"
    with path.open("wb") as handle:
        handle.write("机密★1年".encode())
        chunk = "正文".encode() * (512 * 1024 // 6)
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(chunk)
    assert path.stat().st_size > MAX_TEXT_BYTES
    summary = extract_in_child(path, "long.txt")
    assert summary["first"].startswith("机密★1年")
    assert summary["longest"] <= _common.MAX_UNIT_CHARS
    assert summary["chars"] <= _common.MAX_DOCUMENT_CHARS
    assert any("only the beginning was read" in error for error in summary["errors"]), summary
    # The child's own peak includes the 50 MB input it read.
    assert summary["peak_mb"] < MEMORY_CAP_MB, summary


def test_document_character_cap_applies_to_every_format(monkeypatch, tmp_path):
    monkeypatch.setattr(_common, "MAX_DOCUMENT_CHARS", 1000)
    path = make_docx(tmp_path / "a.docx", ["机密" * 300, "正文" * 300, "末尾" * 300])
    extraction = extract_bytes(path.read_bytes(), "a.docx")
    assert sum(len(u.text) for u in extraction.units) <= 1000
    assert_unreadable(extraction, "was not read")


# -- HTML structure ------------------------------------------------------------


def test_hundred_thousand_levels_of_nesting_keep_the_text():
    page = b"<html><body>" + b"<div>" * 100_000 + "机密★1年".encode() + b"</div>" * 100_000 + b"</body></html>"
    extraction = extract_bytes(page, "deep.html")
    assert [u.text for u in extraction.units] == ["机密★1年"]
    assert_unreadable(extraction, "nested")


def test_huge_attribute_does_not_crash(tmp_path):
    page = b'<html><body><p title="' + b"A" * (20 * 1024 * 1024) + "\">内部资料</p></body></html>".encode()
    path = tmp_path / "attr.html"
    path.write_bytes(page)
    summary = extract_in_child(path, "attr.html")
    assert summary["format"] == "html"
    assert summary["units"] >= 1
    assert summary["peak_mb"] < MEMORY_CAP_MB, summary


def test_scripts_and_handlers_are_not_text(tmp_path):
    page = make_html(
        tmp_path / "s.html",
        '<p onclick="steal()">正文</p><script>var leaked="脚本里的字";</script>'
        '<a href="javascript:alert(1)">链接</a>',
    ).read_bytes()
    extraction = extract_bytes(page, "s.html")
    text = everything(extraction)
    assert "正文" in text and "链接" in text
    assert "脚本里的字" not in text and "steal()" not in text and "javascript:" not in text


# -- renderers escape what the document says ------------------------------------

HOSTILE_TEXT = (
    "机密★1年 <script>alert('pwned')</script> <img src=x onerror=alert(2)> "
    "<a href=\"javascript:alert(3)\">点我</a> \x1b]0;pwned\x07 \u202egnp.exe"
)


@pytest.fixture(scope="module")
def hostile_result(tmp_path_factory):
    from scanner.pipeline import result_of, scan_bytes

    path = tmp_path_factory.mktemp("hostile") / "hostile.html"
    # The markup is escaped in the source, so it is *text* a browser shows;
    # an attribute carries more of it into an alt-text unit.
    escaped = HOSTILE_TEXT.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    make_html(path, f'<p title="{escaped}">{escaped}</p><script>alert("real")</script>'
                    '<a href="javascript:alert(4)" onclick="alert(5)">链接</a>')
    settings = settings_without_model()
    document = scan_bytes(path.read_bytes(), str(path), settings)
    assert any("<script>alert('pwned')</script>" in u.text for u in document.units)
    assert document.findings, "the marking must be found so the hostile context is rendered"
    return result_of([document], settings)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "sarif"])
def test_json_outputs_carry_hostile_text_as_data(hostile_result, fmt):
    from scanner.report import RENDERERS
    from scanner.report.common import ReportOptions

    output = RENDERERS[fmt](hostile_result, ReportOptions())
    documents = [json.loads(line) for line in output.splitlines() if line.strip()] if fmt == "jsonl" else [
        json.loads(output)]
    assert "\x1b" not in output and "\x07" not in output  # JSON escapes control characters
    assert "alert('pwned')" in json.dumps(documents, ensure_ascii=False)


def test_text_output_neutralises_terminal_escapes(hostile_result):
    from scanner.report import RENDERERS
    from scanner.report.common import ReportOptions

    output = RENDERERS["text"](hostile_result, ReportOptions())
    assert "\x1b]0;pwned" not in output and "\x07" not in output and "\u202e" not in output
    assert "机密★1年" in output


def test_html_output_runs_nothing_from_the_document(hostile_result):
    from lxml import html

    from scanner.report import RENDERERS
    from scanner.report.common import ReportOptions

    output = RENDERERS["html"](hostile_result, ReportOptions())
    root = html.document_fromstring(output)
    scripts = root.findall(".//script")
    assert len(scripts) <= 1  # the report's own, CSP-hashed script
    for script in scripts:
        assert not script.get("src")
        assert "pwned" not in (script.text or "") and "alert" not in (script.text or "")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute, value in element.attrib.items():
            assert not attribute.lower().startswith("on"), (element.tag, attribute, value)
            assert not value.strip().lower().startswith("javascript:"), (element.tag, attribute, value)
    assert root.find(".//img") is None or all(img.get("src", "").startswith("data:") for img in root.iter("img"))
    assert "<script>alert('pwned')" not in output
    assert "&lt;script&gt;alert(" in output


def test_docx_output_holds_hostile_text_as_text(hostile_result):
    from lxml import etree

    from scanner.report import RENDERERS
    from scanner.report.common import ReportOptions

    output = RENDERERS["docx"](hostile_result, ReportOptions())
    with zipfile.ZipFile(io.BytesIO(output)) as package:
        document = package.read("word/document.xml")
        rels = b"".join(package.read(n) for n in package.namelist() if n.endswith(".rels"))
    root = etree.fromstring(document)
    texts = "".join(root.itertext())
    assert "alert('pwned')" in texts
    assert b"javascript:" not in rels
    assert b"<script" not in document


# -- never raises, never passes --------------------------------------------------


def test_an_extractor_bug_becomes_an_error_not_an_exception(monkeypatch):
    from scanner.extract import text

    def broken(data, out):
        raise ValueError("boom")

    monkeypatch.setattr(text, "extract", broken)
    extraction = extract_bytes("正文".encode(), "a.txt")
    assert extraction.errors and extraction.errors[0].startswith(INTERNAL_FAILURE)
    assert "ValueError: boom" in extraction.errors[0]


def _cases(tmp_path: Path) -> dict[str, tuple[bytes, str]]:
    docx = make_docx(tmp_path / "base.docx", ["正文"]).read_bytes()
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as package:
        package.writestr("word/document.xml", W_DOC_HEAD + b"x" + W_DOC_TAIL)
        for index in range(_ooxml.MAX_MEMBERS + 1):
            package.writestr(f"m{index}", b"")
    return {
        "truncated-docx": (docx[: len(docx) // 2], "a.docx"),
        "xxe-docx": (_docx_part(tmp_path, _xxe_prefix("w:document"), "xxe"), "b.docx"),
        "laughs-xlsx": (_xlsx_part(tmp_path, _laughs_prefix("sst"), "lol9"), "c.xlsx"),
        "many-members": (many.getvalue(), "d.docx"),
        "binary-txt": (bytes(range(256)) * 40, "e.txt"),
        "nul-txt": (b"abc\x00def" * 50, "f.txt"),
        "deep-html": (b"<html><body>" + b"<b>" * 5000 + b"x", "g.html"),
        # a plain zip is read now (its members are scanned); a truncated one is not
        "truncated-zip": (rewrite(ofd_bytes([["x"]]), {"OFD.xml": b""}).replace(b"OFD.xml", b"ABC.xml")[:-30], "h.zip"),
        "ofd-no-body": (rewrite(ofd_bytes([["x"]]), {"OFD.xml": b"<OFD/>"}), "i.ofd"),
    }


def test_every_hostile_case_ends_as_review_with_a_reason(tmp_path):
    from scanner.pipeline import analyse
    from scanner.types import Verdict

    settings = settings_without_model()
    for label, (data, name) in _cases(tmp_path).items():
        extraction = extract_bytes(data, name)
        assert_unreadable(extraction)
        document = analyse(extraction, settings, path=name, sha256="")
        assert document.verdict is not Verdict.PASS, label
        unreadable = [f for f in document.findings if f.category == "unreadable"]
        assert unreadable, label
        assert all(REASON.search(f.message) for f in unreadable), label
