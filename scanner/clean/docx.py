"""Word (.docx): accept tracked changes, remove comments, hidden text and the package's private parts.

Every story part is edited (body, headers, footers, footnotes, endnotes):
insertions are accepted (the ``w:ins`` / ``w:moveTo`` wrapper goes, its
runs stay), deletions are dropped (``w:del`` / ``w:moveFrom`` with their
text), formatting revisions (``w:rPrChange``, ``w:pPrChange`` ...) lose
the old formatting they keep, a deleted paragraph mark joins its paragraph
to the next one, as Word's "accept all" does.  Hidden text is a run whose
own properties say ``w:vanish``, or whose character or paragraph style does
(resolved by :mod:`scanner.extract.docx_styles`, as the extractor reads it).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from scanner.clean.ooxml import (
    Package,
    clean_alt_text,
    clean_custom_xml,
    clean_package_extras,
    clean_properties,
    q,
    remove_keeping_tail,
    unwrap,
    xml_parts,
)
from scanner.extract.docx_styles import NO_HIDDEN_STYLES, HiddenStyles, hidden_styles, vanish_of

if TYPE_CHECKING:
    from lxml.etree import _Element

    from scanner.clean import CleanOptions

_STORY = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")

# Wrappers of accepted content, and revision records that only keep old state.
ACCEPT = ("ins", "moveTo")
DROP = ("del", "moveFrom")
OLD_STATE = ("rPrChange", "pPrChange", "sectPrChange", "tblPrChange", "tblPrExChange", "trPrChange", "tcPrChange",
             "tblGridChange", "numberingChange")
RANGE_MARKS = ("moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd",
               "customXmlInsRangeStart", "customXmlInsRangeEnd", "customXmlDelRangeStart", "customXmlDelRangeEnd",
               "customXmlMoveFromRangeStart", "customXmlMoveFromRangeEnd", "customXmlMoveToRangeStart",
               "customXmlMoveToRangeEnd")
COMMENT_MARKS = ("commentRangeStart", "commentRangeEnd")
COMMENT_KINDS = ("/comments", "/commentsExtended", "/commentsIds", "/commentsExtensible", "/people")


def clean(data: bytes, options: CleanOptions) -> tuple[bytes, list[str], list[str]]:
    """The cleaned package, what was removed (Chinese, for the report) and the dropped sources (none).

    Raises :class:`~scanner.clean.ooxml.PackageError` for a package that cannot be edited.
    """
    package = Package.open(data)
    stories = xml_parts(package, lambda name: bool(_STORY.match(name)))
    styles = _styles(package) if options.hidden else NO_HIDDEN_STYLES
    for part in stories:
        root = package.xml(part)
        if accept_revisions(root):
            package.touch(part)
            package.note("修订（已接受插入、删除被删内容）")
        if remove_comment_marks(root):
            package.touch(part)
        if options.hidden and remove_hidden_runs(root, styles):
            package.touch(part)
            package.note("隐藏文字")
    for kind in COMMENT_KINDS:
        if package.remove_related("word/document.xml", kind):
            package.note("批注")
    for name in [n for n in package.names if re.match(r"^word/comments\w*\.xml$", n)]:
        package.remove_part(name)  # a comments part that no relationship named
        package.note("批注")
    _clean_settings(package)
    clean_custom_xml(package, stories)
    clean_properties(package, options.keep)
    clean_package_extras(package)
    if options.alt_text:
        clean_alt_text(package, stories)
    return package.save(), package.removed, []


def accept_revisions(root: _Element) -> bool:
    changed = False
    for row in list(root.iter(q("w", "tr"))):
        properties = row.find(q("w", "trPr"))
        if properties is not None and properties.find(q("w", "del")) is not None:
            row.getparent().remove(row)  # type: ignore[union-attr]
            changed = True
    for local in DROP:
        for element in list(root.iter(q("w", local))):
            parent = element.getparent()
            if parent is None:
                continue
            if parent.tag == q("w", "rPr"):
                continue  # a deleted paragraph mark: handled below
            remove_keeping_tail(element)
            changed = True
    for element in list(root.iter(q("w", "delText"))):  # delText outside w:del: never visible
        run = element.getparent()
        if run is not None:
            run.remove(element)
            changed = True
    for local in ACCEPT:
        for element in list(root.iter(q("w", local))):
            parent = element.getparent()
            if parent is not None and parent.tag in (q("w", "rPr"), q("w", "trPr")):
                parent.remove(element)  # an inserted paragraph mark or row: now simply there
            else:
                unwrap(element)
            changed = True
    for local in (*OLD_STATE, *RANGE_MARKS, "cellIns"):
        for element in list(root.iter(q("w", local))):
            remove_keeping_tail(element)
            changed = True
    for mark in list(root.iter(q("w", "del"))):  # left: marks in a paragraph's or row's properties
        parent = mark.getparent()
        holder = parent.getparent() if parent is not None else None
        if parent is None or holder is None:
            continue
        parent.remove(mark)
        changed = True
        if holder.tag == q("w", "pPr"):
            _join_with_next(holder.getparent())
    for cell in list(root.iter(q("w", "tc"))):
        properties = cell.find(q("w", "tcPr"))
        if properties is not None and (mark := properties.find(q("w", "cellDel"))) is not None:
            properties.remove(mark)
            changed = True
    return changed


def _join_with_next(paragraph: _Element | None) -> None:
    """A deleted paragraph mark: the paragraph's content moves to the start of the next paragraph."""
    if paragraph is None or paragraph.tag != q("w", "p"):
        return
    following = paragraph.getnext()
    if following is None or following.tag != q("w", "p"):
        return
    content = [child for child in paragraph if child.tag != q("w", "pPr")]
    anchor = following.find(q("w", "pPr"))
    index = 0 if anchor is None else following.index(anchor) + 1
    for offset, child in enumerate(content):
        following.insert(index + offset, child)
    paragraph.getparent().remove(paragraph)  # type: ignore[union-attr]


