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
Attachments (docx, pdf, xlsx, jpg, ...) linked from any fetched page are
fetched and scanned, but never parsed for links.  So are the pictures a page
shows (``<img>``, ``<picture>``, CSS backgrounds) when they are content, not
the site template's decoration (the page extractor's own judgement,
:func:`~scanner.extract.html_images.content_pictures`): a notice
photographed and shown in an article goes to OCR as a document of its own.
They count against ``max_pages`` and ``max_links`` like any link, and
robots.txt rules them too.  Every fetched document becomes a
:class:`~scanner.batch.task.Task` with the URL as its key and the linking page as
its ``referrer``; a link that cannot be downloaded (HTTP 404, a timeout) is
reported as a task with an error, so the reviewer sees it.  Styles, scripts,
decoration and media are not fetched: they carry no text this scanner reads.

Bounded and fail closed (issues #21, #22): each URL has a deadline for the
whole request (a server dripping a byte every two seconds is cut off, its
socket shut from a timer), the crawl has one too; a page's links are read
from its first :attr:`CrawlOptions.max_page_bytes` only, at most
:attr:`CrawlOptions.max_links` of them; a body shorter than its
``Content-Length``, or in a ``Content-Encoding`` that cannot be decoded, is
an error task (``review``) naming the URL; a malformed link is skipped and
counted.  What the crawl did not cover is reported as tasks with an error,
so it is ``review`` in every output: each URL robots.txt forbade, and one
task per limit that stopped the crawl (``--max-pages``, ``--max-depth``,
the deadline, the link cap) listing the URLs left out.
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import urllib.robotparser
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from scanner import __version__
from scanner.batch.task import Task
from scanner.extract import readable_suffixes
from scanner.extract._common import no_surrogates
from scanner.fetch import Deadline, FetchError, decoded_body, handlers, read_body

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
    request_timeout: float = 30.0  # seconds for one URL, from connecting to the last byte
    crawl_timeout: float = 3600.0  # seconds for the whole crawl (0: none)
    max_bytes: int = 100 * 1024 * 1024  # a larger download is cut off and reported
    max_page_bytes: int = 8 * 1024 * 1024  # of a page, links are read from this much only
    max_links: int = 10_000  # links followed from one page
    user_agent: str = USER_AGENT


# Limits that stop a crawl, named in the task that reports what they left out.
LIMIT_NAMES = {
    "over_max_pages": "超出 --max-pages 上限", "over_max_depth": "超出 --max-depth 深度",
    "over_deadline": "抓取总时限已到", "over_max_links": "页面链接超过上限",
}
LISTED_URLS = 20  # URLs named in a limit's task; the rest are counted


@dataclass(frozen=True, kw_only=True)
class _Fetch:
    url: str
    referrer: str
    depth: int
    is_attachment: bool


_LINK_ATTRIBUTES = {"a": "href", "area": "href", "iframe": "src", "frame": "src", "embed": "src", "object": "data"}


def extract_links(html: bytes, page_url: str, content_type: str = "") -> list[str]:
    """Absolute URLs (fragment removed) linked from an HTML page, in page order; honours ``<base href>``.

    Parsed with lxml (a 16 MB page of links took html.parser 45 s); a link
    that is not a valid URL is left out (see :func:`valid_url`).
    """
    return page_links(html, page_url, content_type)[0]


def page_links(html: bytes, page_url: str, content_type: str = "") -> tuple[list[str], list[str]]:
    """The page's links (as :func:`extract_links`) and the absolute URLs of its content pictures."""
    from lxml import etree

    from scanner.extract.html_images import content_pictures

    try:
        root = etree.fromstring(_decode(html, content_type), etree.HTMLParser(no_network=True, huge_tree=False))
    except (etree.ParserError, ValueError):
        return [], []
    if root is None:
        return [], []
    base_url = page_url
    hrefs = []
    for element in root.iter("base", *_LINK_ATTRIBUTES):
        if element.tag == "base":
            if element.get("href") and base_url == page_url:
                base_url = urllib.parse.urljoin(page_url, element.get("href", "").strip())
            continue
        value = (element.get(_LINK_ATTRIBUTES[str(element.tag)]) or "").strip()
        if value:
            hrefs.append(value)
    return _absolute(hrefs, base_url), _absolute(content_pictures(root), base_url)


def _absolute(hrefs: list[str], base_url: str) -> list[str]:
    links = []
    for href in hrefs:
        if href.startswith(("javascript:", "mailto:", "tel:", "data:", "#")):
            continue
        try:
            url, _fragment = urllib.parse.urldefrag(urllib.parse.urljoin(base_url, href))
        except ValueError:  # e.g. an invalid IPv6 host
            links.append(href)  # kept, so that the crawl counts it as malformed
            continue
        links.append(url)
    return links


def valid_url(url: str) -> bool:
    """Whether ``url`` can be fetched at all: http(s), a host, a numeric port (``http://host:abc/`` is not)."""
    try:
        parts = urllib.parse.urlsplit(url)
        _ = parts.port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


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
            return no_surrogates(data.decode(encoding))
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
    off-site, limits, malformed links).  Raises :class:`CrawlError` for a
    start URL that is not ``http(s)://host/...``.
    """

    def __init__(self, start_url: str, options: CrawlOptions | None = None) -> None:
        if not valid_url(start_url):
            raise CrawlError(f"只能抓取 http(s) 网址 / --crawl needs an http(s) URL: {start_url}")
        self.start_url = start_url
        self.options = options or CrawlOptions()
        self.origin = _origin(start_url)
        self.stats: Counter[str] = Counter()
        # URLs each limit left out (the first LISTED_URLS of them), reported as one task per limit
        self.left_out: dict[str, list[str]] = {}
        # No proxy handler: the crawl talks to the site directly and to nothing else.
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _SameSiteRedirects(self.origin), *handlers())
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
        except (urllib.error.URLError, OSError, FetchError, http.client.HTTPException):
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
        """Status, content type and the complete body of ``url``.

        Raises :class:`FetchError` when the body cannot be had completely
        within :attr:`CrawlOptions.request_timeout` (the deadline covers the
        whole request), is shorter than its ``Content-Length`` or comes in a
        ``Content-Encoding`` that is not decoded here; ``urllib`` errors as usual.
        """
        self._throttle.wait()
        limit = self.options.request_timeout
        request = urllib.request.Request(_request_url(url), headers={
            "User-Agent": self.options.user_agent, "Accept-Encoding": "gzip, deflate"})
        with Deadline(limit) as deadline:
            try:
                with self._opener.open(request, timeout=limit) as response:
                    data = read_body(response, self.options.max_bytes + 1, deadline)
                    declared = response.headers.get("Content-Length", "")
                    encoding = response.headers.get("Content-Encoding", "").strip().lower()
                    status, content_type = response.status, response.headers.get("Content-Type", "")
            except (OSError, http.client.HTTPException) as error:
                if deadline.expired:
                    raise FetchError(f"超过单个网址 {limit:g} 秒的时限，未下载完 / not complete within {limit:g} s") from error
                raise
        if deadline.expired:
            raise FetchError(f"超过单个网址 {limit:g} 秒的时限，未下载完 / not complete within {limit:g} s")
        if declared.isdigit() and len(data) < int(declared) and len(data) <= self.options.max_bytes:
            raise FetchError(f"响应不完整：收到 {len(data):,} 字节，Content-Length 声明 {int(declared):,} 字节 "
                             f"/ truncated response: {len(data):,} of {int(declared):,} bytes")
        return status, content_type, decoded_body(data, encoding, self.options.max_bytes)

    def _fetch(self, item: _Fetch) -> tuple[_Fetch, Task, str, bytes]:
        """Download one URL; returns the task to scan plus its content type and bytes (for links)."""
        try:
            _status, content_type, data = self._get(item.url)
        except urllib.error.HTTPError as error:
            reason = str(error.reason) if "站外" in str(error.reason) else f"HTTP {error.code}"
            return item, Task(key=item.url, referrer=item.referrer,
                              error=f"下载失败 / download failed: {reason}"), "", b""
        except FetchError as error:
            return item, Task(key=item.url, referrer=item.referrer,
                              error=f"下载失败 / download failed: {error}"), "", b""
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as error:
            return item, Task(key=item.url, referrer=item.referrer,
                              error=f"下载失败 / download failed: {error}"), "", b""
        if len(data) > self.options.max_bytes:
            return item, Task(key=item.url, referrer=item.referrer,
                              error=f"文件过大 / larger than {self.options.max_bytes} bytes"), "", b""
        return item, Task(key=item.url, referrer=item.referrer, data=data), content_type, data

    def _leave_out(self, limit: str, urls: Iterable[str]) -> None:
        listed = self.left_out.setdefault(limit, [])
        for url in urls:
            self.stats[limit] += 1
            if len(listed) < LISTED_URLS:
                listed.append(url)

    def crawl(self) -> Iterator[Task]:
        self._load_robots()
        seen = {self.start_url}
        frontier: deque[_Fetch] = deque()
        if self.allowed(self.start_url):
            frontier.append(_Fetch(url=self.start_url, referrer="", depth=0, is_attachment=False))
        else:
            self.stats["robots_disallowed"] += 1
            yield _robots_task(self.start_url, "")
        scheduled = 0
        ends = time.monotonic() + self.options.crawl_timeout if self.options.crawl_timeout else None
        with ThreadPoolExecutor(max_workers=max(1, self.options.concurrency), thread_name_prefix="secscan-crawl") as pool:
            running: set[Future[tuple[_Fetch, Task, str, bytes]]] = set()
            while frontier or running:
                while frontier and len(running) < self.options.concurrency:
                    if scheduled >= self.options.max_pages:
                        self._leave_out("over_max_pages", (item.url for item in frontier))
                        frontier.clear()
                        break
                    if ends is not None and time.monotonic() >= ends:
                        self._leave_out("over_deadline", (item.url for item in frontier))
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
                        links, pictures = self._links(item, data, content_type)
                        yield from self._follow(item, links, seen, frontier, pictures)
                    yield task
        yield from self._limit_tasks()

    def _links(self, page: _Fetch, data: bytes, content_type: str) -> tuple[list[str], list[str]]:
        """The page's links and content pictures, read from its first ``max_page_bytes``; past ``max_links``
        (its pictures first, as they are part of the page, then its links) they are left out."""
        cut = len(data) > self.options.max_page_bytes
        links, pictures = page_links(data[: self.options.max_page_bytes], page.url, content_type)
        if cut:
            self.stats["page_cut"] += 1
            self._leave_out("over_max_links", [f"{page.url}（页面超过 {self.options.max_page_bytes:,} 字节，其后的链接未读取）"])
        room = self.options.max_links
        if len(links) + len(pictures) > room:
            self._leave_out("over_max_links", (pictures + links)[room:])
            links, pictures = links[: max(0, room - len(pictures))], pictures[:room]
        return links, pictures

    def _follow(self, page: _Fetch, links: list[str], seen: set[str], frontier: deque[_Fetch],
                pictures: Sequence[str] = ()) -> Iterator[Task]:
        """Queue the new links of ``page`` and its content pictures (documents, never parsed for links);
        yields a task for each URL robots.txt forbids (not covered)."""
        shown = set(pictures)
        for url in [*pictures, *links]:  # the page's own pictures before the pages it links to
            if url in seen:
                continue
            seen.add(url)
            if not valid_url(url):
                if url.split(":", 1)[0].lower() in ("http", "https"):
                    self.stats["bad_links"] += 1  # http://host:abc/ : skipped, never an abort
                else:
                    self.stats["offsite_skipped"] += 1  # ftp:, another scheme
                continue
            if _origin(url) != self.origin:
                self.stats["offsite_skipped"] += 1
                continue
            suffix = _suffix(url)
            if suffix in SKIPPED_SUFFIXES:
                self.stats["media_skipped"] += 1
                continue
            if not self.allowed(url):
                self.stats["robots_disallowed"] += 1
                yield _robots_task(url, page.url)
                continue
            attachment = suffix in ATTACHMENT_SUFFIXES or url in shown
            if url in shown:
                self.stats["pictures"] += 1
            if not attachment and page.depth + 1 > self.options.max_depth:
                self._leave_out("over_max_depth", [url])
                continue
            frontier.append(_Fetch(url=url, referrer=page.url, depth=page.depth + 1, is_attachment=attachment))

    def _limit_tasks(self) -> Iterator[Task]:
        """One task per limit that left URLs out: ``review``, naming the limit and the first URLs."""
        for limit, urls in self.left_out.items():
            count = self.stats[limit]
            name = LIMIT_NAMES[limit]
            more = f"等 {count} 个" if count > len(urls) else f"{count} 个"
            error = (f"抓取未覆盖全站：{name}，{more}网址未抓取，未经审查：{'、'.join(urls)} "
                     f"/ crawl incomplete ({limit}): {count} URL(s) not fetched")
            yield Task(key=f"{self.start_url} （{name}）", error=error)


def _robots_task(url: str, referrer: str) -> Task:
    return Task(key=url, referrer=referrer,
                error="robots.txt 禁止抓取，未经审查 / disallowed by robots.txt: not fetched, not scanned")
