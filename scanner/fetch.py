"""One bounded HTTP GET for the crawl: a deadline for the whole request, a size cap, checked framing.

``urllib``'s ``timeout`` applies to each socket operation, so a server that
sends a byte every two seconds never trips it; here a timer shuts the
request's sockets when its deadline passes (:class:`Deadline`, installed in
``urllib`` through :func:`handlers`), bodies are read with ``read1`` (whatever
has arrived, so no single read waits on a drip), and a body is complete only
if it is as long as its ``Content-Length`` and its ``Content-Encoding``
(gzip, deflate) decodes to the end.  Everything else raises
:class:`FetchError` with the reason, for the crawl to report the URL.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import urllib.request
import zlib


class FetchError(Exception):
    """One URL could not be downloaded completely; the message is the reason (``中文 / English``)."""


class Deadline:
    """Shuts the sockets of one request when its time is up, whatever the server sends."""

    _current = threading.local()

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        Deadline._current.value = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        Deadline._current.value = None

    @classmethod
    def watch(cls, sock: socket.socket) -> None:
        deadline = getattr(cls._current, "value", None)
        if deadline is not None:
            with deadline._lock:
                deadline._sockets.append(sock)
                if deadline.expired:
                    _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


class _WatchedHTTP(http.client.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        Deadline.watch(self.sock)


class _WatchedHTTPS(http.client.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        Deadline.watch(self.sock)


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):  # type: ignore[no-untyped-def]
        return self.do_open(_WatchedHTTP, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):  # type: ignore[no-untyped-def]
        return self.do_open(_WatchedHTTPS, req, context=self._context)  # type: ignore[attr-defined]


def handlers() -> tuple[urllib.request.BaseHandler, ...]:
    """Fresh ``urllib`` handlers whose connections a :class:`Deadline` can shut (one set per opener)."""
    return (_HTTPHandler(), _HTTPSHandler())


def read_body(response: http.client.HTTPResponse, limit: int, deadline: Deadline) -> bytes:
    """Up to ``limit`` bytes of the body, in reads of whatever has arrived (a drip-fed body cannot stall one read)."""
    chunks = []
    size = 0
    while size < limit and not deadline.expired:
        chunk = response.read1(min(1 << 16, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def decoded_body(data: bytes, encoding: str, limit: int) -> bytes:
    """The body with its ``Content-Encoding`` undone, to at most ``limit + 1`` bytes.

    Raises :class:`FetchError` for an encoding not handled here or a
    compressed body cut short.
    """
    if encoding in ("", "identity"):
        return data
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise FetchError(f"不支持的内容编码 {encoding}，无法读取 / unsupported Content-Encoding {encoding}")
    wbits = 16 + zlib.MAX_WBITS if "gzip" in encoding else zlib.MAX_WBITS
    decompressor = zlib.decompressobj(wbits)
    try:
        out = decompressor.decompress(data, limit + 1)
    except zlib.error as error:
        if encoding != "deflate":
            raise FetchError(f"压缩内容损坏 / corrupt {encoding} body: {error}") from error
        try:  # some servers send raw deflate
            decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
            out = decompressor.decompress(data, limit + 1)
        except zlib.error as raw_error:
            raise FetchError(f"压缩内容损坏 / corrupt {encoding} body: {raw_error}") from raw_error
    if len(out) <= limit and not decompressor.eof:
        raise FetchError(f"压缩内容不完整，被截断 / truncated {encoding} body")
    return out
