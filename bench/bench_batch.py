"""Batch throughput: a generated site of >= 10,000 files scanned with --jobs 1 and --jobs 2, then from cache.

    python bench/bench_batch.py [--files 10000] [--dir /tmp/site] [--keep] [--runs 3] [--per-kind-only]
    python bench/bench_batch.py --cached-rerun [--files 10000] [--runs 3] [--jobs 2] [--tiny | --large]
    python bench/bench_batch.py --identical 2000

Prints files/s and MB/s per job count, the speed-up, the peak memory of a
worker (its own ru_maxrss: workers are forked from a fork server, so they are
not the parent's children) and the time of a second, fully cached run.
The site is 70 % HTML pages, 20 % docx and 10 % pdf attachments, every file
different, a few with marks, built with tests/builders.py.

``--cached-rerun`` measures what a clerk sees: the ``scan`` command itself
(a new process each time, start-up included) on the site with ``--jobs 2
--format jsonl``, first with an empty cache, then again fully cached, in
alternating pairs; it prints the medians and their ratio (issue #29: a
fully cached re-run of 10,000 small files at least 5x faster).  ``--tiny``
uses 10,000 two-line text notices instead of the site; ``--large`` uses
``--files`` long reports of 1 MB each and also times the cached re-run with
``--rehash`` (every file read and hashed), which is what the cache's stat
index saves (``scanner.batch.stamps``).  Before the first run the bench
waits until the files are older than the index's racy window
(``RACY_SECONDS``), as a site's files are: files hashed within it are not
recorded.  ``--cold`` (root only) empties the page cache before each
cached re-run, as a nightly run finds it: the files are read from disk.

``--identical N`` is issue #22's "Done when" check at full size: N files,
10 % hostile (``tests/test_batch_identical.py`` builds them and runs the same
check on 300), scanned uncached with ``--jobs 1`` and ``--jobs 2``, filling
and served by a cache, and killed part way then ``--resume``d; it fails unless
every ``--format json`` report is the same bytes, and prints each run's time.

First, per file of each kind, in this process: CPU µs to scan a file
(``scan_bytes`` and its JSON document) and to extract it alone, the median
of ``--runs`` runs over up to 300 files of the kind.  A website is mostly
small files, so the cost per file, not per byte, is what counts there.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scanner import settings as settings_module
from scanner.batch import BatchOptions, SettingsSpec, file_tasks, iter_files, run_batch
from scanner.pipeline import build_settings
from tests import builders

SENTENCES = [
    "为深入贯彻落实党中央、国务院决策部署，进一步优化营商环境，现将有关事项通知如下。",
    "各区人民政府，市政府各委、办、局，各有关单位要高度重视，加强组织领导，确保各项任务落到实处。",
    "本次活动面向全体市民开放，免费参加，名额有限，请提前通过官方网站预约报名。",
    "根据《中华人民共和国政府信息公开条例》，本机关依法主动公开以下政府信息。",
    "二〇二四年全市地区生产总值同比增长百分之五点二，固定资产投资保持稳定增长。",
    "请各单位于每月五日前将上月工作进展情况报送市发展改革委综合处。",
    "联系电话：010-12345678，联系人：办公室王同志。",
    "附件：1．实施方案  2．任务分工表",
]
MARKS = ["机密★5年", "内部资料 注意保存", "秘密★1年"]


def paragraphs(rng: random.Random, count: int, index: int) -> list[str]:
    lines = [f"关于做好第{index}号工作事项的通知"]
    lines += [rng.choice(SENTENCES) + f"（第{index}-{n}段）" for n in range(count)]
    return lines


def generate(root: Path, total: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    pages = root / "pages"
    files = root / "files"
    pages.mkdir(parents=True)
    files.mkdir(parents=True)
    for index in range(total):
        kind = index % 10
        marked = index % 97 == 0
        if kind < 7:
            body = "".join(f"<p>{line}</p>" for line in paragraphs(rng, rng.randint(8, 30), index))
            if marked:
                body = f"<p>{rng.choice(MARKS)}</p>" + body
            links = "".join(f'<a href="../files/f{index + k:05d}.docx">附件</a>' for k in (1, 2))
            builders.make_html(pages / f"p{index:05d}.html", body + links, title=f"通知{index}")
        elif kind < 9:
            builders.make_docx(
                files / f"f{index:05d}.docx",
                paragraphs(rng, rng.randint(20, 60), index),
                header=rng.choice(MARKS) if marked else None,
                table=[["项目", "进度"], ["一", "完成"], ["二", "推进中"]],
            )
        else:
            lines = paragraphs(rng, rng.randint(20, 45), index)
            builders.make_pdf(files / f"f{index:05d}.pdf", [lines[i:i + 15] for i in range(0, len(lines), 15)])
        if index and index % 1000 == 0:
            print(f"  generated {index} files", file=sys.stderr)


def generate_tiny(root: Path, total: int) -> None:
    """``total`` two-line notices of about 150 bytes, every one different, none flagged."""
    root.mkdir(parents=True)
    for index in range(total):
        (root / f"n{index:05d}.txt").write_text(
            f"关于举办第{index}届读书节活动的通知\n欢迎市民参加，活动免费。请于{index % 28 + 1}日前报名。\n", encoding="utf-8"
        )


def generate_large(root: Path, total: int) -> None:
    """``total`` long reports of about 1 MB each, every one different, none flagged."""
    root.mkdir(parents=True)
    rng = random.Random(11)
    for index in range(total):
        lines = paragraphs(rng, 8500, index)  # ~120 bytes a line
        (root / f"r{index:04d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def settle(root: Path) -> None:
    """Wait until every file under ``root`` is older than the stat index's racy window (a site's files are)."""
    from scanner.batch.stamps import RACY_SECONDS

    newest = max(max(info.st_mtime_ns, info.st_ctime_ns) for info in (path.stat() for path in iter_files([root])))
    wait = newest / 1e9 + RACY_SECONDS + 0.5 - time.time()
    if wait > 0:
        print(f"waiting {wait:.1f} s until the files are older than the stat index's racy window ({RACY_SECONDS} s)",
              file=sys.stderr)
        time.sleep(wait)


def scan_command(root: Path, cache_dir: Path, jobs: int, *extra: str) -> tuple[float, str]:
    """Wall seconds of one ``scan`` process over ``root`` (jsonl to /dev/null), and its summary's first line.

    The line ends with the process's own CPU seconds (user + sys; a fully
    cached run has no workers, so that is all of it), steadier than wall
    time on a shared host.
    """
    import resource
    import subprocess

    command = [sys.executable, str(REPO / "cli.py"), str(root), "--jobs", str(jobs), "--format", "jsonl",
               "-o", os.devnull, "--cache-dir", str(cache_dir), *extra]
    # as installed: with compiled bytecode (a PYTHONDONTWRITEBYTECODE shell would compile ~80 modules a run)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"scan failed ({done.returncode}): {done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, (done.stderr.splitlines()[0] if done.stderr else "") + f"  [parent CPU {cpu:.2f} s]"


def drop_page_cache() -> None:
    """Write the dirty pages out and empty the page cache (Linux, root): the next reads come from the disk."""
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def cached_reruns(root: Path, work: Path, *, runs: int, jobs: int, rehash: bool = False, cold: bool = False) -> None:
    """The scan command's first run (empty cache) against its fully cached re-run, in alternating pairs.

    ``rehash``: each pair is followed by a cached re-run with ``--rehash``.
    ``cold``: the page cache is emptied before each cached re-run.
    """
    count = sum(1 for _ in iter_files([root]))
    scan_command(next(iter_files([root])), work / "warm-up", jobs)  # bytecode written before the clock
    settle(root)
    first: list[float] = []
    again: list[float] = []
    rehashed: list[float] = []
    for run in range(runs):
        cache_dir = work / f"cache-{run}"
        shutil.rmtree(cache_dir, ignore_errors=True)
        seconds, line = scan_command(root, cache_dir, jobs)
        first.append(seconds)
        print(f"run {run + 1} first run    (--jobs {jobs}, empty cache): {seconds:6.2f} s  {line}")
        if cold:
            drop_page_cache()
        seconds, line = scan_command(root, cache_dir, jobs)
        again.append(seconds)
        print(f"run {run + 1} cached re-run (--jobs {jobs}):              {seconds:6.2f} s  {line}")
        if rehash:
            if cold:
                drop_page_cache()
            seconds, line = scan_command(root, cache_dir, jobs, "--rehash")
            rehashed.append(seconds)
            print(f"run {run + 1} cached re-run --rehash:                 {seconds:6.2f} s  {line}")
        shutil.rmtree(cache_dir, ignore_errors=True)
    ratios = [one / two for one, two in zip(first, again)]
    print(f"{count} files, median of {runs}: first run {statistics.median(first):.2f} s "
          f"({count / statistics.median(first):.0f} files/s), cached re-run {statistics.median(again):.2f} s "
          f"({count / statistics.median(again):.0f} files/s); ratio {statistics.median(first) / statistics.median(again):.2f}x "
          f"(per run: {', '.join(f'{r:.2f}' for r in ratios)}; target >= 5x)")
    if rehashed:
        print(f"cached re-run with --rehash (every file read and hashed) {statistics.median(rehashed):.2f} s: "
              f"the stat index makes the cached re-run {statistics.median(rehashed) / statistics.median(again):.2f}x "
              f"faster (per run: {', '.join(f'{r / a:.2f}' for r, a in zip(rehashed, again))})")


def identical(root: Path, work: Path, total: int) -> None:
    """#22: the same JSON report, byte for byte, however the batch of ``total`` files is run."""
    from tests.test_batch_identical import check_identical, make_mixed_batch

    started = time.perf_counter()
    if not root.exists():
        make_mixed_batch(root, total)
    print(f"generated {total} files ({total // 10} hostile) in {time.perf_counter() - started:.1f} s")
    timings: dict[str, float] = {}
    reference = check_identical(root, work, total, timings=timings)
    for name, seconds in timings.items():
        print(f"{name:32s} {seconds:6.1f} s")
    print(f"{total} files: all {len(timings)} reports byte-identical ({len(reference)} bytes), "
          f"plus one run killed part way")


