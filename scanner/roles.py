"""What code asks the catalogue for: the kinds of notice extractors raise and the roles rules play.

Code never names a rule by its id.  An extractor that sees a hidden sheet
raises a notice of kind ``hidden-sheet``; the decision asks for the rule
whose role is ``model``; the marking judgement emits a ``mark`` or a
``mark-mention``.  Which rule that is lives in the rule's data, as
``params.notice`` or ``params.role`` in ``lexicons/*.yaml``, so an id is
written in one place, next to the text a report shows for it.

The catalogue (:mod:`scanner.catalogue`) checks both ways when it loads
the shipped rules: every kind and role below has exactly one rule, and a
rule naming a kind or role not listed here is an error naming its file
and line.

The names are plain ``str`` class attributes, not an enum: the marking
grammar and the decision look roles up for every document, and an enum
member costs an attribute look-up through the enum's metaclass and a
dictionary look-up that is not the fast one for exact strings.
"""

from __future__ import annotations


class NoticeKind:
    """What an extractor saw that is a finding by itself (:class:`scanner.types.Notice`)."""

    # hidden layers that hold text (scanner.extract._common.LAYER_NOTICES)
    DELETED_REVISION = "deleted-revision"
    COMMENT = "comment"
    HIDDEN_TEXT = "hidden-text"
    SPEAKER_NOTES = "speaker-notes"
    ANNOTATION = "annotation"
    # parts of a package a reader does not see
    HIDDEN_SHEET = "hidden-sheet"
    HIDDEN_SLIDE = "hidden-slide"
    CUSTOM_XML = "custom-xml"
    ATTACHMENT = "attachment"
    EARLIER_REVISION = "earlier-revision"
    SITE_TEMPLATE = "site-template"
    # redactions that removed nothing
    DARK_BOX = "dark-box"
    UNAPPLIED_REDACTION = "unapplied-redaction"
    # what was not read
    UNREAD_EMBEDDED = "unread-embedded"  # pictures and embedded objects whose text nobody read (OCR off too)
    UNREAD_PART = "unread-part"
    DECORATIVE_IMAGE = "decorative-image"
    NO_TEXT_FOUND = "no-text-found"  # pictures in which OCR found no text


class Role:
    """A rule code raises itself (``kind: builtin``) or a marking outcome the judgement decides."""

    MODEL = "model"  # the residual-risk model asks for review
    UNREADABLE = "unreadable"  # a read error: fail closed
    PERSONAL_DATA_LIST = "personal-data-list"  # many persons' data in one document
    # the marking grammar's outcomes (scanner.markings.judge, internal)
    MARK = "mark"
    MARKING_NOTE = "marking-note"
    PREFIX_MARK = "prefix-mark"
    MARK_MENTION = "mark-mention"
    DECLASSIFIED_MARK = "declassified-mark"
    BARE_LEVEL = "bare-level"
    MARK_IN_TEXT = "mark-in-text"
    INTERNAL_MARK = "internal-mark"
    INTERNAL_MENTION = "internal-mention"
    WITHHELD_NOTE = "withheld-note"
    PUBLIC_NOTE = "public-note"


def _values(names: type) -> tuple[str, ...]:
    return tuple(value for name, value in vars(names).items() if name.isupper() and isinstance(value, str))


NOTICE_KINDS = _values(NoticeKind)
ROLES = _values(Role)
