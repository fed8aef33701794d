"""Legacy formats (doc, xls, ppt, rtf, OpenDocument): converted with LibreOffice, then cleaned.

The binary formats keep revisions, comments and properties in structures
this project does not edit; the modern counterpart written by LibreOffice
is cleaned instead.  Without LibreOffice (``soffice``) the document is
refused with a message saying how to convert it by hand.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from scanner.clean import CleanRefused

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CONVERT_SECONDS = 180
_BY_SUFFIX = {".doc": "docx", ".dot": "docx", ".rtf": "docx", ".odt": "docx", ".wps": "docx",
              ".xls": "xlsx", ".xlt": "xlsx", ".ods": "xlsx", ".et": "xlsx",
              ".ppt": "pptx", ".pot": "pptx", ".pps": "pptx", ".odp": "pptx", ".dps": "pptx"}
# Streams that name the application inside an OLE compound file (UTF-16 directory entries).
_OLE_STREAMS = (("WordDocument", "docx"), ("Workbook", "xlsx"), ("Book", "xlsx"), ("PowerPoint Document", "pptx"))
_ODF_TYPES = {b"application/vnd.oasis.opendocument.text": "docx",
              b"application/vnd.oasis.opendocument.spreadsheet": "xlsx",
              b"application/vnd.oasis.opendocument.presentation": "pptx"}


@dataclass(frozen=True)
class Legacy:
    source: str  # what it is, for the report (doc, xls, rtf, odt ...)
    target: str  # docx, xlsx or pptx


def legacy_kind(data: bytes, name: str) -> Legacy | None:
    """What a legacy document is and what it converts to; ``None`` for anything else."""
    suffix = Path(name).suffix.lower()
    if data.startswith(_OLE):
        if "EncryptionInfo".encode("utf-16-le") in data[:1_000_000]:
            return None  # an encrypted docx/xlsx/pptx: refused as unreadable
        for stream, target in _OLE_STREAMS:
            if stream.encode("utf-16-le") in data:
                return Legacy(source=suffix.lstrip(".") or target[:-1], target=target)
        return Legacy(source=suffix.lstrip(".") or "ole", target=_BY_SUFFIX.get(suffix, "docx"))
    if data.startswith(b"{\\rtf"):
        return Legacy(source="rtf", target="docx")
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "mimetype" in archive.namelist():
                    mimetype = archive.read("mimetype").strip()
                    if mimetype in _ODF_TYPES:
                        return Legacy(source=suffix.lstrip(".") or "odf", target=_ODF_TYPES[mimetype])
        except zipfile.BadZipFile:
            return None
    return None


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_legacy(data: bytes, legacy: Legacy) -> tuple[bytes, str]:
    """The document converted to ``legacy.target``, and that kind.

    Raises :class:`CleanRefused` when LibreOffice is missing or the conversion fails.
    """
    program = soffice()
    if program is None:
        raise CleanRefused(
            f"{legacy.source} 是旧版格式，清理须先转换为 {legacy.target}，但本机未安装 LibreOffice（soffice）。"
            f"请另存为 {legacy.target} 后再清理 / legacy {legacy.source}: install LibreOffice or save as {legacy.target}"
        )
    return convert(data, f"input.{legacy.source if legacy.source.isalnum() else 'bin'}", legacy.target, program), \
        legacy.target


def convert(data: bytes, name: str, target: str, program: str) -> bytes:
    """Convert with ``soffice --headless --convert-to`` in a private profile; raises :class:`CleanRefused`."""
    with tempfile.TemporaryDirectory(prefix="secscan-convert-") as folder:
        work = Path(folder)
        source = work / name
        source.write_bytes(data)
        command = [program, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
                   "--convert-to", target, "--outdir", str(work / "out"), str(source)]
        try:
            subprocess.run(command, capture_output=True, timeout=CONVERT_SECONDS, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise CleanRefused(f"LibreOffice 转换失败 / conversion failed: {error}") from error
        produced = work / "out" / f"{source.stem}.{target}"
        if not produced.is_file():
            raise CleanRefused(f"LibreOffice 未能把文件转换为 {target} / conversion to {target} failed")
        return produced.read_bytes()
