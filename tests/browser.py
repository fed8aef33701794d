"""The system's headless Chromium for the browser tests, driven by Playwright (no browser download).

One place says where Chromium is, how it is started and how a page's
problems (console errors, uncaught exceptions, dialogs) are collected, so
the report's and the service's browser tests check pages the same way.
A test module skips itself with :data:`needs_chromium` and
``pytest.importorskip("playwright.sync_api")`` before it imports this.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# no sandbox (tests run as root in CI) and nothing that reaches the network
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")


@contextmanager
def launched(sync_api: Any) -> Iterator[Any]:
    """Chromium started by ``sync_api`` (the ``playwright.sync_api`` module), closed afterwards."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def watched(page: Any, *, dialogs: bool = False) -> list[str]:
    """The list a page's console errors and uncaught exceptions go to (and dialogs, dismissed, with ``dialogs``)."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    if dialogs:
        page.on("dialog", lambda dialog: (problems.append("dialog: " + dialog.message), dialog.dismiss()))
    return problems
