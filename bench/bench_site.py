"""A real-mix government site: HTML pages with their attachments, legacy files, zip bundles and scans (issue #29).

    python bench/bench_site.py [--scale 1.0] [--jobs 2] [--dask] [--runs 1] [--dir DIR] [--keep]

The mix follows the real pages of ``../shared/corpus/web/real_external_dev.jsonl``
(54 HTML pages from gov.cn and 广州 government sites, 9 real PDFs from
上海普陀 budgets, a 年报 and a 招标文件), counted when this bench was written:

* **HTML pages**: markup median 22 KB (6.8-481 KB), visible text median
  7,000 characters; the generated pages carry a site template (navigation,
  scripts) around 3,000-12,000 characters of text.
* **Attachments**: the 54 pages link 12 attachments (``href`` ending in an
  office or PDF extension): docx 6, xlsx 3, pdf 2, xls 1, i.e. 0.22 a page.
  The corpus links no .doc and no zip; a real estate also holds both (the
  crawler fetches them), so of the 22 attachments per 100 pages this bench
  makes 8 docx, 2 doc (20 pages each), 4 xlsx, 2 xls (2,000-3,000 rows),
  4 text PDFs and 1 zip bundle (a docx, an xlsx and a PDF), plus scans.
* **PDF length**: the 9 real PDFs have 6-66 pages, median 25; the text PDFs
  here have 15-35 pages.
* **Scans**: 6 % of all files are scanned PDFs (image-only A4 pages at
  200 dpi with 14 lines of 16 pt text, as ``bench_ocr.py`` draws them; 1-3
  pages each), so OCR runs on them.  The corpus has none; 5-10 % is the
  issue's figure.

``--scale 1`` is 120 pages and about 160 files (under ~5 minutes on 2 loaded
cores); ``--scale 10`` ten times that.  Printed: per kind, in this process
(CPU time, one file after another): files/s and pages/s, the share of the
time; then the whole site as a batch with ``--jobs`` workers (wall time,
peak RSS of a worker); with ``--dask`` the same batch on a Dask
``LocalCluster`` of 1 and 2 worker processes in alternating runs; and the
projection: hours of 16 cores for 1,000,000 web pages with their
attachments in this mix, and the CPU seconds per scanned page it assumes.
A "page" is an A4 page as printed: a web page counts one page per 1,500
characters of text, a sheet one per 50 rows.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_batch import SENTENCES  # the batch bench's public-notice sentences, one list for both

from tests import builders, legacy_builders

SCAN_LINES = ["关于做好年度重点工作的通知", *SENTENCES[:6], "特此通知。"]
# attachments per 100 web pages, by kind (see the docstring)
ATTACHMENTS = {"docx": 8, "doc": 2, "xlsx": 4, "xls": 2, "pdf": 4, "zip": 1}
SCANNED_SHARE = 0.06
TEMPLATE = (
            '<div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/zcwj/">政策文件</a>'
            '<a href="/hdjl/">互动交流</a></div><script>var _hmt = _hmt || [];</script>')
CHARS_PER_PAGE = 1500
ROWS_PER_PAGE = 50


class SiteFile(NamedTuple):
    path: Path
    kind: str  # html, docx, doc, xlsx, xls, pdf, zip, scan
    pages: int


def _lines(rng: random.Random, count: int, index: int) -> list[str]:
    return [f"关于做好第{index}号工作事项的通知"] + [rng.choice(SENTENCES) + f"（第{index}-{n}段）" for n in range(count)]


def _rows(rng: random.Random, count: int) -> list[list[str]]:
    rows = [["序号", "项目名称", "科目编码", "预算数（万元）", "执行数（万元）", "备注"]]
    for n in range(count):
        rows.append([str(n + 1), rng.choice(["基本支出", "项目支出", "一般公共服务", "教育支出"]) + f"{n}",
                     f"2{n % 100:02d}{n % 7:02d}", f"{rng.uniform(1, 999):.2f}", f"{rng.uniform(1, 999):.2f}", ""])
    return rows


def _scan_page_png(font: str, number: int) -> bytes:
    """One A4 page at 200 dpi; ``number`` makes every page different (OCR readings are cached by the picture's hash)."""
    image = builders.scan_page([f"第{number}号", *SCAN_LINES, *SCAN_LINES[1:5]], font=font, mode="L")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _scanned_pdf(path: Path, pngs: list[bytes]) -> None:
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(builders.PAGE_W, builders.PAGE_H))
    for png in pngs:
        pdf.drawImage(ImageReader(io.BytesIO(png)), 0, 0, builders.PAGE_W, builders.PAGE_H)
        pdf.showPage()
    pdf.save()
    path.write_bytes(buffer.getvalue())


