"""The int8 OCR models shipped in ``models/`` (scripts/quantize_ocr.py; models/README.md, "OCR models").

Accuracy and speed against the wheel's fp32 models are bench/bench_ocr.py's
job; here: the files are shipped, are the wheel's models in their interface
(same inputs, outputs and character list), and the engine built with them
reads a rendered scan letter for letter.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from scanner.ocr import _MODELS, QUANTIZED, OcrReader, rapid_engine
from scanner.types import ImageRef
from tests.test_ocr import FONT, render

ort = pytest.importorskip("onnxruntime")
rapidocr = pytest.importorskip("rapidocr")


def _session(path: Path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("index", [index for index, name in enumerate(QUANTIZED) if name])
def test_the_int8_model_is_shipped_with_the_wheel_models_interface(index):
    own = Path(str(resources.files("models").joinpath(QUANTIZED[index])))
    assert own.is_file(), f"{own.name} missing: python scripts/quantize_ocr.py builds it"
    wheel = Path(rapidocr.__file__).parent / "models" / _MODELS[index]
    mine, theirs = _session(own), _session(wheel)
    assert [(i.name, i.shape[1]) for i in mine.get_inputs()] == [(i.name, i.shape[1]) for i in theirs.get_inputs()]
    assert [o.name for o in mine.get_outputs()] == [o.name for o in theirs.get_outputs()]
    # the recogniser's characters travel in its metadata: without them rapidocr would look for a dictionary file
    assert mine.get_modelmeta().custom_metadata_map.get("character") == theirs.get_modelmeta().custom_metadata_map.get(
        "character"
    )
    # quantised: the file holds int8 convolutions (QDQ), not a copy of the fp32 model
    assert own.stat().st_size < wheel.stat().st_size / 2


@pytest.mark.skipif(not FONT, reason="no CJK font (fonts-noto-cjk, installed by .ci/run) to render scans")
def test_the_int8_engine_reads_a_scan_letter_for_letter():
    lines = ["秘密★6个月", "关于做好年度统计数据报送工作的函", "请于2024年6月30日前报送，联系电话：010-87654321。"]
    reading = OcrReader(engine=rapid_engine(1)).read(ImageRef(name="scan", data=render(lines), page=1))
    assert not reading.problem
    assert [line.text.replace(" ", "") for line in reading.lines] == lines
    assert min(line.confidence for line in reading.lines) > 0.9


def test_the_batch_cache_tells_other_ocr_models_apart(tmp_path):
    from scanner.ocr import models_digest
    from scanner.settings import SettingsSpec

    for name in QUANTIZED:
        if name:
            (tmp_path / name).write_bytes(Path(str(resources.files("models").joinpath(name))).read_bytes())
    shipped = models_digest(tmp_path)
    assert shipped == models_digest()  # the same bytes, the same identity
    rec = tmp_path / QUANTIZED[1]
    rec.write_bytes(rec.read_bytes() + b"\0")  # a rebuilt recogniser
    rebuilt = models_digest(tmp_path)
    rec.unlink()  # the fp32 recogniser of the wheel
    fp32 = models_digest(tmp_path)
    assert len({shipped, rebuilt, fp32}) == 3
    assert SettingsSpec().cache_options()["ocr_models"] == shipped
    assert SettingsSpec(ocr=False).cache_options()["ocr_models"] == ""


@pytest.mark.parametrize(("distribution", "package"), [("rapidocr", "rapidocr"), ("onnxruntime", "onnxruntime"),
                                                       ("pyahocorasick", "ahocorasick")])
def test_the_version_read_beside_the_package_is_the_installed_one(distribution, package):
    from importlib import metadata

    from scanner.ocr import _installed_version

    try:
        expected = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        pytest.skip(f"{distribution} is not installed")
    assert _installed_version(distribution, package) == expected
    assert _installed_version("no-such-distribution", "json") == ""


def test_a_model_file_in_the_working_directory_is_never_taken_for_the_shipped_one(tmp_path, monkeypatch):
    import importlib.util

    import scanner.ocr as ocr

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "models" else real(name, *a))
    monkeypatch.chdir(tmp_path)
    for name in QUANTIZED:
        if name:
            (tmp_path / name).write_bytes(b"not a model")
            assert ocr._shipped(name) is None
    assert ocr.models_digest() == ocr.models_digest(tmp_path / "nothing-here")  # both: no int8 files, fp32
