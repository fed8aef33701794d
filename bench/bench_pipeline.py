"""Pipeline throughput against the targets of issue #9, on the real laws corpus.

    python bench/bench_pipeline.py [--quick] [--runs N] [--skip-memory] [--skip-cold]

Reads ../shared/corpus/real/laws.jsonl (relative to the repository root;
60 MB, 3,472 public documents) and prints, each the median of ``--runs``
runs, with the machine's core count and load:

* the raw matcher: an Aho-Corasick automaton of the same catalogue terms
  and anchors, iterated over the raw text, each run over texts just decoded
  (pyahocorasick, and ahocorasick-rs when installed, given the str and given
  its UTF-8 or UTF-16 bytes, encoded inside the timed run, as the Matcher
  does);
* end to end on plain text: ``scan_bytes(content.encode(), "x.txt")`` per
  document plus the JSON document (``document_to_dict`` + ``json.dumps``),
  with each matcher backend, and its ratio to the faster way of that raw
  matcher; then the same scan without the classifier, for reading the
  ratio target;
* the compiled floor: decoding, the automaton pass and the classifier
  alone, the three steps every scan runs and all already compiled code,
  and the ratio to the raw matcher that a pipeline with every other step
  free would reach;
* where the time goes, stage by stage (extract, normalise, markings, match,
  model, decide and JSON);
* docx and PDF end to end in pages/s (inputs built with tests/builders.py);
* ``scan small.docx`` (5 pages) from a cold process, median of 10, and which
  heavy modules that process imported;
* the peak memory (ru_maxrss) of one process scanning the whole corpus;
* the word-boundary segmenter (the compiled dictionary, rjieba and jieba):
  load time, cost per hit and the hit density at which segmenting the whole
  text would be cheaper.

MB/s are per core: CPU time of this process (time.process_time), so other
work on a shared machine inflates them less than wall time would; wall-time
figures are printed beside them.  ``--quick`` uses the first 400 documents
and fewer runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Self

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CORPUS = REPO.parent / "shared" / "corpus" / "real" / "laws.jsonl"
RS_UTF8 = "ahocorasick-rs, UTF-8"
RS_UTF16 = "ahocorasick-rs, UTF-16"
HEAVY_MODULES = ("sklearn", "jieba", "rjieba", "numpy", "scipy", "pdfminer", "pypdfium2", "opencc")
# In the small document's first paragraph: lexicon terms (标底, 机密) inside longer
# words, so the cold scan also loads the segmenter, as a real draft's hits do.
BOUNDARY_CHECKS = "坚持目标底线思维，两者有机密切结合。"


class Timing:
    """CPU and wall seconds of one run."""

    def __init__(self) -> None:
        self.cpu = self.wall = 0.0

    def __enter__(self) -> Self:
        self._cpu, self._wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.cpu = time.process_time() - self._cpu
        self.wall = time.perf_counter() - self._wall


def median_runs(
    runs: int, work: Callable[[], object], *, before: Callable[[], object] | None = None
) -> tuple[float, float]:
    """Median CPU and wall seconds of ``runs`` runs of ``work``; ``before`` runs untimed before each."""
    cpu, wall = [], []
    for _ in range(runs):
        if before is not None:
            before()
        with Timing() as timing:
            work()
        cpu.append(timing.cpu)
        wall.append(timing.wall)
    return statistics.median(cpu), statistics.median(wall)


def load_corpus(limit: int | None) -> list[str]:
    if not CORPUS.is_file():
        sys.exit(f"bench_pipeline: corpus not found at {CORPUS} (expected ../shared/corpus/real/laws.jsonl "
                 "beside the repository); nothing measured.")
    contents = []
    with CORPUS.open(encoding="utf-8") as lines:
        for line in lines:
            contents.append(json.loads(line)["content"])
            if limit is not None and len(contents) >= limit:
                break
    return contents


def settings_for(backend: str | None = None):  # type: ignore[no-untyped-def]
    """build_settings(), without the model when it cannot be loaded (said so)."""
    from scanner.catalogue import load_catalogue
    from scanner.match import Matcher
    from scanner.pipeline import Settings, build_settings

    try:
        settings = build_settings()
    except (ValueError, OSError) as error:  # a model file being rewritten: measure the rest
        print(f"  ! model not loaded ({type(error).__name__}: {error}); measuring without it")
        catalogue = load_catalogue()
        settings = Settings(catalogue=catalogue, matcher=Matcher(catalogue), model=None)
    if backend is not None:
        settings = dataclasses.replace(settings, matcher=Matcher(settings.catalogue, backend=backend))
    return settings


def scan_plain(data: list[bytes], settings) -> None:  # type: ignore[no-untyped-def]
    from scanner.pipeline import scan_bytes
    from scanner.report.json_report import document_to_dict

    for content in data:
        json.dumps(document_to_dict(scan_bytes(content, "x.txt", settings)), ensure_ascii=False)


def raw_matchers(settings) -> dict[str, Callable[[str], int]]:  # type: ignore[no-untyped-def]
    """Automata of the same keys the Matcher uses, iterating over raw text."""
    import ahocorasick

    keys = [key for key, _ in settings.matcher._entries]
    automaton = ahocorasick.Automaton()
    for index, key in enumerate(keys):
        automaton.add_word(key, index)
    automaton.make_automaton()

    def py_count(text: str) -> int:
        return sum(1 for _ in automaton.iter(text))

    found = {"pyahocorasick": py_count}
    try:
        import ahocorasick_rs
    except ImportError:
        return found
    rs = ahocorasick_rs.AhoCorasick(keys, implementation=ahocorasick_rs.Implementation.DFA)
    found["ahocorasick-rs"] = lambda text: len(rs.find_matches_as_indexes(text, overlapping=True))
    # The library's faster ways for non-ASCII text, which the Matcher takes
    # (scanner.match._rs_find): encode it and search the bytes (its str
    # search also maps the offset of every character).  The encoding is
    # timed, the mapping of the hits' offsets is not.
    for name, encoding in ((RS_UTF8, "utf-8"), (RS_UTF16, "utf-16-le")):
        on_bytes = ahocorasick_rs.BytesAhoCorasick(
            [key.encode(encoding) for key in keys], implementation=ahocorasick_rs.Implementation.DFA
        )
        found[name] = lambda text, on_bytes=on_bytes, encoding=encoding: len(
            on_bytes.find_matches_as_indexes(text.encode(encoding, "surrogatepass"), overlapping=True)
        )
    return found


def compiled_floor(data: list[bytes], settings) -> None:  # type: ignore[no-untyped-def]
    """Decode, the Matcher's automaton pass and the classifier, per document, and nothing else.

    Every scan does these three, and each is already compiled code (the
    codec, the matching library, the C kernel's n-gram count and exact
    weighing); normalising, the marking grammar, judging the hits, the
    decision and the JSON are left out.  So its speed bounds what any
    pipeline that runs this classifier can reach, and its ratio to the raw
    matcher bounds the pipeline's ratio.
    """
    find = settings.matcher.find
    score = settings.model.score_text if settings.model else None
    for content in data:
        text = content.decode()
        find(text)
        if score is not None:
            score(text)


def stage_breakdown(data: list[bytes], settings) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """CPU seconds per stage, the steps of scanner.pipeline.analyse done one by one."""
    import hashlib

    from scanner.decide import decide
    from scanner.extract import extract_bytes
    from scanner.findings import DocumentViews, reading_order
    from scanner.layers import layer_findings
    from scanner.markings import detect_markings
    from scanner.report.json_report import document_to_dict
    from scanner.types import DocumentResult

    totals = dict.fromkeys(("extract", "normalise", "markings", "match", "model", "decide+json"), 0.0)
    clock = time.process_time
    for content in data:
        start = clock()
        extraction = extract_bytes(content, "x.txt")
        sha = hashlib.sha256(content).hexdigest()
        t1 = clock()
        views, joined = DocumentViews.normalised(extraction.units)
        t2 = clock()
        # the one automaton pass (terms and marking triggers) counts as match
        found = settings.matcher.find(joined)
        t2_found = clock()
        findings = [
            *layer_findings(extraction, settings.catalogue),
            *detect_markings(views, settings.catalogue, joined=joined, found=found),
        ]
        t3 = clock()
        findings += settings.matcher.match(views, joined=joined, found=found)
        t4 = clock()
        score = settings.model.score(views, joined=joined) if settings.model and views else None
        t5 = clock()
        decision = decide(findings, extraction.errors, score, settings.policy, settings.catalogue)
        result = DocumentResult(
            path="x.txt", format=extraction.format, verdict=decision.verdict, risk=decision.risk,
            findings=tuple(sorted(decision.findings, key=reading_order)), errors=extraction.errors,
            sha256=sha, title=extraction.title, pages=extraction.pages, layers=extraction.layers,
            units=extraction.units,
        )
        json.dumps(document_to_dict(result), ensure_ascii=False)
        t6 = clock()
        for name, (a, b) in zip(totals, ((start, t1), (t1, t2), (t2_found, t3), (t3 - (t2_found - t2), t4), (t4, t5), (t5, t6))):
            totals[name] += b - a
    return totals


def paged_lines(contents: list[str], per_page: int, chars: int) -> list[list[str]]:
    """Pages of ``per_page`` lines of at most ``chars`` characters, from the corpus text."""
    text = "".join(line.strip() for line in "\n".join(contents).splitlines() if line.strip())
    lines = [text[i : i + chars] for i in range(0, len(text), chars)]
    return [lines[i : i + per_page] for i in range(0, len(lines) - per_page + 1, per_page)]


def build_docx(path: Path, pages: list[list[str]]) -> Path:
    from tests.builders import make_docx

    body = [line for page in pages for line in page]
    breaks = [index * len(pages[0]) for index in range(1, len(pages))]
    return make_docx(path, body, page_break_before=breaks)


def build_pdf(path: Path, pages: list[list[str]]) -> Path:
    from tests.builders import make_pdf

    return make_pdf(path, pages)


def scan_files(paths: list[Path], settings) -> None:  # type: ignore[no-untyped-def]
    from scanner.pipeline import scan_bytes
    from scanner.report.json_report import document_to_dict

    for path in paths:
        json.dumps(document_to_dict(scan_bytes(path.read_bytes(), path.name, settings)), ensure_ascii=False)


def extract_files(paths: list[Path]) -> None:
    from scanner.extract import extract_bytes

    for path in paths:
        extract_bytes(path.read_bytes(), path.name)


def cold_scan(small: Path, runs: int) -> tuple[float, list[str], str]:
    """Median wall seconds of ``scan small.docx`` in a new process, the heavy modules it imports.

    A new process as a user starts one: Python's bytecode cache is allowed
    (pip compiles it at install time), so a ``PYTHONDONTWRITEBYTECODE`` in
    the caller's environment, which would compile every module from source
    on every run, is dropped, and one run before the measured ones writes
    the cache of an editable install.
    """
    command = [sys.executable, str(REPO / "cli.py"), "--format", "json", str(small)]
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, capture_output=True, cwd=REPO, check=False, env=environment)
    walls = []
    problem = ""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, cwd=REPO, check=False, env=environment)
        walls.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            problem = done.stderr.decode(errors="replace").strip().splitlines()[-1:][0] if done.stderr else "?"
    traced = subprocess.run([sys.executable, "-X", "importtime", *command[1:]], capture_output=True, cwd=REPO,
                            check=False, env=environment)
    imported = set(re.findall(r"\|\s+(\S+)$", traced.stderr.decode(errors="replace"), re.MULTILINE))
    heavy = sorted(name for name in HEAVY_MODULES if name in imported)
    return statistics.median(walls), heavy, problem


def memory_worker(limit: int | None) -> None:
    """Scan the corpus one document at a time (as one batch worker) and print the peak RSS in MB."""
    settings = settings_for()
    from scanner.pipeline import scan_bytes
    from scanner.report.json_report import document_to_dict

    count = 0
    with CORPUS.open(encoding="utf-8") as lines:
        for line in lines:
            content = json.loads(line)["content"].encode()
            json.dumps(document_to_dict(scan_bytes(content, "x.txt", settings)), ensure_ascii=False)
            count += 1
            if limit is not None and count >= limit:
                break
    print(json.dumps({"documents": count, "peak_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """Peak resident memory of this process.

    VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a worker
    started from this (big) benchmark process would report the parent's size.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def segmenter_break_even(contents: list[str], backend: str) -> tuple[float, float, float, float]:
    """Seconds to load the segmenter, µs per windowed boundary check (cache cold), µs per character
    of a whole-text cut, break-even hits per 1,000 characters.

    The load is measured in a new process (a module is loaded once per process).
    """
    from scanner.segment import Segmenter

    load = subprocess.run(
        [sys.executable, "-c", "import time; from scanner.segment import load_segmenter; t = time.perf_counter(); "
         f"load_segmenter({backend!r}); print(time.perf_counter() - t)"],
        capture_output=True, text=True, cwd=REPO, check=True,
    )
    segmenter = Segmenter(cache_size=0, backend=backend)
    segmenter.boundaries("预热")  # load the dictionary outside the timing
    text = "".join(contents)[:200_000]
    positions = range(20, len(text) - 20, 97)
    with Timing() as windows:
        for position in positions:
            segmenter.cuts_word(text, position, position + 2)
    with Timing() as whole:
        segmenter.boundaries(text)
    per_hit = windows.cpu / len(positions) * 1e6
    per_char = whole.cpu / len(text) * 1e6
    return float(load.stdout), per_hit, per_char, per_char / per_hit * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="first 400 documents, fewer runs")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (default 5, quick 3)")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--memory-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    limit = 400 if args.quick else None
    if args.memory_worker:
        memory_worker(limit)
        return
    runs = args.runs or (3 if args.quick else 5)
    contents = load_corpus(limit)
    data = [content.encode() for content in contents]
    megabytes = sum(map(len, data)) / 1e6
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; "
          f"python {sys.version.split()[0]}")
    print(f"corpus: {CORPUS.name}, {len(data)} documents, {megabytes:.1f} MB; median of {runs} runs; "
          "MB/s per core (CPU time), wall in brackets\n")

    settings = settings_for()
    scan_plain(data[:20], settings)  # the segmenter's dictionary and every lazy table loaded before timing

    def rate(seconds: float) -> float:
        return megabytes / seconds

    print("raw matcher (same keys, raw text, decoded afresh for each run):")
    raw: dict[str, float] = {}
    # Each run reads texts just decoded from the bytes, as the pipeline
    # does.  Matching the same str objects again would flatter
    # ahocorasick-rs: a str keeps the UTF-8 copy PyO3 asks it for, so from
    # the second run on the encoding the pipeline pays for every document
    # was skipped (~300 against ~205 MB/s on the laws corpus).
    texts: list[str] = []

    def decode_afresh() -> None:
        texts[:] = [content.decode() for content in data]

    for name, count in raw_matchers(settings).items():
        cpu, wall = median_runs(runs, lambda count=count: [count(text) for text in texts], before=decode_afresh)
        raw[name] = rate(cpu)
        print(f"  {name:22s} {rate(cpu):7.1f} MB/s  ({rate(wall):.1f} wall)")

    print("\nend to end, plain text (scan_bytes + JSON document):")
    from scanner.automaton import AHOCORASICK_RS, BACKENDS

    for backend in BACKENDS:
        if backend == AHOCORASICK_RS and AHOCORASICK_RS not in raw:
            print(f"  {backend:17s} not installed")
            continue
        chosen = settings_for(backend)
        scan_plain(data[:20], chosen)
        cpu, wall = median_runs(runs, lambda chosen=chosen: scan_plain(data, chosen))
        # against the library's faster way over this text
        reference = max(raw[name] for name in raw if name.startswith(backend))
        ratio = rate(cpu) / reference
        print(f"  {backend:17s} {rate(cpu):7.1f} MB/s  ({rate(wall):.1f} wall), {cpu / len(data) * 1e6:.0f} µs a document; "
              f"{ratio:.0%} of the raw {backend} matcher at {reference:.1f} MB/s (target >= 25 MB/s and >= 40 %)")
    if settings.model is not None:
        # For reading the ratio target: the same scan with the classifier left out.
        unscored = dataclasses.replace(settings, model=None)
        cpu, wall = median_runs(runs, lambda: scan_plain(data, unscored))
        print(f"  {'without the model':17s} {rate(cpu):7.1f} MB/s  ({rate(wall):.1f} wall), "
              f"{cpu / len(data) * 1e6:.0f} µs a document (default backend; not a supported way to scan); "
              + ", ".join(f"{rate(cpu) / speed:.0%} of {name}" for name, speed in raw.items()))

    floor, floor_wall = median_runs(runs, lambda: compiled_floor(data, settings))
    steps = "decode, automaton pass, classifier" if settings.model else "decode, automaton pass; no model loaded"
    print(f"\ncompiled floor ({steps}; nothing else): {rate(floor):.1f} MB/s "
          f"({rate(floor_wall):.1f} wall), the most a pipeline running this classifier could reach if every "
          "other step were free; as a share of each raw matcher: "
          + ", ".join(f"{name} {rate(floor) / speed:.0%}" for name, speed in raw.items()))

    print("\nwhere the time goes (one run, CPU s; default backend):")
    totals = stage_breakdown(data, settings)
    whole = sum(totals.values())
    for name, seconds in totals.items():
        print(f"  {name:12s} {seconds:6.2f} s  {seconds / whole:5.1%}  {rate(seconds) if seconds else 0:8.1f} MB/s alone")

    from scanner.segment import BACKENDS as SEGMENTERS

    print("\nword-boundary segmenter (HMM off; the first available is the default):")
    for backend in SEGMENTERS:
        load, per_hit, per_char, break_even = segmenter_break_even(contents, backend)
        print(f"  {backend:7s} loads in {load:.2f} s; window check {per_hit:.0f} µs per hit (cache cold) vs "
              f"{per_char:.2f} µs per character for a whole-text cut: windows are cheaper below "
              f"{break_even:.0f} hits per 1,000 characters")

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        pages = paged_lines(contents[:300], per_page=28, chars=43)  # about 1,200 characters a page
        docx_pages = pdf_pages = 0
        docx_files, pdf_files = [], []
        for index in range(8):
            chunk = pages[index * 25 : (index + 1) * 25]
            docx_files.append(build_docx(folder / f"d{index}.docx", chunk))
            docx_pages += len(chunk)
        for index in range(4):
            chunk = pages[index * 25 : (index + 1) * 25]
            pdf_files.append(build_pdf(folder / f"p{index}.pdf", chunk))
            pdf_pages += len(chunk)
        small = build_docx(folder / "small.docx", [[BOUNDARY_CHECKS + pages[0][0], *pages[0][1:]], *pages[1:5]])
        print("\ndocuments (25 pages each, about 1,200 characters a page):")
        for label, files, count, target in (("docx", docx_files, docx_pages, 500), ("pdf", pdf_files, pdf_pages, 300)):
            scan_files(files[:1], settings)
            cpu, wall = median_runs(runs, lambda files=files: scan_files(files, settings))
            extract_cpu, _ = median_runs(runs, lambda files=files: extract_files(files))
            print(f"  {label:5s} end to end {count / cpu:7.0f} pages/s ({count / wall:.0f} wall; target >= {target}); "
                  f"extraction alone {count / extract_cpu:.0f} pages/s")
        if not args.skip_cold:
            cold_runs = 10
            wall, heavy, problem = cold_scan(small, cold_runs)
            print(f"\ncold `scan small.docx` (5 pages): median {wall:.2f} s wall of {cold_runs} (target <= 0.5 s); "
                  f"heavy modules imported: {', '.join(heavy) or 'none'}" + (f"; FAILED: {problem}" if problem else ""))

    if not args.skip_memory:
        command = [sys.executable, __file__, "--memory-worker"] + (["--quick"] if args.quick else [])
        done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
        try:
            report = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"\npeak memory, one process scanning {report['documents']} documents: "
                  f"{report['peak_mb']:.0f} MB (target <= 250 MB)")
        except (IndexError, json.JSONDecodeError):
            print(f"\npeak memory: worker failed: {done.stderr.strip().splitlines()[-1:]}")


if __name__ == "__main__":
    main()
