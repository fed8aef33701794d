"""Load test of ``secscan serve`` on loopback: concurrent clients uploading small drafts.

    python bench/bench_service.py [--clients 20] [--seconds 60] [--pages 5] [--jobs 2] [--max-requests 20000]

Starts a real server (a subprocess on 127.0.0.1, its own data directory,
SQLite) with an API token, then ``--clients`` clients (asyncio + httpx, one
connection each) upload a different ``--pages``-page docx draft each time,
closed loop (the next upload when the answer came), for ``--seconds``
seconds or ``--max-requests`` uploads.  Each upload is answered with its
result (a 5-page draft is well under the sync limit), so the latency is
upload → scan in an isolated worker → stored → JSON answer.  Prints the
throughput, latency p50/p95/p99/max, errors (any answer other than 201 with
a result, or an exception), the verdicts, and the resident memory of the
service (server + scan workers) before and after.  The target of issue #28:
no errors, p95 ≤ 1 s for a 5-page docx on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_batch import SENTENCES

from tests.builders import make_docx
from tests.service_server import UNIT, Server, add_token, create_users

PARAGRAPHS = SENTENCES  # the batch bench's public-notice sentences, one list for every bench


def drafts(directory: Path, pages: int, count: int) -> list[bytes]:
    """``count`` different drafts of ``pages`` pages (about 12 paragraphs a page), one with a mobile number in eight."""
    out = []
    for number in range(count):
        body = [f"关于开展第{number}批重点项目申报工作的通知"]
        for page in range(pages):
            body += [PARAGRAPHS[(number + page + k) % len(PARAGRAPHS)] for k in range(12)]
        if number % 8 == 0:
            body.append("联系人张三，手机13812345678。")
        path = make_docx(directory / f"draft{number}.docx", body,
                         page_break_before=[1 + 12 * page for page in range(1, pages)])
        out.append(path.read_bytes())
    return out


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def load(url: str, token: str, documents: list[bytes], *, clients: int, seconds: float,
               max_requests: int) -> tuple[list[float], collections.Counter[str], collections.Counter[str], float]:
    import httpx

    latencies: list[float] = []
    errors: collections.Counter[str] = collections.Counter()
    verdicts: collections.Counter[str] = collections.Counter()
    started = time.monotonic()
    deadline = started + seconds
    issued = 0

    async def client(index: int) -> None:
        nonlocal issued
        async with httpx.AsyncClient(base_url=url, timeout=60, headers={"Authorization": f"Bearer {token}"},
                                     limits=httpx.Limits(max_connections=1)) as http:
            while time.monotonic() < deadline and issued < max_requests:
                data = documents[(issued + index) % len(documents)]
                issued += 1
                begin = time.perf_counter()
                try:
                    answer = await http.post("/api/v1/scans", files={"file": (f"draft{index}.docx", data)})
                    elapsed = time.perf_counter() - begin
                    if answer.status_code == 201 and "result" in answer.json():
                        latencies.append(elapsed)
                        verdicts[answer.json()["verdict"]] += 1
                    else:
                        errors[f"HTTP {answer.status_code}"] += 1
                except httpx.HTTPError as error:
                    errors[type(error).__name__] += 1

    await asyncio.gather(*(client(index) for index in range(clients)))
    return latencies, errors, verdicts, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2, help="the server's scan workers")
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="secscan-bench-service-"))
    try:
        documents = drafts(root, args.pages, 40)
        data = root / "data"
        create_users(data)
        token = add_token(data, "bench", UNIT, ("scans:write", "scans:read"))
        server = Server(data, "--jobs", str(args.jobs), "--no-ocr", "--reinspect-every", "0").start()
        try:
            asyncio.run(load(server.url, token, documents[:2], clients=2, seconds=3, max_requests=20))  # warm up
            before = server.rss_kb()
            cpu_before = server.cpu_seconds()
            latencies, errors, verdicts, wall = asyncio.run(load(
                server.url, token, documents, clients=args.clients, seconds=args.seconds,
                max_requests=args.max_requests))
            after = server.rss_kb()
            cpu_after = server.cpu_seconds()
            alive = server.alive()
        finally:
            server.stop()
        size = statistics.median(len(d) for d in documents)
        print(f"secscan serve load test: {args.clients} clients, {args.seconds:g} s, {args.pages}-page docx "
              f"(median {size / 1024:.0f} KB), --jobs {args.jobs}, SQLite, loopback")
        print(f"  uploads answered: {len(latencies)} in {wall:.1f} s = {len(latencies) / wall:.1f} /s")
        if latencies:
            print(f"  latency: p50 {percentile(latencies, 0.5) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
                  f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
        print(f"  errors: {sum(errors.values())}" + (f" ({dict(errors)})" if errors else ""))
        print(f"  verdicts: {dict(sorted(verdicts.items()))}")
        print(f"  CPU during the test: server process {cpu_after[0] - cpu_before[0]:.1f} s, "
              f"scan workers {cpu_after[1] - cpu_before[1]:.1f} s (wall {wall:.1f} s, 2 cores shared)")
        print(f"  service RSS (server + workers): {before / 1024:.0f} MB before, {after / 1024:.0f} MB after; "
              f"still up: {alive}")
    finally:
        if args.keep:
            print(f"  data kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
