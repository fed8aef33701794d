"""A one-line progress bar on stderr, drawn only on a terminal.

Written here rather than pulled in (tqdm, rich): it is one line of text, and
a batch run must stay quiet when its stderr is a log file or a pipe.
"""

from __future__ import annotations

import time
from typing import IO


class Progress:
    """Files done / total, rate, findings so far and ETA, redrawn at most ``hz`` times a second.

    ``total`` may be ``None`` while inputs are still being discovered (a crawl).
    Does nothing when ``stream`` is not a TTY, unless ``force`` is set.
    """

    def __init__(self, stream: IO[str], *, total: int | None = None, force: bool = False, hz: float = 8.0) -> None:
        self.stream = stream
        self.total = total
        self.enabled = force or _isatty(stream)
        self.done = 0
        self.findings = 0
        self.flagged = 0
        self._start = time.monotonic()
        self._last_draw = 0.0
        self._interval = 1.0 / hz
        self._width = 0

    def advance(self, *, findings: int = 0, flagged: bool = False) -> None:
        self.done += 1
        self.findings += findings
        self.flagged += int(flagged)
        self.draw()

    def draw(self, *, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self._last_draw < self._interval:
            return
        self._last_draw = now
        line = self.line(now)
        pad = max(0, self._width - len(line))
        self._width = len(line)
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()

    def line(self, now: float | None = None) -> str:
        """The text of the bar (without control characters)."""
        elapsed = max((now if now is not None else time.monotonic()) - self._start, 1e-9)
        rate = self.done / elapsed
        if self.total:
            fraction = min(self.done / self.total, 1.0)
            filled = int(fraction * 24)
            bar = "[" + "#" * filled + "-" * (24 - filled) + "]"
            remaining = (self.total - self.done) / rate if rate > 0 else None
            eta = _clock(remaining) if remaining is not None else "--:--"
            count = f"{self.done}/{self.total}"
        else:
            bar, eta, count = "", "--:--", f"{self.done}/?"
        return (
            f"{bar} {count} 文件 | {rate:.1f} 个/秒 | 发现 {self.findings} 处"
            f" ({self.flagged} 个文件需处理) | 剩余 {eta}"
        ).strip()

    def close(self) -> None:
        if self.enabled:
            self.draw(final=True)
            self.stream.write("\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
