"""``--crawl`` against a site served on 127.0.0.1 by the test: robots.txt, off-site links, attachments."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.batch import BatchOptions, SettingsSpec, run_batch
from scanner.crawl import USER_AGENT, Crawler, CrawlError, CrawlOptions, extract_links
from scanner.pipeline import Settings
from scanner.types import Verdict
from tests import builders


class _Handler(http.server.SimpleHTTPRequestHandler):
    log: list[tuple[str, str]]  # (path, user agent), set per server
    redirect_to = ""

    def do_GET(self) -> None:
        self.log.append((self.path, self.headers.get("User-Agent", "")))
        if self.path == "/go" and self.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.redirect_to)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def serve() -> Iterator:
    servers = []

    def start(root: Path, redirect_to: str = "") -> tuple[str, list[tuple[str, str]]]:
        log: list[tuple[str, str]] = []
        handler = type("H", (_Handler,), {"log": log, "redirect_to": redirect_to})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", log

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def page(body: str) -> str:
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title></head><body>{body}</body></html>'


def build_site(root: Path, other: str) -> None:
    (root / "files").mkdir(parents=True)
    (root / "private").mkdir()
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    (root / "index.html").write_text(page(
        '<p>欢迎访问本站。</p>'
        '<a href="page2.html">下一页</a> <a href="/private/secret.html">内部</a>'
        f'<a href="{other}/leak.html">外站</a> <a href="files/notice.txt">通知</a>'
        '<a href="files/report.docx">报告</a> <a href="missing.pdf">缺失</a>'
        '<a href="/go">跳转</a> <link href="style.css"><a href="mailto:a@b.cn">信箱</a>'
        '<a href="#top">顶部</a>'
    ), encoding="utf-8")
    (root / "page2.html").write_text(page('<p>第二页</p><a href="page3.html">第三页</a><a href="files/notice.txt">x</a>'),
                                     encoding="utf-8")
    (root / "page3.html").write_text(page("<p>机密★5年 第三页</p>"), encoding="utf-8")
    (root / "private" / "secret.html").write_text(page("<p>机密★5年 内部页面</p>"), encoding="utf-8")
    (root / "files" / "notice.txt").write_text("内部资料 注意保存\n关于工作安排的通知\n", encoding="utf-8")
    builders.make_docx(root / "files" / "report.docx", ["关于某项目的报告", "正文"], header="机密★5年")
    (root / "style.css").write_text("body{}", encoding="utf-8")


def test_crawl_obeys_robots_stays_on_site_and_scans_attachments(tmp_path: Path, settings: Settings, serve) -> None:
    other_root = tmp_path / "other"
    other_root.mkdir()
    (other_root / "leak.html").write_text(page("<p>机密★5年</p>"), encoding="utf-8")
    other, other_log = serve(other_root)
    site_root = tmp_path / "site"
    build_site(site_root, other)
    site, log = serve(site_root, redirect_to=f"{other}/leak.html")

    crawler = Crawler(f"{site}/index.html", CrawlOptions(max_depth=1, delay=0.0, concurrency=2))
    outcome = run_batch(crawler, SettingsSpec(), settings, BatchOptions(jobs=2, timeout=60))
    docs = {doc.path: doc for doc in outcome.result.documents}

    assert other_log == []  # neither the off-site link nor the off-site redirect was followed
    fetched = {path for path, _agent in log}
    assert "/private/secret.html" not in fetched and "/page3.html" not in fetched and "/style.css" not in fetched
    assert {agent for _path, agent in log} == {USER_AGENT}
    assert fetched >= {"/robots.txt", "/index.html", "/page2.html", "/files/notice.txt", "/files/report.docx"}

    index = f"{site}/index.html"
    # what the crawl did not cover is a document too (review): the URL robots.txt forbade, and the depth limit
    depth = f"{index} （超出 --max-depth 深度）"
    assert sorted(docs) == sorted([index, f"{site}/page2.html", f"{site}/files/notice.txt",
                                   f"{site}/files/report.docx", f"{site}/missing.pdf", f"{site}/go",
                                   f"{site}/private/secret.html", depth])
    assert docs[f"{site}/private/secret.html"].verdict is Verdict.REVIEW
    assert "robots.txt" in docs[f"{site}/private/secret.html"].errors[0]
    assert docs[depth].verdict is Verdict.REVIEW and f"{site}/page3.html" in docs[depth].errors[0]
    report = docs[f"{site}/files/report.docx"]
    assert report.referrer == index and report.format == "docx" and report.verdict is Verdict.BLOCK
    assert any(f.category == "classified-marking" for f in report.findings)
    notice = docs[f"{site}/files/notice.txt"]
    assert notice.referrer == index and any(f.category == "internal-marking" for f in notice.findings)
    assert docs[index].referrer == "" and docs[f"{site}/page2.html"].referrer == index
    assert docs[f"{site}/missing.pdf"].errors == ("下载失败 / download failed: HTTP 404",)
    assert docs[f"{site}/go"].errors[0].startswith("下载失败 / download failed: 站外重定向未跟随")
    assert crawler.stats["robots_disallowed"] == 1 and crawler.stats["offsite_skipped"] == 1
    assert crawler.stats["over_max_depth"] == 1
    assert "robots.txt 禁止 1" in outcome.summary.text() and "站外链接未跟随 1" in outcome.summary.text()


def test_max_pages_and_disallowed_start(tmp_path: Path, serve) -> None:
    root = tmp_path / "site"
    build_site(root, "http://127.0.0.1:9")
    site, log = serve(root)
    tasks = list(Crawler(f"{site}/index.html", CrawlOptions(max_pages=2, delay=0.0, concurrency=1)))
    fetched = [task for task in tasks if not task.error]
    assert len(fetched) == 2 and fetched[0].key == f"{site}/index.html"
    limit = [task for task in tasks if "--max-pages" in task.key]
    assert len(limit) == 1 and "未抓取" in limit[0].error and f"{site}/go" in limit[0].error
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /\n", encoding="utf-8")
    log.clear()
    forbidden = list(Crawler(f"{site}/index.html", CrawlOptions(delay=0.0)))
    assert [(task.key, "robots.txt" in task.error) for task in forbidden] == [(f"{site}/index.html", True)]
    assert [path for path, _ in log] == ["/robots.txt"]


def test_extract_links_resolves_and_filters() -> None:
    html = ('<base href="/docs/"><a href="a.pdf#p2">x</a><a href="javascript:void(0)">j</a>'
            '<iframe src="//cdn.example/x.html"></iframe><a href="附件.docx">附件</a><a href="#only">f</a>').encode()
    assert extract_links(html, "http://site.gov.cn/news/1.html") == [
        "http://site.gov.cn/docs/a.pdf", "http://cdn.example/x.html", "http://site.gov.cn/docs/附件.docx"
    ]


def test_only_http_urls_are_crawled() -> None:
    with pytest.raises(CrawlError):
        Crawler("file:///etc/passwd")


def _png(size: tuple[int, int] = (400, 160)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


def build_picture_site(root: Path) -> None:
    """An article showing a photographed notice, a CSS background and a picture robots.txt forbids, in a
    template with a logo and a share icon."""
    (root / "upload").mkdir(parents=True)
    (root / "images").mkdir()
    (root / "private").mkdir()
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    article = "".join(f"<p>第{n}条 为规范本市公共服务工作，根据有关法律法规，结合本市实际，制定本办法。</p>" for n in range(4))
    body = ('<div class="header"><img src="/images/logo.png"></div>'
            f'<div class="content">{article}<p><img src="upload/notice.png"></p>'
            '<div style="background-image:url(/upload/scan.png)">附件</div>'
            '<p><img src="/private/hidden.png"><img src="/images/icon_print.png"></p>'
            '<a href="page2.html">下一页</a></div>'
            '<div class="footer"><img src="/images/beian.png" width="20" height="20"></div>')
    (root / "index.html").write_text(page(body), encoding="utf-8")
    # a second page shows the same notice: it is fetched once
    (root / "page2.html").write_text(page(f'<div class="content">{article}<img src="/upload/notice.png"></div>'),
                                     encoding="utf-8")
    for name in ("upload/notice.png", "upload/scan.png", "private/hidden.png", "images/logo.png",
                 "images/icon_print.png", "images/beian.png"):
        (root / name).write_bytes(_png())


def test_crawl_fetches_the_content_pictures_of_pages_not_the_template_decoration(tmp_path: Path, serve) -> None:
    from dataclasses import replace

    from scanner.ocr import OcrReader
    from scanner.pipeline import build_settings, scan_bytes

    build_picture_site(tmp_path)
    site, log = serve(tmp_path)
    crawler = Crawler(f"{site}/index.html", CrawlOptions(delay=0.0, concurrency=1))
    tasks = {task.key: task for task in crawler}
    fetched = [path for path, _agent in log]
    assert fetched.count("/upload/notice.png") == 1 and "/upload/scan.png" in fetched
    assert not {"/images/logo.png", "/images/icon_print.png", "/images/beian.png", "/private/hidden.png"} & set(fetched)
    notice = tasks[f"{site}/upload/notice.png"]
    assert notice.referrer == f"{site}/index.html" and notice.data is not None and not notice.error
    assert "robots.txt" in tasks[f"{site}/private/hidden.png"].error  # not covered: review, like a page
    assert crawler.stats["pictures"] == 2 and crawler.stats["robots_disallowed"] == 1

    # the picture is a document of its own, read by OCR: a mark photographed in it blocks
    def engine(pixels):  # type: ignore[no-untyped-def]
        return [("机密★1年", [(10, 10), (200, 10), (200, 35), (10, 35)], 0.95)]

    settings = replace(build_settings(), ocr=OcrReader(engine=engine))
    result = scan_bytes(notice.data, notice.key, settings)
    assert result.verdict is Verdict.BLOCK and any(f.rule == "CM001" for f in result.findings)


def test_pictures_count_against_the_crawl_limits(tmp_path: Path, serve) -> None:
    build_picture_site(tmp_path)
    site, _log = serve(tmp_path)
    tasks = list(Crawler(f"{site}/index.html", CrawlOptions(max_pages=2, delay=0.0, concurrency=1)))
    assert [task.key for task in tasks if not task.error] == [f"{site}/index.html", f"{site}/upload/notice.png"]
    limit = next(task for task in tasks if "--max-pages" in task.key)
    assert f"{site}/upload/scan.png" in limit.error and f"{site}/page2.html" in limit.error
    # a page's pictures come before its links, and count against --max-links with them
    capped = Crawler(f"{site}/index.html", CrawlOptions(max_links=1, delay=0.0, concurrency=1))
    keys = [task.key for task in capped]
    assert f"{site}/upload/notice.png" in keys and f"{site}/upload/scan.png" not in keys
    assert f"{site}/page2.html" not in keys and capped.stats["over_max_links"] == 3
