"""The crawl fetches every kind the extractor registry reads, taken from the registry (issue #24)."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import unquote

sys.path.insert(0, str(Path(__file__).parent))
from legacy_builders import biff8_sheet, msg, ppt, xls
from markup_builders import odt, rtf

from scanner.batch import BatchOptions, SettingsSpec, run_batch
from scanner.crawl import ATTACHMENT_SUFFIXES, SKIPPED_SUFFIXES, Crawler, CrawlOptions
from scanner.extract import REGISTRY, SUFFIXES, readable_suffixes
from scanner.types import Verdict
from tests.test_crawl import page, serve  # noqa: F401 - serve is the loopback server fixture

MARK = "机密★1年"


def test_every_readable_kind_has_suffixes_and_the_crawl_takes_them_from_the_registry():
    # a kind added to the registry without suffixes would be readable but never crawled
    assert set(REGISTRY) - {"html"} <= set(SUFFIXES)
    assert readable_suffixes() == ATTACHMENT_SUFFIXES
    assert {".xls", ".et", ".ppt", ".dps", ".rtf", ".odt", ".ods", ".odp", ".msg", ".mht", ".eml", ".tar"} <= ATTACHMENT_SUFFIXES
    # pictures are read (OCR), so a linked scan is fetched, not skipped as media; style sheets still are
    assert ".png" in ATTACHMENT_SUFFIXES and ".png" not in SKIPPED_SUFFIXES and ".css" in SKIPPED_SUFFIXES


def test_a_crawl_beyond_its_depth_still_fetches_and_scans_legacy_attachments(tmp_path, settings, serve):  # noqa: F811
    root = tmp_path / "site"
    (root / "files").mkdir(parents=True)
    files = {
        "名单.xls": xls({"名单": biff8_sheet({(0, 0): "身份证号", (1, 0): "11010519491231002X"})}),
        "通知.rtf": rtf([MARK, "关于某事项的通知"]),
        "汇报.ppt": ppt([[MARK, "关于某事项的汇报"]]),
        "材料.odt": odt([MARK, "关于某事项的通知"]),
        "邮件.msg": msg("转发", "请审核", attachments={"附件.rtf": rtf([MARK, "关于某事项的通知"])}),
    }
    for name, data in files.items():
        (root / "files" / name).write_bytes(data)
    links = "".join(f'<a href="files/{name}">{name}</a>' for name in files)
    (root / "index.html").write_text(page(f"<p>信息公开</p>{links}<a href='more.html'>更多</a>"), encoding="utf-8")
    (root / "more.html").write_text(page("<p>更多</p>"), encoding="utf-8")
    site, log = serve(root)

    # depth 0: no page is followed, but attachments are fetched whatever the depth
    crawler = Crawler(f"{site}/index.html", CrawlOptions(max_depth=0, delay=0.0, concurrency=1))
    outcome = run_batch(crawler, SettingsSpec(), settings, BatchOptions(jobs=1, timeout=60))
    fetched = {path for path, _agent in log}
    assert "/more.html" not in fetched
    docs = {unquote(doc.path.rsplit("/", 1)[-1]): doc for doc in outcome.result.documents}
    assert set(files) <= set(docs)
    assert {name: docs[name].format for name in files} == {
        "名单.xls": "xls", "通知.rtf": "rtf", "汇报.ppt": "ppt", "材料.odt": "odt", "邮件.msg": "msg"}
    assert all(docs[name].verdict is not Verdict.PASS for name in files)
    assert docs["名单.xls"].verdict is Verdict.BLOCK
