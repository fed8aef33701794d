"""The residual-risk model: scores what the rules cannot see.

The model is stored as JSON (coefficients and vocabulary), never as a
pickle, and scored without importing scikit-learn.  Until a model file is
shipped in ``models/``, :func:`load_model` returns ``None`` and the risk is
computed from the rule findings alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from typing import Protocol

from scanner.decide import ModelScore
from scanner.findings import UnitView

MODEL_FILE = "risk_model.json"


class RiskModel(Protocol):
    # read-only, so that a frozen dataclass (LinearTextModel) is a RiskModel
    @property
    def digest(self) -> str: ...

    def score(self, views: Sequence[UnitView], *, joined: str | None = None) -> ModelScore: ...


def load_model() -> RiskModel | None:
    """The shipped model, or ``None`` when none is installed."""
    path = resources.files("models").joinpath(MODEL_FILE)
    if not path.is_file():
        return None
    from scanner.model import LinearTextModel

    return LinearTextModel.from_json(path.read_bytes())
