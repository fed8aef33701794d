"""PDF throughput: pages per second for extraction alone and end to end.

Target (issue #9): end to end >= 300 pages/s on a 2-core machine, every
layer read.  The benchmark builds Chinese PDFs of about 1,200 characters a
page with reportlab, from public text (the real corpus in ../shared when it
is there, a fixed synthetic text otherwise), and times:

* ``extract``: :func:`scanner.extract.extract_bytes` alone;
* ``scan``: :func:`scanner.pipeline.scan_bytes` with
  :func:`scanner.pipeline.build_settings` (settings built once, outside the
  timing, as a batch worker does).

Cases: 50 and 200 pages in STSong-Light (a CID font reportlab does not
embed, as many office PDF exports of Chinese text are), and 200 pages in an
embedded TrueType CJK font when one is installed (skipped otherwise).

Each figure is the median of ``--runs`` runs (5 by default), one process,
one core: a batch on 2 cores runs two such workers.

    python bench/bench_pdf.py [--runs 5] [--pages 50 200] [--no-scan]
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPUS = ROOT.parent / "shared" / "corpus" / "real" / "government_work_reports.jsonl"
# TrueType (not CFF) CJK fonts reportlab can embed; Noto CJK is CFF and cannot be.
TTF_CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
)
PAGE_W, PAGE_H = 595.0, 842.0
FONT_SIZE = 10.5
CHARS_PER_LINE = 43
LINES_PER_PAGE = 28  # 43 x 28 = 1,204 characters a page


def corpus_text(needed: int) -> str:
    """At least ``needed`` characters of public Chinese prose, newlines removed."""
    pieces: list[str] = []
    total = 0
    if CORPUS.exists():
        with CORPUS.open(encoding="utf-8") as handle:
            for line in handle:
                # Drop spaces and format characters (zero-width spaces): a
                # reader rightly does not return what is not drawn.
                content = "".join(
                    char for char in json.loads(line)["content"]
                    if not char.isspace() and unicodedata.category(char) != "Cf"
                )
                pieces.append(content)
                total += len(content)
                if total >= needed:
                    break
    if total < needed:
        filler = "为深入贯彻落实党中央国务院决策部署，进一步做好政务公开工作，推进政府信息公开标准化规范化建设，现将有关事项通知如下。"
        pieces.append(filler * (needed // len(filler) + 1))
    return "".join(pieces)


def find_ttf() -> tuple[str, int] | None:
    for path, index in TTF_CANDIDATES:
        if Path(path).exists():
            return path, index
    return None


def build_pdf(pages: int, font: str = "cid") -> tuple[bytes, str]:
    """A ``pages``-page PDF of ~1,200 Chinese characters a page, and the text drawn.

    ``font`` is "cid" (STSong-Light, not embedded) or "ttf" (the first
    TrueType CJK font found, embedded as a subset).
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen import canvas

    if font == "cid":
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        name = "STSong-Light"
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    else:
        from reportlab.pdfbase.ttfonts import TTFont

        found = find_ttf()
        if found is None:
            raise FileNotFoundError("no TrueType CJK font installed")
        name = "BenchCJK"
        pdfmetrics.registerFont(TTFont(name, found[0], subfontIndex=found[1]))
    text = corpus_text(pages * CHARS_PER_LINE * LINES_PER_PAGE)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_W, PAGE_H))
    pdf.setTitle("基准测试文档")
    offset = 0
    for _ in range(pages):
        pdf.setFont(name, FONT_SIZE)
        for line in range(LINES_PER_PAGE):
            pdf.drawString(60, 780 - line * 26, text[offset : offset + CHARS_PER_LINE])
            offset += CHARS_PER_LINE
        pdf.showPage()
    pdf.save()
    return buffer.getvalue(), text[:offset]


def median_seconds(work: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of ``runs`` calls.

    CPU time is what the process itself used: on a shared, loaded machine
    wall time also counts waiting for a core, CPU time does not.
    """
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls), statistics.median(cpus)


def rate(pages: int, seconds: tuple[float, float]) -> str:
    wall, cpu = seconds
    return f"{pages / wall:7.0f} {pages / cpu:7.0f}"


def _scan_one(data: bytes, *, scan_bytes: Callable[..., object], settings: object) -> object:
    return scan_bytes(data, "bench.pdf", settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--no-scan", action="store_true", help="time extraction only")
    args = parser.parse_args()

    from scanner.extract import extract_bytes

    cases = [(f"cid-{pages}", pages, "cid") for pages in args.pages]
    if find_ttf():
        cases.append((f"ttf-{max(args.pages)}", max(args.pages), "ttf"))
    else:
        print("skipped ttf case: no TrueType CJK font installed (apt-get install fonts-wqy-zenhei)")

    scan: Callable[[bytes], object] | None = None
    if not args.no_scan:
        try:
            from scanner.pipeline import build_settings, scan_bytes

            scan = functools.partial(_scan_one, scan_bytes=scan_bytes, settings=build_settings())
        except Exception as error:  # noqa: BLE001 - any failure means "extraction only"; the reason is printed
            print(f"pipeline not importable, timing extraction only: {type(error).__name__}: {error}")

    print("pages/s, medians of", args.runs, "runs: wall clock, and per CPU-second of this process")
    print(f"{'case':<10} {'pages':>5} {'chars/page':>10} {'extract wall':>12} {'cpu':>7} {'scan wall':>9} {'cpu':>7}")
    for label, pages, font in cases:
        data, drawn = build_pdf(pages, font)
        extraction = extract_bytes(data, "bench.pdf")
        if extraction.errors or extraction.pages != pages:
            raise SystemExit(f"{label}: extraction failed: pages={extraction.pages} errors={extraction.errors}")
        body_text = "".join(unit.text for unit in extraction.units if unit.part == "body")
        if body_text != drawn:  # a fast reader that garbles Chinese is no use
            wrong = next(i for i, (a, b) in enumerate(zip(body_text, drawn, strict=False)) if a != b)
            raise SystemExit(f"{label}: extracted text differs from the drawn text at {wrong}: "
                             f"{body_text[wrong:wrong + 20]!r} != {drawn[wrong:wrong + 20]!r}")
        body = len(body_text)
        extract_rate = rate(pages, median_seconds(functools.partial(extract_bytes, data, "bench.pdf"), args.runs))
        scan_rate = rate(pages, median_seconds(functools.partial(scan, data), args.runs)) if scan else f"{'-':>7} {'-':>7}"
        print(f"{label:<10} {pages:>5} {body / pages:>10.0f}      {extract_rate}   {scan_rate}")


if __name__ == "__main__":
    main()
