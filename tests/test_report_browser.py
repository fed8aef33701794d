"""The HTML report in a real headless Chromium (Debian package ``chromium``).

Uses the ``playwright`` Python package only as a driver for the system
browser (no browser download).  Skipped when either is missing.  Checks that
the highlights are there, that the side list targets them (with and without
JavaScript), that nothing from a hostile document runs, and writes a
screenshot to /tmp/report.png for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.report import ReportOptions, render_batch
from tests.browser import launched, needs_chromium, watched
from tests.report_fixture import HOSTILE_SCRIPT, batch_result

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("html-report")
    for name, content in render_batch(batch_result(), "html", ReportOptions()).items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def browser():
    with launched(sync_api) as browser:
        yield browser


def _open(browser, path: Path, *, javascript: bool = True):
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = watched(page, dialogs=True)
    page.goto(path.as_uri())
    return context, page, problems


def test_hostile_document_runs_nothing(browser, report_dir):
    context, page, problems = _open(browser, report_dir / "docs/0002-img_src_x_onerror_alert_1__.txt.html")
    try:
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.title() == f"需人工审查 — {HOSTILE_SCRIPT} — 保密审查报告"
        assert page.locator("[onerror]").count() == 0
        assert page.locator("img").count() == 0
        assert page.locator("script").count() == 1
        assert page.locator("a[href^='javascript']").count() == 0
        # The hostile text is shown as text for the reviewer to see.
        assert "<script>window.__pwned=1" in page.inner_text("main")
        page.click("a[href='#f2']")
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert problems == []
    finally:
        context.close()


def test_side_list_targets_each_highlight(browser, report_dir):
    context, page, problems = _open(browser, report_dir / "docs/0001-draft.docx.html")
    try:
        targets = page.locator("main mark[id], main .anchor")
        assert targets.count() == 5
        assert page.locator("mark.sev-block").first.inner_text() == "机密★1年"
        page.click("aside a[href='#f4']")
        assert page.evaluate("location.hash") == "#f4"
        assert page.evaluate("document.querySelector(':target').id") == "f4"
        box = page.locator("#f4").bounding_box()
        assert box is not None and 0 <= box["y"] < 900
        # The n key (the only script) walks the highlights; it needs the CSP hash to be right.
        page.keyboard.press("n")
        assert page.evaluate("location.hash") == "#f1"
        page.screenshot(path="/tmp/report.png", full_page=True)
        assert problems == []
    finally:
        context.close()


def test_links_work_without_javascript(browser, report_dir):
    context, page, _ = _open(browser, report_dir / "docs/0001-draft.docx.html", javascript=False)
    try:
        page.click("aside a[href='#f3']")
        assert page.evaluate("location.hash") == "#f3"
        outline = page.eval_on_selector("#f3", "el => getComputedStyle(el).outlineStyle")
        assert outline == "solid"  # :target styling, no script involved
    finally:
        context.close()


def test_overview_links_open_the_document_reports(browser, report_dir):
    context, page, problems = _open(browser, report_dir / "index.html")
    try:
        links = page.locator("table a")
        assert links.count() == 3
        page.click("text=drafts/draft.docx")
        assert page.url.endswith("docs/0001-draft.docx.html")
        assert page.locator(".banner .verdict").inner_text() == "阻止发布"
        page.click("text=← 返回总览")
        assert page.url.endswith("index.html")
        assert problems == []
    finally:
        context.close()


def test_print_layout_drops_the_sticky_side_list(browser, report_dir):
    context, page, _ = _open(browser, report_dir / "docs/0001-draft.docx.html")
    try:
        page.emulate_media(media="print")
        assert page.eval_on_selector("aside.findings", "el => getComputedStyle(el).position") == "static"
        assert page.eval_on_selector("nav.back", "el => getComputedStyle(el).display") == "none"
        assert page.pdf()[:4] == b"%PDF"
    finally:
        context.close()
