"""secscan clean: how long cleaning takes, per format, and pypdf against pikepdf for the PDF rewrite.

    python bench/bench_clean.py [--runs 5]

Builds its inputs with tests/builders.py: a 100-page PDF with an annotation
on every page, and a docx/xlsx/pptx with every hidden layer.  Prints the
median of ``--runs`` runs of the cleaning step alone (no scans).  pikepdf
is timed only where it is installed (it is not a dependency: the numbers
are what README "Library choices" cites for choosing pypdf).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from builders import make_docx, make_pdf, make_pptx, make_xlsx

from scanner.clean import CleanOptions, clean_bytes


def median_ms(function: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def pikepdf_rewrite(data: bytes) -> bytes:
    """The same removals as scanner.clean.pdf (catalogue entries, annotations, info), with pikepdf."""
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(data))
    for key in ("/Metadata", "/OpenAction", "/AA"):
        if key in pdf.Root:
            del pdf.Root[key]
    for page in pdf.pages:
        if "/Annots" in page.obj:
            del page.obj["/Annots"]
    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    everything = CleanOptions(hidden=True, notes=True, alt_text=True, form_values=True, attributes=True)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        pages = [[f"第{p}页第{i}行 关于项目安排的通知内容" for i in range(30)] for p in range(100)]
        pdf = make_pdf(work / "big.pdf", pages, annotations=[(p, "Text", "批注") for p in range(1, 101)],
                       title="t", author="a").read_bytes()
        inputs = {
            "docx": make_docx(work / "a.docx", body=[f"第{i}段 关于项目安排的通知" for i in range(200)],
                              comments=["意见"], deleted=["删除的话"], inserted=["插入的话"], hidden=["隐藏"],
                              properties={"author": "李四"}, custom_xml="工作秘密", image_alt="图").read_bytes(),
            "xlsx": make_xlsx(work / "b.xlsx", {"公开": [[i, f"项目{i}"] for i in range(2000)], "底稿": [["隐藏"]]},
                              hidden=["底稿"], comments={("公开", "A1"): "意见"}).read_bytes(),
            "pptx": make_pptx(work / "c.pptx", [f"第{i}页" for i in range(30)], notes={1: "备注"},
                              hidden=[2]).read_bytes(),
            "pdf": pdf,
        }
        for kind, data in inputs.items():
            ms = median_ms(lambda kind=kind, data=data: clean_bytes(data, kind, everything), runs)
            print(f"clean {kind:<5} {len(data) / 1024:8.1f} KB  median {ms:7.1f} ms")
        print(f"pdf rewrite, 100 pages: pypdf   median {median_ms(lambda: clean_bytes(pdf, 'pdf', CleanOptions()), runs):7.1f} ms")
        try:
            import pikepdf  # noqa: F401
        except ImportError:
            print("pdf rewrite, 100 pages: pikepdf not installed (pip install pikepdf to compare)")
        else:
            print(f"pdf rewrite, 100 pages: pikepdf median {median_ms(lambda: pikepdf_rewrite(pdf), runs):7.1f} ms")


if __name__ == "__main__":
    main()
