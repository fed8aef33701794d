"""Build the int8 text detector and recogniser that scanner/ocr.py prefers (models/README.md, "OCR models").

The sources are the fp32 PP-OCRv6 small detector and recogniser inside the
``rapidocr`` wheel (PaddleOCR, Apache-2.0).  Recognition is ~80 % of OCR
time (one line at a time, 40-90 ms a line in fp32), detection most of the
rest; int8 convolutions and matrix products run on the CPU's integer dot
products (VNNI).  Static quantisation (QDQ, activation ranges calibrated)
rather than dynamic: ``quantize_dynamic`` turns convolutions into
ConvInteger, which onnxruntime runs slower than its fp32 convolutions, and
computes activation scales on every call.

Calibration data: lines cut by the fp32 engine itself (detector, crop,
resize exactly as at scan time) from A4 pages rendered here with sentences
of ``corpus/public`` -- not the sentences bench/bench_ocr.py measures with --
at 150/200/300 dpi, 10.5 and 16 pt, turned, JPEG'd, faint and under a red
seal, so the activation ranges are those of real scans.

Deterministic: the same wheel, font and corpus give a byte-identical model
(pages are rendered without randomness; MinMax calibration has none).

    pip install -e ".[train]"   # onnx, needed only to build
    python scripts/quantize_ocr.py [--pages 16] [--out models]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import builders

REC_SOURCE = "PP-OCRv6_rec_small.onnx"
DET_SOURCE = "PP-OCRv6_det_small.onnx"
# (dpi, point size, degradation) of the calibration pages, cycled
PAGE_KINDS = (
    (200, 16, "clean"), (150, 16, "clean"), (300, 16, "clean"), (200, 10.5, "clean"),
    (200, 16, "turned"), (200, 16, "jpeg"), (200, 16, "seal"), (200, 16, "faint"),
)


def corpus_lines(count: int) -> list[str]:
    """``count`` distinct sentences of the public corpus, in file order (never the bench's text)."""
    lines: list[str] = []
    seen: set[str] = set()
    for path in sorted((ROOT / "corpus" / "public").rglob("*.txt")):
        for raw in path.read_text(encoding="utf-8").splitlines():
            for piece in raw.replace("。", "。\n").splitlines():
                text = piece.strip()
                if 6 <= len(text) <= 30 and text not in seen:
                    seen.add(text)
                    lines.append(text)
                    if len(lines) == count:
                        return lines
    return lines


def font() -> str:
    return builders.cjk_font() or sys.exit("no CJK font: install fonts-noto-cjk")


def render(font_path: str, lines: Sequence[str], dpi: int, points: float, kind: str) -> Any:
    """One A4 page as a BGR array (as the engine is given it)."""
    import numpy
    from PIL import Image

    image = builders.scan_page(lines, font=font_path, dpi=dpi, points=points, line_step=points * 1.8,
                               seal=(380, 300, "办公室印章") if kind == "seal" else None,
                               rotate=2 if kind == "turned" else 0, fade=(0.4, 35) if kind == "faint" else None)
    if kind == "jpeg":
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=55)
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return numpy.ascontiguousarray(numpy.asarray(image)[:, :, ::-1])


def calibration_inputs(pages: int) -> tuple[list[Any], list[Any]]:
    """The recogniser's input tensors ([1, 3, 48, W] float32) for the lines of ``pages`` calibration pages,
    and the detector's (the pages scaled and normalised)."""
    from rapidocr.inference_engine.onnxruntime import main as ort_main

    from scanner.ocr import rapid_engine

    engine = rapid_engine(1, quantized=False)
    captured: list[Any] = []
    pages_in: list[Any] = []
    original = ort_main.OrtInferSession.__call__

    def capture(self: Any, input_content: Any) -> Any:
        if input_content.ndim == 4 and input_content.shape[2] == 48:  # the recogniser's line height
            captured.append(input_content.copy())
        else:
            pages_in.append(input_content.copy())
        return original(self, input_content)

    font_path = font()
    sentences = corpus_lines(pages * 20)
    ort_main.OrtInferSession.__call__ = capture  # type: ignore[method-assign]
    try:
        for number in range(pages):
            dpi, points, kind = PAGE_KINDS[number % len(PAGE_KINDS)]
            per_page = 38 if points < 12 else 22
            lines = [sentences[(number * 20 + i) % len(sentences)] for i in range(per_page)]
            engine(render(font_path, lines, dpi, points, kind))
    finally:
        ort_main.OrtInferSession.__call__ = original  # type: ignore[method-assign]
    return captured, pages_in


class _Reader:
    """onnxruntime's calibration reader over captured inputs."""

    def __init__(self, inputs: Sequence[Any], name: str) -> None:
        self._items: Iterator[Any] = iter(inputs)
        self._name = name

    def get_next(self) -> dict[str, Any] | None:
        item = next(self._items, None)
        return None if item is None else {self._name: item}


def quantize(source: Path, out: Path, inputs: Sequence[Any], *, op_types: Sequence[str]) -> None:
    """Static QDQ int8 of ``source``: weights int8 per channel, activations uint8 with MinMax ranges over ``inputs``."""
    import onnx
    from onnx import version_converter
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory() as work:
        # the wheel's model is opset 11; per-channel QDQ (an axis on DequantizeLinear) needs 13
        upgraded = Path(work) / "opset13.onnx"
        onnx.save(version_converter.convert_version(onnx.load(str(source)), 13), str(upgraded))
        prepared = Path(work) / "prepared.onnx"
        # symbolic shape inference cannot follow the model's dynamic reshapes; ONNX's own inference is enough
        quant_pre_process(str(upgraded), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(out),
            _Reader(inputs, "x"),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=list(op_types),
            calibrate_method=CalibrationMethod.MinMax,
            extra_options={"ActivationSymmetric": False, "WeightSymmetric": True},
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=16, help="calibration pages")
    parser.add_argument("--out", type=Path, default=ROOT / "models", help="directory of the int8 models")
    args = parser.parse_args()
    import rapidocr

    wheel = Path(rapidocr.__file__).parent / "models"
    lines, pages = calibration_inputs(args.pages)
    print(f"calibration: {len(lines)} lines from {args.pages} pages")
    args.out.mkdir(parents=True, exist_ok=True)
    built = []
    for source, inputs in ((REC_SOURCE, lines), (DET_SOURCE, pages)):
        out = args.out / source.replace(".onnx", ".int8.onnx")
        # per channel: one weight scale per output channel; the recogniser's
        # matrix products are quantised too (its SVTR neck)
        quantize(wheel / source, out, inputs, op_types=("Conv", "MatMul") if source == REC_SOURCE else ("Conv",))
        built.append({"source": source, "source_sha256": hashlib.sha256((wheel / source).read_bytes()).hexdigest(),
                      "out": out.name, "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
                      "calibration_inputs": len(inputs)})
    print(json.dumps(built, indent=1))


if __name__ == "__main__":
    main()
