"""The findings snapshot gate: every verdict and finding on a fixed set of documents, compared with a committed copy.

Run from the repository root::

    python scripts/findings_snapshot.py            # check; exit 1 with a readable diff when results changed
    python scripts/findings_snapshot.py --update   # rewrite tests/snapshot/findings.jsonl

The documents (see :func:`documents`):

* ``real/…``   every public document of ``<shared>/corpus/real/*.jsonl``, scanned as a UTF-8 text file;
* ``web/…``    the labelled real web pages, budgets and received documents of ``<shared>/corpus/web/``;
* ``seeds/…``  the seed documents of ``<shared>/seeds/``;
* ``corpus/…`` the generated training corpus in this repository's ``corpus/``;
* ``built/…``  documents written by ``tests/builders.py`` with every layer the extractors read
  (``tests/snapshot_cases.py``);
* ``fuzz/…``   the fuzz harness's seeds and the regression files in ``tests/data/fuzz-regressions``.

One line a document, in that order: its name, verdict, read errors and every
finding as ``[rule, severity, part, page, paragraph, start, end,
fingerprint]``.  A change that alters results updates the snapshot in the
same commit, its message summarising the diff (this script prints the
summary), and the CHANGELOG's detection section says why.

The tests run the check in both builds, with and without the compiled kernel
(``tests/test_findings_snapshot.py``).
"""

from __future__ import annotations

import argparse
import base64
import collections
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SNAPSHOT = ROOT / "tests" / "snapshot" / "findings.jsonl"
# the shared folder beside the repository; SECSCAN_SHARED puts it elsewhere (a git worktree)
DEFAULT_SHARED = Path(os.environ.get("SECSCAN_SHARED") or ROOT.parent / "shared")

Document = tuple[str, bytes]  # (name, content); the name's extension is the extractor's hint


def documents(shared: Path) -> Iterator[Document]:
    """Every document of the gate, in a fixed order.  Raises ``FileNotFoundError`` when ``shared`` lacks a corpus."""
    for corpus in sorted((shared / "corpus" / "real").glob("*.jsonl")):
        with corpus.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines):
                record = json.loads(line)
                yield f"real/{corpus.stem}/{number:05d}.txt", record["content"].encode("utf-8")
    web = shared / "corpus" / "web" / "real_external_dev.jsonl"
    with web.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            data = base64.b64decode(record["base64"]) if "base64" in record else record["text"].encode("utf-8")
            yield f"web/{record['id']}", data
    for seed in sorted((shared / "seeds").iterdir()):
        yield f"seeds/{seed.name}", seed.read_bytes()
    manifest = ROOT / "corpus" / "manifest.jsonl"
    with manifest.open(encoding="utf-8") as lines:
        for line in lines:
            file = json.loads(line)["file"]
            if file.startswith("corpus/"):  # the rest point into the shared corpora, read above
                yield file, (ROOT / file).read_bytes()
    yield from built_documents()
    for folder in (ROOT / "fuzz" / "seeds", ROOT / "tests" / "data" / "fuzz-regressions"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                yield f"fuzz/{path.relative_to(folder.parent).as_posix()}", path.read_bytes()


def built_documents() -> Iterator[Document]:
    from tests.snapshot_cases import build_all

    with tempfile.TemporaryDirectory(prefix="secscan-snapshot-") as folder:
        for path in build_all(Path(folder)):
            yield f"built/{path.name}", path.read_bytes()


def record_of(name: str, data: bytes, settings: object) -> str:
    from scanner.pipeline import Settings, scan_bytes

    assert isinstance(settings, Settings)
    result = scan_bytes(data, name, settings)
    findings = [
        [
            finding.rule,
            finding.severity.value,
            finding.location.part,
            finding.location.page,
            finding.location.paragraph,
            finding.location.start,
            finding.location.end,
            finding.fingerprint,
        ]
        for finding in result.findings
    ]
    record = {"doc": name, "verdict": result.verdict.value, "errors": list(result.errors), "findings": findings}
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


_SETTINGS: object = None


def _start_worker() -> None:
    global _SETTINGS
    from scanner.pipeline import build_settings

    _SETTINGS = build_settings()


def _scan_chunk(chunk: list[Document]) -> list[str]:
    return [record_of(name, data, _SETTINGS) for name, data in chunk]


def chunks(items: Iterator[Document], size: int = 64) -> Iterator[list[Document]]:
    chunk: list[Document] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def snapshot(shared: Path, jobs: int) -> list[str]:
    """One JSON line a document, scanned with the default settings."""
    if jobs <= 1:
        _start_worker()
        return [record_of(name, data, _SETTINGS) for name, data in documents(shared)]
    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker) as pool:
        return [line for lines in pool.map(_scan_chunk, chunks(documents(shared))) for line in lines]


