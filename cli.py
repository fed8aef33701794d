"""`scan` — the command line.  Thin: parse options, call the pipeline, render, set the exit code.

Exit codes (the habits of semgrep and gitleaks: 1 means "the scan found
something you asked to fail on", never "the tool broke"):

- 0 every document passes (or ``--exit-zero``, or nothing reaches ``--fail-on``);
- 1 a document reaches ``--fail-on`` (default ``review``: any document to
  review or block; ``--fail-on block``: only a document to block);
- 2 usage error (bad option, missing path, bad rule or config file);
- 3 internal error (a bug: the message says so and asks for a report);
- 130 interrupted (Ctrl-C).

Every message a clerk sees is Chinese, click's own included (see
:class:`ClerkCommand`), and every line for the terminal goes through
:func:`~scanner.wording.terminal_safe` so a file name or a document
cannot move the cursor or retitle the window.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scanner import __version__
from scanner.clerk import (
    EXIT_FAIL,
    EXIT_PASS,
    ChineseChoice,
    ClerkCommand,
    ClerkGroup,
    ExistingPath,
    UsageProblem,
)
from scanner.wording import terminal_safe

if TYPE_CHECKING:
    from scanner.match import Dropped
    from scanner.pipeline import Settings
    from scanner.report import ReportOptions
    from scanner.settings import SettingsSpec
    from scanner.types import ScanResult

FORMATS = ("text", "json", "jsonl", "html", "docx", "sarif")

@click.command(cls=ClerkCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=ExistingPath(exists=True, allow_dash=True, path_type=Path))
@click.option("--format", "fmt", type=ChineseChoice(FORMATS), default="text", show_default=True,
              help="Report format.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the report to this file (a directory for batch html/docx).")
@click.option("--no-color", is_flag=True, help="Plain text even on a terminal.")
@click.option("--lexicon", "lexicons", multiple=True, type=ExistingPath(exists=True, dir_okay=False, path_type=Path),
              help="An extra rule file in the lexicon format (repeatable).")
@click.option("--config", "config_path", type=ExistingPath(exists=True, dir_okay=False, path_type=Path),
              help="Config file (default: .secscan.yaml in the working directory, if present).")
@click.option("--baseline", type=click.Path(path_type=Path),
              help="Accepted findings (an existing baseline file): they are left out of the report and counted.")
@click.option("--baseline-create", "baseline_create", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every finding of this scan (plus those of --baseline) to this baseline file.")
@click.option("--review-threshold", type=click.FloatRange(0, 1),
              help="Model risk at or above which a document without rule findings is sent to review.")
@click.option("--unit", default="", help="报送单位 for the approval sheet.")
@click.option("--department", default="", help="处室/部门 for the approval sheet.")
@click.option("--site", default="", help="拟发布网站 for the approval sheet.")
@click.option("--column", default="", help="拟发布栏目 for the approval sheet.")
@click.option("--submitter", default="", help="承办人/撰稿人 for the approval sheet.")
@click.option("--planned-date", default="", help="拟发布日期 for the approval sheet.")
@click.option("--source", "info_source", default="", help="信息来源 (原创/转载及出处) for the approval sheet.")
@click.option("--carrier", default="", help="载体 (公文/非公文) for the approval sheet.")
@click.option("--document-number", default="", help="文号 for the approval sheet.")
@click.option("--timestamp", default=None,
              help="Date printed in reports ('today' = today's date; none unless given: the sheet leaves a date line).")
@click.option("--include", multiple=True, help="Batch: only files under a directory matching this glob (repeatable).")
@click.option("--exclude", multiple=True, help="Batch: skip files and directories matching this glob (repeatable).")
@click.option("--from-file", "from_file", help="Batch: also scan the paths listed in this file, one a line ('-' = stdin).")
@click.option("--crawl", "crawl_url", help="Batch: fetch and scan the pages and attachments of this site.")
@click.option("--max-depth", type=click.IntRange(0), default=3, show_default=True, help="Crawl: link hops from the start page.")
@click.option("--max-pages", type=click.IntRange(1), default=1000, show_default=True, help="Crawl: at most this many URLs.")
@click.option("--delay", type=click.FloatRange(0), default=0.5, show_default=True, help="Crawl: seconds between requests.")
@click.option("--crawl-concurrency", type=click.IntRange(1, 16), default=2, show_default=True,
              help="Crawl: requests at once.")
@click.option("--crawl-timeout", type=click.FloatRange(0), default=3600.0, show_default=True,
              help="Crawl: seconds for the whole crawl (0 = no limit); what is left is reported as not covered.")
@click.option("--follow-symlinks", is_flag=True,
              help="Batch: follow symbolic links that lead out of a scanned directory (not followed by default; "
                   "they are reported as not covered).")
@click.option("-j", "--jobs", type=click.IntRange(1), help="Batch: worker processes [default: CPU count].")
@click.option("--timeout", type=click.FloatRange(0), default=60.0, show_default=True,
              help="Seconds one file may take, single file or batch (0 = no limit).")
@click.option("--max-memory", type=click.IntRange(0), default=1500, show_default=True,
              help="MB of memory one file may take, single file or batch (0 = no limit; OCR of a scanned page needs about 1,000).")
@click.option("--no-cache", is_flag=True, help="Batch: rescan files even if unchanged since the last run.")
@click.option("--rehash", is_flag=True,
              help="Batch: read and hash every file to find it in the cache, even one whose size, inode and "
                   "times are those recorded when it was last hashed (for file systems whose times cannot be trusted).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Batch: where results are cached [default: $XDG_CACHE_HOME/secscan].")
@click.option("--resume", type=click.Path(dir_okay=False, path_type=Path),
              help="Batch: continue the run journalled in this jsonl file (appended to as files finish).")
@click.option("--engine", type=ChineseChoice(["local", "dask"]), default="local", show_default=True,
              help="Batch: run workers here, or on a Dask cluster.")
@click.option("--address", default="", help="Batch: Dask scheduler address (none: a local cluster).")
@click.option("--stdin-name", default="",
              help="With PATH '-': the name of the document read from stdin (its extension picks the reader).")
@click.option("--fail-on", type=ChineseChoice(["review", "block"]), default="review", show_default=True,
              help="Exit 1 when a document needs review or is blocked (review), or only when one is blocked (block).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 whatever the verdicts (reporting only); errors still exit 2/3.")
@click.option("-q", "--quiet", is_flag=True, help="Text report: only the summary.")
@click.option("-v", "--verbose", is_flag=True, help="Text report: why each finding fired (term, evidence, fingerprint).")
@click.option("--redact-excerpts", is_flag=True, help="Mask the matched text in every excerpt of the report.")
@click.option("--list-rules", is_flag=True, is_eager=True, expose_value=False, callback=lambda ctx, _p, value:
              _list_rules(ctx) if value else None, help="List every rule (id, category, severity, summary, basis) and exit.")
@click.option("--no-ocr", is_flag=True, help="Do not read text in pictures (scans, image files): they are review.")
@click.version_option(__version__, prog_name="scan")
def main(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    no_color: bool,
    lexicons: tuple[Path, ...],
    config_path: Path | None,
    baseline: Path | None,
    baseline_create: Path | None,
    review_threshold: float | None,
    unit: str,
    department: str,
    site: str,
    column: str,
    submitter: str,
    planned_date: str,
    info_source: str,
    carrier: str,
    document_number: str,
    timestamp: str | None,
    include: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    from_file: str | None = None,
    crawl_url: str | None = None,
    max_depth: int = 3,
    max_pages: int = 1000,
    delay: float = 0.5,
    crawl_concurrency: int = 2,
    crawl_timeout: float = 3600.0,
    follow_symlinks: bool = False,
    jobs: int | None = None,
    timeout: float = 60.0,
    max_memory: int = 1500,
    no_cache: bool = False,
    rehash: bool = False,
    cache_dir: Path | None = None,
    resume: Path | None = None,
    engine: str = "local",
    address: str = "",
    stdin_name: str = "",
    fail_on: str = "review",
    exit_zero: bool = False,
    quiet: bool = False,
    verbose: bool = False,
    redact_excerpts: bool = False,
    no_ocr: bool = False,
) -> None:
    """Scan documents before they are published online (上网信息保密审查).

    PATHS are files or directories (scanned recursively); '-' reads one
    document from standard input (name it with --stdin-name).  Every
    document gets a verdict: block (must not be published as is), review
    (a person must look) or pass.

    Directories, several paths, --from-file, --crawl and web archives
    (.warc, .warc.gz) run as a batch: parallel isolated workers, a result
    cache, jsonl streamed as files finish, and a summary on stderr.

    \b
    Exit codes:
      0    every document passes (or --exit-zero)
      1    a document reaches --fail-on (default: needs review or blocked)
      2    usage error: bad option, missing path, bad rule or config file
      3    internal error of the scanner (please report it)
      130  interrupted (Ctrl-C)
    """
    from scanner.baseline import BaselineError, write_baseline
    from scanner.batch.task import LazySettings
    from scanner.catalogue import CatalogueError
    from scanner.settings import SettingsSpec
    from scanner.userconfig import ConfigError, load_user_config

    notes: list[str] = []
    try:
        config = load_user_config(config_path, Path.cwd())
        if config.path is not None and config_path is None:
            notes.append(f"已使用工作目录中的配置文件 {config.path.name}（{config.path}）")
        from_config = baseline is None and config.baseline is not None
        baseline = baseline or config.baseline
        accepted = accepted_findings(baseline, from_config=from_config)
        spec = SettingsSpec.from_config(
            config, lexicons=lexicons, review_threshold=review_threshold, accepted=accepted, ocr=not no_ocr
        )
        check_rule_ids(spec)
        # built when first needed: a batch whose files are all in the cache needs only their identity
        lazy = LazySettings(spec)
        lazy.identity  # noqa: B018 -- reads every rule file now, so one that cannot be read is a usage error
    except (CatalogueError, ConfigError, BaselineError) as error:
        raise UsageProblem(str(error)) from error

    def settings() -> Settings:
        """The settings built (once); bad rules are a usage error, as they always were."""
        from scanner.match import MatcherError

        try:
            return lazy.get()
        except (CatalogueError, MatcherError) as error:
            raise UsageProblem(str(error)) from error

    from scanner.inputs import BatchRequest

    reads_stdin = Path("-") in paths
    if reads_stdin and len(paths) > 1:
        raise UsageProblem("“-”（从标准输入读取）只能单独使用，不能与其他路径一起给出")
    request = BatchRequest(
        paths=paths, include=include, exclude=exclude, from_file=from_file, crawl_url=crawl_url,
        max_depth=max_depth, max_pages=max_pages, delay=delay, crawl_concurrency=crawl_concurrency,
        crawl_timeout=crawl_timeout, follow_symlinks=follow_symlinks,
        jobs=jobs, timeout=timeout, max_memory=max_memory, no_cache=no_cache, rehash=rehash, cache_dir=cache_dir,
        resume=resume, engine=engine, address=address, fmt=fmt, output=output,
        explain=verbose and fmt == "text" and not quiet, redact=redact_excerpts,
        keep_documents=baseline_create is not None,
    )
    if reads_stdin and not (crawl_url or from_file):
        from scanner.pipeline import result_of

        result = result_of([scan_stdin(settings(), stdin_name, keep_text=fmt == "html" or verbose,
                                       timeout=timeout or None, max_memory_mb=max_memory)], settings())
        outcome = None
    elif not request.is_batch():
        if not paths:
            raise UsageProblem("请给出要扫描的文件或目录（“-”表示标准输入），或用 --crawl 给出网址")
        from scanner.limits import scan_file_limited
        from scanner.pipeline import result_of

        result = result_of([scan_file_limited(paths[0], settings(), keep_text=fmt == "html" or verbose,
                                              timeout=timeout or None, max_memory_mb=max_memory)], settings())
        outcome = None
    else:
        from scanner.batch.command import run_cli_batch
        from scanner.batch.task import BatchError

        try:  # workers build their own settings from the spec; the parent only if a file is not in the cache
            outcome = run_cli_batch(request, spec, lazy, stdout=sys.stdout.buffer)
        except (BatchError, OSError, ValueError) as error:  # ValueError: CatalogueError, MatcherError
            raise UsageProblem(str(error)) from error
        result = outcome.result

    if baseline_create is not None:  # only ever on request: a baseline hides findings from every later scan
        try:
            count = write_baseline(baseline_create, [f for doc in result.documents for f in doc.findings], keep=accepted)
        except OSError as error:
            raise UsageProblem(f"无法写入基线文件 {terminal_safe(str(baseline_create))}：{error.strerror or error}") from error
        click.echo(f"已将 {count} 条发现记入基线 {terminal_safe(str(baseline_create))}", err=True)

    def report_options() -> ReportOptions:
        """How the report is rendered (not needed by a jsonl batch, whose lines are written already)."""
        from scanner.report import ReportOptions

        return ReportOptions(
            color=wants_color(fmt=fmt, no_color=no_color, output=output, isatty=sys.stdout.isatty(),
                              environ=os.environ),
            timestamp=report_date(timestamp),
            unit=unit,
            department=department,
            site=site,
            column=column,
            submitter=submitter,
            planned_date=planned_date,
            source=info_source,
            carrier=carrier,
            document_number=document_number,
            quiet=quiet,
            verbose=verbose,
            redact_excerpts=redact_excerpts,
            notes=tuple(notes),
            dropped=_dropped(result, settings()) if verbose and fmt == "text" and not quiet else {},
        )

    if notes and fmt != "text" and not quiet:
        click.echo("\n".join(terminal_safe(note) for note in notes), err=True)
    try:
        if outcome is None:
            from scanner.output import write_report

            write_report(result, fmt, report_options(), output, stdout=sys.stdout.buffer)
        else:
            from scanner.batch.command import write_batch_report

            write_batch_report(outcome, request, report_options() if fmt != "jsonl" else None, stdout=sys.stdout.buffer, stderr=TerminalSafeStream(sys.stderr))  # type: ignore[arg-type]  # write/flush is all it uses
    except OSError as error:
        raise UsageProblem(f"无法写入报告：{error.strerror or error}") from error
    # a streamed batch keeps no documents: its summary counted them
    sys.exit(exit_code(result.summary if outcome is None else outcome.counts, fail_on=fail_on, exit_zero=exit_zero))


def accepted_findings(baseline: Path | None, *, from_config: bool = False) -> frozenset[str]:
    """The fingerprints of an existing baseline (none without one).

    A baseline is never created implicitly: a missing file is a usage error
    (:class:`UsageProblem`, exit 2) that says how to create one; a bad one
    raises :class:`~scanner.baseline.BaselineError`.
    """
    from scanner.baseline import load_baseline

    if baseline is None:
        return frozenset()
    if not baseline.exists():
        where = "配置文件中的基线文件" if from_config else "基线文件"
        name = terminal_safe(str(baseline))
        raise UsageProblem(
            f"{where} {name} 不存在。基线只能明确建立：scan --baseline-create {name} PATH… "
            f"或 secscan baseline create {name} PATH… / baseline file not found"
        )
    return load_baseline(baseline)


def wants_color(*, fmt: str, no_color: bool, output: Path | None, isatty: bool, environ: Mapping[str, str]) -> bool:
    """Colour only for a text report on a terminal, unless ``--no-color`` or ``NO_COLOR`` (any value, https://no-color.org)."""
    return fmt == "text" and not no_color and not environ.get("NO_COLOR") and output is None and isatty


class TerminalSafeStream:
    """A text stream for stderr summaries: every control character but the line break is escaped.

    The batch summary quotes file names and error texts; written through
    this, a name holding ``ESC ]0;…`` cannot retitle or clear the terminal.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return int(self._stream.write("\n".join(terminal_safe(line) for line in text.split("\n"))))

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return bool(self._stream.isatty())


def _dropped(result: ScanResult, settings: Settings) -> dict[str, tuple[Dropped, ...]]:
    """``-v``: each document's dropped candidates (the matcher runs again with a trace)."""
    from scanner.explain import dropped_candidates

    return {doc.path: dropped_candidates(doc, settings.matcher) for doc in result.documents}


def exit_code(summary: Mapping[str, int], *, fail_on: str, exit_zero: bool) -> int:
    """0 or 1 from the verdicts: 1 when a document reaches ``fail_on`` (``review`` counts blocks too)."""
    if exit_zero:
        return EXIT_PASS
    failing = summary["block"] + (summary["review"] if fail_on == "review" else 0)
    return EXIT_FAIL if failing else EXIT_PASS


def report_date(timestamp: str | None) -> str | None:
    """``--timestamp``: ``today`` becomes today's date (年月日, local time); anything else is printed as given."""
    if timestamp is not None and timestamp.strip().lower() == "today":
        import datetime

        today = datetime.date.today()
        return f"{today.year}年{today.month}月{today.day}日"
    return timestamp


# A document on stdin is read up to the pipeline's file limit; more is reported, not silently cut.
def scan_stdin(settings: Settings, name: str, *, keep_text: bool = False, timeout: float | None,
               max_memory_mb: int = 0) -> Any:
    """Scan the document on standard input; ``name`` (``--stdin-name``) is its path and the reader's hint.

    The bytes are read here; the scan runs under the per-file limits (see :mod:`scanner.limits`).
    """
    from dataclasses import replace

    from scanner.limits import for_report, scan_in_child
    from scanner.pipeline import MAX_FILE_BYTES, scan_bytes

    shown = name or "<标准输入>"
    data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)

    def scan() -> Any:
        if len(data) > MAX_FILE_BYTES:
            document = scan_bytes(data[:MAX_FILE_BYTES], name or "stdin", settings)
            errors = (*document.errors,
                      f"标准输入超过上限 {MAX_FILE_BYTES // 2**20} MB，只读取了前 {MAX_FILE_BYTES // 2**20} MB")
            return for_report(replace(document, path=shown, errors=errors, verdict=max_verdict(document.verdict)),
                              keep_text)
        return for_report(replace(scan_bytes(data, name or "stdin", settings), path=shown), keep_text)

    return scan_in_child(scan, name=shown, settings=settings, timeout=timeout, max_memory_mb=max_memory_mb)


