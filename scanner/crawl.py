"""``scan --crawl URL``: fetch a site's pages and attachments for scanning.

The only network access the scanner has, and only to the site it was given:

* same scheme, host and port as the start URL; links elsewhere and
  redirects elsewhere are not followed (counted in the statistics);
* robots.txt is fetched first and obeyed (:mod:`urllib.robotparser`),
  including its ``Crawl-delay`` when longer than ``--delay``;
* at most ``concurrency`` requests at once, and request starts at least
  ``delay`` seconds apart; at most ``max_pages`` URLs fetched;
* a User-Agent naming the tool, so a webmaster can see who is reading.

Pages are followed to ``max_depth`` link hops from the start page (depth 0).
Attachments (docx, pdf, xlsx, ...) linked from any fetched page are fetched
and scanned, but never parsed for links.  Every fetched document becomes a
:class:`~scanner.batch.task.Task` with the URL as its key and the linking page as
its ``referrer``; a link that cannot be downloaded (HTTP 404, a timeout) is
reported as a task with an error, so the reviewer sees it.  Styles, scripts,
images and media are not fetched: they carry no text this scanner reads.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import urllib.robotparser
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import ClassVar

from scanner import __version__
from scanner.batch.task import Task
from scanner.extract import readable_suffixes

# HTTP headers are ASCII: the tool names itself in English.
USER_AGENT = f"secscan/{__version__} (pre-publication confidentiality scanner for government websites)"

# Documents to fetch whatever the depth: every kind the extractor registry reads (pictures
# too, for OCR), taken from the registry so that a new format is crawled as soon as it is read.
ATTACHMENT_SUFFIXES = readable_suffixes()
SKIPPED_SUFFIXES = frozenset(
    [".css", ".js", ".mjs", ".map", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".svg", ".ico", ".tif", ".tiff", ".woff", ".woff2", ".ttf", ".eot", ".otf", ".mp3", ".mp4", ".avi", ".mov", ".wmv", ".flv", ".swf", ".m3u8", ".webm", ".wav", ".exe", ".msi", ".apk", ".dmg", ".iso"]
) - ATTACHMENT_SUFFIXES  # media the scanner reads (pictures) are fetched, not skipped
HTML_TYPES = ("text/html", "application/xhtml+xml")


class CrawlError(ValueError):
    """The start URL cannot be crawled (not http(s), no host)."""


@dataclass(frozen=True, kw_only=True)
class CrawlOptions:
    max_depth: int = 3
    max_pages: int = 1000
    delay: float = 0.5  # seconds between request starts
    concurrency: int = 2
    request_timeout: float = 30.0
    max_bytes: int = 100 * 1024 * 1024  # a larger download is cut off and reported
    user_agent: str = USER_AGENT


@dataclass(frozen=True, kw_only=True)
class _Fetch:
    url: str
    referrer: str
    depth: int
    is_attachment: bool


class _LinkParser(HTMLParser):
    """Every URL a page points to: anchors, frames, embedded objects; honours ``<base href>``."""

    _ATTRIBUTES: ClassVar[dict[str, str]] = {"a": "href", "area": "href", "iframe": "src", "frame": "src", "embed": "src", "object": "data"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.base = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "base" and values.get("href"):
            self.base = values["href"] or ""
        attribute = self._ATTRIBUTES.get(tag)
        if attribute and values.get(attribute):
            self.links.append(values[attribute] or "")


def extract_links(html: bytes, page_url: str, content_type: str = "") -> list[str]:
    """Absolute URLs (fragment removed) linked from an HTML page, in page order."""
    parser = _LinkParser()
    try:
        parser.feed(_decode(html, content_type))
        parser.close()
    except AssertionError:  # html.parser gives up on some broken markup; keep what it read
        pass
    base = urllib.parse.urljoin(page_url, parser.base) if parser.base else page_url
    links = []
    for href in parser.links:
        href = href.strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "data:", "#")):
            continue
        url, _fragment = urllib.parse.urldefrag(urllib.parse.urljoin(base, href))
        links.append(url)
    return links


def _decode(data: bytes, content_type: str) -> str:
    charset = ""
    for part in content_type.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset":
            charset = value.strip("\"' ")
    for encoding in (charset, "utf-8", "gb18030"):
        if not encoding:
            continue
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def _suffix(url: str) -> str:
    path = urllib.parse.urlsplit(url).path
    name = path.rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme.lower(), f"{(parts.hostname or '').lower()}:{port}"


def _request_url(url: str) -> str:
    # Chinese file names in links: percent-encode what is not ASCII, keep what is.
    return urllib.parse.quote(url, safe=":/?#[]@!$&'()*+,;=%~")


class _SameSiteRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, origin: tuple[str, str]) -> None:
        self.origin = origin

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if _origin(newurl) != self.origin:
            raise urllib.error.HTTPError(newurl, code, f"站外重定向未跟随 / off-site redirect to {newurl}", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Throttle:
    """Request starts at least ``delay`` seconds apart, across threads."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.delay
        if start > now:
            time.sleep(start - now)