def compare(old: list[str], new: list[str]) -> list[str]:
    """Human-readable differences between two snapshots: one paragraph a changed document, then a summary."""
    before = {json.loads(line)["doc"]: json.loads(line) for line in old}
    after = {json.loads(line)["doc"]: json.loads(line) for line in new}
    report: list[str] = []
    verdicts: collections.Counter[str] = collections.Counter()
    rules: collections.Counter[str] = collections.Counter()
    for name in [*before, *(name for name in after if name not in before)]:
        was, now = before.get(name), after.get(name)
        if was == now:
            continue
        if was is None or now is None:
            report.append(f"{'+' if was is None else '-'} {name}")
            verdicts["added" if was is None else "removed"] += 1
            continue
        lines = [f"~ {name}"]
        if was["verdict"] != now["verdict"]:
            lines.append(f"    verdict {was['verdict']} -> {now['verdict']}")
            verdicts[f"{was['verdict']} -> {now['verdict']}"] += 1
        old_findings = collections.Counter(tuple(finding) for finding in was["findings"])
        new_findings = collections.Counter(tuple(finding) for finding in now["findings"])
        for finding in sorted((old_findings - new_findings).elements(), key=str):
            lines.append(f"    - {list(finding)}")
            rules[f"-{finding[0]}/{finding[1]}"] += 1
        for finding in sorted((new_findings - old_findings).elements(), key=str):
            lines.append(f"    + {list(finding)}")
            rules[f"+{finding[0]}/{finding[1]}"] += 1
        if was["errors"] != now["errors"]:
            lines.append(f"    errors {was['errors']} -> {now['errors']}")
        report.append("\n".join(lines))
    if report:
        report.append(f"{len(report)} documents changed")
        report.append("verdicts: " + ", ".join(f"{key} {count}" for key, count in sorted(verdicts.items())))
        report.append("findings: " + ", ".join(f"{key} {count}" for key, count in sorted(rules.items())))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite the committed snapshot")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared folder (default ../shared)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--limit", type=int, default=200, help="changed documents to print (default 200)")
    arguments = parser.parse_args(argv)

    new = snapshot(arguments.shared, arguments.jobs)
    old = arguments.snapshot.read_text(encoding="utf-8").splitlines() if arguments.snapshot.exists() else []
    differences = compare(old, new)
    if arguments.update:
        arguments.snapshot.parent.mkdir(parents=True, exist_ok=True)
        arguments.snapshot.write_text("".join(f"{line}\n" for line in new), encoding="utf-8")
        print(f"wrote {arguments.snapshot.relative_to(ROOT)}: {len(new)} documents")
        print("\n".join(differences[-3:]) if differences else "no change")
        return 0
    if not differences:
        print(f"snapshot unchanged: {len(new)} documents")
        return 0
    shown = differences[:-3][: arguments.limit]
    print("\n".join(shown))
    if len(differences) - 3 > len(shown):
        print(f"... and {len(differences) - 3 - len(shown)} more")
    print("\n".join(differences[-3:]))
    print("results differ from the snapshot: if the change is meant, run "
          "`python scripts/findings_snapshot.py --update` and say why in the commit and the CHANGELOG")
    return 1


if __name__ == "__main__":
    sys.exit(main())
