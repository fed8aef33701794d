"""Archives and the pipeline's recursive scan of embedded documents: located to the member, bounded."""

from __future__ import annotations

import gzip
import io
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from builders import make_docx, make_xlsx

from scanner.extract import _container, extract_bytes, sniff
from scanner.extract.archive import member_name
from scanner.pipeline import CHAIN, scan_bytes
from scanner.types import Verdict


def zip_of(members: dict[str, bytes], *, raw_names: dict[str, bytes] | None = None) -> bytes:
    """A zip; ``raw_names`` maps a member to name bytes written without the UTF-8 flag (as GBK tools do)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    data = buffer.getvalue()
    for name, raw in (raw_names or {}).items():
        data = _rename(data, name.encode("utf-8"), raw)
    return data


def _rename(data: bytes, utf8: bytes, raw: bytes) -> bytes:
    """Replace a member name in both its local and central headers and clear the UTF-8 flag (bit 11)."""
    assert len(raw) <= len(utf8)
    padded = raw + b"_" * (len(utf8) - len(raw))  # same length keeps every offset valid
    out = bytearray(data.replace(utf8, padded))
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := out.find(signature, start)) != -1:
            flags = int.from_bytes(out[start + flag_at : start + flag_at + 2], "little") & ~0x800
            out[start + flag_at : start + flag_at + 2] = flags.to_bytes(2, "little")
            start += 4
    return bytes(out)


@pytest.fixture(scope="module")
def marked_docx(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("docx") / "a.docx"
    return make_docx(path, ["关于重点项目安排的通知", "各单位：请按时报送材料。"], header="机密★1年").read_bytes()


@pytest.fixture(scope="module")
def clean_docx(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("docx") / "b.docx"
    return make_docx(path, ["关于重点项目安排的通知", "各单位：请按时报送材料。"], header="某某市人民政府").read_bytes()


def test_a_zip_inside_a_zip_is_located_to_the_member_and_its_layer(settings, marked_docx, clean_docx):
    inner = zip_of({"附件2.docx": marked_docx, "附件1.docx": clean_docx})
    outer = zip_of({"材料/内层.zip": inner, "说明.txt": "本压缩包为公开材料。".encode()})
    result = scan_bytes(outer, "key_projects.zip", settings)
    assert result.verdict is Verdict.BLOCK
    assert result.format == "zip"
    marks = [f for f in result.findings if f.rule == "CM001"]
    assert len(marks) == 1
    assert marks[0].location.part == "header"
    assert marks[0].location.source == CHAIN.join(["材料/内层.zip", "附件2.docx", "word/header1.xml"])
    assert marks[0].text == "机密★1年"
    # the members' text is in the result, relocated, so reports can show the context
    assert any(unit.source.startswith("材料/内层.zip › 附件2.docx") for unit in result.units)
    assert "header" in result.layers


def test_the_same_archive_without_the_mark_passes(settings, clean_docx):
    outer = zip_of({"材料/内层.zip": zip_of({"附件1.docx": clean_docx}), "说明.txt": "本压缩包为公开材料。".encode()})
    result = scan_bytes(outer, "key_projects.zip", settings)
    assert result.errors == ()
    assert result.verdict is Verdict.PASS, result.findings


def test_an_id_roster_in_a_zipped_xlsx_blocks_with_sheet_and_cell(settings, tmp_path):
    roster = make_xlsx(tmp_path / "r.xlsx", {"名单": [["姓名", "身份证号"], ["张三", "11010519491231002X"]]})
    result = scan_bytes(zip_of({"名单.xlsx": roster.read_bytes()}), "a.zip", settings)
    ids = [f for f in result.findings if f.category == "personal-info"]
    assert ids and ids[0].location.source == "名单.xlsx › 名单"
    assert result.verdict is not Verdict.PASS


def test_gbk_member_names_are_decoded(settings, clean_docx):
    data = zip_of({"附件一.txt": "机密★1年\n关于某事项的通知".encode()}, raw_names={"附件一.txt": "附件一.txt".encode("gbk")})
    extraction = extract_bytes(data, "a.zip")
    assert extraction.embedded[0].name.startswith("附件一")
    assert member_name("附件".encode("gbk")) == "附件"
    assert member_name("附件".encode()) == "附件"
    assert member_name(b"\x81\xff") == b"\x81\xff".decode("cp437")


def test_an_encrypted_member_is_unreadable_and_named(settings):
    data = bytearray(zip_of({"secret.docx": b"x" * 100, "open.txt": "公开材料".encode()}))
    # set the encryption flag (bit 0) on the first member in both headers
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.find(signature)
        data[start + flag_at] |= 0x01
    result = scan_bytes(bytes(data), "a.zip", settings)
    assert result.verdict is Verdict.REVIEW
    assert any("secret.docx" in error and "加密" in error for error in result.errors)
    assert any(f.rule == "UR001" and "secret.docx" in f.message for f in result.findings)


def test_a_zip_bomb_stops_at_the_byte_bound(settings, monkeypatch):
    monkeypatch.setattr(_container, "MAX_EXPANDED_BYTES", 1_000_000)
    bomb = zip_of({"zeros.txt": b"0" * 5_000_000})
    assert len(bomb) < 20_000
    result = scan_bytes(bomb, "bomb.zip", settings)
    assert result.verdict is Verdict.REVIEW
    assert any("zeros.txt" in error and "压缩炸弹" in error for error in result.errors)


def test_depth_and_member_bounds_name_what_was_not_read(settings, monkeypatch):
    nested = "机密★1年".encode()
    for level in range(8):
        nested = zip_of({f"level{level}.zip" if level else "deep.txt": nested})
    result = scan_bytes(nested, "deep.zip", settings)
    assert result.verdict is Verdict.REVIEW
    assert any("嵌套超过 5 层" in error for error in result.errors)
    monkeypatch.setattr(_container, "MAX_MEMBERS", 3)
    many = zip_of({f"{n}.txt": f"第{n}号公开材料".encode() for n in range(6)})
    result = scan_bytes(many, "many.zip", settings)
    assert result.verdict is Verdict.REVIEW
    assert any("超过 3 个" in error and "3.txt" in error for error in result.errors)


def test_a_member_error_becomes_the_parents_error_with_the_member_named(settings):
    result = scan_bytes(zip_of({"坏.pdf": b"%PDF-1.7\n garbage"}), "a.zip", settings)
    assert result.verdict is Verdict.REVIEW
    assert result.errors and all(error.startswith("坏.pdf：") for error in result.errors)


def test_tar_gzip_and_tar_gz(settings, marked_docx):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("通知/附件.docx")
        info.size = len(marked_docx)
        archive.addfile(info, io.BytesIO(marked_docx))
    tar = buffer.getvalue()
    assert sniff(tar, "x.bin") == "tar"
    result = scan_bytes(tar, "a.tar", settings)
    assert result.verdict is Verdict.BLOCK
    assert any(f.location.source.startswith("通知/附件.docx › ") for f in result.findings if f.rule == "CM001")
    compressed = io.BytesIO()
    with gzip.GzipFile(filename="a.tar", mode="wb", fileobj=compressed) as handle:
        handle.write(tar)
    assert sniff(compressed.getvalue(), "a.tgz") == "gzip"
    result = scan_bytes(compressed.getvalue(), "a.tar.gz", settings)
    assert result.verdict is Verdict.BLOCK
    marks = [f for f in result.findings if f.rule == "CM001"]
    assert marks[0].location.source.startswith("a.tar › 通知/附件.docx › ")
    plain = gzip.compress("某某局公开信息目录".encode())
    assert scan_bytes(plain, "a.txt.gz", settings).verdict is Verdict.PASS


def test_7z(settings, marked_docx, tmp_path):
    py7zr = pytest.importorskip("py7zr")
    path = tmp_path / "a.7z"
    with py7zr.SevenZipFile(path, "w") as archive:
        archive.writestr(marked_docx, "附件.docx")
        archive.writestr("公开说明".encode(), "说明.txt")
    data = path.read_bytes()
    assert sniff(data, "a.bin") == "7z"
    result = scan_bytes(data, "a.7z", settings)
    assert result.verdict is Verdict.BLOCK
    assert any(f.location.source.startswith("附件.docx › ") for f in result.findings if f.rule == "CM001")
    with py7zr.SevenZipFile(path, "w", password="pw") as archive:
        archive.writestr(marked_docx, "附件.docx")
    encrypted = scan_bytes(path.read_bytes(), "b.7z", settings)
    assert encrypted.verdict is Verdict.REVIEW


def test_rar_without_a_backend_or_corrupt_is_review(settings):
    result = scan_bytes(b"Rar!\x1a\x07\x01\x00" + b"\x00" * 64, "a.rar", settings)
    assert sniff(b"Rar!\x1a\x07\x01\x00" + b"\x00" * 64) == "rar"
    assert result.verdict is Verdict.REVIEW
    assert result.errors


def test_office_packages_are_still_sniffed_as_themselves(marked_docx, tmp_path):
    assert sniff(marked_docx, "a.zip") == "docx"
    assert sniff(make_xlsx(tmp_path / "x.xlsx", {"a": [["1"]]}).read_bytes(), "x.zip") == "xlsx"
    assert sniff(zip_of({"a.txt": b"x"}), "a.docx") == "zip"
