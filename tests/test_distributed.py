"""``--engine dask``: the same results from a local Dask cluster of worker processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.batch import BatchOptions, SettingsSpec, file_tasks, iter_files, run_batch
from scanner.pipeline import Settings

distributed = pytest.importorskip(
    "distributed", reason="dask[distributed] is not installed (pip install -e '.[distributed]')"
)


def test_dask_cluster_gives_the_same_results_as_local_workers(tmp_path: Path, settings: Settings) -> None:
    for index in range(30):
        text = "机密★5年\n关于某项目的通知\n" if index % 5 == 0 else f"关于举办第{index}届读书节活动的通知\n欢迎参加。\n"
        (tmp_path / f"f{index:02d}.txt").write_text(text, encoding="utf-8")
    files = list(iter_files([tmp_path]))
    local = run_batch(file_tasks(files), SettingsSpec(), settings, BatchOptions(jobs=2))

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        streamed: list[str] = []
        remote = run_batch(
            file_tasks(files), SettingsSpec(), settings,
            BatchOptions(engine="dask", address=cluster.scheduler_address, jobs=2, timeout=120),
            sink=lambda doc, fresh: streamed.append(doc.path),
        )
        workers_used = len(cluster.scheduler.workers)
    finally:
        cluster.close()
    assert workers_used == 2
    assert sorted(streamed) == sorted(str(p) for p in files)
    assert remote.summary.scanned == 30 and not remote.summary.failures
    for a, b in zip(local.result.documents, remote.result.documents):
        assert (a.path, a.verdict, a.findings) == (b.path, b.verdict, b.findings)
    assert sum(doc.verdict.value == "block" for doc in remote.result.documents) == 6
