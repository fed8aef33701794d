"""A unit's own long term lists: cold `scan FILE` and batch throughput as the list grows (issue #29).

    python bench/bench_lexicon.py [--sizes 0,1000,10000,50000,200000] [--runs 5] [--files 400] [--jobs 2]

For each size it generates a user lexicon of that many rare terms (random
3-7 character CJK strings, 100 to a rule, seeded), then times:

* the cold single-file scan, each a fresh process (`scan --lexicon L FILE`
  on a short notice): the *first* run, with an empty compile cache (the
  list is parsed, folded and its automaton built, then kept), and *warm*
  runs that find it in the cache (scanner/lexicon_cache.py).  Wall time and
  the child's CPU time (user + system), median of ``--runs``;
* batch throughput: `scan --no-cache -j JOBS --format jsonl DIR` over
  ``--files`` generated notices (4 KB each) with the list, warm compile
  cache, files/s (median of ``--runs``, at most 3).

On a shared machine the wall time follows its load; the CPU time is the
figure to compare.  ``--profile SIZE`` prints where a warm cold-start's
time goes for one size (cProfile, cumulative), in this process.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

NOTICE = "关于开展年度安全检查工作的通知\n各处室：\n现将有关事项通知如下，请认真落实。\n联系人：办公室。\n"


def rare_terms(count: int, seed: int = 29) -> list[str]:
    rng = random.Random(seed)
    terms: dict[str, None] = {}
    while len(terms) < count:
        terms["".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(rng.randrange(3, 8)))] = None
    return list(terms)


def write_lexicon(path: Path, terms: list[str], per_rule: int = 100) -> Path:
    lines = ["family: unit-list", "rules:"]
    for number, first in enumerate(range(0, len(terms), per_rule), start=1):
        lines += [
            f"  - id: UL{number:04d}" if number < 10000 else f"  - id: UM{number - 9999:04d}",
            "    name: unit-secret-items",
            "    category: sensitive-content",
            "    severity: review",
            f"    summary: 本单位工作秘密事项清单第{number}项",
            f"    basis: 本单位工作秘密事项清单第{number}项",
            "    terms:",
            *(f"      - {term}" for term in terms[first:first + per_rule]),
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def scan_command() -> list[str]:
    return [sys.executable, "-c", "import cli; cli.main()"]


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    outcome = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if outcome.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed: {outcome.stderr.decode()[-400:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cold_scan(lexicon: Path | None, doc: Path, cache: Path, runs: int) -> dict[str, float]:
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    command = [*scan_command(), *(["--lexicon", str(lexicon)] if lexicon else []), str(doc)]
    first_wall, first_cpu = timed(command, env)
    warm = [timed(command, env) for _ in range(runs)]
    return {
        "first_wall": first_wall,
        "first_cpu": first_cpu,
        "warm_wall": statistics.median(wall for wall, _ in warm),
        "warm_cpu": statistics.median(cpu for _, cpu in warm),
    }


def batch(lexicon: Path | None, site: Path, cache: Path, files: int, jobs: int, runs: int) -> float:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}  # the compile cache is warm from cold_scan
    command = [*scan_command(), "--no-cache", "-j", str(jobs), "--format", "jsonl",
               *(["--lexicon", str(lexicon)] if lexicon else []), str(site)]
    walls = [timed(command, env)[0] for _ in range(runs)]
    return files / statistics.median(walls)


def make_site(directory: Path, files: int) -> Path:
    rng = random.Random(7)
    directory.mkdir(parents=True, exist_ok=True)
    filler = "根据工作安排，各单位要高度重视，明确责任分工，按时报送材料。"
    for index in range(files):
        body = "\n".join(filler[rng.randrange(4):] for _ in range(45))
        (directory / f"notice-{index:05d}.txt").write_text(f"关于第{index}项工作的通知\n{body}\n", encoding="utf-8")
    return directory


def profile(size: int, work: Path) -> None:
    import cProfile
    import pstats

    os.environ["XDG_CACHE_HOME"] = str(work / "profile-cache")
    sys.path.insert(0, str(ROOT))
    lexicon = write_lexicon(work / f"lex{size}.yaml", rare_terms(size))
    from scanner.pipeline import build_settings

    build_settings(extra_lexicons=[lexicon])  # fills the compile cache
    profiler = cProfile.Profile()
    profiler.enable()
    build_settings(extra_lexicons=[lexicon])
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="0,1000,10000,50000,200000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--profile", type=int, default=None, help="profile a warm start with this many terms")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="secscan-bench-lexicon-") as temporary:
        work = Path(temporary)
        if args.profile is not None:
            profile(args.profile, work)
            return
        doc = work / "notice.txt"
        doc.write_text(NOTICE, encoding="utf-8")
        site = make_site(work / "site", args.files)
        print(f"{'terms':>7} {'first wall':>10} {'first cpu':>9} {'warm wall':>9} {'warm cpu':>8} "
              f"{'batch files/s':>13}   (seconds; median of {args.runs}; batch: {args.files} files, -j {args.jobs})")
        for size in (int(item) for item in args.sizes.split(",")):
            lexicon = write_lexicon(work / f"lex{size}.yaml", rare_terms(size)) if size else None
            cache = work / f"cache-{size}"
            cold = cold_scan(lexicon, doc, cache, args.runs)
            rate = batch(lexicon, site, cache, args.files, args.jobs, min(args.runs, 3))
            print(f"{size:>7} {cold['first_wall']:>10.2f} {cold['first_cpu']:>9.2f} {cold['warm_wall']:>9.2f} "
                  f"{cold['warm_cpu']:>8.2f} {rate:>13.0f}", flush=True)


if __name__ == "__main__":
    main()