def remove_comment_marks(root: _Element) -> bool:
    changed = False
    for local in COMMENT_MARKS:
        for element in list(root.iter(q("w", local))):
            remove_keeping_tail(element)
            changed = True
    for reference in list(root.iter(q("w", "commentReference"))):
        run = reference.getparent()
        if run is None:
            continue
        run.remove(reference)
        changed = True
        if run.tag == q("w", "r") and all(child.tag == q("w", "rPr") for child in run):
            remove_keeping_tail(run)
    return changed


def remove_hidden_runs(root: _Element, styles: HiddenStyles = NO_HIDDEN_STYLES) -> bool:
    """Remove every hidden run: ``w:vanish`` on the run, or (with ``styles``) through its styles."""
    changed = False
    paragraph_hidden: dict[_Element, bool] = {}
    for run in list(root.iter(q("w", "r"))):
        if styles:
            paragraph = next(run.iterancestors(q("w", "p")), None)
            if paragraph is not None and paragraph not in paragraph_hidden:
                paragraph_hidden[paragraph] = styles.paragraph_hidden(paragraph)
            hidden = styles.run_hidden(run, paragraph_hidden.get(paragraph, styles.document)
                                       if paragraph is not None else styles.document)
        else:
            hidden = bool(vanish_of(run.find(q("w", "rPr"))))
        if hidden:
            remove_keeping_tail(run)
            changed = True
    return changed


def _styles(package: Package) -> HiddenStyles:
    """The hiding styles of the document's styles part (named by its relationship)."""
    for rel in package.rel_targets("word/document.xml", "/styles"):
        if not rel.external and package.has(rel.target):
            return hidden_styles(package.data[rel.target])
    return NO_HIDDEN_STYLES


def _clean_settings(package: Package) -> None:
    """The attached template's path names the author's machine; revision tracking is turned off."""
    settings = "word/settings.xml"
    if not package.has(settings):
        return
    root = package.xml(settings)
    for local in ("attachedTemplate", "trackRevisions"):
        for element in root.findall(q("w", local)):
            root.remove(element)
            package.touch(settings)
            if local == "attachedTemplate":
                package.note("模板路径")
    for rel in package.rel_targets(settings, "/attachedTemplate"):
        package.drop_rel(settings, rel.id)
