"""The result cache: JSON round trip, keys that change with what checked a file, relabelled hits."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from scanner.cache import (
    ResultCache,
    default_cache_dir,
    document_from_dict,
    document_to_dict,
    settings_digest,
)
from scanner.pipeline import Settings, scan_file
from tests import builders


def test_document_round_trips_through_json(tmp_path: Path, settings: Settings) -> None:
    path = builders.make_docx(
        tmp_path / "a.docx",
        ["关于某项目的通知", "联系人身份证号 11010519491231002X"],
        header="机密★5年",
        comments=["内部讨论，请勿外传"],
        table=[["姓名", "电话"], ["张三", "13800138000"]],
    )
    doc = scan_file(path, settings)
    assert doc.findings and doc.units  # something worth round-tripping
    back = document_from_dict(json.loads(json.dumps(document_to_dict(doc), ensure_ascii=False)))
    assert back == doc
    assert back.units == doc.units


def test_digest_changes_with_everything_that_decides_a_result() -> None:
    base = {"version": "0.1.0", "catalogue": "c1", "model": "m1", "options": {"allow": []}}
    digest = settings_digest(**base)
    assert digest == settings_digest(**base)
    for key, value in (("version", "0.2.0"), ("catalogue", "c2"), ("model", ""), ("options", {"allow": ["x"]})):
        assert settings_digest(**{**base, key: value}) != digest


def test_cache_hit_is_relabelled_and_other_settings_miss(tmp_path: Path, settings: Settings) -> None:
    source = builders.write_text(tmp_path / "x.txt", "机密★5年\n关于某项目的通知\n")
    doc = scan_file(source, settings)
    cache = ResultCache(tmp_path / "cache", "digest-a")
    cache.put(doc)
    cache.commit()
    hit = cache.get(doc.sha256, path="copy/x.txt", referrer="http://site/")
    assert hit is not None and hit.path == "copy/x.txt" and hit.referrer == "http://site/"
    assert hit.findings == doc.findings and hit.verdict is doc.verdict
    cache.close()
    assert ResultCache(tmp_path / "cache", "digest-b").get(doc.sha256, path="x") is None
    # stored as JSON text (compressed), never pickle
    import zlib

    (blob,) = sqlite3.connect(tmp_path / "cache" / "results.sqlite3").execute("SELECT doc FROM results").fetchone()
    assert json.loads(zlib.decompress(blob))["path"] == str(source)


def test_default_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "secscan"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "secscan"
