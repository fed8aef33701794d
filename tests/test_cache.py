"""The result cache: keys that follow everything that decides a result, authenticated private entries,
and a damaged or unusable cache that costs only a rescan (issue #22 items 1, 2, 3, 14)."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.cache import (
    DB_FILE,
    ResultCache,
    default_cache_dir,
    entry_key,
    open_cache,
    read_brief,
    settings_digest,
    stored_brief,
    stored_json,
)
from scanner.pipeline import Settings, scan_file
from scanner.serial import document_from_dict, document_to_dict
from scanner.types import Brief, Verdict
from tests import builders
from tests.builders import USER_RULES
from tests.cli_helpers import scan_cli

ROOT = Path(__file__).resolve().parents[1]



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


def test_ocr_boxes_and_seals_round_trip_through_json() -> None:
    from scanner.types import DocumentResult, Finding, Location, Severity, TextUnit, Verdict

    box = (780.5, 1380.0, 1019.25, 1453.0)
    unit = TextUnit(text="内部资料", part="ocr", page=1, paragraph=9, source="图像", box=box, seal=True)
    finding = Finding(rule="IM001", category="internal-marking", severity=Severity.BLOCK, text="内部资料",
                      context="内部资料", location=Location(part="ocr", page=1, paragraph=9, end=4, source="图像", box=box),
                      message="m", basis="b", evidence=("位于印章内（红色印章中的文字，印章即标志），独立成行",), fingerprint="f")
    doc = DocumentResult(path="a.png", format="image", verdict=Verdict.BLOCK, risk=0.0, findings=(finding,),
                         units=(unit, TextUnit(text="正文", part="ocr", page=1, paragraph=1)), sha256="0" * 64)
    back = document_from_dict(json.loads(json.dumps(document_to_dict(doc), ensure_ascii=False)))
    assert back == doc and back.units == doc.units
    assert back.findings[0].location.box == box and back.units[0].seal and not back.units[1].seal
    with pytest.raises(ValueError):  # a box is four numbers: a stored three is a damaged entry
        data = document_to_dict(doc)
        data["findings"][0]["location"]["box"] = [1, 2, 3]
        document_from_dict(data)


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
    assert ResultCache(tmp_path / "cache", "digest-b").get(doc.sha256, path="x.txt") is None
    # stored as JSON text (compressed when large), never pickle
    (blob,) = sqlite3.connect(tmp_path / "cache" / DB_FILE).execute("SELECT doc FROM entries").fetchone()
    assert stored_json(blob)["path"] == str(source)


def test_the_name_hint_is_part_of_the_key(tmp_path: Path, settings: Settings) -> None:
    source = builders.write_text(tmp_path / "page.html", "<span>机密</span>★1年<br>关于某项工作的通知\n")
    doc = scan_file(source, settings)
    cache = ResultCache(tmp_path / "cache", "d")
    cache.put(doc)
    assert cache.get(doc.sha256, path="elsewhere/INDEX.HTML") is not None  # same extension: same reading
    assert cache.get(doc.sha256, path="page.txt") is None
    assert cache.get(doc.sha256, path="page") is None
    assert entry_key(doc.sha256, "a.html?x=1.txt", "d") == entry_key(doc.sha256, "b.html", "d")
    cache.close()


def test_every_setting_of_a_batch_is_in_its_cache_digest() -> None:
    from scanner.batch import SettingsSpec

    def digest(spec: SettingsSpec, catalogue: str = "c") -> str:
        return settings_digest(version="v", catalogue=catalogue, model="m", options=spec.cache_options())

    base = SettingsSpec()
    variants = [
        SettingsSpec(ocr=False),
        SettingsSpec(allow=("13812345678",)),
        SettingsSpec(review_threshold=0.5),
        SettingsSpec(accepted=frozenset({"f" * 16})),
        SettingsSpec(keep_text=False),
    ]
    digests = {digest(base), *(digest(variant) for variant in variants)}
    assert len(digests) == 1 + len(variants)
    # where OCR readings are kept is not a setting of the result: a kept reading is the engine's
    assert digest(SettingsSpec(ocr_cache="/somewhere")) == digest(base)
    # what the catalogue digest carries (rules after disable/severity, user lexicons, unit rule) changes it too
    assert digest(base, "other catalogue") != digest(base)


def test_default_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "secscan"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "secscan"


# --- end to end: what a batch serves from the cache is what it would scan ----------------------------


@pytest.fixture()
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four documents whose verdicts each setting below changes; the working directory has no config."""
    monkeypatch.chdir(tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    builders.write_text(site / "marked.txt", "机密★1年\n关于某项工作的通知\n")
    builders.write_text(site / "phone.txt", "情况说明\n联系人：李四，手机13812345678。\n")
    builders.write_text(site / "project.txt", "关于青龙工程建设进展的简报\n工程进展顺利。\n")
    builders.write_text(site / "plain.txt", "关于开展植树活动的通知\n请各单位按时参加。\n")
    (tmp_path / "ours.yaml").write_text(USER_RULES, encoding="utf-8")
    return site


def batch(site: Path, cache: Path | None, *args: str) -> tuple[list[dict], str]:  # type: ignore[type-arg]
    options = ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
    outcome = scan_cli(*options, "--format", "jsonl", "-j", "1", *args, site)
    assert outcome.exit_code in (0, 1), outcome.output
    lines = sorted((json.loads(line) for line in outcome.stdout.splitlines()), key=lambda doc: doc["path"])
    return lines, outcome.stderr


CONFIGS = {
    "disable": "disable: [CM001]\n",
    "severity": "severity: {CM001: info, PI002: block}\n",
    "allow": "allow: [\"13812345678\"]\n",
    "lexicon": "lexicons: [ours.yaml]\n",
    "threshold": "review_threshold: 0.0\n",
    "unit_rule": "unit_rule: {name: 某局互联网发布信息保密管理制度, clause: 第九条}\n",
}


@pytest.mark.parametrize("setting", sorted(CONFIGS))
def test_results_cached_under_a_config_are_not_served_without_it(site: Path, setting: str) -> None:
    config = site.parent / "cfg.yaml"
    config.write_text(CONFIGS[setting], encoding="utf-8")
    uncached, _ = batch(site, None)
    configured, _ = batch(site, site.parent / "cache", "--config", str(config))
    assert configured != uncached  # the setting changes something, or this test proves nothing
    served, stderr = batch(site, site.parent / "cache")
    assert served == uncached
    assert "缓存 0" in stderr  # nothing was taken from the other configuration's entries
    again, stderr = batch(site, site.parent / "cache", "--config", str(config))
    assert again == configured and "缓存 4" in stderr  # and each configuration keeps its own


def test_same_bytes_under_another_extension_are_scanned_again(site: Path) -> None:
    for path in site.iterdir():
        path.unlink()
    builders.write_text(site / "page.txt", "<span>机密</span>★1年<br>关于某项工作的通知\n")
    cache = site.parent / "cache"
    first, _ = batch(site, cache)
    assert first[0]["verdict"] == "pass"
    (site / "page.txt").rename(site / "page.html")
    served, _ = batch(site, cache)
    assert served == batch(site, None)[0] and served[0]["verdict"] == "block"


def _entries(cache: Path) -> dict[str, tuple[bytes, bytes]]:
    with sqlite3.connect(cache / DB_FILE) as db:
        return {key: (doc, mac) for key, doc, mac in db.execute("SELECT key, doc, mac FROM entries")}


def test_a_forged_entry_is_rescanned_and_counted(site: Path) -> None:
    cache = site.parent / "cache"
    uncached, _ = batch(site, None)
    batch(site, cache)
    entries = _entries(cache)
    (marked_key,) = [key for key, (doc, _) in entries.items() if "marked" in stored_json(doc)["path"]]
    forged = stored_json(entries[marked_key][0])
    forged.update(verdict="pass", findings=[], risk=0.0)
    blob = zlib.compress(json.dumps(forged, ensure_ascii=False).encode())
    with sqlite3.connect(cache / DB_FILE) as db:
        # the key is computable; the HMAC is not: an old tag, and a made-up entry for a file never scanned
        # (its kept line dropped: a jsonl re-run would write that line, under its own tag, and not read the result)
        db.execute("UPDATE entries SET doc = ?, line = NULL, line_mac = NULL, brief = NULL WHERE key = ?",
                   (blob, marked_key))
        never = builders.write_text(site / "new.txt", "机密★1年\n新的通知\n")
        import hashlib

        digest = marked_key.rsplit(":", 1)[1]
        key = entry_key(hashlib.sha256(never.read_bytes()).hexdigest(), "new.txt", digest)
        forged.update(path=str(never), sha256=key.split(":")[0])
        blob = zlib.compress(json.dumps(forged, ensure_ascii=False).encode())
        db.execute("INSERT INTO entries (key, doc, mac) VALUES (?, ?, ?)", (key, blob, b"\0" * 32))
    served, stderr = batch(site, cache)
    verdicts = {Path(doc["path"]).name: doc["verdict"] for doc in served}
    assert verdicts["marked.txt"] == "block" and verdicts["new.txt"] == "block"
    assert "校验失败" in stderr and "校验失败而重新扫描的条目 2 个" in stderr
    assert [doc for doc in served if not doc["path"].endswith("new.txt")] == uncached
    # the rescan replaced the forged entries: the next run serves everything, with nothing rejected
    _, stderr = batch(site, cache)
    assert "缓存 5" in stderr and "校验失败" not in stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_cache_is_private_whatever_the_umask(site: Path) -> None:
    cache = site.parent / "cache"
    previous = os.umask(0)
    try:
        batch(site, cache)
    finally:
        os.umask(previous)
    assert _mode(cache) == 0o700
    files = sorted(cache.iterdir())
    assert {path.name for path in files} >= {DB_FILE, "key"}
    assert all(_mode(path) == 0o600 for path in files), [(p.name, oct(_mode(p))) for p in files]
    # an existing cache from an older version, world-readable, is tightened when opened
    os.chmod(cache, 0o755)
    os.chmod(cache / DB_FILE, 0o644)
    open_cache(cache, "d").close()  # type: ignore[union-attr]
    assert _mode(cache) == 0o700 and _mode(cache / DB_FILE) == 0o600


def test_a_corrupt_cache_is_set_aside_and_the_batch_goes_on(site: Path) -> None:
    cache = site.parent / "cache"
    uncached, _ = batch(site, cache)
    (cache / DB_FILE).write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        (cache / (DB_FILE + suffix)).unlink(missing_ok=True)
    served, stderr = batch(site, cache)
    assert served == uncached
    assert "已损坏" in stderr and "已移到" in stderr
    assert any(path.name.startswith(DB_FILE + ".damaged-") for path in cache.iterdir())
    _, stderr = batch(site, cache)
    assert "缓存 4" in stderr  # a new cache was started


def test_a_cache_owned_by_someone_else_is_not_used(site: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give the directory away (the setpriv test covers non-root)")
    cache = site.parent / "cache"
    uncached, _ = batch(site, cache)
    os.chown(cache, 65534, 65534)
    served, stderr = batch(site, cache)
    assert served == uncached
    assert "属于其他用户" in stderr and "本次不使用缓存" in stderr


@pytest.fixture()
def world_readable() -> Iterator[Path]:
    """A directory outside pytest's 0700 tmp_path, so another user can read the inputs."""
    directory = Path(tempfile.mkdtemp(prefix="secscan-cache-test-"))
    os.chmod(directory, 0o755)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _scan_command(python: str = sys.executable) -> list[str]:
    return [python, "-c", "import cli; cli.secscan(prog_name='secscan')", "scan"]


def _nobody(setpriv: str) -> tuple[list[str], dict[str, str]]:
    """The command prefix and environment that run this project's Python as user 65534.

    The virtual environment's interpreter may be a link into a directory
    only root can enter (a pyenv build under /root): then the system's
    interpreter of the same version runs it, with the environment's
    packages on its path.  Skips when neither can start a worker process.
    """
    import sysconfig

    paths = sysconfig.get_paths()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), paths["purelib"], paths["platlib"]])}
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = ("import multiprocessing as m; p = m.get_context('forkserver').Process(target=int); "
             "p.start(); p.join(); raise SystemExit(p.exitcode)")
    for python in (f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}", sys.executable):
        if not os.path.exists(python):
            continue
        ran = subprocess.run([*prefix, python, "-c", f"import click, scanner.pipeline; {probe}"], env=env,
                             capture_output=True, timeout=60, check=False, cwd="/")
        if ran.returncode == 0:
            return [*prefix, *_scan_command(python)], env
    pytest.skip("no Python interpreter that user 65534 can run worker processes with")


