"""Trained model artefacts (JSON, never pickle; the int8 OCR models as .onnx); see models/README.md."""