def max_verdict(verdict: Any) -> Any:
    """A document read only in part is at least ``review`` (fail closed)."""
    from scanner.types import Verdict

    return verdict if verdict is Verdict.BLOCK else Verdict.REVIEW


def check_rule_ids(spec: SettingsSpec) -> None:
    """Rule ids named in ``disable``/``severity`` must exist; the error lists the ids there are.

    Raises :class:`UsageProblem`.
    """
    named = [*spec.disabled, *(rule_id for rule_id, _ in (*spec.severities, *spec.categories))]
    if not named:
        return
    from scanner.catalogue import load_catalogue
    from scanner.lexicon_cache import CompiledStore

    # the user's lists are read from the compile cache, as build_settings reads them next
    lexicons = [Path(p) for p in spec.extra_lexicons]
    known = load_catalogue(lexicons, store=CompiledStore() if lexicons else None).rules
    unknown = [rule_id for rule_id in named if rule_id not in known]
    if unknown:
        raise UsageProblem(
            f"没有编号为 {'、'.join(terminal_safe(rule_id) for rule_id in unknown)} 的规则。可用的规则编号："
            + "、".join(sorted(known)) + "（运行 scan --list-rules 查看每条规则）"
        )


def _list_rules(ctx: click.Context) -> None:
    from scanner.catalogue import load_catalogue
    from scanner.report.rules_report import render_rules

    click.echo(render_rules(load_catalogue()), nl=False)
    ctx.exit(EXIT_PASS)


