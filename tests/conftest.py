"""Shared fixtures: settings are built once per session (loading the catalogue and automaton)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.pipeline import Settings, build_settings

# the shared folder beside the repository; SECSCAN_SHARED puts it elsewhere (a git worktree)
SHARED = Path(os.environ.get("SECSCAN_SHARED") or Path(__file__).resolve().parents[2] / "shared")


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Batch scans cache results by default; keep the tests' cache out of the user's."""
    import os

    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(autouse=True)
def _umask_restored() -> Iterator[None]:
    """The process umask is global: a test that changes it (the service's ``prepare()`` sets 077 for the
    process it runs in) must not change the modes of the files later tests create."""
    previous = os.umask(0o022)
    os.umask(previous)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return build_settings()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "corpus" / "real").is_dir():
        pytest.skip(f"the shared corpus is not at {SHARED}")
    return SHARED
