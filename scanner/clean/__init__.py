"""A clean copy a publisher can put online: strip every hidden layer, then prove it by scanning again.

One module per format family does the stripping (:mod:`.docx`,
:mod:`.xlsx`, :mod:`.pptx` over the package editor in :mod:`.ooxml`,
:mod:`.pdf`, :mod:`.html`; :mod:`.legacy` converts old binary formats
first); :mod:`.proof` compares the scans before and after; :mod:`.command`
is ``secscan clean``.  The scanner is used only through
:mod:`scanner.pipeline` and its result types.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CLEANABLE = ("docx", "xlsx", "pptx", "pdf", "html")


class CleanRefused(Exception):
    """The document is not cleaned, for the reason given (Chinese / English)."""


@dataclass(frozen=True, kw_only=True)
class CleanOptions:
    """What to remove beyond the layers that are always removed.

    Always removed: tracked changes (insertions accepted), comments,
    custom XML, personal and descriptive properties, thumbnails, printer
    settings; PDF annotations, document information, XMP, attachments,
    JavaScript and open actions, earlier revisions; HTML comments.
    ``keep`` gives title/subject/keywords/description values the clean copy
    should carry instead.
    """

    hidden: bool = False  # hidden text, rows, columns, sheets, slides; hidden HTML elements
    notes: bool = False  # speaker notes
    alt_text: bool = False  # image alt text
    form_values: bool = False  # PDF form-field values
    attributes: bool = False  # HTML attributes that carried findings
    redact: bool = False  # remove text under black boxes instead of refusing
    keep: dict[str, str] = field(default_factory=dict)
    # HTML: attribute values the first scan found something in
    flagged_texts: tuple[str, ...] = ()
    # PDF: text the first scan found under black boxes, for the report
    redaction_texts: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Cleaned:
    data: bytes
    format: str
    removed: tuple[str, ...]  # the layers taken out, in Chinese
    redacted: tuple[str, ...] = ()  # text removed from under black boxes, exactly
    # where removed hidden sheets or slides were (their units' source), so the proof expects them gone
    dropped_sources: frozenset[str] = frozenset()
    converted_from: str = ""  # the legacy format converted before cleaning


def clean_bytes(data: bytes, kind: str, options: CleanOptions) -> Cleaned:
    """Clean ``data`` of format ``kind`` (one of :data:`CLEANABLE`).

    Raises :class:`CleanRefused` when the document cannot be cleaned as
    asked (a failed redaction without ``redact``, a corrupt package ...).
    """
    from scanner.clean.ooxml import PackageError

    try:
        if kind == "docx":
            from scanner.clean import docx

            cleaned, removed, dropped = docx.clean(data, options)
        elif kind == "xlsx":
            from scanner.clean import xlsx

            cleaned, removed, dropped = xlsx.clean(data, options)
        elif kind == "pptx":
            from scanner.clean import pptx

            cleaned, removed, dropped = pptx.clean(data, options)
        elif kind == "pdf":
            from scanner.clean import pdf

            cleaned, removed, redacted = pdf.clean(data, options)
            return Cleaned(data=cleaned, format=kind, removed=tuple(removed), redacted=tuple(redacted))
        elif kind == "html":
            from scanner.clean import html

            cleaned, removed, dropped = html.clean(data, options)
        else:
            raise CleanRefused(f"不支持清理 {kind} 格式的文件 / cannot clean {kind} files")
    except PackageError as error:
        raise CleanRefused(str(error)) from error
    return Cleaned(data=cleaned, format=kind, removed=tuple(removed), dropped_sources=frozenset(dropped))
