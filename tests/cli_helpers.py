"""The command line run in-process (click's ``CliRunner``), one helper per entry point.

Tests assert the exit code and what was printed, so every test drives the
commands the same way: stdout and stderr apart (``Result.stdout``,
``Result.stderr``), exceptions caught unless a test asks to see them.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result


def scan_cli(
    *args: str | Path, cwd: Path | None = None, input: str | bytes | None = None, catch_exceptions: bool = True
) -> Result:
    """``secscan scan ARGS`` (``cli.main``); with ``cwd``, run in a fresh directory inside it (a config found there applies)."""
    from cli import main

    runner = CliRunner()
    argv = [str(arg) for arg in args]
    if cwd is None:
        return runner.invoke(main, argv, input=input, catch_exceptions=catch_exceptions)
    with runner.isolated_filesystem(temp_dir=cwd):
        return runner.invoke(main, argv, input=input, catch_exceptions=catch_exceptions)


def secscan_cli(*args: str | Path, input: str | bytes | None = None) -> Result:
    """``secscan ARGS``: the command group (``baseline``, ``clean``, ``rules``, …)."""
    from cli import secscan

    return CliRunner().invoke(secscan, [str(arg) for arg in args], input=input)


def clean_cli(*args: str | Path) -> Result:
    """``secscan clean ARGS``."""
    return secscan_cli("clean", *args)
