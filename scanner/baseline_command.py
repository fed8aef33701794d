"""``secscan baseline create BASELINE PATH…``: the explicit way to accept a scan's findings.

A baseline hides findings from every later scan that uses it, so it is
made only on request: by this command or by ``scan --baseline-create``,
never as a side effect of ``--baseline`` (which needs an existing file).
The command scans the paths with the same settings ``scan`` would use
(``--lexicon``, ``--config``) and writes the fingerprints of every finding
(:mod:`scanner.baseline`: hashes only, never the text).
"""

from __future__ import annotations

from pathlib import Path

import click


class BaselineUsage(click.ClickException):
    exit_code = 2


@click.group("baseline", context_settings={"help_option_names": ["-h", "--help"]})
def baseline_group() -> None:
    """Baselines of accepted findings (审查基线): create one from a scan you have reviewed."""


@baseline_group.command("create", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("baseline", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--lexicon", "lexicons", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="An extra rule file, as for scan (repeatable).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Config file, as for scan (default: .secscan.yaml in the working directory).")
@click.option("--force", is_flag=True, help="Replace BASELINE if it exists (default: refuse).")
def create_command(baseline: Path, paths: tuple[Path, ...], lexicons: tuple[Path, ...], config_path: Path | None,
                   force: bool) -> None:
    """Scan PATHS and write every finding's fingerprint to BASELINE (accept them all).

    Review the findings first (`scan PATHS`): every later `scan --baseline
    BASELINE` leaves exactly these findings out and counts them.
    """
    from scanner.baseline import write_baseline
    from scanner.catalogue import CatalogueError
    from scanner.match import MatcherError
    from scanner.pipeline import build_settings, scan_paths
    from scanner.settings import SettingsSpec
    from scanner.userconfig import ConfigError, load_user_config
    from scanner.wording import terminal_safe

    name = terminal_safe(str(baseline))
    if baseline.exists() and not force:
        raise BaselineUsage(f"基线文件 {name} 已存在；要替换它请加 --force / baseline exists (use --force)")
    try:
        config = load_user_config(config_path, Path.cwd())
        settings = build_settings(SettingsSpec.from_config(config, lexicons=lexicons))
    except (CatalogueError, ConfigError, MatcherError) as error:
        raise BaselineUsage(str(error)) from error
    result = scan_paths(list(paths), settings)
    findings = [finding for doc in result.documents for finding in doc.findings]
    try:
        count = write_baseline(baseline, findings)
    except OSError as error:
        raise BaselineUsage(f"无法写入基线文件 {name}：{error.strerror or error}") from error
    click.echo(f"已将 {len(result.documents)} 个文档的 {count} 条发现记入基线 {name}"
               f"（只保存指纹，不含原文）。以后用 scan --baseline {name} 扫描时，这些发现不再列出，但会计数。")
