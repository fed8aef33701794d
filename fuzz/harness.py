"""Coverage-guided fuzz harness for one extractor (atheris, with a fallback).

Usage (from the repository root; ``fuzz/run.sh FORMAT MINUTES`` wraps it)::

    python -m fuzz.harness FORMAT [libFuzzer flags ...]

FORMAT is one of :data:`fuzz.make_seeds.FORMATS`.  Each input is checked by
:func:`check`: ``extract_bytes`` never raises, returns an
:class:`~scanner.types.Extraction` whose units hold ``str`` text, never
records an internal failure (a bug caught by the last line of defence in
``scanner.extract``) and, when the input is not even a readable container,
says so in ``errors``.  A failed check raises, which atheris reports as a
crash and saves under ``fuzz/crashes/``.

Zip formats (docx, xlsx, pptx, ofd) are fuzzed in two modes chosen by the
first byte: raw bytes (the container itself), or "member mode", where the
input replaces one XML member of a seed package which is then re-zipped
with valid CRCs — otherwise almost every mutation dies at the CRC check
and the XML readers are never reached.

Without atheris (``pip install atheris``) a plain random mutator runs over
the same seeds for the same time; it is not coverage-guided.
"""

from __future__ import annotations

import io
import os
import random
import re
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

from fuzz.make_seeds import FORMATS, SEEDS

ZIP_FORMATS = ("docx", "xlsx", "pptx", "ofd")
EXTENSION = {"text": "txt"}
CRASHES = Path(__file__).parent / "crashes"
MEMBER_MODE = 0xFF


class CheckFailed(AssertionError):
    """The extractor broke one of the harness's promises for this input."""


def load_bases(fmt: str) -> list[dict[str, bytes]]:
    """The members of each seed package of a zip format (for member mode)."""
    bases = []
    for seed in sorted((SEEDS / fmt).iterdir()):
        with zipfile.ZipFile(seed) as package:
            bases.append({info.filename: package.read(info) for info in package.infolist()})
    return bases


def xml_members(base: dict[str, bytes]) -> list[str]:
    return sorted(name for name in base if name.endswith((".xml", ".rels")))


