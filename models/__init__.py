"""Trained model artefacts (JSON, never pickle); see models/README.md."""
