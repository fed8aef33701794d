"""click for clerks: every message in Chinese, the documented exit codes, and their runner.

Used by ``cli.py`` (``scan`` and the ``secscan`` group); the subcommands
registered on the group (``clean``, ``baseline``, ``serve``) inherit its
behaviour.  click's standalone mode prints "Aborted!" and exits 1 on
Ctrl-C (the code that means "review") and a traceback with exit 1 on a
bug; :func:`run_standalone` exits 130 and 3 instead, and translates
click's English usage messages (:func:`clerk_message`).
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import click

from scanner.wording import terminal_safe

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class UsageProblem(click.ClickException):
    """A problem with what the user asked for; exits with code 2."""

    exit_code = EXIT_USAGE


class ExistingPath(click.Path):
    """``click.Path(exists=True)`` whose "does not exist" is said in Chinese (the other checks stay click's)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        dash = self.allow_dash and value in ("-", b"-")
        if self.exists and not dash and not os.path.exists(value):
            self.fail(f"“{terminal_safe(os.fsdecode(value))}”不存在", param, ctx)
        return super().convert(value, param, ctx)


class ChineseChoice(click.Choice):  # type: ignore[type-arg]  # click 8.2+ makes Choice generic
    """``click.Choice`` that lists the allowed values in Chinese when the value is not one of them."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value not in self.choices:
            self.fail(f"“{terminal_safe(str(value))}”不是可选值，可选：{'、'.join(map(str, self.choices))}", param, ctx)
        return super().convert(value, param, ctx)


# click's own English usage messages that are not tied to one parameter type.
_CLICK_PHRASES = (
    (re.compile(r"No such command '(.*)'\.?"), "没有子命令“{0}”"),
    (re.compile(r"Got unexpected extra arguments? \((.*)\)"), "多余的参数：{0}"),
    (re.compile(r"Option '(.*)' requires an argument\.?"), "选项 {0} 需要一个值"),
    (re.compile(r"Option '(.*)' requires (\d+) arguments\.?"), "选项 {0} 需要 {1} 个值"),
    (re.compile(r"Option '(.*)' does not take a value\.?"), "选项 {0} 不接受值"),
    (re.compile(r"(.*) is not in the range (.*)\.?"), "{0} 不在允许的范围 {1} 内"),
    (re.compile(r"'?(.*?)'? is not a valid (float|integer|float range|integer range)\.?"), "“{0}”不是有效的数字"),
    (re.compile(r"(?:File|Directory|Path) '(.*)' is a directory\.?"), "“{0}”是目录，这里需要文件"),
    (re.compile(r"(?:File|Directory|Path) '(.*)' is a file\.?"), "“{0}”是文件，这里需要目录"),
    (re.compile(r"(?:File|Directory|Path) '(.*)' is not readable\.?"), "“{0}”无法读取（没有权限）"),
)

_CJK = re.compile(r"[\u4e00-\u9fff]")


def clerk_message(error: click.ClickException) -> str:
    """``error`` as one Chinese sentence (click's English messages translated, ours kept)."""
    message = error.format_message() if not isinstance(error, click.BadParameter) else error.message
    if isinstance(error, click.NoSuchOption):
        text = f"没有选项 {error.option_name}"
        if error.possibilities:
            text += f"（是否想用 {'、'.join(sorted(error.possibilities))}？）"
        return text
    if isinstance(error, click.MissingParameter):
        hint = error.param_hint or (error.param.get_error_hint(error.ctx) if error.param and error.ctx else "")
        what = "参数" if error.param_type == "argument" or isinstance(error.param, click.Argument) else "选项"
        return f"缺少{what} {hint}".strip()
    if not _CJK.search(message):
        for pattern, chinese in _CLICK_PHRASES:
            matched = pattern.fullmatch(message.strip())
            if matched:
                message = chinese.format(*matched.groups())
                break
        else:
            message = f"{message}（命令行用法有误）"
    if isinstance(error, click.BadParameter):
        hint = error.param_hint or (error.param.get_error_hint(error.ctx) if error.param and error.ctx else "")
        return f"{hint} 的值无效：{message}" if hint else message
    return message


def sentence_for(error: BaseException) -> str:
    """An internal error as a sentence, with its type, for the maintainers."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class _ClerkMain:
    """The ``main`` of :class:`ClerkCommand` and :class:`ClerkGroup`: non-standalone click, outcome by :func:`run_standalone`."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        click_main = super().main  # type: ignore[misc]
        if not standalone_mode:
            return click_main(args, prog_name, complete_var, standalone_mode=False, **extra)
        return run_standalone(lambda: click_main(args, prog_name, complete_var, standalone_mode=False, **extra))


class ClerkCommand(_ClerkMain, click.Command):
    """A click command whose failures speak Chinese and exit with the documented codes.

    click's standalone mode prints "Aborted!" and exits 1 on Ctrl-C (the code
    that means "review"), and prints a traceback with exit 1 on a bug; here
    Ctrl-C exits 130 and an unexpected exception exits 3 with a sentence
    (the traceback too when ``SECSCAN_TRACEBACK=1``).
    """


class ClerkGroup(_ClerkMain, click.Group):
    """:class:`ClerkCommand`'s behaviour for the ``secscan`` group."""


def run_standalone(call: Any) -> None:
    """Run a click ``main`` in non-standalone mode and turn its outcome into an exit code and a message."""
    try:
        outcome = call()
    except click.Abort:
        click.echo("已中断。", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("\n已中断。", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as error:
        lines = []
        if isinstance(error, click.UsageError) and error.ctx is not None:
            lines.append(f"用法：{error.ctx.command_path} [选项] …")
            lines.append(f"运行“{error.ctx.command_path} -h”查看帮助。")
        lines.append(f"错误：{terminal_safe(clerk_message(error))}")
        click.echo("\n".join(lines), err=True)
        # click's own default of 1 is a usage problem here; a command whose refusal means
        # "not publishable" (secscan clean) says so with ``verdict_exit``
        keeps = error.exit_code != 1 or getattr(error, "verdict_exit", False)
        sys.exit(error.exit_code if keeps else EXIT_USAGE)
    except Exception as error:  # noqa: BLE001  # any bug: a sentence and its own exit code, never 1 ("review")
        if os.environ.get("SECSCAN_TRACEBACK"):
            traceback.print_exc()
        click.echo(
            f"内部错误：扫描器自身出错，结果不完整，请勿据此发布。请把这行信息报告给维护人员：{terminal_safe(sentence_for(error))}",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
    sys.exit(outcome if isinstance(outcome, int) else EXIT_PASS)
