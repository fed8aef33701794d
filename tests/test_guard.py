"""Issue #22: bounded everywhere, nothing crashes; the inputs a scan did not cover are reported (#21 item 3).

Every hostile file is generated here (``fuzz/bombs.py`` at a small scale, so
the suite stays fast); ``bench/bench_bombs.py`` runs the same bombs at full
size and prints their time and peak memory in single-file and batch mode.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fuzz import bombs
from scanner.findings import MAX_FINDINGS_PER_RULE
from scanner.pipeline import build_settings, scan_bytes, scan_file
from scanner.types import Severity, Verdict
from tests.builders import write_bytes

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def settings():
    return build_settings(ocr=False)


def run_scan(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-c", "import cli; cli.main()", *args], cwd=cwd or REPO,
                          capture_output=True, timeout=timeout, check=False,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


# -- findings per rule ---------------------------------------------------------


def test_findings_of_one_rule_are_capped_and_the_rest_counted(settings):
    extra = 537
    lines = [f"联系人{n}电话139{n:08d}" for n in range(MAX_FINDINGS_PER_RULE + extra)]
    doc = scan_bytes("\n".join(lines).encode(), "phones.txt", settings)
    phones = [f for f in doc.findings if f.rule == "PI002"]
    listed = [f for f in phones if f.severity is not Severity.INFO]
    summary = [f for f in phones if f.severity is Severity.INFO]
    assert len(listed) == MAX_FINDINGS_PER_RULE
    assert len(summary) == 1
    assert f"另有 {extra} 处" in summary[0].message and summary[0].evidence
    # placed at the last listed finding, in reading order
    assert summary[0].location == listed[-1].location
    assert doc.verdict is Verdict.REVIEW


def test_a_rule_under_the_cap_is_listed_in_full(settings):
    lines = [f"联系人电话139{n:08d}" for n in range(30)]
    doc = scan_bytes("\n".join(lines).encode(), "phones.txt", settings)
    phones = [f for f in doc.findings if f.rule == "PI002"]
    assert len(phones) == 30 and all(f.severity is not Severity.INFO for f in phones)


# -- lone surrogates -----------------------------------------------------------

SURROGATE_INPUTS = {
    # an HTML page declared UTF-7: "+2D0-" decodes to U+D83D alone
    "utf7.html": lambda tmp: bombs.utf7_page(tmp),
    # a JSON data script with a "\ud800" escape next to personal data
    "data.html": lambda tmp: write_bytes(tmp / "data.html", (
        '<html><body><p>正文</p><script type="application/json">'
        '{"name": "\\ud800张三", "phone": "13912345678"}</script></body></html>').encode()),
    # a mail whose body is UTF-7 and whose subject holds undecodable bytes
    "mail.eml": lambda tmp: write_bytes(tmp / "mail.eml", (
        b"From: a@example.org\r\nSubject: \xff\xfe\xe6\x9c\xba\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-7\r\n\r\n" + "\ud83d机密★1年".encode("utf-7") + b"\r\n")),
}


@pytest.mark.parametrize("name", sorted(SURROGATE_INPUTS))
@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "sarif", "html", "docx"])
def test_a_lone_surrogate_never_crashes_any_output(tmp_path, name, fmt):
    from click.testing import CliRunner

    import cli

    path = SURROGATE_INPUTS[name](tmp_path)
    report = tmp_path / f"report.{fmt}"
    outcome = CliRunner().invoke(cli.main, ["--no-ocr", "--format", fmt, "-o", str(report), str(path)])
    assert outcome.exit_code == 1, outcome.output  # review or block: never 3 (internal error)
    data = report.read_bytes()
    if fmt in ("json", "sarif"):
        json.loads(data)
    if fmt != "docx":
        data.decode("utf-8")  # strict: no surrogate escaped into the bytes


def test_fingerprint_of_a_lone_surrogate_is_stable():
    from scanner.findings import fingerprint

    assert fingerprint("PI002", "\ud83d139", "x") == fingerprint("PI002", "\ud83d139", "x")
    assert fingerprint("PI002", "139", "x") != fingerprint("PI002", "\ud83d139", "x")


def test_text_with_lone_surrogates_from_utf7_keeps_its_findings(settings, tmp_path):
    doc = scan_file(bombs.utf7_page(tmp_path), settings)
    assert doc.verdict is not Verdict.PASS
    assert any("机密★1年" in f.text for f in doc.findings)
    assert all("\ud83d" not in unit.text for unit in doc.units)


# -- a part referenced many times ----------------------------------------------


@pytest.mark.parametrize(("build", "per_copy"), [
    (bombs.repeated_sheets, 200), (bombs.repeated_slides, 100), (bombs.repeated_pages, 20)])
def test_a_part_referenced_thousands_of_times_is_read_once(tmp_path, build, per_copy):
    from scanner.extract import extract_bytes

    path = build(tmp_path, 0.05)  # 2,500 references to one part
    extraction = extract_bytes(path.read_bytes(), path.name)
    assert not extraction.errors
    body = [unit for unit in extraction.units if unit.part in ("sheet", "slide", "body")]
    assert len(body) == per_copy  # one copy of the part's text, not 2,500
    assert len({unit.text for unit in body}) == per_copy


# -- bounds on what one document may cost ---------------------------------------


def test_an_xml_part_packed_with_elements_is_refused_before_parsing(tmp_path):
    from scanner.extract import _ooxml

    # the zip headers lie about the compressed size, so the ratio check passes
    path = bombs.lying_docx(tmp_path, 0.3)  # 510,000 paragraphs, 4 million tags in 17 MB of XML
    extraction = extract_apart(path)
    assert any("word/document.xml" in error and f"{_ooxml.MAX_PART_TAGS:,}" in error for error in extraction["errors"])
    assert not extraction["units"]


_EXTRACT_CHILD = """
import json, sys
from pathlib import Path
from scanner.extract import extract_bytes
extraction = extract_bytes(Path(sys.argv[1]).read_bytes(), Path(sys.argv[1]).name)
print(json.dumps({"errors": list(extraction.errors), "units": len(extraction.units)}))
"""


def extract_apart(path: Path) -> dict:
    """Extract ``path`` in a fresh interpreter: a big extraction would leave the test runner's heap
    hundreds of MB larger for every test after it (and for the children they fork)."""
    done = subprocess.run([sys.executable, "-c", _EXTRACT_CHILD, str(path)], cwd=REPO, capture_output=True,
                          timeout=300, check=True)
    return json.loads(done.stdout)


def test_an_html_page_of_tiny_blocks_is_read_in_part(tmp_path):
    from scanner.extract.html import MAX_HTML_TAGS

    path = bombs.tiny_blocks(tmp_path, 0.2)  # 600,000 blocks
    extraction = extract_apart(path)
    assert any(f"{MAX_HTML_TAGS:,}" in error for error in extraction["errors"])
    assert 0 < extraction["units"] <= MAX_HTML_TAGS // 2 + 1


def test_units_per_document_are_capped(tmp_path, monkeypatch):
    from scanner.extract import _common, extract_bytes

    monkeypatch.setattr(_common, "MAX_DOCUMENT_UNITS", 1000)
    text = "\n".join(f"第{n}行" for n in range(1500)).encode()
    extraction = extract_bytes(text, "lines.txt")
    assert len(extraction.units) == 1000
    assert any("1,000" in error or "1000" in error or "500,000" in error for error in extraction.errors)


def _invoke(args, monkeypatch=None, scan=None):
    from click.testing import CliRunner

    import cli
    import scanner.pipeline

    if scan is not None:
        monkeypatch.setattr(scanner.pipeline, "scan_file", scan)
    return CliRunner().invoke(cli.main, args)


def test_single_file_mode_has_the_time_limit_even_in_c_code(tmp_path, monkeypatch):
    import time

    path = tmp_path / "slow.txt"
    path.write_text("正文")

    def hang(*_args, **_kwargs):
        time.sleep(120)  # stands for C code that never returns to the interpreter

    started = time.monotonic()
    outcome = _invoke(["--format", "json", "--timeout", "1", str(path)], monkeypatch, hang)
    assert time.monotonic() - started < 30
    assert outcome.exit_code == 1, outcome.output
    doc = json.loads(outcome.stdout)["documents"][0]
    assert doc["verdict"] == "review" and "超时" in doc["errors"][0] and doc["path"].endswith("slow.txt")


def test_single_file_mode_has_the_memory_limit(tmp_path, monkeypatch):
    path = tmp_path / "big.txt"
    path.write_text("正文")

    def hog(*_args, **_kwargs):
        held = []
        while True:
            held.append(bytearray(16 << 20))

    outcome = _invoke(["--format", "json", "--max-memory", "200", str(path)], monkeypatch, hog)
    assert outcome.exit_code == 1, outcome.output
    doc = json.loads(outcome.stdout)["documents"][0]
    assert doc["verdict"] == "review"
    assert "内存超限" in doc["errors"][0] and "200 MB" in doc["errors"][0]
    assert doc["findings"][0]["category"] == "unreadable"


def test_a_crash_in_single_file_mode_is_review_not_a_lost_report(tmp_path, monkeypatch):
    import signal

    path = tmp_path / "crash.txt"
    path.write_text("正文")

    def crash(*_args, **_kwargs):
        os.kill(os.getpid(), signal.SIGSEGV)

    outcome = _invoke(["--format", "json", str(path)], monkeypatch, crash)
    assert outcome.exit_code == 1, outcome.output
    doc = json.loads(outcome.stdout)["documents"][0]
    assert doc["verdict"] == "review" and "SIGSEGV" in doc["errors"][0]


def test_stdin_has_the_memory_limit_too(monkeypatch):
    from click.testing import CliRunner

    import cli
    import scanner.pipeline

    def hog(*_args, **_kwargs):
        held = []
        while True:
            held.append(bytearray(16 << 20))

    monkeypatch.setattr(scanner.pipeline, "scan_bytes", hog)
    outcome = CliRunner().invoke(cli.main, ["--format", "json", "--max-memory", "200", "-"], input="正文")
    assert outcome.exit_code == 1, outcome.output
    assert "内存超限" in json.loads(outcome.stdout)["documents"][0]["errors"][0]


def test_single_file_mode_still_reports_a_bug_as_exit_3(tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_text("正文")

    def broken(*_args, **_kwargs):
        raise ValueError("boom")

    outcome = _invoke([str(path)], monkeypatch, broken)
    assert outcome.exit_code == 3
    assert "ValueError: boom" in outcome.stderr


# -- the crawl: deadlines, truncated bodies, bad links ---------------------------


class _Hostile:
    """A site on 127.0.0.1 whose pages misbehave as the issue describes."""

    def __init__(self) -> None:
        import http.server
        import threading

        pages = self.pages = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                import gzip
                import time

                kind, body = pages.get(self.path.split("?")[0], ("404", b""))
                if kind == "404":
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8" if kind != "txt" else "text/plain")
                if kind == "drip":
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    for byte in body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(0.5)
                    return
                if kind == "short":
                    self.send_header("Content-Length", str(len(body) + 5000))
                    self.end_headers()
                    self.wfile.write(body)
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if kind in ("gzip", "gzip-cut"):
                    packed = gzip.compress(body)
                    packed = packed[: len(packed) // 2] if kind == "gzip-cut" else packed
                    self.send_header("Content-Encoding", "gzip")
                    self.send_header("Content-Length", str(len(packed)))
                    self.end_headers()
                    self.wfile.write(packed)
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hostile_site():
    site = _Hostile()
    yield site
    site.close()


def _html(body: str) -> bytes:
    return f'<html><head><meta charset="utf-8"></head><body>{body}</body></html>'.encode()


def _crawl(url: str, **options):
    from scanner.crawl import Crawler, CrawlOptions

    crawler = Crawler(url, CrawlOptions(delay=0.0, **options))
    return crawler, {task.key: task for task in crawler}


def test_a_drip_fed_url_is_cut_off_at_its_deadline(hostile_site):
    import time

    hostile_site.pages["/"] = ("html", _html('<a href="/slow.html">慢</a><a href="/ok.html">好</a>'))
    hostile_site.pages["/slow.html"] = ("drip", _html("<p>" + "字" * 200 + "</p>"))
    hostile_site.pages["/ok.html"] = ("html", _html("<p>正文</p>"))
    started = time.monotonic()
    _crawler, tasks = _crawl(hostile_site.url + "/", request_timeout=2.0, concurrency=2)
    assert time.monotonic() - started < 15
    slow = tasks[hostile_site.url + "/slow.html"]
    assert slow.data is None and "2 秒的时限" in slow.error
    assert tasks[hostile_site.url + "/ok.html"].data


def test_the_whole_crawl_has_a_deadline(hostile_site):
    links = "".join(f'<a href="/p{n}.html">{n}</a>' for n in range(50))
    hostile_site.pages["/"] = ("html", _html(links))
    for n in range(50):
        hostile_site.pages[f"/p{n}.html"] = ("drip", _html("<p>页</p>"))
    crawler, tasks = _crawl(hostile_site.url + "/", request_timeout=1.0, crawl_timeout=1.5, concurrency=1)
    limit = [task for key, task in tasks.items() if "抓取总时限" in key]
    assert len(limit) == 1 and "未抓取" in limit[0].error
    assert crawler.stats["over_deadline"] > 0


def test_a_body_shorter_than_its_content_length_is_not_scanned_as_complete(hostile_site):
    hostile_site.pages["/"] = ("short", _html("<p>机密★1年</p>"))
    _crawler, tasks = _crawl(hostile_site.url + "/")
    task = tasks[hostile_site.url + "/"]
    assert task.data is None and "响应不完整" in task.error


def test_content_encoding_is_decoded_and_a_cut_one_is_reported(hostile_site):
    hostile_site.pages["/"] = ("gzip", _html('<p>正文</p><a href="/cut.html">x</a>'))
    hostile_site.pages["/cut.html"] = ("gzip-cut", _html("<p>" + "内容" * 2000 + "</p>"))
    _crawler, tasks = _crawl(hostile_site.url + "/")
    assert "正文".encode() in tasks[hostile_site.url + "/"].data
    cut = tasks[hostile_site.url + "/cut.html"]
    assert cut.data is None and "gzip" in cut.error


def test_a_malformed_link_is_skipped_never_an_abort(hostile_site):
    hostile_site.pages["/"] = ("html", _html('<a href="http://host:abc/">坏</a><a href="http://[::1/x">坏</a>'
                                            '<a href="/ok.html">好</a>'))
    hostile_site.pages["/ok.html"] = ("html", _html("<p>正文</p>"))
    crawler, tasks = _crawl(hostile_site.url + "/")
    assert tasks[hostile_site.url + "/ok.html"].data
    assert crawler.stats["bad_links"] == 2


def test_links_are_read_from_the_first_part_of_a_huge_page_only(hostile_site):
    import time

    links = "".join(f'<a href="/p{n}.html">{n}</a>' for n in range(300_000))  # about 8 MB
    hostile_site.pages["/"] = ("html", _html(links))
    started = time.monotonic()
    crawler, tasks = _crawl(hostile_site.url + "/", max_pages=3, max_links=1000, max_page_bytes=1 << 20)
    assert time.monotonic() - started < 30
    assert crawler.stats["over_max_links"] > 0
    assert any("页面链接超过上限" in key for key in tasks)


# -- terminal injection ----------------------------------------------------------


def test_file_names_cannot_inject_terminal_escapes(tmp_path):
    # the reproduction: mkdir d; printf x > "d/$(printf 'a\033]0;PWNED\007\033[2J.txt')"; scan d
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a\033]0;PWNED\007\033[2J.txt").write_bytes(b"x")
    (folder / "b\033[31m.txt").write_text("联系人电话13912345678\n\033]0;IN-TEXT\007", encoding="utf-8")
    (folder / "c\x1b[2Jdir").mkdir()
    (folder / "c\x1b[2Jdir" / "x.txt").write_text("正文", encoding="utf-8")
    runs = ((["--no-cache", "-j", "1", str(folder)], b"a\\u001b]0;PWNED\\u0007"),  # batch: report and stderr summary
            (["-v", str(folder / "b\033[31m.txt")], b"b\\u001b[31m.txt"))  # single file, verbose
    for args, shown in runs:
        done = run_scan(*args, cwd=tmp_path)
        assert done.returncode == 1, done.stderr.decode(errors="replace")
        for stream in (done.stdout, done.stderr):
            assert b"\x1b" not in stream and b"\x07" not in stream, stream
        assert shown in done.stdout + done.stderr  # the name is shown, escaped


# -- the fuzz harness holds the new bounds ----------------------------------------


def test_fuzz_harness_checks_the_new_bounds(monkeypatch):
    import scanner.extract
    from fuzz.harness import CheckFailed, check
    from scanner.types import Extraction, TextUnit

    check("text", "联系人电话13912345678\n".encode(), [])  # a plain input passes the whole check
    monkeypatch.setattr(scanner.extract, "extract_bytes",
                        lambda data, name: Extraction(format="text", units=(TextUnit(text="a\ud800b"),)))
    with pytest.raises(CheckFailed, match="surrogate"):
        check("text", b"x", [])


# -- inputs the scan did not cover (#21 item 3) ------------------------------------

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def _interpreter_for(prefix: list[str]) -> list[str]:
    """This interpreter, or where it lies under a directory the user may not enter (a root-only pyenv),
    the system's interpreter of the same version: batch workers are started with ``sys.executable``."""
    import shutil
    import sysconfig

    runs = "import os, sys; sys.exit(0 if os.access(os.path.realpath(sys.executable), os.X_OK) else 1)"
    if subprocess.run([*prefix, sys.executable, "-c", runs], capture_output=True, check=False).returncode == 0:
        return [sys.executable]
    system = shutil.which(f"python{sys.version_info.major}.{sys.version_info.minor}", path="/usr/bin:/usr/local/bin")
    assert system, "no interpreter the unprivileged user can run"
    return [system, "-c", f"import sys; sys.path[:0] = [{str(REPO)!r}, {sysconfig.get_path('purelib')!r}, "
                          f"{sysconfig.get_path('platlib')!r}]; import cli; cli.main()"]


