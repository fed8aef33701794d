"""The residual-risk model: scores what the rules cannot see.

``scanner.risk`` is the interface the pipeline and the decision use
(:class:`ModelScore`, :class:`RiskModel`, :func:`load_model`);
:mod:`.features` turns text into the model's n-gram features and
:mod:`.linear` is the shipped linear model that scores them.

The model is stored as JSON (coefficients and vocabulary), never as a
pickle, and scored without importing scikit-learn.  Until a model file is
shipped in ``models/``, :func:`load_model` returns ``None`` and the risk is
computed from the rule findings alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from scanner.findings import UnitView

MODEL_FILE = "risk_model.json"


@dataclass(frozen=True, kw_only=True)
class ModelScore:
    """The residual-risk model's view of a whole document."""

    probability: float
    top_terms: tuple[str, ...] = ()


class RiskModel(Protocol):
    # read-only, so that a frozen dataclass (LinearTextModel) is a RiskModel
    @property
    def digest(self) -> str: ...

    def score(self, views: Sequence[UnitView], *, joined: str | None = None) -> ModelScore: ...


def model_digest() -> str:
    """The :attr:`RiskModel.digest` :func:`load_model` would give, from the file's bytes alone (``""``: no model).

    For a batch whose files are all in the result cache: the digest is in
    the cache key, the parsed model (tens of ms) is not needed.
    """
    path = resources.files("models").joinpath(MODEL_FILE)
    return digest_of_model(path.read_bytes()) if path.is_file() else ""


def digest_of_model(data: bytes) -> str:
    """A model's digest: of its file's bytes, so any change to the file is a change of model."""
    return hashlib.sha256(data).hexdigest()[:16]


def load_model() -> RiskModel | None:
    """The shipped model, or ``None`` when none is installed."""
    path = resources.files("models").joinpath(MODEL_FILE)
    if not path.is_file():
        return None
    from scanner.risk.linear import LinearTextModel

    return LinearTextModel.from_json(path.read_bytes())
