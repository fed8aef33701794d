"""OCR accuracy and speed: RapidOCR (the engine scanner/ocr.py uses) against Tesseract chi_sim.

Targets (issue #25): marks found on generated scans under every degradation
(recall 100 %, located to the page); character error rate <= 3 % on clean
200 dpi renders and <= 8 % on degraded ones; <= 1.0 CPU s per A4 page at
200 dpi on one core (median); peak RSS of a worker <= 600 MB.

Pages are A4, rendered at test time with a CJK font (fonts-noto-cjk): a
head block (a mark such as 机密★1年, 秘密★6个月 or 内部资料 注意保存) and
about 14 lines of body text, then degraded: 150/200/300 dpi, rotated
+-3 degrees, JPEG quality 50, a red seal over the text, low contrast.

* CER: edit distance between the page's text and what the engine read
  (white space removed), over the page's length;
* mark recall: the page scanned by the real pipeline
  (:func:`scanner.pipeline.scan_bytes` with the engine under test) finds
  the mark on page 1 (CM001 / IM001);
* CPU s/page: process CPU time of the engine alone (Tesseract: of its
  child process), one thread, median over the pages, after one page read
  unmeasured (the engine loads its models on its first page); peak RSS of
  the process (Tesseract: its largest child).

Engines: ``rapidocr`` is the engine as scanner/ocr.py builds it (the int8
models of ``models/`` where installed), ``rapidocr-fp32`` the same with the
wheel's fp32 models, ``tesseract`` Tesseract 5 chi_sim.

    python bench/bench_ocr.py [--pages 2] [--engines rapidocr rapidocr-fp32 tesseract]
"""

from __future__ import annotations

import argparse
import io
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import builders

MARKS = ("机密★1年", "秘密★6个月", "内部资料 注意保存")
BODY = (
    "关于进一步加强政府网站信息内容建设的通知",
    "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
    "为贯彻落实党中央、国务院关于推进政务公开的决策部署，",
    "进一步提升政府网站信息发布质量，现就有关事项通知如下。",
    "一、严格落实信息发布保密审查制度，坚持先审查、后公开，",
    "做到一事一审，未经审查的信息一律不得上网发布。",
    "二、各地区、各部门要明确审查责任，谁公开、谁审查、谁负责。",
    "三、涉及国家秘密、工作秘密和个人隐私的信息不得公开。",
    "四、对已经发布的信息开展定期检查，发现问题及时处理。",
    "五、本通知自印发之日起施行，联系电话：010-12345678。",
    "附件：1. 网站信息发布审批单（2024年第3号）",
    "国务院办公厅",
    "2024年5月20日",
)
DEGRADATIONS = (
    "clean-200dpi", "150dpi", "300dpi", "rotated+3", "rotated-3", "jpeg-q50", "red-seal", "low-contrast", "dense-10.5pt",
)

Engine = Callable[[Any], list[tuple[str, Sequence[Sequence[float]], float]]]


def cjk_font() -> str:
    return builders.cjk_font() or sys.exit("no CJK font: install fonts-noto-cjk (.ci/run does)")


def page(font_path: str, mark: str, degradation: str) -> tuple[bytes, str]:
    """One degraded A4 scan as image bytes, and its text."""
    dense = degradation == "dense-10.5pt"
    # 16 pt, about 三号 as official documents use; a dense page: 五号 (10.5 pt), 40 lines
    lines = (mark, *BODY, *(BODY * 2)[: 26 if dense else 0])
    image = builders.scan_page(
        lines, font=font_path, dpi={"150dpi": 150, "300dpi": 300}.get(degradation, 200),
        points=10.5 if dense else 16, line_step=17 if dense else 30,
        seal=(420, 420, "国务院办公厅") if degradation == "red-seal" else None,
        rotate={"rotated+3": 3, "rotated-3": -3}.get(degradation, 0),
        fade=(0.35, 40) if degradation == "low-contrast" else None,
    )
    buffer = io.BytesIO()
    if degradation == "jpeg-q50":
        image.save(buffer, format="JPEG", quality=50)
    else:
        image.save(buffer, format="PNG")
    return buffer.getvalue(), "".join(lines).replace(" ", "")


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        previous = current
    return previous[-1]