def per_kind(files: list[Path], settings, runs: int, sample: int = 300) -> None:  # type: ignore[no-untyped-def]
    """Print CPU µs per file by kind: the whole scan with its JSON document, and extraction alone."""
    import json

    from scanner.extract import extract_bytes
    from scanner.pipeline import scan_bytes
    from scanner.report.json_report import document_to_dict

    kinds: dict[str, list[Path]] = {}
    for path in files:
        kinds.setdefault(path.suffix.lower(), []).append(path)
    print(f"per file, one process (CPU µs, median of {runs} runs over up to {sample} files of each kind):")
    for suffix, paths in sorted(kinds.items()):
        chosen = paths[:: max(1, len(paths) // sample)][:sample]
        inputs = [(path.read_bytes(), str(path)) for path in chosen]

        def scan(inputs=inputs) -> None:  # type: ignore[no-untyped-def]
            for data, name in inputs:
                json.dumps(document_to_dict(scan_bytes(data, name, settings)), ensure_ascii=False)

        def extract(inputs=inputs) -> None:  # type: ignore[no-untyped-def]
            for data, name in inputs:
                extract_bytes(data, name)

        steps = {"scan": scan, "extract": extract}
        seconds: dict[str, list[float]] = {label: [] for label in steps}
        for work in steps.values():
            work()  # lazy tables and imports outside the clock
        for _ in range(runs):  # alternating, so that the host's drift touches both alike
            for label, work in steps.items():
                started = time.process_time()
                work()
                seconds[label].append(time.process_time() - started)
        timings = {label: statistics.median(values) / len(inputs) * 1e6 for label, values in seconds.items()}
        size = sum(len(data) for data, _ in inputs) / len(inputs) / 1e3
        print(f"  {suffix or '(none)':6s} {len(inputs):4d} files, {size:6.1f} KB average: "
              f"{timings['scan']:7.0f} µs a file, extraction alone {timings['extract']:7.0f} µs")


def measure(root: Path, jobs: int, cache_dir: Path | None, spec: SettingsSpec, settings) -> tuple[float, float, object]:
    """Wall seconds, the parent's CPU seconds (on 2 cores taken from the workers' share) and the outcome."""
    files = list(iter_files([root]))
    started, cpu = time.perf_counter(), time.process_time()
    outcome = run_batch(file_tasks(files), spec, settings,
                        BatchOptions(jobs=jobs, timeout=120, cache_dir=cache_dir, progress=False), total=len(files))
    return time.perf_counter() - started, time.process_time() - cpu, outcome


def _ceiling_worker(paths: list[str], barrier, results) -> None:  # type: ignore[no-untyped-def]
    from scanner.pipeline import build_settings, scan_file

    settings = build_settings()
    for path in paths[:20]:  # warm up (numpy, jieba) outside the clock
        scan_file(Path(path), settings)
    barrier.wait()
    started = time.perf_counter()
    for path in paths:
        scan_file(Path(path), settings)
    results.put(time.perf_counter() - started)


def machine_ceiling(files: list[Path], sample: int = 1500) -> float:
    """Throughput of two independent scanning processes over one, with no batch machinery at all.

    What the machine itself gives for two CPU-bound processes (two vCPUs may
    share a physical core or a memory bus with other tenants): the batch's
    speed-up is to be read against it.
    """
    import multiprocessing

    paths = [str(path) for path in files[:: max(1, len(files) // sample)]][:sample]
    context = multiprocessing.get_context("fork")
    seconds = {}
    for count in (1, 2):
        barrier, results = context.Barrier(count), context.Queue()
        workers = [context.Process(target=_ceiling_worker, args=(paths, barrier, results)) for _ in range(count)]
        for worker in workers:
            worker.start()
        seconds[count] = max(results.get() for _ in workers)
        for worker in workers:
            worker.join()
    return 2 * seconds[1] / seconds[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, help="Generate into (or reuse) this directory.")
    parser.add_argument("--keep", action="store_true", help="Keep the generated site.")
    parser.add_argument("--cache-only", action="store_true", help="Only the cache fill and cached runs.")
    parser.add_argument("--per-kind-only", action="store_true", help="Only the cost per file of each kind.")
    parser.add_argument("--runs", type=int, default=3, help="Alternating --jobs 1 / --jobs 2 runs (median).")
    parser.add_argument("--cached-rerun", action="store_true",
                        help="Only the scan command's first run against its fully cached re-run.")
    parser.add_argument("--tiny", action="store_true", help="With --cached-rerun: tiny text files, not the site.")
    parser.add_argument("--large", action="store_true",
                        help="With --cached-rerun: --files reports of 1 MB, and a re-run with --rehash.")
    parser.add_argument("--jobs", type=int, default=2, help="With --cached-rerun: --jobs of the scan command.")
    parser.add_argument("--cold", action="store_true",
                        help="With --cached-rerun: empty the page cache before each cached re-run (root).")
    parser.add_argument("--identical", type=int, metavar="N",
                        help="Only #22's check: N files, 10 %% hostile, byte-identical JSON however scanned.")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="secscan-bench-"))
    try:
        root = args.dir or work / "site"
        if args.identical:
            identical(root, work, args.identical)
            return
        if not root.exists():
            started = time.perf_counter()
            (generate_tiny if args.tiny else generate_large if args.large else generate)(root, args.files)
            print(f"generated {args.files} files in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        if args.cached_rerun:
            cached_reruns(root, work, runs=max(args.runs, 1), jobs=args.jobs, rehash=args.large, cold=args.cold)
            return
        files = list(iter_files([root]))
        size = sum(path.stat().st_size for path in files)
        print(f"site: {len(files)} files, {size / 1e6:.1f} MB "
              f"({sum(p.suffix == '.html' for p in files)} html, {sum(p.suffix == '.docx' for p in files)} docx, "
              f"{sum(p.suffix == '.pdf' for p in files)} pdf)")

        spec = SettingsSpec(keep_text=False)  # as `scan` runs a batch for every report but html
        settings = build_settings(spec)
        # The cache key includes a hash of the scanner's source; in a shared working tree
        # someone may edit it mid-bench, which would (rightly) miss.  Pin it for the bench.
        settings_module._code_digest = lambda: "bench"
        if not args.cache_only:
            per_kind(files, settings, max(args.runs, 1))
        if not args.per_kind_only:
            batch_runs(args, root, files, size, spec, settings, work / "cache")
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def batch_runs(args, root: Path, files: list[Path], size: int, spec: SettingsSpec, settings,  # type: ignore[no-untyped-def]
               cache_dir: Path) -> None:
    """--jobs 1 and --jobs 2 in alternating runs with the machine's ceiling, then a cache fill and a cached run."""
    walls: dict[int, list[float]] = {1: [], 2: []}
    ceilings: list[float] = []
    # Each run measures the machine's ceiling and then --jobs 1 and --jobs 2, one
    # after the other, so a neighbour's load on a shared host hits all three alike.
    for run in range(0 if args.cache_only else args.runs):
        ceilings.append(machine_ceiling(files))
        print(f"run {run + 1} machine ceiling (two plain scanning processes / one, no batch machinery): "
              f"{ceilings[-1]:.2f}x")
        for jobs in (1, 2):
            seconds, parent_cpu, outcome = measure(root, jobs, None, spec, settings)
            summary = outcome.summary
            walls[jobs].append(seconds)
            print(f"run {run + 1} --jobs {jobs}: {seconds:6.1f} s  {len(files) / seconds:6.1f} files/s  "
                  f"{size / 1e6 / seconds:5.2f} MB/s  worker busy {summary.busy_seconds:.1f} s "
                  f"(parallelism {summary.busy_seconds / seconds:.2f})  parent CPU {parent_cpu:.1f} s  "
                  f"peak worker RSS {summary.peak_worker_rss_kb / 1024:.0f} MB  verdicts {dict(summary.verdicts)}  "
                  f"failures {dict(summary.failures)}")
    if walls[1]:
        ratios = [one / two for one, two in zip(walls[1], walls[2])]
        print(f"median of {len(ratios)}: --jobs 1 {statistics.median(walls[1]):.1f} s, "
              f"--jobs 2 {statistics.median(walls[2]):.1f} s; speed-up {statistics.median(ratios):.2f}x "
              f"(per run: {', '.join(f'{r:.2f}' for r in ratios)}); machine ceiling {statistics.median(ceilings):.2f}x "
              f"(per run: {', '.join(f'{c:.2f}' for c in ceilings)}); speed-up / ceiling "
              f"{statistics.median(r / c for r, c in zip(ratios, ceilings)):.2f}")

    seconds, _, outcome = measure(root, 2, cache_dir, spec, settings)
    print(f"cache fill run (--jobs 2): {seconds:.1f} s")
    seconds, _, outcome = measure(root, 2, cache_dir, spec, settings)
    print(f"second run, fully cached: {seconds:.1f} s ({outcome.summary.cached} cached, "
          f"{outcome.summary.scanned} scanned, {len(files) / seconds:.0f} files/s)")


if __name__ == "__main__":
    main()
