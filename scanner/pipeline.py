"""The pipeline: extract -> normalise -> match -> decide.  The only place that knows the order.

Reports are rendered from the :class:`~scanner.types.ScanResult` by
:mod:`scanner.report`; batch execution (many files, workers, caches) lives
in :mod:`scanner.batch` and calls :func:`scan_file` / :func:`scan_bytes`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from scanner import __version__
from scanner.catalogue import Catalogue, load_catalogue
from scanner.classify import RiskModel, load_model
from scanner.decide import Policy, decide
from scanner.extract import extract_bytes
from scanner.findings import UnitView
from scanner.layers import layer_findings
from scanner.markings import detect_markings
from scanner.match import Matcher
from scanner.normalize import normalize
from scanner.types import DocumentResult, Extraction, Finding, ScanResult


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything a scan depends on besides its input (built once per run)."""

    catalogue: Catalogue
    matcher: Matcher
    model: RiskModel | None
    policy: Policy = field(default_factory=Policy)
    accepted: frozenset[str] = frozenset()  # fingerprints from a baseline


def build_settings(
    *,
    extra_lexicons: list[Path] | tuple[Path, ...] = (),
    disabled: tuple[str, ...] | list[str] = (),
    severities: dict[str, str] | None = None,
    allow: tuple[str, ...] | list[str] = (),
    review_threshold: float | None = None,
    accepted: frozenset[str] = frozenset(),
) -> Settings:
    """Settings with the shipped catalogue (plus the user's files), matcher and model.

    Raises :class:`~scanner.catalogue.CatalogueError` on bad rule data.
    """
    catalogue = load_catalogue(extra_lexicons, disabled=disabled, severities=severities)
    policy = Policy() if review_threshold is None else Policy(review_threshold=review_threshold)
    return Settings(
        catalogue=catalogue,
        matcher=Matcher(catalogue, allow=tuple(allow)),
        model=load_model(),
        policy=policy,
        accepted=accepted,
    )


def scan_file(path: Path, settings: Settings, *, display_path: str | None = None) -> DocumentResult:
    """Scan one file.  Never raises for bad content: it becomes a ``review``."""
    try:
        data = path.read_bytes()
    except OSError as error:
        extraction = Extraction(
            format="unknown",
            errors=(f"无法读取文件 / cannot read file: {error.strerror or error}",),
        )
        return analyse(extraction, settings, path=display_path or str(path), sha256="")
    return scan_bytes(data, display_path or str(path), settings)


def scan_bytes(data: bytes, name: str, settings: Settings) -> DocumentResult:
    """Scan one document given as bytes; ``name`` is its path or URL."""
    extraction = extract_bytes(data, name)
    return analyse(extraction, settings, path=name, sha256=hashlib.sha256(data).hexdigest())


def analyse(extraction: Extraction, settings: Settings, *, path: str, sha256: str) -> DocumentResult:
    """Normalise, match and decide on an extraction."""
    views = [UnitView(unit, normalize(unit.text), index) for index, unit in enumerate(extraction.units)]
    findings: list[Finding] = [
        *layer_findings(extraction, settings.catalogue),
        *detect_markings(views, settings.catalogue),
        *settings.matcher.match(views),
    ]
    findings = [finding for finding in findings if finding.fingerprint not in settings.accepted]
    model_score = settings.model.score(views) if settings.model and views else None
    decision = decide(findings, extraction.errors, model_score, settings.policy, settings.catalogue)
    return DocumentResult(
        path=path,
        format=extraction.format,
        verdict=decision.verdict,
        risk=decision.risk,
        findings=tuple(sorted(decision.findings, key=_reading_order)),
        errors=extraction.errors,
        sha256=sha256,
        title=extraction.title,
        pages=extraction.pages,
        layers=extraction.layers,
        units=extraction.units,
    )


def scan_paths(paths: list[Path], settings: Settings) -> ScanResult:
    """Scan files and directories (recursively, in a stable order)."""
    from scanner.batch import iter_files

    documents = [scan_file(path, settings) for path in iter_files(paths)]
    return result_of(documents, settings)


def result_of(documents: list[DocumentResult], settings: Settings) -> ScanResult:
    return ScanResult(
        version=__version__,
        documents=tuple(documents),
        catalogue_hash=settings.catalogue.digest,
        model_hash=settings.model.digest if settings.model else "",
    )


_PART_ORDER = {"metadata": 0, "header": 1, "body": 2, "table": 2}


def _reading_order(finding: Finding) -> tuple[int, int, int, int, int, str]:
    location = finding.location
    return (
        location.page or 0,
        _PART_ORDER.get(location.part, 3),
        location.paragraph or 0,
        location.start,
        -finding.severity.rank,
        finding.rule,
    )