def _as_nobody(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """``scan ARGS`` as a user without privileges (CI runs as root, who can list any directory)."""
    prefix = NOBODY if os.geteuid() == 0 else []
    command = _interpreter_for(prefix)
    if command == [sys.executable]:
        command += ["-c", "import cli; cli.main()"]
    return subprocess.run([*prefix, *command, *args], cwd=cwd, capture_output=True, timeout=300, check=False,
                          env={**os.environ, "PYTHONPATH": str(REPO), "HOME": str(cwd), "XDG_CACHE_HOME": str(cwd)})


@pytest.fixture
def shared_tree():
    """A tree every user can read, except one subdirectory nobody may list."""
    import shutil
    import tempfile

    top = Path(tempfile.mkdtemp(prefix="secscan-guard-", dir="/tmp"))
    try:
        site = top / "site"
        (site / "locked").mkdir(parents=True)
        (site / "ok.txt").write_text("关于工作安排的通知\n", encoding="utf-8")
        (site / "locked" / "secret.txt").write_text("机密★1年\n", encoding="utf-8")
        for path in (top, site, site / "ok.txt", site / "locked" / "secret.txt"):
            path.chmod(0o777 if path.is_dir() else 0o644)
        (site / "locked").chmod(0)
        yield top, site
    finally:
        (site / "locked").chmod(0o755)
        shutil.rmtree(top, ignore_errors=True)


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "sarif", "html"])
def test_an_unlistable_directory_is_reported_in_every_format_and_fails(shared_tree, fmt):
    top, site = shared_tree
    out = top / f"out-{fmt}"
    args = ["--no-cache", "-j", "1", "--format", fmt, str(site)]
    if fmt == "html":
        args += ["-o", str(out)]
    done = _as_nobody(args, top)
    assert done.returncode == 1, done.stderr.decode(errors="replace")
    report = b"".join(path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()) if fmt == "html" \
        else done.stdout
    text = report.decode()
    assert "目录无法列出" in text, text[:2000]
    assert "locked" in text
    assert "secret.txt" not in text  # it was not read, and is not pretended to have been
    if fmt == "json":
        docs = {Path(doc["path"]).name: doc for doc in json.loads(report)["documents"]}
        assert docs["locked"]["verdict"] == "review" and docs["ok.txt"]["verdict"] == "pass"
    assert "目录无法列出" in done.stderr.decode()  # the stderr summary names it too