def test_an_unwritable_cache_directory_as_another_user(world_readable: Path) -> None:
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to run as another user")
    site = world_readable / "site"
    site.mkdir()
    builders.write_text(site / "marked.txt", "机密★1年\n关于某项工作的通知\n")
    builders.write_text(site / "plain.txt", "关于开展植树活动的通知\n请各单位按时参加。\n")
    for path in site.iterdir():
        os.chmod(path, 0o644)
    os.chmod(site, 0o755)
    cache = world_readable / "cache"
    cache.mkdir()
    os.chmod(cache, 0o755)  # root's, readable but not writable by nobody, whatever the umask
    prefix, env = _nobody(setpriv)
    env.update(HOME=str(world_readable), XDG_CACHE_HOME=str(world_readable))
    command = [*prefix, "--format", "jsonl", "-j", "1", "--cache-dir", str(cache), str(site)]
    outcome = subprocess.run(command, capture_output=True, env=env, cwd=world_readable, timeout=120, check=False)
    stderr = outcome.stderr.decode()
    assert outcome.returncode == 1, stderr
    verdicts = {Path(doc["path"]).name: doc["verdict"] for doc in map(json.loads, outcome.stdout.splitlines())}
    assert verdicts == {"marked.txt": "block", "plain.txt": "pass"}, stderr
    assert "本次不使用缓存" in stderr and "Traceback" not in stderr