def _attachment(root: Path, kind: str, index: int, rng: random.Random) -> SiteFile:
    path = root / "files" / f"a{index:05d}.{kind}"
    if kind == "docx":
        paragraphs = rng.randint(80, 200)  # about 8-20 A4 pages of 三号 text
        builders.make_docx(path, _lines(rng, paragraphs, index), table=_rows(rng, 20))
        return SiteFile(path=path, kind=kind, pages=max(1, paragraphs // 10))
    if kind == "doc":
        path.write_bytes(legacy_builders.word97(_lines(rng, 200, index)))  # 20 pages
        return SiteFile(path=path, kind=kind, pages=20)
    if kind in ("xlsx", "xls"):
        rows = _rows(rng, rng.randint(2000, 3000))
        if kind == "xlsx":
            builders.make_xlsx(path, {"Sheet1": rows})
        else:
            cells = {(r, c): value for r, row in enumerate(rows) for c, value in enumerate(row)}
            path.write_bytes(legacy_builders.xls({"Sheet1": legacy_builders.biff8_sheet(cells)}))
        return SiteFile(path=path, kind=kind, pages=max(1, len(rows) // ROWS_PER_PAGE))
    if kind == "pdf":
        pages = rng.randint(15, 35)
        lines = _lines(rng, pages * 15, index)
        builders.make_pdf(path, [lines[i:i + 15] for i in range(0, pages * 15, 15)])
        return SiteFile(path=path, kind=kind, pages=pages)
    # a zip bundle: a docx, an xlsx and a PDF, as units publish a 附件打包下载
    members: dict[str, bytes] = {}
    pages = 0
    for member_kind in ("docx", "xlsx", "pdf"):
        member = _attachment(root, member_kind, index * 10 + 1_000_000, rng)
        members[f"附件{len(members) + 1}.{member_kind}"] = member.path.read_bytes()
        member.path.unlink()
        pages += member.pages
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return SiteFile(path=path, kind="zip", pages=pages)


def generate(root: Path, scale: float, seed: int = 29) -> list[SiteFile]:
    """Write the site under ``root`` and return its files with their kind and A4 page count."""
    rng = random.Random(seed)
    (root / "pages").mkdir(parents=True)
    (root / "files").mkdir(parents=True)
    web_pages = max(1, round(120 * scale))
    kinds = [kind for kind, per_100 in ATTACHMENTS.items() for _ in range(max(1, round(per_100 * web_pages / 100)))]
    site: list[SiteFile] = []
    for index, kind in enumerate(kinds):
        site.append(_attachment(root, kind, index, rng))
    for index in range(web_pages):
        lines = _lines(rng, rng.randint(60, 240), index)  # 3,000-12,000 characters
        links = "".join(f'<a href="../files/{item.path.name}">附件</a>' for item in site[index % len(site):][:1])
        path = root / "pages" / f"p{index:05d}.html"
        builders.make_html(path, TEMPLATE + "".join(f"<p>{line}</p>" for line in lines) + links, title=f"通知{index}")
        chars = sum(len(line) for line in lines)
        site.append(SiteFile(path=path, kind="html", pages=max(1, round(chars / CHARS_PER_PAGE))))
    scans = max(1, round(SCANNED_SHARE * len(site) / (1 - SCANNED_SHARE)))
    font = builders.cjk_font()
    if not font:
        print("no CJK font (fonts-noto-cjk): the scanned PDFs are left out", file=sys.stderr)
        return site
    drawn = 0
    for index in range(scans):
        pages = 1 + index % 3
        path = root / "files" / f"s{index:05d}.pdf"
        _scanned_pdf(path, [_scan_page_png(font, drawn + page) for page in range(pages)])
        drawn += pages
        site.append(SiteFile(path=path, kind="scan", pages=pages))
    return site


def per_kind(site: list[SiteFile], settings) -> dict[str, dict[str, float]]:  # type: ignore[no-untyped-def]
    """CPU seconds, files and pages of each kind, scanning every file once in this process."""
    from scanner.pipeline import scan_bytes
    from scanner.report.json_report import document_to_dict

    totals: dict[str, dict[str, float]] = {}
    for item in site:
        data = item.path.read_bytes()
        started = time.process_time()
        json.dumps(document_to_dict(scan_bytes(data, str(item.path), settings)), ensure_ascii=False)
        entry = totals.setdefault(item.kind, {"files": 0, "pages": 0, "cpu": 0.0, "bytes": 0})
        entry["cpu"] += time.process_time() - started
        entry["files"] += 1
        entry["pages"] += item.pages
        entry["bytes"] += len(data)
    return totals


def print_per_kind(totals: dict[str, dict[str, float]]) -> None:
    whole = sum(entry["cpu"] for entry in totals.values())
    print("per kind, one process, CPU time (the machine is shared: read the load average printed above):")
    for kind, entry in sorted(totals.items(), key=lambda pair: -pair[1]["cpu"]):
        print(f"  {kind:5s} {entry['files']:4.0f} files {entry['pages']:5.0f} pages {entry['bytes'] / entry['files'] / 1e3:7.1f} KB avg: "
              f"{entry['files'] / entry['cpu']:7.1f} files/s {entry['pages'] / entry['cpu']:7.1f} pages/s "
              f"{entry['cpu'] / entry['files'] * 1e3:8.1f} ms a file  {100 * entry['cpu'] / whole:5.1f} % of the time")
    print(f"  all   {sum(e['files'] for e in totals.values()):4.0f} files "
          f"{sum(e['pages'] for e in totals.values()):5.0f} pages: {whole:.1f} CPU s")


def projection(totals: dict[str, dict[str, float]], *, pages: int = 1_000_000, cores: int = 16) -> str:
    """Hours of ``cores`` cores for ``pages`` web pages with their attachments in the measured mix."""
    web = totals["html"]["files"]
    cpu_per_web_page = sum(entry["cpu"] for entry in totals.values()) / web  # a page plus its share of attachments
    hours = pages * cpu_per_web_page / cores / 3600
    scan = totals.get("scan")
    per_scan = f"{scan['cpu'] / scan['pages']:.2f} CPU s per scanned page" if scan else "no scanned pages measured"
    scan_share = f"{100 * scan['cpu'] / (cpu_per_web_page * web):.0f} %" if scan else "0 %"
    return (f"projection: {pages:,} web pages + attachments in this mix ({cpu_per_web_page:.3f} CPU s a web page with "
            f"its attachments; {per_scan}, scans {scan_share} of the CPU) on {cores} cores: {hours:.1f} h "
            f"(CPU time, perfect scaling, nothing cached)")


def batch(root: Path, jobs: int, engine: str, spec, settings):  # type: ignore[no-untyped-def]
    """Wall seconds and the summary of the site scanned as a batch."""
    from scanner.batch import BatchOptions, file_tasks, iter_files, run_batch

    files = list(iter_files([root]))
    started = time.perf_counter()
    outcome = run_batch(file_tasks(files), spec, settings,
                        BatchOptions(jobs=jobs, timeout=600, cache_dir=None, progress=False, engine=engine),
                        total=len(files))
    return time.perf_counter() - started, outcome.summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 120 web pages, about 160 files")
    parser.add_argument("--jobs", type=int, default=2, help="workers of the local batch run")
    parser.add_argument("--runs", type=int, default=1, help="alternating runs of each batch measurement (median)")
    parser.add_argument("--dask", action="store_true", help="also --engine dask on a LocalCluster of 1 and 2 workers")
    parser.add_argument("--no-batch", action="store_true", help="only the per-kind figures and the projection")
    parser.add_argument("--dir", type=Path, help="generate into this (new) directory")
    parser.add_argument("--keep", action="store_true", help="keep the generated site")
    args = parser.parse_args()

    import os

    from scanner import settings as settings_module
    from scanner.batch import SettingsSpec
    from scanner.pipeline import build_settings

    work = Path(tempfile.mkdtemp(prefix="secscan-site-"))
    root = args.dir or work / "site"
    try:
        started = time.perf_counter()
        site = generate(root, args.scale)
        size = sum(item.path.stat().st_size for item in site)
        print(f"site: {len(site)} files, {size / 1e6:.1f} MB, {sum(i.pages for i in site)} pages "
              f"(generated in {time.perf_counter() - started:.0f} s); load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores")
        spec = SettingsSpec(keep_text=False)
        settings = build_settings(spec)
        settings_module._code_digest = lambda: "bench"  # type: ignore[attr-defined]  # a cache key nobody reads
        for item in site[:3]:  # imports and lazy tables outside the clock
            per_kind([item], settings)
        totals = per_kind(site, settings)
        print_per_kind(totals)
        print(projection(totals))
        if args.no_batch:
            return
        engines = [("local", args.jobs)] + ([("dask", 1), ("dask", 2)] if args.dask else [])
        walls: dict[tuple[str, int], list[float]] = {key: [] for key in engines}
        for run in range(max(1, args.runs)):
            for engine, jobs in engines:
                seconds, summary = batch(root, jobs, engine, spec, settings)
                walls[(engine, jobs)].append(seconds)
                rss = f"peak RSS per worker {summary.peak_worker_rss_kb / 1024:.0f} MB  " if engine == "local" else ""
                print(f"run {run + 1} --engine {engine} --jobs {jobs}: {seconds:6.1f} s wall  "
                      f"{len(site) / seconds:6.2f} files/s  {sum(i.pages for i in site) / seconds:6.1f} pages/s  "
                      f"{rss}verdicts {dict(summary.verdicts)}  failures {dict(summary.failures)}  "
                      f"load {os.getloadavg()[0]:.1f}")
        for (engine, jobs), values in walls.items():
            print(f"median --engine {engine} --jobs {jobs}: {statistics.median(values):.1f} s "
                  f"({len(site) / statistics.median(values):.2f} files/s)")
        if args.dask:
            ratios = [one / two for one, two in zip(walls[("dask", 1)], walls[("dask", 2)])]
            print(f"dask LocalCluster 2 workers / 1 worker: {statistics.median(ratios):.2f}x "
                  f"(per run: {', '.join(f'{r:.2f}' for r in ratios)})")
    finally:
        if args.keep:
            print(f"kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
