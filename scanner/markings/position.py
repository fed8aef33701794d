"""Mark positions: page one's head block, page edges, the heads of hidden layers, and the parts that are mark positions.

A hidden layer (a deleted revision, hidden text, a comment, speaker notes,
an annotation, an earlier PDF revision…) is published with the file, so a
mark standing alone at its head is in the mark position just as at the head
of the visible text: the first lines of each layer (of each comment or note,
which stand apart), and a deleted or hidden paragraph among the lines of
page one's head block.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scanner.findings import UnitView, texts_of, units_of
from scanner.layers import HIDDEN_LAYERS
from scanner.markings.grammar import ALONE_PARTS, HEAD_PARTS, MARK_PARTS, Grammar
from scanner.types import TextUnit, part_kind

# Hidden layers whose head is a mark position (metadata and alt-text are
# ALONE_PARTS already), and notes, which a reader sees but apart from the page.
LAYER_NAMES = {
    **{kind: name for kind, name in HIDDEN_LAYERS.items() if kind not in ALONE_PARTS},
    "footnote": "脚注",
    "endnote": "尾注",
}
# The source the HTML extractor gives an article's units (scanner.extract.html).
ARTICLE = "article"
# Layers of which each unit stands apart (one comment, one note): each has a head of its own.
SEPARATE_UNITS = frozenset({"comment", "annotation", "notes", "footnote", "endnote", "form"})
# Layers that run within the body's text: at its place in page one's head block they are in it.
IN_FLOW = frozenset({"deleted", "inserted", "hidden"})


@dataclass(frozen=True, kw_only=True)
class Positions:
    """Where the mark positions of one document are, by unit index."""

    head: Mapping[int, int]  # unit index -> 1-based line in page one's head block
    page_edges: Mapping[int, str]  # unit index -> evidence (top / bottom of page N)
    non_empty: tuple[int, ...]  # indexes of non-empty units, in order
    layer_heads: Mapping[int, str]  # unit index -> evidence (head of a hidden layer)


def positions_of(views: Sequence[UnitView], grammar: Grammar) -> Positions:
    """Find the head block of page one and the top and bottom lines of later pages."""
    head: dict[int, int] = {}
    by_page: dict[int, list[int]] = {}
    non_empty: list[int] = []
    layer_heads: dict[int, str] = {}
    layer_lines: dict[tuple[str, str, int | None], int] = {}
    units = units_of(views)
    # A web page is an article inside a site's template (the HTML extractor
    # marks the article's units ``source="article"``): its head block is at
    # the article's start, not in the navigation above it.
    article = next((i for i, unit in enumerate(units) if unit.source == ARTICLE and unit.part in HEAD_PARTS), None)
    # over the texts and units, not the views: a DocumentViews makes a view
    # only for a unit that is looked at
    for position, (text, unit) in enumerate(zip(texts_of(views), units, strict=True)):
        if not text.strip():
            continue
        non_empty.append(position)
        if article is not None and position < article and unit.part in ("body", "table") and unit.source != ARTICLE:
            continue  # the site's template before the article: not the document's head (a picture's text is kept)
        if unit.seal:
            # a stamp is a mark position of its own (mark_place); a seal's lines, which
            # follow their page's, must not push its last lines out of the page's bottom
            continue
        if unit.part not in HEAD_PARTS:
            kind = part_kind(unit.part)
            if kind in LAYER_NAMES:
                evidence = _layer_head(unit.part, unit.source, unit.paragraph, unit.page, layer_lines, len(head), grammar)
                if evidence is not None:
                    layer_heads[position] = evidence
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
    return Positions(head=head, page_edges=edges, non_empty=tuple(non_empty), layer_heads=layer_heads)


def _layer_head(
    part: str,
    source: str,
    paragraph: int | None,
    page: int | None,
    lines: dict[tuple[str, str, int | None], int],
    head_lines: int,
    grammar: Grammar,
) -> str | None:
    """Evidence when a unit of a hidden layer is among the first lines of that layer.

    ``lines`` counts the lines seen so far per layer; ``head_lines`` how many
    lines of page one's head block came before the unit.
    """
    kind = part_kind(part)
    key = (part, source, paragraph if kind in SEPARATE_UNITS else None)
    line = lines[key] = lines.get(key, 0) + 1
    name = LAYER_NAMES[kind]
    if kind in IN_FLOW and (page or 1) == 1 and head_lines < grammar.head_block_units:
        return f"位于第一页版头处的{name}（版头第{head_lines + 1}行）"
    if line <= grammar.head_block_units:
        return f"位于{name}开头（第{line}行）"
    return None


# The evidence of a line OCR read inside a red seal (scanner.ocr_seal).
SEAL_PLACE = "位于印章内（红色印章中的文字，印章即标志）"


def mark_place(unit: TextUnit) -> str | None:
    """The evidence when ``unit`` is a mark position by what it is, wherever it stands; else ``None``.

    A header, a footer or a text box is one (:data:`MARK_PARTS`), and so is
    a seal: a stamp is put on a page to mark it, so 机密 or 内部资料 in a
    red seal is a mark in the middle of page two as at the head of page one.
    """
    if unit.seal:
        return SEAL_PLACE
    return MARK_PARTS.get(unit.part)


def mark_position(view: UnitView, position: int, positions: Positions, *, alone: bool) -> str | None:
    """Evidence text when ``view`` is a mark position, else ``None``.

    ``position`` is the view's place in the list given to
    :func:`detect_markings`; ``alone`` says whether the candidate stands
    alone on its line (the head block and page edges need that).
    """
    unit = view.unit
    place = mark_place(unit)
    if place is not None:
        return place
    if not alone:
        return None
    if unit.part in ALONE_PARTS:
        return ALONE_PARTS[unit.part]
    if unit.cell == (0, 0):
        return "位于表格首格"
    if position in positions.head:
        return f"位于第一页版头（第{positions.head[position]}行）"
    if position in positions.layer_heads:
        return positions.layer_heads[position]
    return positions.page_edges.get(position)