def test_a_full_disk_turns_the_cache_off_and_the_batch_goes_on(world_readable: Path) -> None:
    site = world_readable / "site"
    site.mkdir()
    for index in range(300):  # 300 entries outgrow the file size limit below
        builders.write_text(site / f"{index:03d}.txt", f"关于第{index}项工作的通知\n请各单位按时参加。\n")
    builders.write_text(site / "zz-marked.txt", "机密★1年\n关于某项工作的通知\n")
    cache = world_readable / "cache"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(world_readable)}

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (48 * 1024, 48 * 1024))  # SQLite's -shm needs 32 KB

    command = [*_scan_command(), "--format", "jsonl", "-j", "1", "--cache-dir", str(cache), str(site)]
    outcome = subprocess.run(command, capture_output=True, env=env, cwd=world_readable, timeout=180, check=False,
                             preexec_fn=limited)
    stderr = outcome.stderr.decode()
    assert outcome.returncode == 1, stderr
    docs = [json.loads(line) for line in outcome.stdout.splitlines()]
    assert len(docs) == 301 and docs[-1]["verdict"] == "block"
    assert "无法写入缓存" in stderr and "Traceback" not in stderr
    reference = subprocess.run([*command[:-3], "--no-cache", str(site)], capture_output=True, env=env,
                               cwd=world_readable, timeout=180, check=False)
    assert outcome.stdout == reference.stdout


