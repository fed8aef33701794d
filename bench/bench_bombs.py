"""Issue #22's hostile inputs at full size: time, peak memory and verdict, single-file and batch.

    python bench/bench_bombs.py [--runs 1] [--only NAME ...] [--scale 1.0] [--keep DIR]

Each bomb of ``fuzz/bombs.py`` is written to a temporary directory, then
scanned with ``scan --format json FILE`` (single-file mode: the forked
child under the per-file limits) and with ``scan --format json --no-cache
-j 1 DIR`` (batch, one worker) where DIR holds only that file.  For each it
prints the wall time, the peak RSS of the largest process involved (the
command and every process it waited for: ``ru_maxrss`` of
``RUSAGE_CHILDREN``, measured by a wrapper per run), the verdict and the
first error; the median over ``--runs``.  The promise is ≤ 60 s and
≤ 500 MB, with ``review`` where the file cannot be read completely.

Batch workers are forked from a fork server, not by the command, so in
batch mode the bench runs ``scanner.batch.run_batch`` in a child and takes
the larger of that child's own peak and the workers' (``peak_worker_rss_kb``
of the batch summary, each worker's ``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fuzz.bombs import BOMBS

# Runs the command and prints the peak RSS (kB) of the largest process it waited for.
_WRAPPER = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True)
sys.stdout.buffer.write(done.stdout)
sys.stderr.buffer.write(done.stderr)
sys.stderr.write("\\nPEAK_KB %d\\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(done.returncode)
"""


# A batch of one directory, as `scan --no-cache -j 1 DIR` runs it; prints the result and the peaks.
_BATCH = """
import json, resource, sys
from pathlib import Path
from scanner.batch import BatchOptions, file_tasks, iter_files, run_batch
from scanner.pipeline import build_settings
from scanner.settings import SettingsSpec
spec = SettingsSpec()
outcome = run_batch(file_tasks(iter_files([Path(sys.argv[1])])), spec, build_settings(spec), BatchOptions(jobs=1))
doc = outcome.result.documents[0]
print(json.dumps({"documents": [{"verdict": doc.verdict.value, "errors": list(doc.errors)}]}))
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("PEAK_KB", max(own, outcome.summary.peak_worker_rss_kb), file=sys.stderr)
"""


def run(args: list[str], timeout: float) -> dict:
    started = time.monotonic()
    batch = args[0] == "--batch"
    program = ["-c", _BATCH, *args[1:]] if batch else ["-c", "import cli; cli.main()", *args]
    done = subprocess.run([sys.executable, "-c", _WRAPPER, sys.executable, *program],
                          cwd=REPO, capture_output=True, timeout=timeout, check=False)
    seconds = time.monotonic() - started
    peak = 0
    for line in done.stderr.decode(errors="replace").splitlines():
        if line.startswith("PEAK_KB "):
            peak = max(peak, int(line.split()[1]))
    try:
        doc = json.loads(done.stdout)["documents"][0]
        verdict, error = doc["verdict"], (doc["errors"] or [""])[0]
    except (ValueError, KeyError, IndexError):
        verdict, error = f"exit {done.returncode}", done.stderr.decode(errors="replace")[-200:]
    return {"seconds": seconds, "peak_mb": peak / 1024, "verdict": verdict,
            "error": error, "exit": done.returncode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="secscan-bombs-"))
    print(f"{'bomb':<20} {'mode':<7} {'seconds':>8} {'peak MB':>8}  verdict  exit  reason")
    for name, build in BOMBS.items():
        if args.only and name not in args.only:
            continue
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        path = build(folder, args.scale)
        for mode, command in (("single", ["--format", "json", str(path)]),
                              ("batch", ["--batch", str(folder)])):
            results = [run(command, timeout=600) for _ in range(args.runs)]
            seconds = statistics.median(r["seconds"] for r in results)
            peak = statistics.median(r["peak_mb"] for r in results)
            last = results[-1]
            print(f"{name:<20} {mode:<7} {seconds:>8.1f} {peak:>8.0f}  {last['verdict']:<7}  {last['exit']:>4}  "
                  f"{last['error'][:90]}", flush=True)


if __name__ == "__main__":
    main()