def build(fmt: str, data: bytes, bases: list[dict[str, bytes]]) -> bytes:
    """The file to extract for fuzz input ``data``."""
    if fmt not in ZIP_FORMATS or len(data) < 3 or data[0] != MEMBER_MODE:
        return data
    base = bases[data[1] % len(bases)]
    members = xml_members(base)
    target = members[data[2] % len(members)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, body in base.items():
            package.writestr(name, data[3:] if name == target else body)
    return buffer.getvalue()


def member_mode_seeds(fmt: str, bases: list[dict[str, bytes]]) -> list[bytes]:
    """One member-mode input per XML member of each seed (its unchanged XML)."""
    inputs = []
    for base_index, base in enumerate(bases):
        for member_index, name in enumerate(xml_members(base)):
            inputs.append(bytes((MEMBER_MODE, base_index, member_index)) + base[name])
    return inputs


ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")


def check(fmt: str, data: bytes, bases: list[dict[str, bytes]], *, pipeline: bool = True) -> None:
    """Raise :class:`CheckFailed` if extracting (and, with ``pipeline``, scanning) the input breaks a promise.

    The bounds of issue #22 are promises too: at most ``MAX_DOCUMENT_UNITS``
    units and ``MAX_DOCUMENT_CHARS`` characters, no lone surrogate in any
    text (no report could write it), at most ``MAX_FINDINGS_PER_RULE``
    findings listed per rule plus one count, and the JSON and text reports
    render and encode as UTF-8.
    """
    from scanner.extract import INTERNAL_FAILURE, extract_bytes
    from scanner.extract._common import MAX_DOCUMENT_CHARS, MAX_DOCUMENT_UNITS
    from scanner.types import Extraction

    document = build(fmt, data, bases)
    name = f"fuzz.{EXTENSION.get(fmt, fmt)}"
    extraction = extract_bytes(document, name)
    if not isinstance(extraction, Extraction):
        raise CheckFailed(f"extract_bytes returned {type(extraction).__name__}")
    for unit in extraction.units:
        if not isinstance(unit.text, str):
            raise CheckFailed(f"unit text is {type(unit.text).__name__}")
    if len(extraction.units) > MAX_DOCUMENT_UNITS:
        raise CheckFailed(f"{len(extraction.units)} units, more than {MAX_DOCUMENT_UNITS}")
    if sum(len(unit.text) for unit in extraction.units) > MAX_DOCUMENT_CHARS:
        raise CheckFailed(f"more than {MAX_DOCUMENT_CHARS} characters")
    for text in (extraction.title, *extraction.errors, *(unit.text for unit in extraction.units)):
        if _SURROGATE.search(text):
            raise CheckFailed(f"lone surrogate in {text[:80]!r}")
    for error in extraction.errors:
        if not isinstance(error, str):
            raise CheckFailed(f"error is {type(error).__name__}")
        if error.startswith(INTERNAL_FAILURE):
            raise CheckFailed(error)
    if pipeline:
        _check_scan(document, name)
    # Input that does not start like a zip is read by what it is (text, as
    # often as not), so only a damaged package must come back with an error.
    # (The zip signatures, as the sniffer has them: four bytes such as "PKPv"
    # are text, and reading them as text is right.)
    if document.startswith(ZIP_SIGNATURES) and not extraction.errors and not _opens(document):
        raise CheckFailed("a package that is not a readable zip came back without an error")


_SURROGATE = re.compile("[\ud800-\udfff]")
_SETTINGS: list[Any] = []  # built on first use, once per fuzzing process


def _check_scan(document: bytes, name: str) -> None:
    """The whole scan and two reports: no exception, findings capped per rule, UTF-8 output."""
    from collections import Counter

    from scanner.findings import MAX_FINDINGS_PER_RULE
    from scanner.pipeline import build_settings, result_of, scan_bytes
    from scanner.report import RENDERERS, ReportOptions

    if not _SETTINGS:
        _SETTINGS.append(build_settings(ocr=False))
    settings = _SETTINGS[0]
    doc = scan_bytes(document, name, settings)
    per_rule = Counter(finding.rule for finding in doc.findings)
    over = [rule for rule, count in per_rule.items() if count > MAX_FINDINGS_PER_RULE + 1]
    if over:
        raise CheckFailed(f"more than {MAX_FINDINGS_PER_RULE} findings listed for {over}")
    result = result_of([doc], settings)
    for fmt in ("json", "text"):
        rendered = RENDERERS[fmt](result, ReportOptions())
        if isinstance(rendered, str):
            rendered.encode("utf-8")  # raises on a lone surrogate


def _opens(document: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(document)) as package:
            return package.testzip() is None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        return False


def prepare_corpus(fmt: str, corpus: Path, bases: list[dict[str, bytes]]) -> None:
    """Copy the seeds (and member-mode seeds) into libFuzzer's working corpus."""
    corpus.mkdir(parents=True, exist_ok=True)
    for seed in sorted((SEEDS / fmt).iterdir()):
        (corpus / f"seed-{seed.name}").write_bytes(seed.read_bytes())
    if fmt in ZIP_FORMATS:
        for index, data in enumerate(member_mode_seeds(fmt, bases)):
            (corpus / f"seed-member-{index}").write_bytes(data)


def run_atheris(fmt: str, argv: list[str]) -> None:
    import atheris

    with atheris.instrument_imports(include=["scanner"]):
        import scanner.extract
        import scanner.extract._common
        import scanner.extract._ooxml
        import scanner.extract.sniff  # noqa: F401
        from scanner.extract import REGISTRY

        __import__(f"scanner.extract.{REGISTRY[fmt]}")
    bases = load_bases(fmt) if fmt in ZIP_FORMATS else []

    def one_input(data: bytes) -> None:
        check(fmt, data, bases)

    atheris.Setup([sys.argv[0], *argv], one_input)
    atheris.Fuzz()


def run_random(fmt: str, seconds: float, seed: int = 0) -> tuple[int, int]:
    """Fallback mutational fuzzing; returns (executions, crashes)."""
    bases = load_bases(fmt) if fmt in ZIP_FORMATS else []
    pool = [seed_file.read_bytes() for seed_file in sorted((SEEDS / fmt).iterdir())]
    pool += member_mode_seeds(fmt, bases) if fmt in ZIP_FORMATS else []
    rng = random.Random(seed)
    executions = crashes = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = mutate(rng, rng.choice(pool), pool)
        executions += 1
        try:
            check(fmt, data, bases)
        except Exception as error:  # noqa: BLE001 - every failure is saved with its reason
            crashes += 1
            CRASHES.mkdir(exist_ok=True)
            path = CRASHES / f"{fmt}-random-{executions}"
            path.write_bytes(data)
            print(f"crash: {type(error).__name__}: {error} -> {path}", file=sys.stderr)
    return executions, crashes


def mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    buffer = bytearray(data)
    keep = 3 if buffer[:1] == bytes((MEMBER_MODE,)) else 0  # keep the member-mode header
    for _ in range(rng.randint(1, 8)):
        if len(buffer) <= keep:
            buffer += rng.randbytes(4)
        choice = rng.random()
        position = rng.randrange(keep, len(buffer))
        if choice < 0.3:
            buffer[position] = rng.randrange(256)
        elif choice < 0.5:
            buffer[position:position] = rng.randbytes(rng.randint(1, 16))
        elif choice < 0.65:
            del buffer[position : position + rng.randint(1, 64)]
        elif choice < 0.8:
            end = min(len(buffer), position + rng.randint(1, 256))
            buffer[position:position] = buffer[position:end] * rng.randint(2, 20)
        elif choice < 0.9:
            other = rng.choice(pool)
            start = rng.randrange(len(other))
            buffer[position:position] = other[start : start + rng.randint(1, 512)]
        else:
            buffer[position:position] = rng.choice([b"<", b">", b"&", b"\x00", b"\xff", b"<!DOCTYPE", b"<p>", b"]]>"])
    return bytes(buffer)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in FORMATS:
        raise SystemExit(f"usage: python -m fuzz.harness {{{','.join(FORMATS)}}} [libFuzzer flags]")
    fmt, flags = argv[0], argv[1:]
    try:
        import atheris  # noqa: F401
    except ImportError:
        seconds = next((float(f.split("=", 1)[1]) for f in flags if f.startswith("-max_total_time=")), 60.0)
        executions, crashes = run_random(fmt, seconds)
        print(f"random fuzzing (atheris not installed): Done {executions} runs, {crashes} crashes")
        return
    corpus = Path(os.environ.get("FUZZ_CORPUS", "/tmp/scanner-fuzz-corpus")) / fmt
    prepare_corpus(fmt, corpus, load_bases(fmt) if fmt in ZIP_FORMATS else [])
    CRASHES.mkdir(exist_ok=True)
    run_atheris(fmt, [*flags, f"-artifact_prefix={CRASHES}/{fmt}-", str(corpus)])


if __name__ == "__main__":
    main(sys.argv[1:])