def _open_key(directory: str) -> bytes:
    from scanner.sealing import cache_key, private_directory

    return cache_key(private_directory(Path(directory)))


def test_processes_opening_a_new_cache_at_once_share_one_whole_key(tmp_path: Path) -> None:
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(4) as pool:
        keys = pool.map(_open_key, [str(tmp_path / "cache")] * 32)
    assert len(set(keys)) == 1 and len(keys[0]) == 32
    assert [path.name for path in (tmp_path / "cache").iterdir()] == ["key"]  # no temporary left behind


# --- the fully cached re-run (#29): stored report lines, checked before use --------------------------


def test_a_cached_rerun_writes_the_stored_lines_without_rendering_or_making_an_executor(
    site: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scanner.batch import SettingsSpec
    from scanner.batch import run as run_module
    from scanner.batch.journal import jsonl_line
    from scanner.batch.pool import WorkerPool
    from scanner.batch.run import BatchOptions, LineOutput, run_batch
    from scanner.batch.sources import Sources
    from scanner.inputs import iter_files

    files = list(iter_files([site]))
    options = BatchOptions(jobs=1, timeout=60, cache_dir=site.parent / "cache")
    rendered: list[str] = []
    written: list[bytes] = []

    def render(doc):  # type: ignore[no-untyped-def]
        rendered.append(doc.path)
        return jsonl_line(doc)

    lines = LineOutput(variant="jsonl/test", render=render, write=written.append)
    spec = SettingsSpec(keep_text=False)
    first = run_batch(Sources(files, None), spec, settings, options, lines=lines)
    assert first.summary.scanned == 4 and len(rendered) == 4
    expected = sorted(written)

    def no_executor(*_args: object) -> WorkerPool:
        raise AssertionError("an executor was made for a fully cached run")

    monkeypatch.setattr(run_module, "make_executor", no_executor)
    rendered.clear()
    written.clear()
    again = run_batch(Sources(files, None), spec, settings, options, lines=lines)
    assert again.summary.cached == 4 and rendered == []  # every line as stored, none encoded again
    assert sorted(written) == expected
    assert [doc.verdict for doc in again.result.documents] == [doc.verdict for doc in first.result.documents]
    # another output (or the same under other options) has no line stored: rendered, then kept too
    other = LineOutput(variant="jsonl/other", render=render, write=written.append)
    run_batch(Sources(files, None), spec, settings, options, lines=other)
    assert len(rendered) == 4
    rendered.clear()
    run_batch(Sources(files, None), spec, settings, options, lines=other)
    assert rendered == []


def test_a_changed_line_is_not_believed_and_a_line_is_only_for_its_own_path(site: Path) -> None:
    cache = site.parent / "cache"
    uncached, _ = batch(site, None)
    batch(site, cache)
    with sqlite3.connect(cache / DB_FILE) as db:
        rows = db.execute("SELECT key, line FROM entries WHERE line IS NOT NULL").fetchall()
        assert len(rows) == 4  # every result has its jsonl line beside it
        (key, line), *_ = [row for row in rows if "marked" in stored_json(row[1])["path"]]
        forged = {**stored_json(line), "verdict": "pass", "findings": []}  # the key's HMAC is not ours to make
        db.execute("UPDATE entries SET line = ? WHERE key = ?", (json.dumps(forged).encode(), key))
    served, stderr = batch(site, cache)
    assert served == uncached
    assert "校验失败而重新扫描的条目 1 个" in stderr
    served, stderr = batch(site, cache)
    assert served == uncached and "缓存 4" in stderr and "校验失败" not in stderr
    # the same files elsewhere: the results are served, the lines (printed for the old paths) are not
    copy = site.parent / "copy"
    shutil.copytree(site, copy)
    moved, stderr = batch(copy, cache)
    assert "缓存 4" in stderr
    assert moved == batch(copy, None)[0] and all(doc["path"].startswith(str(copy)) for doc in moved)


def test_a_changed_brief_is_not_believed_and_a_cached_block_still_fails_the_run(site: Path) -> None:
    cache = site.parent / "cache"
    uncached, _ = batch(site, None)
    first = scan_cli("--cache-dir", str(cache), "--format", "jsonl", "-j", "1", site)
    assert first.exit_code == 1 and "阻止发布 1" in first.stderr
    # fully cached, nothing read back: the verdicts still come through, and so does the exit code
    again = scan_cli("--cache-dir", str(cache), "--format", "jsonl", "-j", "1", site)
    assert "缓存 4" in again.stderr and again.exit_code == 1
    assert again.stderr.splitlines()[1:3] == first.stderr.splitlines()[1:3]  # verdicts and categories alike
    with sqlite3.connect(cache / DB_FILE) as db:
        rows = db.execute("SELECT key, brief FROM entries WHERE brief IS NOT NULL").fetchall()
        assert len(rows) == 4  # each kept line has its brief
        (key, _brief), = [row for row in rows if read_brief(row[1]).verdict is Verdict.BLOCK]
        db.execute("UPDATE entries SET brief = ? WHERE key = ?", ("pass", key))
    served = scan_cli("--cache-dir", str(cache), "--format", "jsonl", "-j", "1", site)
    assert served.exit_code == 1 and "校验失败而重新扫描的条目 1 个" in served.stderr
    assert sorted((json.loads(line) for line in served.stdout.splitlines()), key=lambda doc: doc["path"]) == uncached


@pytest.mark.parametrize("brief", [
    Brief(verdict=Verdict.PASS), Brief(verdict=Verdict.BLOCK), Brief(verdict=Verdict.PASS, suppressed=2),
    Brief(verdict=Verdict.REVIEW, categories=("personal-info", "personal-info"), errors=("无法读取第 2 页",)),
])
def test_a_briefs_stored_form_reads_back_and_a_plain_one_is_its_verdict(brief: Brief) -> None:
    stored = stored_brief(brief)
    assert read_brief(stored) == brief
    assert (stored == brief.verdict.value) == (brief == Brief(verdict=brief.verdict))
    assert stored_brief(Brief(verdict=Verdict.PASS, errors=[])) == "pass"  # type: ignore[arg-type]  # a list


def test_a_forged_result_beside_its_kept_line_is_never_served(site: Path) -> None:
    cache = site.parent / "cache"
    uncached, _ = batch(site, None)
    batch(site, cache)
    entries = _entries(cache)
    (marked_key,) = [key for key, (doc, _) in entries.items() if "marked" in stored_json(doc)["path"]]
    forged = {**stored_json(entries[marked_key][0]), "verdict": "pass", "findings": [], "risk": 0.0}
    with sqlite3.connect(cache / DB_FILE) as db:
        db.execute("UPDATE entries SET doc = ? WHERE key = ?", (json.dumps(forged).encode(), marked_key))
    served, _ = batch(site, cache)  # the kept line, under its own tag: the result is not read
    assert served == uncached
    report = scan_cli("--cache-dir", str(cache), "--format", "json", "-j", "1", site)  # reads every result back
    verdicts = {Path(doc["path"]).name: doc["verdict"] for doc in json.loads(report.stdout)["documents"]}
    assert verdicts["marked.txt"] == "block" and "校验失败而重新扫描的条目 1 个" in report.stderr


def test_a_streamed_run_keeps_only_its_summary_and_counts_what_it_did_not_read_back(
    site: Path, settings: Settings
) -> None:
    from scanner.batch import SettingsSpec
    from scanner.batch.journal import jsonl_line
    from scanner.batch.run import BatchOptions, LineOutput, run_batch
    from scanner.batch.sources import Sources
    from scanner.inputs import iter_files

    files = list(iter_files([site]))
    options = BatchOptions(jobs=1, timeout=60, cache_dir=site.parent / "cache")
    written: list[bytes] = []
    lines = LineOutput(variant="jsonl/test", render=jsonl_line, write=written.append)
    spec = SettingsSpec(keep_text=False)
    kept = run_batch(Sources(files, None), spec, settings, options, lines=lines)
    assert len(kept.result.documents) == 4 and kept.counts == kept.result.summary
    expected = sorted(written)
    written.clear()
    for _ in range(2):  # scanned, then fully cached
        lean = run_batch(Sources(files, None), spec, settings, BatchOptions(jobs=1, timeout=60,
                         cache_dir=site.parent / "lean-cache"), lines=lines, keep_documents=False)
        assert lean.result.documents == () and lean.counts == kept.result.summary
        assert lean.summary.categories == kept.summary.categories and lean.summary.errors == kept.summary.errors
        assert sorted(written) == expected
        written.clear()
    assert lean.summary.cached == 4


def test_a_cache_of_an_older_schema_is_emptied_not_misread(site: Path) -> None:
    cache = site.parent / "cache"
    batch(site, cache)
    with sqlite3.connect(cache / DB_FILE) as db:  # the table as schema 4 made it: no brief beside a line
        db.execute("ALTER TABLE entries DROP COLUMN brief")
    served, stderr = batch(site, cache)
    assert "缓存 0" in stderr and served == batch(site, None)[0]
    _, stderr = batch(site, cache)
    assert "缓存 4" in stderr


def test_the_prepared_sealer_makes_the_same_tags_as_mac() -> None:
    from scanner.sealing import Sealer, mac

    for size in (1, 32, 64, 65, 200):
        key = os.urandom(size)
        for parts in ((), (b"",), (b"a", b"bc"), (b"ab", b"c"), (os.urandom(3000), b"x")):
            assert Sealer(key).mac(*parts) == mac(key, *parts)
            assert Sealer(key).verify(mac(key, *parts), *parts)
        assert not Sealer(key).verify(mac(key, b"a", b"bc"), b"ab", b"c")


def test_a_specs_identity_read_from_the_files_is_that_of_its_built_settings(tmp_path: Path) -> None:
    from scanner.basis import UnitRule
    from scanner.pipeline import build_settings
    from scanner.settings import SettingsSpec

    ours = tmp_path / "ours.yaml"
    ours.write_text(USER_RULES, encoding="utf-8")
    specs = [
        SettingsSpec(),
        SettingsSpec(extra_lexicons=(str(ours),)),
        SettingsSpec(disabled=("CM001",), severities=(("PI002", "block"),)),
        SettingsSpec(categories=(("UX001", "personal-info"),), extra_lexicons=(str(ours),)),
        SettingsSpec(unit_rule=UnitRule(name="某局互联网发布信息保密管理制度", clause="第九条")),
    ]
    identities = [spec.identity() for spec in specs]
    assert identities == [build_settings(spec).identity for spec in specs]
    assert len({identity.catalogue for identity in identities}) == len(specs)  # each setting changes it
    ours.write_text(USER_RULES.replace("青龙工程", "白虎工程"), encoding="utf-8")
    assert specs[1].identity().catalogue not in {identity.catalogue for identity in identities}


def test_a_fully_cached_batch_never_builds_its_settings(site: Path, settings: Settings) -> None:
    from scanner.batch import SettingsSpec
    from scanner.batch.run import BatchOptions, run_batch
    from scanner.batch.sources import Sources
    from scanner.batch.task import LazySettings
    from scanner.inputs import iter_files

    files = list(iter_files([site]))
    options = BatchOptions(jobs=1, timeout=60, cache_dir=site.parent / "cache")
    spec = SettingsSpec(keep_text=False)
    first_settings = LazySettings(spec)
    first = run_batch(Sources(files, None), spec, first_settings, options)
    assert first.summary.scanned == 4 and first_settings.built  # a file to scan: built (and checked) first
    lazy = LazySettings(spec)
    again = run_batch(Sources(files, None), spec, lazy, options)
    assert again.summary.cached == 4 and not lazy.built
    assert again.result == first.result
    assert (again.result.catalogue_hash, again.result.model_hash) == (settings.catalogue.digest,
                                                                     settings.model.digest if settings.model else "")
