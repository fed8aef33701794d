"""What the user chose that a scan depends on: :class:`SettingsSpec`, the one definition of the settings fields.

The command line (options plus ``.secscan.yaml``), ``secscan clean`` and
every batch worker describe the settings with a spec;
:func:`scanner.pipeline.build_settings` turns one into the
:class:`~scanner.pipeline.Settings` a scan runs with (catalogue, automaton,
model).  A spec is small, picklable and hashable: batch workers, local or
on a Dask cluster, get the spec and build their own settings.

It imports nothing of the scanner but :mod:`scanner.basis` and
:mod:`scanner.types`, so that the pipeline and the batch package both
stand above it (``tests/test_batch_imports.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scanner.basis import UnitRule
from scanner.types import DocumentResult, ScanResult

if TYPE_CHECKING:
    from scanner.userconfig import UserConfig


@dataclass(frozen=True, kw_only=True)
class Identity:
    """What checked a result: the digests of the catalogue and of the model, as reports and the cache name them."""

    catalogue: str
    model: str  # "" when no model is shipped

    def result(self, documents: Sequence[DocumentResult]) -> ScanResult:
        """The report of ``documents`` checked by these rules and this model."""
        from scanner import __version__

        return ScanResult(version=__version__, documents=tuple(documents), catalogue_hash=self.catalogue,
                          model_hash=self.model)


@dataclass(frozen=True, kw_only=True)
class SettingsSpec:
    """Everything the user chose that a scan depends on: the one definition of the settings fields.

    Picklable and hashable, so batch workers (local or on a Dask cluster)
    get this, not a :class:`~scanner.pipeline.Settings` (which holds an
    automaton and a catalogue and is slow to pickle), and build their own
    with :meth:`build` (:func:`scanner.pipeline.build_settings`).
    """

    extra_lexicons: tuple[str, ...] = ()  # resolved paths of the user's rule files
    disabled: tuple[str, ...] = ()  # rule ids
    severities: tuple[tuple[str, str], ...] = ()  # (rule id, severity), sorted
    categories: tuple[tuple[str, str], ...] = ()  # (rule id, category), sorted
    allow: tuple[str, ...] = ()
    review_threshold: float | None = None
    accepted: frozenset[str] = frozenset()  # fingerprints from a baseline
    unit_rule: UnitRule | None = None  # the unit's own regulation (scanner.basis)
    ocr: bool = True  # read pictures with OCR
    # The directory whose OCR readings are kept across runs (scanner.ocr_cache),
    # the batch cache's; "" keeps them for this run only.  Not in
    # cache_options: a reading kept is the reading the engine would make.
    ocr_cache: str = ""
    # Whether results carry the documents' text units.  Only the html report
    # shows them; without them a result is a fraction of the size to pickle
    # back to the parent and to hold there for the rest of a large batch.
    keep_text: bool = True

    @classmethod
    def from_config(
        cls,
        config: UserConfig,
        *,
        lexicons: Sequence[Path] = (),
        review_threshold: float | None = None,
        accepted: frozenset[str] = frozenset(),
        ocr: bool = True,
    ) -> Self:
        """The spec for a ``.secscan.yaml`` plus the command line's options (which win over the file)."""
        return cls(
            extra_lexicons=tuple(str(Path(p).resolve()) for p in (*config.lexicons, *lexicons)),
            disabled=tuple(config.disabled),
            severities=tuple(sorted(config.severities.items())),
            categories=tuple(sorted(config.categories.items())),
            allow=tuple(config.allow),
            review_threshold=review_threshold if review_threshold is not None else config.review_threshold,
            accepted=frozenset(accepted),
            unit_rule=config.unit_rule,
            ocr=ocr,
        )

    def cache_options(self) -> dict[str, Any]:
        """What besides catalogue and model changes a result (lexicon contents are in the catalogue digest)."""
        return {
            "code": _code_digest(),
            "allow": sorted(self.allow),
            "review_threshold": self.review_threshold,
            "accepted": hashlib.sha256("\n".join(sorted(self.accepted)).encode()).hexdigest(),
            "text": self.keep_text,
            "ocr": self.ocr,
            "ocr_models": _ocr_models() if self.ocr else "",
        }

    def identity(self) -> Identity:
        """The digests :func:`~scanner.pipeline.build_settings` would give, from the rule and model files' bytes.

        Neither parses nor checks the rules, builds no matcher, loads no
        model: ~11 ms of CPU, where building the settings took ~95 ms with
        the imports it needs.  Raises
        :class:`~scanner.catalogue.CatalogueError` when a rule file cannot be read.
        """
        from scanner.catalogue import catalogue_digest
        from scanner.risk import model_digest

        catalogue = catalogue_digest(
            [Path(p) for p in self.extra_lexicons], disabled=self.disabled,
            severities=dict(self.severities) or None, categories=dict(self.categories) or None,
            unit_rule=self.unit_rule,
        )
        return Identity(catalogue=catalogue, model=model_digest())

    def finish(self, doc: DocumentResult) -> DocumentResult:
        """``doc`` as a worker sends it back: without its text units unless they are kept."""
        return doc if self.keep_text or not doc.units else replace(doc, units=())


def _ocr_models() -> str:
    """The OCR models' identity (rapidocr's version, the int8 files of ``models/``): not in the code digest."""
    from scanner.ocr import models_digest

    return models_digest()


def _code_digest() -> str:
    """A hash of the scanner's own source, so a cache never outlives a code change within one version."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        try:
            digest.update(source.read_bytes())
        except OSError:
            continue
    return digest.hexdigest()[:16]
