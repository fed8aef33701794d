"""``secscan clean FILE -o CLEAN``: write a clean copy, scan it again, print the before/after table.

Exit codes as ``scan`` on the clean copy: 0 it passes, 1 it needs review or
must be blocked (or the document was refused, or the proof failed), 2 usage
error.  The input is never overwritten unless ``--in-place``; the copy is
written to a temporary file in the target folder and moved into place.
``--proof-format json`` prints the proof (or the refusal) as JSON, the
``clean_proof`` of ``docs/schema/report-v1.schema.json``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import click

from scanner.clean import CLEANABLE, CleanOptions, CleanRefused, clean_bytes

MAX_INPUT_BYTES = 256 * 2**20


class CleanUsage(click.ClickException):
    exit_code = 2


class Refused(click.ClickException):
    """The document was not cleaned; exit 1, nothing written."""

    exit_code = 1
    verdict_exit = True  # 1 as for a document that may not be published, not a usage error

    def format_message(self) -> str:
        return f"未清理 / not cleaned: {self.message}"


@click.command("clean", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the clean copy here.")
@click.option("--in-place", is_flag=True, help="Replace the input with the clean copy (atomically).")
@click.option("--hidden", is_flag=True, help="Also remove hidden text, rows, columns, sheets, slides and HTML elements.")
@click.option("--notes", is_flag=True, help="Also remove speaker notes.")
@click.option("--alt-text", is_flag=True, help="Also remove image alt text.")
@click.option("--form-values", is_flag=True, help="Also remove PDF form-field values.")
@click.option("--attributes", is_flag=True, help="Also remove HTML attributes in which the scan found something.")
@click.option("--all", "everything", is_flag=True, help="All of the above.")
@click.option("--redact", is_flag=True, help="Remove the text under black boxes (failed redactions) instead of refusing.")
@click.option("--title", default=None, help="Title the clean copy carries (default: none).")
@click.option("--subject", default=None, help="Subject the clean copy carries (default: none).")
@click.option("--keywords", default=None, help="Keywords the clean copy carries (default: none).")
@click.option("--description", default=None, help="Description/comments the clean copy carries (default: none).")
@click.option("--lexicon", "lexicons", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="An extra rule file, as for scan (repeatable).")
@click.option("--config", "config_path", type=click.Path(exists=True, path_type=Path),
              help="Config file, as for scan (default: .secscan.yaml in the working directory).")
@click.option("--proof-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="The before/after proof as a table for people or as JSON (a refusal too).")
def clean_command(
    path: Path,
    output: Path | None,
    in_place: bool,
    hidden: bool,
    notes: bool,
    alt_text: bool,
    form_values: bool,
    attributes: bool,
    everything: bool,
    redact: bool,
    title: str | None,
    subject: str | None,
    keywords: str | None,
    description: str | None,
    lexicons: tuple[Path, ...],
    config_path: Path | None,
    proof_format: str,
) -> None:
    """Write a clean copy of FILE for publishing (清理隐藏图层), then scan it again to prove it.

    Always removed: tracked changes (insertions accepted), comments, custom
    XML, personal and descriptive document properties, thumbnails, printer
    settings; PDF annotations, document information, XMP, attachments,
    JavaScript, open actions and earlier revisions; HTML comments.  The
    flags add the layers that may be wanted content.  A mark in the body
    stays: cleaning never makes a marked document publishable.
    """
    try:
        _clean(path, output, in_place=in_place, hidden=hidden, notes=notes, alt_text=alt_text,
               form_values=form_values, attributes=attributes, everything=everything, redact=redact,
               keep={k: v for k, v in (("title", title), ("subject", subject), ("keywords", keywords),
                                       ("description", description)) if v is not None},
               lexicons=lexicons, config_path=config_path, as_json=proof_format == "json")
    except Refused as error:
        if proof_format == "json":  # the machine reading stdout learns why, too
            from scanner.clean.proof import refusal_json

            click.echo(refusal_json(source=str(path), reason=error.message), nl=False)
        raise


def _clean(path: Path, output: Path | None, *, in_place: bool, hidden: bool, notes: bool, alt_text: bool,
           form_values: bool, attributes: bool, everything: bool, redact: bool, keep: dict[str, str],
           lexicons: tuple[Path, ...], config_path: Path | None, as_json: bool) -> None:
    from scanner.catalogue import CatalogueError
    from scanner.clean.legacy import convert_legacy, legacy_kind
    from scanner.clean.proof import prove, render, render_json
    from scanner.inputs import DEFAULT_MAX_MEMORY_MB, DEFAULT_TIMEOUT
    from scanner.limits import scan_in_child
    from scanner.pipeline import build_settings, scan_bytes, scan_file
    from scanner.settings import SettingsSpec
    from scanner.userconfig import ConfigError, load_user_config

    if in_place and output is not None:
        raise CleanUsage("--in-place 与 -o 只能选一个 / give either -o or --in-place")
    if not in_place and output is None:
        raise CleanUsage("请用 -o 指定清理后文件的保存位置（或 --in-place 覆盖原文件） / give -o CLEAN or --in-place")
    if output is not None and output.exists() and output.resolve() == path.resolve():
        raise CleanUsage("输出文件就是输入文件：要覆盖原文件请用 --in-place / -o names the input: use --in-place")
    try:
        config = load_user_config(config_path, Path.cwd())
        settings = build_settings(SettingsSpec.from_config(config, lexicons=lexicons))
    except (CatalogueError, ConfigError) as error:
        raise CleanUsage(str(error)) from error
    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise Refused(f"文件超过 {MAX_INPUT_BYTES // 2**20} MB / file too large")
        data = path.read_bytes()
    except OSError as error:
        raise CleanUsage(f"无法读取 {path}：{error.strerror or error}") from error

    name = str(path)
    converted_from = ""
    legacy = legacy_kind(data, name)
    if legacy:
        if in_place:
            raise CleanUsage("旧版格式需要转换，不能用 --in-place；请用 -o 指定新文件 / legacy formats need -o")
        try:
            data, kind = convert_legacy(data, legacy)
        except CleanRefused as error:
            raise Refused(str(error)) from error
        converted_from, name = legacy.source, f"{path.stem}.{kind}"
        assert output is not None
        if output.suffix.lower() != f".{kind}":
            output = output.with_suffix(f".{kind}")
            click.echo(f"注意：转换后的文件为 {kind} 格式，保存为 {output}", err=True)
    # The scans before and after run under the per-file limits of `scan FILE` (a forked child with a
    # memory cap and a deadline): a hostile file is refused as unreadable, never takes the machine.
    before = scan_in_child(lambda: scan_bytes(data, name, settings), name=name, settings=settings,
                           timeout=DEFAULT_TIMEOUT, max_memory_mb=DEFAULT_MAX_MEMORY_MB)
    if before.format not in CLEANABLE:
        reason = "；".join(before.errors) or before.format
        raise Refused(f"无法清理该格式的文件：{reason}")
    options = CleanOptions(
        hidden=hidden or everything, notes=notes or everything, alt_text=alt_text or everything,
        form_values=form_values or everything, attributes=attributes or everything, redact=redact,
        keep=keep,
        flagged_texts=tuple(f.text for f in before.findings if f.location.part in ("alt-text", "metadata", "hidden")),
        redaction_texts=tuple(f.text for f in before.findings if f.category == "redaction-failure"),
    )
    try:
        cleaned = clean_bytes(data, before.format, options)
    except CleanRefused as error:
        raise Refused(str(error)) from error

    target = path if in_place else output
    assert target is not None
    try:
        write_atomically(target, cleaned.data, mode_from=path)
    except OSError as error:
        raise CleanUsage(f"无法写入 {target}：{error.strerror or error}") from error
    after = scan_in_child(lambda: scan_file(target, settings), name=str(target), settings=settings,
                          timeout=DEFAULT_TIMEOUT, max_memory_mb=DEFAULT_MAX_MEMORY_MB)
    proof = prove(before, after, dropped_sources=cleaned.dropped_sources, redacted=cleaned.redacted)
    show = render_json if as_json else render
    click.echo(show(proof, source=str(path), target=str(target), removed=cleaned.removed,
                    redacted=cleaned.redacted, converted_from=converted_from or cleaned.converted_from), nl=False)
    sys.exit(0 if proof.ok and after.verdict.value == "pass" else 1)


def write_atomically(target: Path, data: bytes, *, mode_from: Path | None = None) -> None:
    """Write ``data`` to a temporary file beside ``target``, flush it to disk, then rename it over ``target``."""
    folder = target.parent if str(target.parent) else Path(".")
    with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{target.name}.", suffix=".tmp", delete=False) as handle:
        temporary = Path(handle.name)
        try:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    try:
        if mode_from is not None:
            shutil.copymode(mode_from, temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
