"""The pipeline: extract -> normalise -> match -> decide.  The only place that knows the order.

Reports are rendered from the :class:`~scanner.types.ScanResult` by
:mod:`scanner.report`; batch execution (many files, workers, caches) lives
in :mod:`scanner.batch` and calls :func:`scan_file` / :func:`scan_bytes`.
"""

from __future__ import annotations

import hashlib
import io
import os
import signal
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.catalogue import Catalogue, Rule, load_catalogue
from scanner.decide import Policy, decide
from scanner.extract import extract_bytes
from scanner.findings import SPREADSHEET_FORMATS, DocumentViews, RuleCap, located_in_cells, reading_order
from scanner.inputs import display_name as display_name  # re-exported; lives there for the batch parent
from scanner.layers import layer_findings
from scanner.lexicon_cache import CompiledStore
from scanner.markings import detect_markings, grammar_of
from scanner.match import Matcher
from scanner.ocr import OcrReader, with_ocr
from scanner.ocr_cache import OcrStore
from scanner.risk import RiskModel, load_model
from scanner.roles import Role
from scanner.settings import Identity, SettingsSpec
from scanner.types import PARTS, DocumentResult, Extraction, Finding, ScanResult, TextUnit


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything a scan depends on besides its input (built once per run)."""

    catalogue: Catalogue
    matcher: Matcher
    model: RiskModel | None
    policy: Policy = field(default_factory=Policy)
    accepted: frozenset[str] = frozenset()  # fingerprints from a baseline
    ocr: OcrReader | None = None  # None: pictures are not read (reported as such)

    @property
    def identity(self) -> Identity:
        """The catalogue's and the model's digests (what :meth:`SettingsSpec.identity` computes without building)."""
        return Identity(catalogue=self.catalogue.digest, model=self.model.digest if self.model else "")


def build_settings(spec: SettingsSpec | None = None, /, **fields: Any) -> Settings:
    """Settings with the shipped catalogue (plus the user's files), matcher and model.

    ``spec`` says what the user chose (:class:`~scanner.settings.SettingsSpec`,
    the one definition of those fields); ``fields`` override some of them
    (``build_settings(ocr=False)``).  Raises :class:`TypeError` for a field
    that does not exist and :class:`~scanner.catalogue.CatalogueError` on bad
    rule data.
    """
    spec = replace(spec or SettingsSpec(), **fields) if fields else spec or SettingsSpec()
    # a unit's own lists are parsed, folded and compiled once, then kept by content hash
    store = CompiledStore() if spec.extra_lexicons else None
    catalogue = load_catalogue(
        [Path(p) for p in spec.extra_lexicons], disabled=spec.disabled,
        severities=dict(spec.severities) or None, categories=dict(spec.categories) or None,
        unit_rule=spec.unit_rule, store=store,
    )
    policy = Policy() if spec.review_threshold is None else Policy(review_threshold=spec.review_threshold)
    return Settings(
        catalogue=catalogue,
        # the matcher's automaton also finds the marking triggers (see analyse)
        matcher=Matcher(catalogue, allow=tuple(spec.allow), watch=grammar_of(catalogue).trigger_words, store=store),
        model=load_model(),
        policy=policy,
        accepted=frozenset(spec.accepted),
        ocr=OcrReader(store=OcrStore(directory=Path(spec.ocr_cache)) if spec.ocr_cache else None) if spec.ocr else None,
    )


# A larger file is read only in part (and reported as such): memory stays
# bounded whatever a website holds.  Text formats are capped further by the
# extractors; a truncated zip or PDF fails to parse and is reported too.
MAX_FILE_BYTES = 256 * 2**20
PREFIX_BYTES = 64 * 2**20


class ScanTimeout(BaseException):
    """Raised inside a scan that ran past its time limit.

    A BaseException, so that no ``except Exception`` inside a parser
    swallows it on its way out to :func:`scan_file`.
    """


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Interrupt the enclosed code with :class:`ScanTimeout` after ``seconds``.

    Needed for a single file scanned in this process: a crafted PDF whose
    object resolves to itself sends pdfminer into an endless loop.  Uses
    SIGALRM, so it only works in the main thread; elsewhere (and with no
    limit) it does nothing, and batch workers are killed by their parent.
    """
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise ScanTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def scan_file(
    path: Path, settings: Settings, *, display_path: str | None = None, timeout: float | None = None
) -> DocumentResult:
    """Scan one file.  Never raises for bad content: it becomes a ``review``.

    With ``timeout`` (seconds, main thread only) a scan that runs longer is
    stopped and reported as ``review`` with the reason.
    """
    try:
        with time_limit(timeout):
            return _scan_file(path, settings, display_path=display_path)
    except ScanTimeout:
        return unread_document(
            f"超时：{timeout:g} 秒内未能读完，未经完整审查 / timed out after {timeout:g} s",
            settings,
            path=display_path or display_name(path),
        )


def _scan_file(path: Path, settings: Settings, *, display_path: str | None) -> DocumentResult:
    name = display_path or display_name(path)
    try:
        if not is_regular_file(path):
            raise NotRegularFile
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(PREFIX_BYTES if size > MAX_FILE_BYTES else -1)
            sha256 = file_sha256(handle) if size > MAX_FILE_BYTES else hashlib.sha256(data).hexdigest()
    except NotRegularFile:
        return unread_document(
            "不是普通文件（管道、设备或套接字），未读取 / not a regular file (pipe, device or socket): not read",
            settings,
            path=name,
        )
    except OSError as error:
        return unread_document(f"无法读取文件 / cannot read file: {error.strerror or error}", settings, path=name)
    extraction = extract_bytes(data, name)
    if size > MAX_FILE_BYTES:
        limit = (size // 2**20, MAX_FILE_BYTES // 2**20, PREFIX_BYTES // 2**20)
        extraction = replace(
            extraction,
            errors=(
                *extraction.errors,
                "文件大小 {} MB 超过上限 {} MB，只读取了前 {} MB / file too large: only the first part was read".format(
                    *limit
                ),
            ),
        )
    return analyse(extraction, settings, path=name, sha256=sha256)


def unread_document(
    reason: str, settings: Settings, *, path: str, format: str = "unknown", sha256: str = ""
) -> DocumentResult:
    """The result for an input that was not read: ``review``, with ``reason`` as its error (fail closed)."""
    return analyse(Extraction(format=format, errors=(reason,)), settings, path=path, sha256=sha256)


class NotRegularFile(Exception):
    """A path names a pipe, device or socket: opening it could block forever."""


def is_regular_file(path: str | os.PathLike[str]) -> bool:
    """True for a regular file (after links).  Raises ``OSError`` when ``path`` cannot be stat'ed."""
    return stat.S_ISREG(os.stat(path).st_mode)


def file_sha256(handle: io.BufferedIOBase) -> str:
    """SHA-256 of a whole open file, streamed (never held in memory)."""
    handle.seek(0)
    return hashlib.file_digest(handle, "sha256").hexdigest()


def scan_bytes(data: bytes, name: str, settings: Settings) -> DocumentResult:
    """Scan one document given as bytes; ``name`` is its path or URL."""
    extraction = extract_bytes(data, name)
    return analyse(extraction, settings, path=name, sha256=hashlib.sha256(data).hexdigest())


def scan_example(text: str, rule: Rule, settings: Settings) -> DocumentResult:
    """A rule's example scanned as the catalogue means it: a plain-text document, or, for a rule that
    fires only in some layers (``params.parts``), one unit of the first of them.

    The one definition for tests/test_rule_examples.py, scripts/annotate_examples.py and the docs.
    """
    parts = rule.params.get("parts")
    if not parts:
        return scan_bytes(text.encode("utf-8"), "example.txt", settings)
    extraction = Extraction(format="docx", units=(TextUnit(text=text, part=parts[0]),), layers=(parts[0],))
    return analyse(extraction, settings, path="example.docx", sha256="")


def analyse(
    extraction: Extraction, settings: Settings, *, path: str, sha256: str, depth: int = 0
) -> DocumentResult:
    """Normalise, match and decide on an extraction, and on every document embedded in it.

    Embedded documents (archive members, mail attachments, OLE objects) are
    scanned with these same stages, recursively; their findings, errors and
    units join this document's (see :func:`scan_members`), so its verdict is
    the worst of its own and its members'.  ``depth`` is how many containers
    down ``extraction`` sits.
    """
    extraction = with_ocr(extraction, settings.ocr)
    members = scan_members(extraction, settings, depth) if extraction.embedded else None
    # the members' text was matched in their own scans: only this document's units are matched here
    merged = members.merged_into(extraction) if members is not None else extraction
    views, joined = DocumentViews.normalised(extraction.units)
    # One automaton pass finds the lexicon's terms and the marking triggers.
    found = settings.matcher.find(joined)
    cap = RuleCap()  # per rule, the first MAX_FINDINGS_PER_RULE are listed and the rest counted
    findings: list[Finding] = [
        *cap.kept(layer_findings(extraction, settings.catalogue)),
        *cap.kept(detect_markings(views, settings.catalogue, joined=joined, found=found)),
        *settings.matcher.match(views, joined=joined, found=found, cap=cap),
        *cap.overflow(),
    ]
    kept = [finding for finding in findings if finding.fingerprint not in settings.accepted]
    suppressed = len(findings) - len(kept)  # every output counts what the baseline hid
    findings = kept
    if extraction.format in SPREADSHEET_FORMATS:
        findings = located_in_cells(findings, extraction.units)
    if members is not None:
        findings.extend(members.findings)
        suppressed += members.suppressed
    model_score = settings.model.score(views, joined=joined) if settings.model and views else None
    decision = decide(
        findings, merged.errors, model_score, settings.policy, settings.catalogue, settings.accepted
    )
    return DocumentResult(
        path=path,
        format=extraction.format,
        verdict=decision.verdict,
        risk=decision.risk,
        findings=tuple(sorted(decision.findings, key=reading_order)),
        errors=merged.errors,
        sha256=sha256,
        title=extraction.title,
        pages=extraction.pages,
        layers=merged.layers,
        coverage=merged.coverage,
        units=merged.units,
        suppressed=suppressed + decision.suppressed,
    )


# Between the names of a chain of containers in ``location.source``:
# ``key_projects.zip › 附件2.docx › word/header1.xml``.
CHAIN = " › "


@dataclass(frozen=True, kw_only=True)
class Members:
    """What the documents embedded in one extraction yielded, relocated into it.

    Every location, unit source and error of a member is prefixed with the
    member's place (its ``source``, or its name) and :data:`CHAIN`;
    ``location.part`` stays the member's own layer (``header`` in the docx
    inside the zip), so reports and the severity of hidden layers treat it
    as they would in the member itself.
    """

    findings: tuple[Finding, ...]
    errors: tuple[str, ...]
    units: tuple[TextUnit, ...]
    layers: frozenset[str]
    suppressed: int = 0  # findings of the members a baseline accepted

    def merged_into(self, extraction: Extraction) -> Extraction:
        layers = set(extraction.layers) | self.layers
        return replace(
            extraction,
            units=(*extraction.units, *self.units),
            errors=(*extraction.errors, *self.errors),
            layers=tuple(part for part in PARTS if part != "body" and part in layers),
        )


def scan_members(extraction: Extraction, settings: Settings, depth: int) -> Members:
    """Scan each of ``extraction.embedded`` as a document of its own, bounded (see ``_container``)."""
    from scanner.extract import extract_nested
    from scanner.extract._container import MAX_DEPTH, budget, over_bytes, over_members, too_deep

    findings: list[Finding] = []
    errors: list[str] = []
    units: list[TextUnit] = []
    layers: set[str] = set()
    suppressed = 0
    left = budget()
    for member in extraction.embedded:
        place = member.source or member.name
        layers.add(member.part)
        if depth + 1 > MAX_DEPTH:
            errors.append(too_deep(place))
            continue
        if left.members <= 0:
            errors.append(over_members(place))
            break
        if len(member.data) > left.bytes:
            errors.append(over_bytes(place))
            continue
        left.members -= 1
        left.bytes -= len(member.data)
        child = analyse(
            extract_nested(member.data, member.name, depth + 1), settings, path=place, sha256="", depth=depth + 1
        )
        prefix = place + CHAIN
        child_errors = set(child.errors)
        unreadable = settings.catalogue.for_role(Role.UNREADABLE).id if child_errors else ""
        for finding in child.findings:
            if finding.rule == unreadable and finding.context in child_errors:
                continue  # made again from the relocated error by decide()
            location = finding.location
            source = prefix + location.source if location.source else place
            findings.append(replace(finding, location=replace(location, source=source)))
        errors.extend(f"{place}：{error}" for error in child.errors)
        units.extend(
            replace(unit, source=prefix + unit.source if unit.source else place) for unit in child.units
        )
        layers.update(child.layers)
        suppressed += child.suppressed
    return Members(findings=tuple(findings), errors=tuple(errors), units=tuple(units), layers=frozenset(layers),
                   suppressed=suppressed)


def scan_paths(paths: list[Path], settings: Settings, *, timeout: float | None = None) -> ScanResult:
    """Scan files and directories (recursively, in a stable order), in this process.

    ``timeout`` limits each file (see :func:`scan_file`).
    """
    from scanner.inputs import Uncovered, iter_files

    uncovered: list[Uncovered] = []
    documents = [scan_file(path, settings, timeout=timeout) for path in iter_files(paths, uncovered=uncovered)]
    # a directory that could not be listed, a link not followed: review, never left out
    documents += [unread_document(item.reason, settings, path=display_name(item.path)) for item in uncovered]
    return result_of(documents, settings)


def result_of(documents: list[DocumentResult], settings: Settings) -> ScanResult:
    return settings.identity.result(documents)
