"""``scan -v``: the candidates the matcher dropped, and which filter dropped each.

The scan itself keeps no record of what it dropped (that would cost every
document); for a verbose report the matcher runs again over the document's
units with a trace (:class:`scanner.match.Dropped`).  Mentions of a level
that are not marks are findings of their own (``info``) and are listed with
the findings, with their evidence.
"""

from __future__ import annotations

from scanner.findings import DocumentViews, reading_order
from scanner.match import Dropped, Matcher
from scanner.types import DocumentResult, Finding, Severity

MAX_DROPPED = 200  # per document: a long document's boundary drops would drown the report


def dropped_candidates(doc: DocumentResult, matcher: Matcher) -> tuple[Dropped, ...]:
    """What the matcher dropped in ``doc``'s units, in reading order (at most :data:`MAX_DROPPED`)."""
    if not doc.units:
        return ()
    views, joined = DocumentViews.normalised(doc.units)
    dropped: list[Dropped] = []
    matcher.match(views, joined=joined, dropped=dropped)
    return tuple(sorted(dropped, key=_order)[:MAX_DROPPED])


def _order(item: Dropped) -> tuple[int, int, int, int, int, str, str]:
    # the findings' reading order, through a stand-in finding
    return reading_order(Finding(rule=item.rule, category="", severity=Severity.INFO, text=item.text, context="",
                                 location=item.location, message="", basis="", fingerprint=item.reason))
