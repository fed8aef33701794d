"""Per-file cost of the legacy formats against the same content as OOXML (issue #24).

    python bench/bench_formats.py [--runs 7]

Builds each input at run time with tests/builders.py and tests/legacy_builders.py:
a 20-page document (500 paragraphs with a header, a comment and a deleted
revision) as docx, .doc, RTF, OpenDocument and Word 2003 XML; a 2,000-row
sheet as xlsx, .xls and .ods; 30 slides with notes as pptx, .ppt and .odp.
Prints, per file, the median CPU time of ``--runs`` runs of the extraction
alone and of the whole scan (``scan_bytes``), and each legacy format's ratio
to its OOXML counterpart (the issue's target: a 20-page .doc within 2x of the
docx).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from builders import make_docx, make_pptx, make_xlsx
from legacy_builders import biff8_sheet, ppt, word97, xls
from markup_builders import odp, ods, odt, rtf, wordml

from scanner.extract import extract_bytes
from scanner.pipeline import build_settings, scan_bytes

PARAGRAPH = "各单位要按照年度工作安排，认真做好重点项目的组织实施和检查验收工作，确保各项任务按期完成。"


def median_ms(function: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        function()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def inputs(folder: Path) -> dict[str, list[tuple[str, bytes]]]:
    """Per family: (name, bytes) with the OOXML file first."""
    body = [f"{index}. {PARAGRAPH}" for index in range(1, 501)]  # 25 paragraphs a page: 20 pages
    rows = [[f"单位{r}", f"张{r}", f"项目{r % 50}", str(1000 + r)] for r in range(2000)]
    cells = {(r, c): value for r, row in enumerate(rows) for c, value in enumerate(row)}
    slides = [[f"第{n}张：年度工作汇报", PARAGRAPH, PARAGRAPH] for n in range(1, 31)]
    notes = {n: PARAGRAPH for n in range(1, 31)}
    return {
        "document": [
            ("docx", make_docx(folder / "a.docx", body, header="某某市人民政府", comments=["请核对"],
                               deleted=["删去的一句"]).read_bytes()),
            ("doc", word97(body, header="某某市人民政府", comment=("张三", "请核对"), deleted="删去的一句")),
            ("rtf", rtf(body, header="某某市人民政府", annotation=("张三", "请核对"), deleted="删去的一句")),
            ("odt", odt(body, header="某某市人民政府", annotation=("张三", "请核对"), deleted=("张三", "删去的一句"))),
            ("wordml", wordml(body, header="某某市人民政府", comment=("张三", "请核对"), deleted="删去的一句")),
        ],
        "sheet": [
            ("xlsx", make_xlsx(folder / "a.xlsx", {"名单": rows}).read_bytes()),
            ("xls", xls({"名单": biff8_sheet(dict(cells))})),
            ("ods", ods({"名单": cells})),
        ],
        "slides": [
            ("pptx", make_pptx(folder / "a.pptx", slides, notes=notes).read_bytes()),
            ("ppt", ppt(slides, notes=notes)),
            ("odp", odp(slides, notes=notes)),
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    settings = build_settings()
    with tempfile.TemporaryDirectory() as folder:
        families = inputs(Path(folder))
    print(f"{'family':9} {'format':7} {'bytes':>9} {'extract ms':>11} {'scan ms':>9} {'scan / OOXML':>13}")
    for family, files in families.items():
        base = None
        for kind, data in files:
            name = f"a.{kind if kind != 'wordml' else 'doc'}"
            extraction = extract_bytes(data, name)
            assert not extraction.errors, (kind, extraction.errors)
            extract = median_ms(lambda data=data, name=name: extract_bytes(data, name), args.runs)
            scan = median_ms(lambda data=data, name=name: scan_bytes(data, name, settings), args.runs)
            base = base or scan
            print(f"{family:9} {kind:7} {len(data):9,} {extract:11.1f} {scan:9.1f} {scan / base:12.2f}x")


if __name__ == "__main__":
    main()
