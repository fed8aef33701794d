"""`scan` — the command line.  Thin: parse options, call the pipeline, render, set the exit code.

Exit codes: 0 every document passes; 1 at least one document needs review
or must be blocked; 2 usage error (bad option, missing path, bad rule or
config file).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scanner import __version__

if TYPE_CHECKING:
    from scanner.batch import SettingsSpec
    from scanner.pipeline import Settings

FORMATS = ("text", "json", "jsonl", "html", "docx", "sarif")


class UsageProblem(click.ClickException):
    """A problem with what the user asked for; exits with code 2."""

    exit_code = 2


@dataclass(frozen=True, kw_only=True)
class SettingsArgs:
    """What the options and config file say about the settings: built here, or by each batch worker."""

    extra_lexicons: tuple[Path, ...]
    disabled: tuple[str, ...]
    severities: Mapping[str, str]
    allow: tuple[str, ...]
    review_threshold: float | None
    accepted: frozenset[str]
    ocr: bool = True

    def build(self) -> Settings:
        """Raises :class:`~scanner.catalogue.CatalogueError` on bad rule data."""
        from scanner.pipeline import build_settings

        return build_settings(
            extra_lexicons=self.extra_lexicons, disabled=self.disabled, severities=self.severities,
            allow=self.allow, review_threshold=self.review_threshold, accepted=self.accepted,
            ocr=self.ocr,
        )

    def spec(self) -> SettingsSpec:
        from scanner.batch import SettingsSpec

        return SettingsSpec.from_settings_args(
            extra_lexicons=self.extra_lexicons, disabled=self.disabled, severities=self.severities,
            allow=self.allow, review_threshold=self.review_threshold, accepted=self.accepted,
            ocr=self.ocr,
        )


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Report format.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the report to this file (a directory for batch html/docx).")
@click.option("--no-color", is_flag=True, help="Plain text even on a terminal.")
@click.option("--lexicon", "lexicons", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="An extra rule file in the lexicon format (repeatable).")
@click.option("--config", "config_path", type=click.Path(exists=True, path_type=Path),
              help="Config file (default: .secscan.yaml in the working directory, if present).")
@click.option("--baseline", type=click.Path(path_type=Path),
              help="Accepted findings: created from this scan if missing, else used to hide accepted findings.")
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
@click.option("--timestamp", default=None, help="Date printed in reports (none unless given).")
@click.option("--include", multiple=True, help="Batch: only files under a directory matching this glob (repeatable).")
@click.option("--exclude", multiple=True, help="Batch: skip files and directories matching this glob (repeatable).")
@click.option("--from-file", "from_file", help="Batch: also scan the paths listed in this file, one a line ('-' = stdin).")
@click.option("--crawl", "crawl_url", help="Batch: fetch and scan the pages and attachments of this site.")
@click.option("--max-depth", type=click.IntRange(0), default=3, show_default=True, help="Crawl: link hops from the start page.")
@click.option("--max-pages", type=click.IntRange(1), default=1000, show_default=True, help="Crawl: at most this many URLs.")
@click.option("--delay", type=click.FloatRange(0), default=0.5, show_default=True, help="Crawl: seconds between requests.")
@click.option("--crawl-concurrency", type=click.IntRange(1, 16), default=2, show_default=True,
              help="Crawl: requests at once.")
@click.option("-j", "--jobs", type=click.IntRange(1), help="Batch: worker processes [default: CPU count].")
@click.option("--timeout", type=click.FloatRange(0), default=60.0, show_default=True,
              help="Batch: seconds one file may take (0 = no limit).")
@click.option("--max-memory", type=click.IntRange(0), default=500, show_default=True,
              help="Batch: MB of memory one file may take (0 = no limit).")
@click.option("--no-cache", is_flag=True, help="Batch: rescan files even if unchanged since the last run.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Batch: where results are cached [default: $XDG_CACHE_HOME/secscan].")
@click.option("--resume", type=click.Path(dir_okay=False, path_type=Path),
              help="Batch: continue the run journalled in this jsonl file (appended to as files finish).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Batch: run workers here, or on a Dask cluster.")
@click.option("--address", default="", help="Batch: Dask scheduler address (none: a local cluster).")
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
    jobs: int | None = None,
    timeout: float = 60.0,
    max_memory: int = 500,
    no_cache: bool = False,
    cache_dir: Path | None = None,
    resume: Path | None = None,
    engine: str = "local",
    address: str = "",
    no_ocr: bool = False,
) -> None:
    """Scan documents before they are published online (上网信息保密审查).

    PATHS are files or directories (scanned recursively).  Every document
    gets a verdict: block (must not be published as is), review (a person
    must look) or pass.

    Directories, several paths, --from-file, --crawl and web archives
    (.warc, .warc.gz) run as a batch: parallel isolated workers, a result
    cache, jsonl streamed as files finish, and a summary on stderr.
    """
    from scanner.baseline import BaselineError, load_baseline, write_baseline
    from scanner.catalogue import CatalogueError
    from scanner.output import write_report
    from scanner.pipeline import scan_paths
    from scanner.report import ReportOptions
    from scanner.userconfig import ConfigError, load_user_config

    try:
        config = load_user_config(config_path, Path.cwd())
        baseline = baseline or config.baseline
        accepted = load_baseline(baseline) if baseline and baseline.exists() else frozenset()
        settings_args = SettingsArgs(
            extra_lexicons=(*config.lexicons, *lexicons),
            disabled=config.disabled,
            severities=config.severities,
            allow=config.allow,
            review_threshold=review_threshold if review_threshold is not None else config.review_threshold,
            accepted=accepted,
            ocr=not no_ocr,
        )
        settings = settings_args.build()
    except (CatalogueError, ConfigError, BaselineError) as error:
        raise UsageProblem(str(error)) from error

    from scanner.inputs import BatchRequest

    request = BatchRequest(
        paths=paths, include=include, exclude=exclude, from_file=from_file, crawl_url=crawl_url,
        max_depth=max_depth, max_pages=max_pages, delay=delay, crawl_concurrency=crawl_concurrency,
        jobs=jobs, timeout=timeout, max_memory=max_memory, no_cache=no_cache, cache_dir=cache_dir,
        resume=resume, engine=engine, address=address, fmt=fmt, output=output,
    )
    if not request.is_batch():
        if not paths:
            raise UsageProblem("请给出要扫描的文件或目录 / give files or directories to scan (or --crawl URL)")
        result = scan_paths(list(paths), settings, timeout=timeout or None)
        outcome = None
    else:
        from scanner import batch

        spec = settings_args.spec()  # workers build their own settings
        try:
            outcome = batch.run_cli_batch(request, spec, settings, stdout=sys.stdout.buffer)
        except (batch.BatchError, OSError, ValueError) as error:
            raise UsageProblem(str(error)) from error
        result = outcome.result

    if baseline and not baseline.exists():
        write_baseline(baseline, [finding for doc in result.documents for finding in doc.findings])
        click.echo(f"已将 {sum(len(d.findings) for d in result.documents)} 条发现记入基线 {baseline}", err=True)

    options = ReportOptions(
        color=fmt == "text" and not no_color and output is None and sys.stdout.isatty(),
        timestamp=timestamp,
        unit=unit,
        department=department,
        site=site,
        column=column,
        submitter=submitter,
        planned_date=planned_date,
        source=info_source,
        carrier=carrier,
        document_number=document_number,
    )
    try:
        if outcome is None:
            write_report(result, fmt, options, output, stdout=sys.stdout.buffer)
        else:
            from scanner.batch import write_batch_report

            write_batch_report(outcome, request, options, stdout=sys.stdout.buffer)
    except OSError as error:
        raise UsageProblem(f"无法写入报告 / cannot write report: {error}") from error
    sys.exit(0 if result.summary["pass"] == result.summary["documents"] else 1)


if __name__ == "__main__":
    main()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="secscan")
def secscan() -> None:
    """secscan：上网信息保密审查。`secscan scan PATHS` is the same as `scan PATHS`; the other commands act on a scan's results."""


secscan.add_command(main, name="scan")