class Crawler:
    """Iterate :class:`~scanner.batch.task.Task` objects for the documents of one site.

    ``stats`` counts what was fetched and what was left alone (robots,
    off-site, limits).  Raises :class:`CrawlError` for a start URL that is
    not ``http(s)://host/...``.
    """

    def __init__(self, start_url: str, options: CrawlOptions | None = None) -> None:
        parts = urllib.parse.urlsplit(start_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CrawlError(f"只能抓取 http(s) 网址 / --crawl needs an http(s) URL: {start_url}")
        self.start_url = start_url
        self.options = options or CrawlOptions()
        self.origin = _origin(start_url)
        self.stats: Counter[str] = Counter()
        # No proxy handler: the crawl talks to the site directly and to nothing else.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _SameSiteRedirects(self.origin))
        self._throttle = _Throttle(self.options.delay)
        self._robots = urllib.robotparser.RobotFileParser()

    def __iter__(self) -> Iterator[Task]:
        return self.crawl()

    def _load_robots(self) -> None:
        robots_url = urllib.parse.urljoin(self.start_url, "/robots.txt")
        try:
            status, _type, data = self._get(robots_url)
        except urllib.error.HTTPError as error:
            status, data = error.code, b""
        except (urllib.error.URLError, OSError):
            status, data = 404, b""  # no robots.txt reachable: nothing is disallowed
        # The same outcomes RobotFileParser.read() gives, through the documented
        # parse(): its disallow_all/allow_all flags are undocumented internals.
        if status in (401, 403):
            self._robots.parse(["User-agent: *", "Disallow: /"])
        elif status >= 400:
            self._robots.parse([])
        else:
            self._robots.parse(_decode(data, "").splitlines())
        crawl_delay = self._robots.crawl_delay(self.options.user_agent)
        if crawl_delay is not None and float(crawl_delay) > self._throttle.delay:
            self._throttle.delay = float(crawl_delay)

    def allowed(self, url: str) -> bool:
        return self._robots.can_fetch(self.options.user_agent, url)

    def _get(self, url: str) -> tuple[int, str, bytes]:
        self._throttle.wait()
        request = urllib.request.Request(_request_url(url), headers={"User-Agent": self.options.user_agent})
        with self._opener.open(request, timeout=self.options.request_timeout) as response:
            data = response.read(self.options.max_bytes + 1)
            return response.status, response.headers.get("Content-Type", ""), data

    def _fetch(self, item: _Fetch) -> tuple[_Fetch, Task, str, bytes]:
        """Download one URL; returns the task to scan plus its content type and bytes (for links)."""
        try:
            _status, content_type, data = self._get(item.url)
        except urllib.error.HTTPError as error:
            reason = str(error.reason) if "站外" in str(error.reason) else f"HTTP {error.code}"
            return item, Task(key=item.url, referrer=item.referrer,
                              error=f"下载失败 / download failed: {reason}"), "", b""
        except (urllib.error.URLError, OSError, ValueError) as error:
            return item, Task(key=item.url, referrer=item.referrer,
                              error=f"下载失败 / download failed: {error}"), "", b""
        if len(data) > self.options.max_bytes:
            return item, Task(key=item.url, referrer=item.referrer,
                              error=f"文件过大 / larger than {self.options.max_bytes} bytes"), "", b""
        return item, Task(key=item.url, referrer=item.referrer, data=data), content_type, data

    def crawl(self) -> Iterator[Task]:
        self._load_robots()
        seen = {self.start_url}
        frontier: deque[_Fetch] = deque()
        if self.allowed(self.start_url):
            frontier.append(_Fetch(url=self.start_url, referrer="", depth=0, is_attachment=False))
        else:
            self.stats["robots_disallowed"] += 1
        scheduled = 0
        with ThreadPoolExecutor(max_workers=max(1, self.options.concurrency), thread_name_prefix="secscan-crawl") as pool:
            running: set[Future[tuple[_Fetch, Task, str, bytes]]] = set()
            while frontier or running:
                while frontier and len(running) < self.options.concurrency:
                    if scheduled >= self.options.max_pages:
                        self.stats["over_max_pages"] += len(frontier)
                        frontier.clear()
                        break
                    running.add(pool.submit(self._fetch, frontier.popleft()))
                    scheduled += 1
                if not running:
                    break
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    item, task, content_type, data = future.result()
                    self.stats["errors" if task.error else "fetched"] += 1
                    is_html = content_type.split(";")[0].strip().lower() in HTML_TYPES
                    if data and is_html and not item.is_attachment:
                        self._follow(item, extract_links(data, item.url, content_type), seen, frontier)
                    yield task

    def _follow(self, page: _Fetch, links: list[str], seen: set[str], frontier: deque[_Fetch]) -> None:
        for url in links:
            if url in seen:
                continue
            seen.add(url)
            if _origin(url) != self.origin or urllib.parse.urlsplit(url).scheme not in ("http", "https"):
                self.stats["offsite_skipped"] += 1
                continue
            suffix = _suffix(url)
            if suffix in SKIPPED_SUFFIXES:
                self.stats["media_skipped"] += 1
                continue
            if not self.allowed(url):
                self.stats["robots_disallowed"] += 1
                continue
            attachment = suffix in ATTACHMENT_SUFFIXES
            if not attachment and page.depth + 1 > self.options.max_depth:
                self.stats["over_max_depth"] += 1
                continue
            frontier.append(_Fetch(url=url, referrer=page.url, depth=page.depth + 1, is_attachment=attachment))
