"""Archives: zip, 7z, rar, tar and gzip.  Every member goes to the pipeline as an embedded document.

An archive holds no text of its own; each member is put into
:attr:`Extraction.embedded` and scanned with the same stages, recursively
(``key_projects.zip › 附件2.docx › 页眉``), within the bounds of
:mod:`scanner.extract._container`.  Decompression is always bounded by
output size (a member is read to at most the bytes left in the budget plus
one), so a zip bomb costs the bound, never its expanded size.

A member that cannot be read (encrypted, an unsupported compression, a
rar without an unrar backend, corrupt data) is an error naming it: the
archive is ``review``, never ``pass``.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

from scanner.extract._container import ContainerCollector, over_bytes

# Readers of the sniffed kinds, chosen in extract().
_ZIP_ENCRYPTED = 0x1
_ZIP_UTF8 = 0x800


def extract(data: bytes, out: ContainerCollector) -> None:
    reader = _READERS[out.format]
    reader(data, out)
    if not out.coverage and not out.errors:
        # nothing listed at all: an archive this reader does not understand
        # (rarfile lists a damaged header as an empty archive), not "nothing to review"
        out.error("压缩包中没有找到任何文件，可能已损坏 / no members found in the archive: possibly damaged")


def member_name(raw: bytes) -> str:
    """A member name from its bytes: UTF-8 if it is valid UTF-8, else GB18030 (GBK), else CP437.

    Zip tools on Chinese Windows write GBK names without the UTF-8 flag;
    :mod:`zipfile` then decodes them as CP437 (mojibake such as ``╕╜╝■``).
    """
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("cp437")


def _bounded(out: ContainerCollector, name: str, read: Callable[[int], bytes]) -> bytes | None:
    """``read(limit)`` with limit = the room left plus one; ``None`` (error recorded) past the bound."""
    room = out.room()
    data = read(room + 1)
    if len(data) > room:
        out.error(over_bytes(name))
        out.cover(name, "member", "unread", "bound")
        return None
    return data


def _unreadable(out: ContainerCollector, name: str, chinese: str, english: str) -> None:
    out.error(f"压缩包内“{name}”{chinese}，未审查 / archive member {name!r}: {english}")
    out.cover(name, "member", "unread", english)


def _zip(data: bytes, out: ContainerCollector) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, NotImplementedError) as error:
        out.error(f"压缩包已损坏，无法读取 / corrupt zip archive: {error}")
        return
    with archive:
        for info in archive.infolist():
            name = info.filename
            if not info.flag_bits & _ZIP_UTF8:
                name = member_name(name.encode("cp437", errors="replace"))
            if info.is_dir():
                continue
            if info.file_size == 0:
                out.cover(name, "member", "listed", "empty")
                continue
            if info.flag_bits & _ZIP_ENCRYPTED:
                _unreadable(out, name, "已加密", "encrypted")
                continue
            if not out.may_embed(name):
                break  # every bound is on the whole tree: no later member fits either
            try:
                with archive.open(info) as handle:
                    member = _bounded(out, name, handle.read)
            except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError, ValueError) as error:
                _unreadable(out, name, "无法解压", f"{type(error).__name__}: {error}")
                continue
            if member is not None:
                out.embed(name, member)


def _tar(data: bytes, out: ContainerCollector) -> None:
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")  # noqa: SIM115 - closed by the with below
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        out.error(f"tar 包已损坏，无法读取 / corrupt tar archive: {error}")
        return
    with archive:
        try:
            for info in archive:
                name = member_name(info.name.encode("utf-8", "surrogateescape"))
                if not info.isfile():
                    if not info.isdir():
                        out.cover(name, "member", "listed", "not a regular file")
                    continue
                if info.size == 0:
                    out.cover(name, "member", "listed", "empty")
                    continue
                if not out.may_embed(name):
                    break
                handle = archive.extractfile(info)
                member = _bounded(out, name, handle.read) if handle is not None else None
                if member is not None:
                    out.embed(name, member)
        except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
            out.error(f"tar 包部分损坏，其余成员未读取 / tar archive truncated or corrupt: {error}")


def _gzip(data: bytes, out: ContainerCollector) -> None:
    """One compressed stream: its content is the member (a ``.tar.gz`` yields the tar, read in turn)."""
    import gzip

    name = _gzip_name(data) or "(gzip 解压内容)"
    if not out.may_embed(name):
        return
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as handle:
            member = _bounded(out, name, handle.read)
    except (OSError, EOFError, zlib.error) as error:
        out.error(f"gzip 文件已损坏，无法解压 / corrupt gzip stream: {error}")
        return
    if member is not None and member:
        out.embed(name, member)


def _gzip_name(data: bytes) -> str:
    """The original file name stored in a gzip header (RFC 1952 FNAME), if any."""
    if len(data) < 10 or not data[3] & 0x08:
        return ""
    position = 10
    if data[3] & 0x04:  # FEXTRA: a two-byte length, then that many bytes
        position += 2 + int.from_bytes(data[10:12], "little")
    end = data.find(b"\0", position, position + 1024)
    return member_name(data[position:end]) if end > position else ""


def _sevenzip(data: bytes, out: ContainerCollector) -> None:
    import py7zr
    from py7zr.io import Py7zBytesIO, WriterFactory

    class Bounded(WriterFactory):
        """Keeps each member in memory up to the room left plus one byte (the rest is dropped)."""

        def __init__(self, limit: int) -> None:
            self.limit = limit
            self.products: dict[str, Py7zBytesIO] = {}

        def create(self, filename: str) -> Py7zBytesIO:
            product = self.products[filename] = Py7zBytesIO(filename, self.limit)
            return product

    try:
        with py7zr.SevenZipFile(io.BytesIO(data)) as archive:
            if archive.needs_password():
                out.error("7z 压缩包已加密，无法读取 / encrypted 7z archive")
                return
            infos = [info for info in archive.list() if not info.is_directory]
            wanted = []
            for info in infos:
                if not info.uncompressed:
                    out.cover(info.filename, "member", "listed", "empty")
                elif out.may_embed(info.filename):
                    wanted.append(info.filename)
            if not wanted:
                return
            factory = Bounded(out.room() + 1)
            archive.extract(targets=wanted, factory=factory)
    except (py7zr.exceptions.ArchiveError, py7zr.exceptions.Bad7zFile, EOFError, OSError, ValueError, KeyError,
            LookupError, zlib.error, TypeError) as error:
        out.error(f"7z 压缩包已损坏或使用了不支持的压缩方式，无法读取 / cannot read 7z archive: {type(error).__name__}: {error}")
        return
    for name in wanted:
        product = factory.products.get(name)
        if product is None:
            _unreadable(out, name, "未能解压", "not extracted")
            continue
        product.seek(0)
        member = _bounded(out, name, product.read)
        if member is not None:
            out.embed(name, member)


def _rar(data: bytes, out: ContainerCollector) -> None:
    import rarfile

    try:
        archive = rarfile.RarFile(io.BytesIO(data))
    except (rarfile.Error, EOFError, OSError) as error:
        out.error(f"RAR 压缩包已损坏，无法读取 / corrupt rar archive: {type(error).__name__}: {error}")
        return
    with archive:
        infos: list[Any] = [info for info in archive.infolist() if not info.is_dir()]
        for info in infos:
            name = info.filename
            if not info.file_size:
                out.cover(name, "member", "listed", "empty")
                continue
            if info.needs_password():
                _unreadable(out, name, "已加密", "encrypted")
                continue
            if not out.may_embed(name):
                break
            try:
                with archive.open(info) as handle:
                    member = _bounded(out, name, handle.read)
            except rarfile.RarCannotExec:
                # the listing is pure Python; decompressing needs unrar, unar, 7z or bsdtar
                out.error(
                    "未安装 RAR 解压程序（unrar/unar/7z/bsdtar），压缩包成员未审查 "
                    "/ no unrar backend installed: rar members not read"
                )
                for rest in infos[infos.index(info):]:
                    out.cover(rest.filename, "member", "unread", "no unrar backend")
                return
            except (rarfile.Error, EOFError, OSError) as error:
                _unreadable(out, name, "无法解压", f"{type(error).__name__}: {error}")
                continue
            if member is not None:
                out.embed(name, member)


_READERS: dict[str, Callable[[bytes, ContainerCollector], None]] = {
    "zip": _zip,
    "tar": _tar,
    "gzip": _gzip,
    "7z": _sevenzip,
    "rar": _rar,
}
