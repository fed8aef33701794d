"""Mark positions: page one's head block, page edges, and the parts that are mark positions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scanner.findings import UnitView, texts_of, units_of
from scanner.markings.grammar import ALONE_PARTS, HEAD_PARTS, MARK_PARTS, Grammar


@dataclass(frozen=True, kw_only=True)
class Positions:
    """Where the mark positions of one document are, by unit index."""

    head: Mapping[int, int]  # unit index -> 1-based line in page one's head block
    page_edges: Mapping[int, str]  # unit index -> evidence (top / bottom of page N)
    non_empty: tuple[int, ...]  # indexes of non-empty units, in order


def positions_of(views: Sequence[UnitView], grammar: Grammar) -> Positions:
    """Find the head block of page one and the top and bottom lines of later pages."""
    head: dict[int, int] = {}
    by_page: dict[int, list[int]] = {}
    non_empty: list[int] = []
    # over the texts and units, not the views: a DocumentViews makes a view
    # only for a unit that is looked at
    for position, (text, unit) in enumerate(zip(texts_of(views), units_of(views), strict=True)):
        if not text.strip():
            continue
        non_empty.append(position)
        if unit.part not in HEAD_PARTS:
            continue
        # A plain-text document has no pages: its first lines are page one.
        page = unit.page if unit.page is not None else 1
        if page == 1 and len(head) < grammar.head_block_units:
            head[position] = len(head) + 1
        if unit.page is not None:
            by_page.setdefault(unit.page, []).append(position)
    edges: dict[int, str] = {}
    for page, members in by_page.items():
        for rank, position in enumerate(members[: grammar.page_top_units]):
            if page != 1:
                edges[position] = f"位于第{page}页页首（第{rank + 1}行）"
        for rank, position in enumerate(reversed(members[-grammar.page_bottom_units :])):
            edges.setdefault(position, f"位于第{page}页页尾（倒数第{rank + 1}行）")
    return Positions(head=head, page_edges=edges, non_empty=tuple(non_empty))


def mark_position(view: UnitView, position: int, positions: Positions, *, alone: bool) -> str | None:
    """Evidence text when ``view`` is a mark position, else ``None``.

    ``position`` is the view's place in the list given to
    :func:`detect_markings`; ``alone`` says whether the candidate stands
    alone on its line (the head block and page edges need that).
    """
    unit = view.unit
    if unit.part in MARK_PARTS:
        return MARK_PARTS[unit.part]
    if not alone:
        return None
    if unit.part in ALONE_PARTS:
        return ALONE_PARTS[unit.part]
    if unit.cell == (0, 0):
        return "位于表格首格"
    if position in positions.head:
        return f"位于第一页版头（第{positions.head[position]}行）"
    return positions.page_edges.get(position)
