"""A level broken over lines (机 / 密★1年, 秘 / -1- / 密) merged back into one view."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from scanner.findings import UnitView, context_of, location_in
from scanner.markings.grammar import PAGE_NUMBER, Grammar
from scanner.normalize import Normalized
from scanner.types import Finding, TextUnit


def join_split_marks(
    views: Sequence[UnitView], grammar: Grammar
) -> tuple[Sequence[UnitView], dict[int, tuple[int, TextUnit]]]:
    """Merge a level split across lines (机 / 密★1年, 秘 / -1- / 密) into one view.

    Text extraction gives one unit per line, so a mark broken by a line
    break or a page-number line arrives in two or three units.  Only short
    lines are joined: a long line ending in 机 is a sentence, not a mark.
    Also returns, for each merged view's index, where its last unit starts
    in the merged text and that unit: a finding wholly inside it is located
    there (see :meth:`_DocumentScan.emit`).
    """
    firsts = {level[0] for level in grammar.levels}
    joined: list[UnitView] = []
    tails: dict[int, tuple[int, TextUnit]] = {}
    skip_to = -1
    for position, view in enumerate(views):
        if position <= skip_to:
            continue
        text = view.norm.text.strip()
        # a seal's text stands over the page, not in its lines: never joined with them (scanner.ocr_seal)
        if text and len(text) <= 20 and text[-1] in firsts and not view.unit.seal:
            following = position + 1
            parts = [view.unit.text]
            while following < len(views) and PAGE_NUMBER.fullmatch(views[following].unit.text.strip() or "x"):
                parts.append(views[following].unit.text)
                following += 1
            if (following < len(views) and views[following].norm.text.lstrip().startswith("密")
                    and not views[following].unit.seal):
                merged = "\n".join([*parts, views[following].unit.text])
                unit = replace(view.unit, text=merged)
                tail_offset = len(merged) - len(views[following].unit.text)
                norm = concatenate(merged, [(0, view.norm), (tail_offset, views[following].norm)])
                joined.append(UnitView(unit, norm, view.index))
                tails[view.index] = (tail_offset, views[following].unit)
                skip_to = following
                continue
        joined.append(view)
    return joined, tails


def in_tail(finding: Finding, offset: int, unit: TextUnit) -> Finding:
    """``finding``, which lies wholly in ``unit`` at ``offset`` of a merged split mark's text, located in ``unit``."""
    start, end = finding.location.start - offset, finding.location.end - offset
    return replace(finding, location=location_in(unit, start, end), context=context_of(unit.text, start, end))


def concatenate(original: str, pieces: Sequence[tuple[int, Normalized]]) -> Normalized:
    """One normalised text from pieces of ``original`` (offset, normalised piece).

    What lies between the pieces (the line break, a page-number line) is
    dropped, and the offset map of each piece is kept.
    """
    norm_starts: list[int] = []
    orig_starts: list[int] = []
    texts: list[str] = []
    length = 0
    for offset, piece in pieces:
        segments, segment_origins = piece.segments()
        starts = segments or (0,)
        origins = segment_origins or (0,)
        norm_starts.extend(length + start for start in starts)
        orig_starts.extend(offset + origin for origin in origins)
        texts.append(piece.text)
        length += len(piece.text)
    return Normalized(
        original=original,
        text="".join(texts),
        _norm_starts=tuple(norm_starts),
        _orig_starts=tuple(orig_starts),
    )
