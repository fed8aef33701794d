"""Shared fixtures: settings are built once per session (loading the catalogue and automaton)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.pipeline import Settings, build_settings

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return build_settings()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "corpus" / "real").is_dir():
        pytest.skip(f"the shared corpus is not at {SHARED}")
    return SHARED
