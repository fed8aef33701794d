"""The compiled kernels (``scanner/_ngram.c``), when this install has them.

One optional C extension serves the model (n-gram counts and their exact
weighing: see :mod:`scanner.risk.features`), the normaliser (one-to-one folds:
see :mod:`scanner.normalize`), the matcher (its gates' ASCII pre-check:
see :mod:`scanner.match`) and the word-boundary check (jieba's dictionary
and its cut, HMM off: see :mod:`scanner.segment`).  Every caller
has a path without it giving the same results (numpy and Python; rjieba or
jieba for word boundaries), so an install without a C compiler loses
speed, not answers.
"""

from __future__ import annotations

import functools
import os
from typing import Any


@functools.cache
def compiled_kernel() -> Any:
    """The compiled module ``scanner._ngram``, or ``None`` to compute in Python and numpy.

    The extension is built by ``pip install`` where a C compiler is present
    (it is optional: the install does not fail without one).  Setting
    ``SECSCAN_PURE_PYTHON=1`` in the environment turns it off.
    """
    if os.environ.get("SECSCAN_PURE_PYTHON"):
        return None
    try:
        from scanner import _ngram  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _ngram
