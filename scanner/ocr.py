"""OCR: the text in pictures (scans, photos, pasted head blocks, stamps).

One small interface: :meth:`OcrReader.read` takes an
:class:`~scanner.types.ImageRef` (image bytes and where the picture sits)
and returns an :class:`ImageReading` -- text lines, each with its box in
page coordinates, its confidence and the image it came from -- or the reason
it could not be read.  :func:`with_ocr` is the pipeline stage: it turns
``Extraction.images`` into units with ``part="ocr"`` placed in reading
order (a picture in the top band of a page comes first on its page, so the
marking grammar sees a scanned head block as the head block), and records
what could not be read as errors (fail closed) and what held no text as an
``info`` notice.  Each unit carries its line's box (``TextUnit.box``, so
every finding in it has ``Location.box``) and whether it was read inside a
red seal (``TextUnit.seal``: a stamp; :mod:`scanner.ocr_seal` finds and
reads seals).  Readings are kept across runs by :mod:`scanner.ocr_cache`
under the image's SHA-256 and :attr:`OcrReader.identity`.

The engine is RapidOCR (PP-OCR Chinese/English models shipped inside the
``rapidocr`` wheel, run by onnxruntime), chosen by measurement against
Tesseract ``chi_sim`` (README, "OCR").  It is imported on first use only,
so a document without pictures never loads it, and it is given the model
files of the wheel by path: nothing is ever downloaded.

Why this module is long: the reader (engine, settings, identity, noise and
confidence checks) and the stage that places its lines (:func:`with_ocr`
and its helpers, from ``_placed`` on) are two halves that could be modules
of their own, the seam to split along; it is left until the OCR work in
progress on this file (issue #25) has merged, so that work is not split
across two files mid-way.  Seals and the cache already are modules of
their own.

(About 530 lines, over the ~500 of the style guide: the engine, the reader
with its judgement of a reading and the pipeline stage are one story read
in one place; the seals and the kept readings, which stand apart, are in
their own modules.)
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from scanner.ocr_seal import Box, read_seals, red_seals, without_seals
from scanner.roles import NoticeKind
from scanner.types import Extraction, ImageRef, Notice, TextUnit

if TYPE_CHECKING:
    from scanner.ocr_cache import OcrStore

# ImageRef.source of a whole page rendered because it has no text layer
PAGE_SCAN = "page-scan"


def scan_page_error(page: int) -> str:
    """The error a PDF page without a text layer gets; OCR that reads the page removes it."""
    return f"第{page}页无文字层（扫描图像） / page {page} has no text layer (scanned image)"


@dataclass(frozen=True, kw_only=True)
class OcrLine:
    """One line of text read from an image.

    ``box`` is ``(x0, y0, x1, y1)``: page coordinates (points, origin top
    left) when the image has a place on a page, else pixels of the image.
    """

    text: str
    box: tuple[float, float, float, float]
    confidence: float
    image: str
    seal: bool = False  # read inside a red seal (scanner.ocr_seal): a stamp


@dataclass(frozen=True, kw_only=True)
class ImageReading:
    """What OCR made of one image; ``problem`` (Chinese / English) says why it was not read completely."""

    image: str
    lines: tuple[OcrLine, ...] = ()
    problem: str = ""
    seconds: float = 0.0
    # the engine was missing or failed: the next run may read it, so it is not kept across runs
    transient: bool = False


class Engine(Protocol):
    def __call__(self, pixels: Any) -> list[tuple[str, Sequence[Sequence[float]], float]]:
        """Lines of an RGB array: text, corner points (pixels), confidence 0..1."""
        ...  # pragma: no cover - a protocol


class EngineUnavailable(Exception):
    """The OCR engine or its model files are not installed."""


_MODELS = ("PP-OCRv6_det_small.onnx", "PP-OCRv6_rec_small.onnx", "ch_ppocr_mobile_v2.0_cls_mobile.onnx")
# The wheel's detector and recogniser quantised to int8 by scripts/quantize_ocr.py
# (models/README.md, "OCR models"), in the place of _MODELS' entries; the line
# classifier stays the wheel's (it is off).
QUANTIZED = ("PP-OCRv6_det_small.int8.onnx", "PP-OCRv6_rec_small.int8.onnx", None)


def _shipped(name: str) -> Path | None:
    """A file of the ``models`` package, found without importing ``importlib.resources`` (a batch parent's start-up).

    ``None`` when the package cannot be found: never a path relative to the
    working directory, where a file of that name would be loaded as a model.
    """
    import importlib.util

    spec = importlib.util.find_spec("models")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / name


def _installed_version(distribution: str, package: str) -> str:
    """``distribution``'s version from its ``*.dist-info`` beside ``package``, else :func:`importlib.metadata.version`.

    Why: every batch parent names the OCR models in its cache key, and
    ``importlib.metadata`` (with the ``email`` package it imports) cost more
    of a fully cached run's start-up than everything else in the key.  A
    wheel installed by pip leaves its ``METADATA`` beside the package.
    """
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is not None and spec.submodule_search_locations:
        home = Path(next(iter(spec.submodule_search_locations))).parent
        prefix = distribution.replace("-", "_").lower() + "-"
        for info in sorted(home.glob("*.dist-info")):
            if info.name.lower().startswith(prefix):
                with contextlib.suppress(OSError):
                    for line in (info / "METADATA").read_text(encoding="utf-8", errors="replace").splitlines():
                        if line.startswith("Version:"):
                            return line.split(":", 1)[1].strip()
                        if not line:
                            break
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def models_digest(directory: Path | None = None) -> str:
    """What names the OCR models a scan runs: rapidocr's version and the int8 files of ``models/`` (``directory``).

    For the batch cache (``SettingsSpec.cache_options``): a reading made with
    other models is not reused.  Hashes the ~9 MB of int8 files (a few tens
    of ms) and never imports rapidocr.
    """
    digest = hashlib.sha256(f"rapidocr {_installed_version('rapidocr', 'rapidocr')}".encode())
    for name in QUANTIZED:
        if name:
            path = directory / name if directory is not None else _shipped(name)
            digest.update(name.encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest() if path is not None and path.is_file() else b"fp32")
    return digest.hexdigest()[:16]


@functools.cache  # one engine per process: loading the models costs ~0.5 s and ~150 MB
def rapid_engine(threads: int = 1, quantized: bool = True) -> Engine:
    """RapidOCR with the models inside its wheel; detector and recogniser int8 where ``models/`` has them.

    Why int8: recognition is ~80 % of a page's OCR time and detection most
    of the rest; their int8 convolutions run on the CPU's integer dot
    products and read the bench pages as well in about 60 % of the CPU
    (models/README.md, "OCR models").  ``quantized=False`` runs the wheel's
    fp32 models (the bench's comparison; the quantiser calibrates with
    them).  Raises :class:`EngineUnavailable` when the package or a model
    file is missing (the engine would otherwise try to download it).
    """
    try:
        import rapidocr
    except ImportError as error:
        raise EngineUnavailable(f"rapidocr is not installed: {error}") from error
    models = Path(rapidocr.__file__).parent / "models"
    paths = [models / name for name in _MODELS]
    missing = [path.name for path in paths if not path.is_file()]
    if missing:
        raise EngineUnavailable(f"rapidocr model files missing: {', '.join(missing)}")
    if quantized:
        own = [_shipped(name) if name else None for name in QUANTIZED]
        paths = [mine if mine is not None and mine.is_file() else path for mine, path in zip(own, paths)]
    engine = rapidocr.RapidOCR(
        params={
            "Global.log_level": "critical",
            "Global.text_score": 0.0,  # keep every line: confidence is judged here
            "Det.model_path": str(paths[0]),
            "Rec.model_path": str(paths[1]),
            "Cls.model_path": str(paths[2]),
            # Measured on A4 pages (bench/bench_ocr.py; README "OCR"): text
            # detection on the page scaled to 736 pixels on its longer side
            # instead of at least 736 on its shorter one finds 10.5 pt text at
            # 150-300 dpi as well, in a sixth of the time; recognising lines one
            # at a time pads none to the widest of a batch; the 180-degree line
            # classifier is skipped (an upside-down scan reads as low-confidence
            # text, which is review).  CPU per page 4.2-4.8 -> 1.1-1.2 s.
            "Global.use_cls": False,
            "Det.limit_type": "max",
            "Det.limit_side_len": 736,
            "Rec.rec_batch_num": 1,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )

    def run(pixels: Any) -> list[tuple[str, Sequence[Sequence[float]], float]]:
        output: Any = engine(pixels)  # RapidOCROutput (a union in its annotations)
        if output.txts is None:
            return []
        return [
            (str(text), [tuple(map(float, point)) for point in box], float(score))
            for text, box, score in zip(output.txts, output.boxes, output.scores, strict=True)
        ]

    return run


@dataclass(kw_only=True)
class OcrReader:
    """Reads images with one engine, a confidence floor and a budget per document page.

    ``min_confidence``: a line below it is not trusted; an image most of
    whose text is untrusted is not read.  ``max_pixels``: a larger picture
    (or the pictures of one page together) is not OCR'd.  ``page_seconds``:
    CPU seconds one page's pictures may take; the pictures after that are
    not read.  Results are cached by the image's SHA-256 (a logo repeated
    on every page is read once), and across runs in ``store`` (the batch
    cache's :class:`~scanner.ocr_cache.OcrStore`) under the image's SHA-256
    and :attr:`identity`.
    """

    min_confidence: float = 0.6
    untrusted_share: float = 0.34
    min_side: int = 16
    max_pixels: int = 36_000_000
    page_seconds: float = 20.0
    max_noise: float = 30.0  # estimated noise sigma (0..255) above which "no text found" is not believed
    threads: int = 1
    engine: Engine | None = field(default=None, repr=False)
    # wraps loading the engine, on the first picture: a batch worker lifts its
    # memory limit meanwhile (the engine's libraries map far more address
    # space than one scan may take) and counts them as its idle size after
    loading: Callable[[], contextlib.AbstractContextManager[object]] = field(
        default=contextlib.nullcontext, repr=False
    )
    # readings kept across runs (None: this run only); see scanner.ocr_cache
    store: OcrStore | None = field(default=None, repr=False)
    _cache: dict[str, tuple[ImageReading, tuple[int, int]]] = field(default_factory=dict, repr=False)
    _engine_identity: str | None = field(default=None, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        # batch workers get a copy without the engine (each loads its own)
        return {**self.__dict__, "engine": None, "_cache": {}, "loading": contextlib.nullcontext}

    @property
    def identity(self) -> str:
        """A digest of what decides a reading besides the image: the engine and this reader's settings.

        The shipped engine's is :func:`rapid_identity`; an engine given to the
        reader names itself with an ``identity`` attribute, and one without
        has none (``""``): its readings are not kept across runs.
        """
        if self._engine_identity is None:  # decided before the engine loads: a reading kept needs none
            given = self.engine
            self._engine_identity = rapid_identity() if given is None else str(getattr(given, "identity", ""))
        named = self._engine_identity
        if not named:
            return ""
        settings = (self.min_confidence, self.untrusted_share, self.min_side, self.max_pixels, self.max_noise)
        return hashlib.sha256(repr((named, settings)).encode()).hexdigest()[:32]

    def read(self, image: ImageRef) -> ImageReading:
        """OCR one image; never raises for bad image data (it becomes ``problem``)."""
        key = hashlib.sha256(image.data).hexdigest()
        cached = self._cache.get(key)
        if cached is None:
            identity = self.identity if self.store is not None else ""
            cached = self._stored(key, identity) if identity else None
            if cached is None:
                cached = self._read(image.data)
                if identity and self.store is not None and not cached[0].transient:
                    from scanner.ocr_cache import reading_to_json

                    self.store.put(key, identity, reading_to_json(cached[0]), cached[1])
            if len(self._cache) >= 256:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = cached
        pixels, size = cached
        return replace(
            pixels,
            image=image.name,
            problem=pixels.problem.replace(CACHED_NAME, image.name),
            lines=tuple(_placed(replace(line, image=image.name), image, size) for line in pixels.lines),
        )

    def _stored(self, key: str, identity: str) -> tuple[ImageReading, tuple[int, int]] | None:
        """The reading kept in the store by an earlier run, or ``None`` (a miss, or an entry that does not check out)."""
        assert self.store is not None
        found = self.store.get(key, identity)
        if found is None:
            return None
        from scanner.ocr_cache import reading_from_json

        data, size = found
        try:
            return reading_from_json(data), size
        except (KeyError, TypeError, ValueError):
            self.store.rejected += 1
            return None

    def _read(self, data: bytes) -> tuple[ImageReading, tuple[int, int]]:
        """The reading of an image in pixel coordinates, with its size; problems name it :data:`CACHED_NAME`."""
        from PIL import Image

        name = CACHED_NAME
        try:
            with Image.open(io.BytesIO(data)) as opened:
                width, height = opened.size
                if width * height > self.max_pixels:
                    return ImageReading(
                        image=name,
                        problem=f"图片 {name} 为 {width}×{height} 像素，超过文字识别预算 "
                        f"{self.max_pixels // 1_000_000} 百万像素，未识别 / image over the OCR pixel budget",
                    ), (width, height)
                if min(width, height) < self.min_side:
                    return ImageReading(image=name), (width, height)  # an icon or a rule line: no text
                rgb = opened.convert("RGB")
        except Exception as error:  # noqa: BLE001 - Pillow raises many types for bad data; the reason is kept
            return ImageReading(image=name, problem=f"图片 {name} 无法解码，未识别 / cannot decode image: {error}"), (1, 1)
        try:
            if self.engine is None:  # loaded once, on the first picture
                with self.loading():
                    self.engine = rapid_engine(self.threads)
            engine = self.engine
        except EngineUnavailable as error:
            problem = f"文字识别引擎不可用，图片 {name} 未识别 / OCR unavailable: {error}"
            return ImageReading(image=name, problem=problem, transient=True), (width, height)
        import numpy

        started = time.process_time()
        page = numpy.asarray(rgb)
        seals = red_seals(rgb)  # () for a page without red: one look at a reduced copy
        # with seals, the body is read with their red whitened and each seal apart (scanner.ocr_seal)
        pixels = (without_seals(page, seals) if seals else page)[:, :, ::-1]  # the engine takes BGR, as OpenCV does
        try:
            reading = self._judged(engine(pixels), name, rgb)
            if reading.problem and reading.lines:
                # The line classifier is off (it cost more than it found): a
                # page scanned upside down reads as weak text.  Read it turned
                # over once and keep that reading if it is trusted, its boxes
                # on the page the right way up, as a reader turns it (so a mark
                # at the head of the turned page is in the mark position).
                turned = self._judged(engine(numpy.ascontiguousarray(pixels[::-1, ::-1])), name, rgb)
                if not turned.problem:
                    reading = turned
            if seals:
                reading = replace(reading, lines=reading.lines + self._seal_lines(engine, page, seals, name))
        except Exception as error:  # noqa: BLE001 - an engine failure must not lose the document
            # rapidocr puts the engine's whole traceback in its message: the last line is the reason
            reason = (str(error).strip().splitlines() or [type(error).__name__])[-1]
            problem = f"图片 {name} 文字识别失败 / OCR failed: {reason}"
            return ImageReading(image=name, problem=problem, transient=True), (width, height)
        return replace(reading, seconds=time.process_time() - started), (width, height)

    def _seal_lines(self, engine: Engine, page: Any, seals: tuple[Box, ...], name: str) -> tuple[OcrLine, ...]:
        """The lines of each seal (:func:`~scanner.ocr_seal.read_seals`) as ``seal`` lines in the page's pixels.

        Kept however weakly read, as the body's lines are (a weak 机密 in a
        seal is still one), and not counted in the page's untrusted share:
        a seal's text is no body text the reading could have missed.
        """
        return tuple(
            OcrLine(text=text, box=box, confidence=score, image=name, seal=True)
            for text, box, score in read_seals(engine, page, seals)
            if _meaningful(text, score, self.min_confidence)
        )

    def _judged(self, found: list[tuple[str, Sequence[Sequence[float]], float]], name: str, rgb: Any) -> ImageReading:
        """The engine's lines kept and judged: the reading, with a problem when it cannot be trusted."""
        lines = tuple(
            OcrLine(text=text.strip(), box=_pixel_box(points), confidence=score, image=name)
            for text, points, score in found
            if _meaningful(text.strip(), score, self.min_confidence)
        )
        reading = ImageReading(image=name, lines=lines)
        if not lines and (noise := noise_level(rgb)) > self.max_noise:
            # nothing found in an image this noisy is not "no text": text may be drowned in it
            problem = (
                f"图片 {name} 噪声过大（估计噪声 {noise:.0f}），文字识别无法确认其中没有文字，须人工查看 "
                f"/ image too noisy to tell it holds no text"
            )
            return replace(reading, problem=problem)
        chars = sum(len(line.text) for line in lines)
        weak = sum(len(line.text) for line in lines if line.confidence < self.min_confidence)
        if chars and weak / chars > self.untrusted_share:
            mean = sum(line.confidence * len(line.text) for line in lines) / chars
            reading = replace(
                reading,
                problem=f"图片 {name} 文字识别置信度过低（{mean:.0%}），无法确认其内容，须人工查看 "
                f"/ OCR confidence too low ({mean:.0%})",
            )
        return reading