@click.group(cls=ClerkGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="secscan")
def secscan() -> None:
    """secscan：上网信息保密审查。`secscan scan PATHS` is the same as `scan PATHS`; the other commands act on a scan's results."""


@click.command(cls=ClerkCommand, name="rules", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--format", "fmt", type=ChineseChoice(["text", "json"]), default="text", show_default=True,
              help="text: a table for people; json: one object per rule.")
@click.option("--lexicon", "lexicons", multiple=True, type=ExistingPath(exists=True, dir_okay=False, path_type=Path),
              help="Also list the rules of this rule file (repeatable).")
def rules_command(fmt: str, lexicons: tuple[Path, ...]) -> None:
    """List every rule of the catalogue: id, category, severity, summary and legal basis."""
    from scanner.catalogue import CatalogueError, load_catalogue
    from scanner.report.rules_report import render_rules, render_rules_json

    try:
        catalogue = load_catalogue(lexicons)
    except CatalogueError as error:
        raise UsageProblem(str(error)) from error
    click.echo((render_rules_json if fmt == "json" else render_rules)(catalogue), nl=False)


secscan.add_command(main, name="scan")
secscan.add_command(rules_command, name="rules")

from scanner.clean.command import clean_command  # noqa: E402 - registered after the group it joins

secscan.add_command(clean_command)

from scanner.service.command import serve_command  # noqa: E402 - registered after the group it joins

secscan.add_command(serve_command)

from scanner.baseline_command import baseline_group  # noqa: E402 - registered after the group it joins

secscan.add_command(baseline_group)


if __name__ == "__main__":
    main()
