"""Files a user names on the command line or in the configuration: read safely.

Rule files (``--lexicon``), the configuration (``--config``), file lists
(``--from-file``) and baselines (``--baseline``) are read whole before a
scan starts, so each read is bounded: only a regular file (``/dev/zero``, a
FIFO or a directory is refused at once, never read until memory runs out),
at most :data:`MAX_USER_FILE_BYTES`.  YAML is parsed without aliases: an
alias (``*name``) can make a small file expand to billions of nodes (the
"billion laughs"), and no rule or setting needs one.

Every refusal is a :class:`UserFileError` naming the file and the reason,
which the caller turns into its own error type (and the CLI into exit 2).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

# Generous for a unit's list of secret items: 200,000 terms take about 4 MB.
MAX_USER_FILE_BYTES = 8 * 2**20


class UserFileError(ValueError):
    """A user's file cannot be read safely; the message names the file and says why (Chinese / English)."""


def read_user_file(path: Path, *, limit: int = MAX_USER_FILE_BYTES, what: str = "文件 / file") -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Raises :class:`UserFileError` when it cannot be opened, is not a regular
    file, or is larger than ``limit``.  Opened without blocking, so a FIFO
    with no writer cannot hang the command.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise UserFileError(f"{path}: 无法读取{what}（{error.strerror or error}）/ cannot read") from error
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UserFileError(f"{path}: 不是普通文件（设备、管道或目录），未读取 / not a regular file: {what}")
        if info.st_size > limit:
            raise UserFileError(f"{path}: {what}大小 {info.st_size} 字节超过上限 {limit} 字节 / file too large")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)  # the file may have grown since fstat
    except OSError as error:
        raise UserFileError(f"{path}: 无法读取{what}（{error.strerror or error}）/ cannot read") from error
    finally:
        os.close(fd)
    if len(data) > limit:
        raise UserFileError(f"{path}: {what}超过上限 {limit} 字节 / file too large")
    return data


def load_yaml(raw: bytes | str, origin: str) -> Any:
    """Plain data from YAML with the safe tags only, refusing aliases.

    Raises :class:`UserFileError` naming ``origin`` for YAML that is not
    valid or uses an alias.
    """
    import yaml

    # libyaml's parser (CSafeLoader) is about 10x faster than the pure-Python
    # one; both build the same plain data with the same safe tags.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        # An alias needs an anchor (&name) to refer to; only a file with an
        # '&' somewhere pays for the event pass that finds them.
        if (b"&" in raw) if isinstance(raw, bytes) else ("&" in raw):
            for event in yaml.parse(raw, Loader=loader):
                if isinstance(event, yaml.AliasEvent):
                    mark = event.start_mark
                    line = f"第 {mark.line + 1} 行" if mark is not None else ""
                    raise UserFileError(
                        f"{origin}: {line}使用了 YAML 别名（*{event.anchor}），不允许使用 / YAML aliases are not allowed"
                    )
        return yaml.load(raw, Loader=loader)
    except yaml.YAMLError as error:
        raise UserFileError(f"{origin}: 不是有效的 YAML / not valid YAML: {error}") from error