# stands for the image's name in a cached reading's problem
CACHED_NAME = "\x00image\x00"


@functools.cache  # the model files (31 MB) hashed once a process (~70 ms measured here), without importing the engine
def rapid_identity() -> str:
    """What decides the shipped engine's readings: model files (the wheel's and the int8 ones), library versions, this module's source.

    The source covers the engine's parameters, the judgement of its lines
    (:meth:`OcrReader._judged`, the seal reading of :mod:`scanner.ocr_seal`)
    and the stored form of a reading (:mod:`scanner.ocr_cache`).  ``""`` when rapidocr is not installed.
    """
    import importlib.metadata
    import importlib.util

    spec = importlib.util.find_spec("rapidocr")
    if spec is None or spec.origin is None:
        return ""
    digest = hashlib.sha256()
    for package in ("rapidocr", "onnxruntime", "opencv-python-headless", "numpy", "pillow"):
        try:
            digest.update(f"{package}={importlib.metadata.version(package)};".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{package}=;".encode())
    digest.update(models_digest().encode())  # the int8 files of models/ the engine runs in their place
    models = Path(spec.origin).parent / "models"
    for name in _MODELS:
        try:
            digest.update(name.encode() + hashlib.sha256((models / name).read_bytes()).digest())
        except OSError:
            digest.update(name.encode() + b"missing")
    here = Path(__file__).resolve().parent
    for module in ("ocr.py", "ocr_seal.py", "ocr_cache.py"):
        with contextlib.suppress(OSError):
            digest.update((here / module).read_bytes())
    return digest.hexdigest()


def noise_level(image: Any) -> float:
    """Estimated standard deviation of the noise in a picture (0..255), after Immerkaer (1996).

    The mean absolute response to a Laplacian-difference mask is ~0 for flat
    areas, edges and smooth photos and grows with pixel noise; a clean scan,
    a logo or a photo measures a few units, a drowned scan dozens.
    """
    import numpy

    grey = image.convert("L")
    if max(grey.size) > 1200:  # the estimate needs no more pixels than this
        grey = grey.reduce(max(1, max(grey.size) // 1200))
    pixels = numpy.asarray(grey, dtype=numpy.float32)
    if pixels.shape[0] < 3 or pixels.shape[1] < 3:
        return 0.0
    centre = pixels[1:-1, 1:-1]
    edges = pixels[:-2, 1:-1] + pixels[2:, 1:-1] + pixels[1:-1, :-2] + pixels[1:-1, 2:]
    corners = pixels[:-2, :-2] + pixels[:-2, 2:] + pixels[2:, :-2] + pixels[2:, 2:]
    response = numpy.abs(4 * centre - 2 * edges + corners)
    return float(numpy.sqrt(numpy.pi / 2) * response.mean() / 6)


def _meaningful(text: str, confidence: float, floor: float) -> bool:
    """False for what a logo or a bullet reads as: one sign that is not a trusted Chinese character.

    (A ring logo reads as "0", a round seal's border as "O"; a single
    ideograph read with confidence is kept.)
    """
    if len(text) >= 2:
        return True
    return bool(text) and "\u4e00" <= text <= "\u9fff" and confidence >= floor


def _pixel_box(points: Sequence[Sequence[float]]) -> tuple[float, float, float, float]:
    xs = [point[0] for point in points]
    ys = [point[1] for point in points]
    return (min(xs), min(ys), max(xs), max(ys))


def _placed(line: OcrLine, image: ImageRef, size: tuple[int, int]) -> OcrLine:
    """``line`` with its pixel box mapped into ``image``'s page coordinates (when it has a place on a page)."""
    if image.box is None:
        return line
    width, height = size
    x0, y0, x1, y1 = image.box
    sx, sy = (x1 - x0) / width, (y1 - y0) / height
    bx0, by0, bx1, by1 = line.box
    return replace(line, box=(x0 + bx0 * sx, y0 + by0 * sy, x0 + bx1 * sx, y0 + by1 * sy))


# -- the pipeline stage ---------------------------------------------------

# A picture whose top lies in this share of its page's height is in the
# page's top band: its text is read before the page's own text.
TOP_BAND = 0.25


def with_ocr(extraction: Extraction, reader: OcrReader | None) -> Extraction:
    """``extraction`` with the text of its pictures as ``ocr`` units (``reader`` None: OCR is off).

    Unread pictures become errors naming them (the document is ``review``);
    pictures without text are listed in one ``info`` notice.  With OCR off
    the pictures are listed as not read (``review``), as before OCR existed.
    """
    images = extraction.images
    if not images:
        return extraction
    if reader is None:
        return _unread(extraction)
    errors = list(extraction.errors)
    units: list[TextUnit] = list(extraction.units)
    inserts: list[tuple[int, int, list[TextUnit]]] = []
    empty: list[ImageRef] = []
    spent: dict[int | None, float] = {}
    for order, image in enumerate(images):
        if spent.get(image.page, 0.0) > reader.page_seconds:
            where = f"第{image.page}页" if image.page else "本文件"
            errors.append(
                f"{where}图片文字识别超过时间预算 {reader.page_seconds:g} 秒，图片 {image.name} 未识别 "
                "/ OCR time budget of the page spent: image not read"
            )
            continue
        reading = reader.read(image)
        spent[image.page] = spent.get(image.page, 0.0) + reading.seconds
        if reading.problem:
            errors.append(reading.problem)
            continue
        if image.source == PAGE_SCAN and image.page is not None and reading.lines:
            errors = [error for error in errors if error != scan_page_error(image.page)]
        if not reading.lines:
            if image.source != PAGE_SCAN:
                empty.append(image)
            continue
        made = [
            TextUnit(text=line.text, part="ocr", page=image.page, paragraph=number, source=image.name,
                     box=_rounded(line.box), seal=line.seal)
            for number, line in enumerate(_reading_order(reading.lines), start=1)
        ]
        inserts.append((_anchor(image, units), order, made))
    for anchor, _, made in sorted(inserts, key=lambda insert: (insert[0], insert[1]), reverse=True):
        units[anchor:anchor] = made
    notices = extraction.notices
    if empty:
        notices = (*notices, _listing(NoticeKind.NO_TEXT_FOUND, empty, "文字识别未发现文字"))
    layers = extraction.layers if "ocr" in extraction.layers or not inserts else (*extraction.layers, "ocr")
    return replace(
        extraction,
        units=tuple(units),
        errors=tuple(dict.fromkeys(errors)),
        notices=notices,
        layers=layers,
        pages=extraction.pages or max((image.page or 0 for image in images), default=0) or None,
    )


def _rounded(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A box to a tenth of its unit: finer says nothing about a line of text and makes outputs noisy."""
    x0, y0, x1, y1 = (round(value, 1) for value in box)
    return (x0, y0, x1, y1)


def _unread(extraction: Extraction) -> Extraction:
    """OCR is off: whole-page images are errors (a PDF page already has one), pictures one ``review`` notice."""
    errors = list(extraction.errors)
    for image in extraction.images:
        if image.source == PAGE_SCAN and (image.page is None or scan_page_error(image.page) not in errors):
            errors.append(f"{image.name}未经文字识别（已关闭 OCR），其中文字未审查 / OCR is off: image not read")
    flow = [image for image in extraction.images if image.source != PAGE_SCAN]
    notices = (*extraction.notices, _listing(NoticeKind.UNREAD_EMBEDDED, flow, "未经文字识别")) if flow else extraction.notices
    return replace(extraction, errors=tuple(errors), notices=notices)


def _reading_order(lines: Sequence[OcrLine]) -> list[OcrLine]:
    """Top to bottom, then left to right within a line's height; a seal's lines after the body's.

    (A seal stands over the text, not in it: among the body's lines it would
    break a sentence, or a level broken over two lines, in two.)
    """
    return sorted(lines, key=lambda line: (
        line.seal, round(line.box[1] / max(1.0, line.box[3] - line.box[1])), line.box[0]
    ))


def _anchor(image: ImageRef, units: Sequence[TextUnit]) -> int:
    """Index of the unit before which ``image``'s text belongs."""
    if image.anchor is not None:  # a flow document: the extractor knows where the picture sits
        return min(image.anchor, len(units))
    page = image.page
    if page is None:
        return len(units)
    top = image.source == PAGE_SCAN or (
        image.box is not None and image.page_size is not None and image.box[1] < TOP_BAND * image.page_size[1]
    )
    before = [index for index, unit in enumerate(units) if unit.page is not None and unit.page < page]
    on_page = [index for index, unit in enumerate(units) if unit.page == page]
    if top or not on_page:
        return (on_page[0] if on_page else (before[-1] + 1 if before else 0)) if on_page or before else 0
    return on_page[-1] + 1


def _listing(kind: str, images: Sequence[ImageRef], why: str) -> Notice:
    names = [image.name for image in images]
    detail = f"{len(names)} 张图片{why}：{'、'.join(names[:5])}{' 等' if len(names) > 5 else ''}"
    first = images[0]
    return Notice(kind=kind, text=names[0], part="embedded", page=first.page, source=first.name, detail=detail)