def test_a_symlink_out_of_the_tree_is_not_followed_unless_asked(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd.txt").write_text("机密★1年\n", encoding="utf-8")
    site = tmp_path / "site"
    (site / "sub").mkdir(parents=True)
    (site / "a.txt").write_text("通知\n", encoding="utf-8")
    (site / "sub" / "b.txt").write_text("通知\n", encoding="utf-8")
    (site / "leak.txt").symlink_to(outside / "passwd.txt")
    (site / "leakdir").symlink_to(outside, target_is_directory=True)
    (site / "inside.txt").symlink_to(site / "a.txt")
    (site / "loop").symlink_to(site, target_is_directory=True)

    done = run_scan("--no-cache", "-j", "1", "--format", "json", str(site), cwd=tmp_path)
    assert done.returncode == 1
    docs = {Path(doc["path"]).name: doc for doc in json.loads(done.stdout)["documents"]}
    assert set(docs) == {"a.txt", "b.txt", "leak.txt", "leakdir"}  # the inside link and the loop: covered already
    for name in ("leak.txt", "leakdir"):
        assert docs[name]["verdict"] == "review" and "--follow-symlinks" in docs[name]["errors"][0]
        assert not any("机密" in finding["text"] for finding in docs[name]["findings"])

    followed = run_scan("--no-cache", "-j", "1", "--format", "json", "--follow-symlinks", str(site), cwd=tmp_path)
    docs = {Path(doc["path"]).name: doc for doc in json.loads(followed.stdout)["documents"]}
    assert docs["leak.txt"]["verdict"] == "block"  # read where it leads; the folder's copy is the same file
    assert set(docs) == {"a.txt", "b.txt", "leak.txt"}


def test_a_crawl_cut_off_by_max_pages_says_so_and_fails(hostile_site, tmp_path):
    links = "".join(f'<a href="/p{n}.html">{n}</a>' for n in range(5))
    hostile_site.pages["/"] = ("html", _html("<p>首页</p>" + links))
    for n in range(5):
        hostile_site.pages[f"/p{n}.html"] = ("html", _html(f"<p>第{n}页</p>"))
    done = run_scan("--no-cache", "-j", "1", "--format", "json", "--delay", "0", "--max-pages", "2",
                    "--crawl", hostile_site.url + "/", cwd=tmp_path)
    assert done.returncode == 1, done.stderr.decode(errors="replace")
    docs = json.loads(done.stdout)["documents"]
    cut = [doc for doc in docs if "--max-pages" in doc["path"]]
    assert len(cut) == 1 and cut[0]["verdict"] == "review" and "未抓取" in cut[0]["errors"][0]
    assert "超出数量 4" in done.stderr.decode()


def test_ocr_still_reads_a_scan_in_single_file_mode(tmp_path):
    # the engine loads outside the child's address-space cap (as in a batch worker), then the cap is set again
    from tests.test_ocr import render

    path = tmp_path / "scan.png"
    path.write_bytes(render(["机密★1年", "关于某项工作的通知", "正文内容"]))
    done = run_scan("--format", "json", str(path), cwd=tmp_path, timeout=300)
    doc = json.loads(done.stdout)["documents"][0]
    assert doc["verdict"] == "block", doc["errors"]
    assert any(finding["text"] == "机密★1年" for finding in doc["findings"])


def test_inflated_bytes_of_a_package_are_bounded_by_output_not_headers(tmp_path, monkeypatch):
    from scanner.extract import _ooxml

    # zipfile stops at each member's declared size, which the constructor sums; the running
    # total is the bound that does not depend on how zipfile treats a lie
    members = {f"word/part{n}.xml": b"<a>" + b"x" * (900 * 1024) + b"</a>" for n in range(4)}
    package = _ooxml.Package(bombs.zip_bytes(members))
    monkeypatch.setattr(_ooxml, "MAX_TOTAL_BYTES", 2 * 1024 * 1024)
    with pytest.raises(_ooxml.ExtractError, match="inflated"):
        for name in members:
            package.read(name)


def test_the_bombs_bench_runs_single_file_and_batch():
    # bench/bench_bombs.py reaches into the batch API; this keeps it working (nothing is timed here)
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_bombs_under_test", REPO / "bench" / "bench_bombs.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="secscan-bench-"))
    path = bombs.utf7_page(folder)
    single = bench.run(["--format", "json", str(path)], timeout=120)
    batch = bench.run(["--batch", str(folder)], timeout=120)
    assert single["verdict"] == batch["verdict"] == "review"
    assert single["peak_mb"] > 0 and batch["peak_mb"] > 0
