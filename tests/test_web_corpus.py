"""A corpus gate over the real web material of ``../shared/corpus/web/``: pinned figures that may not get worse.

The figures come from ``bench/eval_web.py``.  Lower a ``*_MAX`` here only
when the scanner got better (never raise one); the marked documents must
all stay ``block`` with an ``internal-marking`` finding.  ``SECSCAN_SHARED``
points at the shared folder when it is not ``../shared``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SECSCAN_SHARED") or ROOT.parent / "shared")

# Pinned on the code of this commit (bench/eval_web.py).
MARKED = 42  # every one block with internal-marking
RECEIVED_REVIEW_MAX = 12  # unmarked received documents: review tolerated, never block
# The site template is info (HC011) since the extractor's article detection:
# left are one directory page with no article (a comment and a hidden block)
# and a tender sample PDF (PI002).  The ceiling is 2 % (2 of 120).
PUBLIC_REVIEW_MAX = 2
VISIBLE_REVIEW_MAX = 0


def _eval_web():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("eval_web", ROOT / "bench" / "eval_web.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("eval_web", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def groups():  # type: ignore[no-untyped-def]
    eval_web = _eval_web()
    if not (SHARED / eval_web.WEB_FILE).is_file():
        pytest.skip(f"the web corpus is not at {SHARED / eval_web.WEB_FILE}")
    return eval_web.figures(SHARED)


def test_every_marked_document_blocks_with_an_internal_mark(groups) -> None:  # type: ignore[no-untyped-def]
    marked = groups["marked"]
    assert marked.total == MARKED, "the corpus changed: re-pin the figures from bench/eval_web.py"
    assert marked.verdicts["block"] == MARKED, marked.misses


def test_unmarked_received_documents_never_block(groups) -> None:  # type: ignore[no-untyped-def]
    received = groups["received"]
    assert received.verdicts["block"] == 0, received.misses
    assert received.verdicts["review"] <= RECEIVED_REVIEW_MAX


def test_public_material_never_blocks_and_reviews_do_not_grow(groups) -> None:  # type: ignore[no-untyped-def]
    public = groups["public"]
    assert public.verdicts["block"] == 0, public.misses
    assert public.verdicts["review"] <= PUBLIC_REVIEW_MAX, public.misses


def test_visible_text_of_public_pages_passes(groups) -> None:  # type: ignore[no-untyped-def]
    visible = groups["visible"]
    assert visible.total > 0
    assert visible.verdicts["block"] == 0
    assert visible.verdicts["review"] <= VISIBLE_REVIEW_MAX, visible.misses
