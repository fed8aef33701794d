"""Which Word styles hide their text (``w:vanish`` in ``word/styles.xml``).

Text can be hidden without any mark on the run itself: a character style
(``w:rStyle``) or the paragraph's style (``w:pStyle``, or the default
paragraph style) whose run properties say ``w:vanish``, directly or through
``w:basedOn``, or the document defaults (``w:rPrDefault``).  The extractor
reads such runs as the ``hidden`` layer and ``secscan clean --hidden``
removes them, so both ask this module.

Precedence, as Word applies it to a run: its own ``w:vanish`` (on or
``w:val="0"`` off) wins; then its character style; then its paragraph's
style; then the document defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.etree import _Element

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OFF = {"0", "false", "off"}
_MAX_CHAIN = 32  # basedOn chains longer than this (or a loop) are cut


def vanish_of(rpr: _Element | None) -> bool | None:
    """``True``/``False`` when ``rpr`` sets ``w:vanish`` on or off, ``None`` when it says nothing."""
    if rpr is None:
        return None
    vanish = rpr.find(_W + "vanish")
    if vanish is None:
        return None
    return vanish.get(_W + "val", "true") not in _OFF


@dataclass(frozen=True)
class HiddenStyles:
    """The styles of one document that hide or show their runs' text.

    ``paragraph`` / ``character`` map a style id to its resolved ``vanish``
    (only styles that decide it); ``default_paragraph`` is the id of the
    default paragraph style; ``document`` the document defaults' value.
    """

    paragraph: dict[str, bool] = field(default_factory=dict)
    character: dict[str, bool] = field(default_factory=dict)
    default_paragraph: str = ""
    document: bool = False

    def __bool__(self) -> bool:
        return self.document or any(self.paragraph.values()) or any(self.character.values())

    def paragraph_hidden(self, p: _Element) -> bool:
        """Whether a run of paragraph ``p`` with no say of its own and no character style is hidden."""
        ppr = p.find(_W + "pPr")
        style = ppr.find(_W + "pStyle") if ppr is not None else None
        name = style.get(_W + "val", "") if style is not None else self.default_paragraph
        return self.paragraph.get(name, self.document)

    def run_hidden(self, r: _Element, paragraph_hidden: bool) -> bool:
        """Whether run ``r`` is hidden, given its paragraph's :meth:`paragraph_hidden`."""
        rpr = r.find(_W + "rPr")
        own = vanish_of(rpr)
        if own is not None:
            return own
        style = rpr.find(_W + "rStyle") if rpr is not None else None
        if style is not None:
            decided = self.character.get(style.get(_W + "val", ""))
            if decided is not None:
                return decided
        return paragraph_hidden


NO_HIDDEN_STYLES = HiddenStyles()


def hidden_styles(raw: bytes | None) -> HiddenStyles:
    """The styles part's hiding styles; :data:`NO_HIDDEN_STYLES` when none can hide (the usual case).

    ``raw`` is ``word/styles.xml`` (or ``None`` when the package has none);
    a part that does not mention ``vanish`` is not parsed.  A part that
    cannot be parsed hides nothing here (the extractor reports bad parts).
    """
    if not raw or b"vanish" not in raw:
        return NO_HIDDEN_STYLES
    from lxml import etree

    try:
        root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError:
        return NO_HIDDEN_STYLES
    own: dict[tuple[str, str], bool | None] = {}
    based: dict[tuple[str, str], str] = {}
    default_paragraph = ""
    for style in root.iter(_W + "style"):
        kind, name = style.get(_W + "type", "paragraph"), style.get(_W + "styleId", "")
        own[(kind, name)] = vanish_of(style.find(_W + "rPr"))
        parent = style.find(_W + "basedOn")
        if parent is not None:
            based[(kind, name)] = parent.get(_W + "val", "")
        if kind == "paragraph" and style.get(_W + "default") in ("1", "true"):
            default_paragraph = name
    defaults = root.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr")
    document = bool(vanish_of(defaults))

    def resolved(kind: str, name: str) -> bool | None:
        key, seen = (kind, name), 0
        while key in own and seen < _MAX_CHAIN:
            if own[key] is not None:
                return own[key]
            if key not in based:
                return None
            key, seen = (kind, based[key]), seen + 1
        return None

    decided = {key: resolved(*key) for key in own}
    return HiddenStyles(
        paragraph={name: value for (kind, name), value in decided.items() if kind == "paragraph" and value is not None},
        character={name: value for (kind, name), value in decided.items() if kind == "character" and value is not None},
        default_paragraph=default_paragraph,
        document=document,
    )


# Resolved styles by the styles part's (CRC-32, size) from the zip directory: a batch's documents
# mostly share a template, and reading and searching a 350 KB styles part (python-docx's template)
# cost more than reading the rest of a short document.  A (CRC, size) collision can only make
# style-hidden text read as visible body text (still matched) or the reverse.
_CACHE: dict[tuple[int, int], HiddenStyles] = {}
_CACHE_SIZE = 64


def hidden_styles_of(key: tuple[int, int], read: Callable[[], bytes]) -> HiddenStyles:
    """:func:`hidden_styles` of the part ``read`` returns, remembered by ``key`` (its CRC-32 and size)."""
    found = _CACHE.get(key)
    if found is None:
        found = hidden_styles(read())
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = found
    return found