def tesseract_engine(pixels: Any) -> list[tuple[str, Sequence[Sequence[float]], float]]:
    """Tesseract 5 chi_sim through its command line (TSV), lines grouped as it numbers them."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels[:, :, ::-1]).save(buffer, format="PNG")
    done = subprocess.run(["tesseract", "stdin", "stdout", "-l", "chi_sim", "--psm", "3", "tsv"],
                          input=buffer.getvalue(), capture_output=True, check=True)
    lines: dict[tuple[str, ...], list[list[str]]] = {}
    for row in done.stdout.decode("utf-8").splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) == 12 and cells[11].strip() and float(cells[10]) >= 0:
            lines.setdefault(tuple(cells[1:5]), []).append(cells)
    out = []
    for words in lines.values():
        x0 = min(int(w[6]) for w in words)
        y0 = min(int(w[7]) for w in words)
        x1 = max(int(w[6]) + int(w[8]) for w in words)
        y1 = max(int(w[7]) + int(w[9]) for w in words)
        text = "".join(w[11] for w in words)
        confidence = statistics.fmean(float(w[10]) for w in words) / 100
        out.append((text, [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], confidence))
    return out


def measure(name: str, engine: Engine, font_path: str, pages: int) -> list[dict[str, Any]]:
    from scanner.ocr import OcrReader
    from scanner.pipeline import build_settings, scan_bytes
    from scanner.types import ImageRef

    settings = build_settings(ocr=False)
    warm, _ = page(font_path, MARKS[0], DEGRADATIONS[0])
    OcrReader(engine=engine).read(ImageRef(name="warm-up", data=warm, page=1))
    rows = []
    for degradation in DEGRADATIONS:
        cers, seconds, found = [], [], 0
        for number in range(pages):
            data, truth = page(font_path, MARKS[number % len(MARKS)], degradation)
            reader = OcrReader(engine=engine)
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.process_time()
            reading = reader.read(ImageRef(name="page", data=data, page=1))
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            seconds.append(time.process_time() - started + (after.ru_utime - children.ru_utime)
                           + (after.ru_stime - children.ru_stime))
            read = "".join(line.text for line in reading.lines).replace(" ", "")
            cers.append(edit_distance(truth, read) / len(truth))
            result = scan_bytes(data, "scan.png", _with_reader(settings, OcrReader(engine=engine)))
            found += any(f.rule in ("CM001", "IM001") and f.location.page == 1 for f in result.findings)
        rows.append({"engine": name, "degradation": degradation, "cer": statistics.median(cers),
                     "recall": found / pages, "cpu": statistics.median(seconds)})
    return rows


def _with_reader(settings: Any, reader: Any) -> Any:
    from dataclasses import replace

    return replace(settings, ocr=reader)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3, help="pages per degradation (one mark each)")
    parser.add_argument("--engines", nargs="+", default=["rapidocr", "rapidocr-fp32", "tesseract"],
                        choices=["rapidocr", "rapidocr-fp32", "tesseract"])
    args = parser.parse_args()
    font_path = cjk_font()
    from scanner.ocr import rapid_engine

    table = []
    for name in args.engines:
        if name == "tesseract" and not shutil.which("tesseract"):
            print("tesseract: not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim), skipped")
            continue
        engine = {"rapidocr": lambda: rapid_engine(1), "rapidocr-fp32": lambda: rapid_engine(1, quantized=False),
                  "tesseract": lambda: tesseract_engine}[name]()
        table += measure(name, engine, font_path, args.pages)
    print(f"{'engine':<14} {'degradation':<14} {'CER':>7} {'mark recall':>12} {'CPU s/page':>11}")
    for row in table:
        print(f"{row['engine']:<14} {row['degradation']:<14} {row['cer']:>6.1%} {row['recall']:>12.0%} {row['cpu']:>11.2f}")
    cpu = {(row["engine"], row["degradation"]): row["cpu"] for row in table}
    if any(name == "rapidocr-fp32" for name, _ in cpu) and any(name == "rapidocr" for name, _ in cpu):
        ratios = [f"{d} {cpu['rapidocr', d] / cpu['rapidocr-fp32', d]:.2f}" for d in DEGRADATIONS]
        print("CPU rapidocr / rapidocr-fp32:", ", ".join(ratios))
    # (a child's ru_maxrss is not reported: a forked child counts its parent's pages)
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engines = "+".join(sorted({row["engine"] for row in table if row["engine"] != "tesseract"})) or "no rapidocr"
    print(f"peak RSS of this process (scanner settings, {engines} loaded, 300 dpi pages rendered): {self_rss:.0f} MB")
    for name in {row["engine"] for row in table}:
        cpu = statistics.median(row["cpu"] for row in table if row["engine"] == name and row["degradation"] == "clean-200dpi")
        print(f"{name}: {1 / cpu:.2f} pages/s on one core at 200 dpi (median CPU {cpu:.2f} s/page)")


if __name__ == "__main__":
    main()
