"""PowerPoint (.pptx): remove comments, speaker notes and hidden slides on request, and the private parts.

A removed hidden slide leaves ``presentation.xml`` (its ``p:sldId``, and
the section and custom-show lists that name it) and takes its notes and
comments with it; the slide layouts and masters stay, as they are shared.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from scanner.clean.ooxml import (
    Package,
    PackageError,
    clean_alt_text,
    clean_custom_xml,
    clean_package_extras,
    clean_properties,
    q,
    xml_parts,
)

if TYPE_CHECKING:
    from scanner.clean import CleanOptions

PRESENTATION = "ppt/presentation.xml"
COMMENT_KINDS = ("/comments",)
AUTHOR_KINDS = ("/commentAuthors", "/authors")
_SLIDE = re.compile(r"^ppt/slides/slide\d+\.xml$")


def clean(data: bytes, options: CleanOptions) -> tuple[bytes, list[str], list[str]]:
    """The cleaned presentation, what was removed and the parts of the hidden slides removed."""
    package = Package.open(data)
    if not package.has(PRESENTATION):
        raise PackageError("演示文稿缺少 ppt/presentation.xml / presentation part missing")
    slides = _slides(package)
    if options.hidden:
        hidden = [(sld_id, target) for sld_id, target in slides if _is_hidden(package, target)]
        if hidden and len(hidden) == len(slides):
            raise PackageError("所有幻灯片都是隐藏的，无法删除 / every slide is hidden")
        for sld_id, target in hidden:
            _remove_slide(package, sld_id, target)
            package.dropped.append(target)
            package.note("隐藏的幻灯片")
    for _sld_id, target in _slides(package):
        for kind in COMMENT_KINDS:
            if package.remove_related(target, kind):
                package.note("批注")
        if options.notes and package.remove_related(target, "/notesSlide"):
            package.note("演讲者备注")
    for kind in AUTHOR_KINDS:
        package.remove_related(PRESENTATION, kind)
    for name in [n for n in package.names if n.startswith("ppt/comments/")]:
        package.remove_part(name)  # comments no slide pointed at
        package.note("批注")
    clean_custom_xml(package, ())
    clean_properties(package, options.keep)
    clean_package_extras(package)
    if options.alt_text:
        clean_alt_text(package, xml_parts(package, lambda n: bool(_SLIDE.match(n))))
    return package.save(), package.removed, package.dropped


def _slides(package: Package) -> list[tuple[str, str]]:
    """(slide id, part) of every slide, in order."""
    targets = {rel.id: rel.target for rel in package.rels(PRESENTATION)}
    return [
        (sld.get("id", ""), targets.get(sld.get(q("r", "id"), ""), ""))
        for sld in package.xml(PRESENTATION).iter(q("p", "sldId"))
    ]


def _is_hidden(package: Package, target: str) -> bool:
    return package.has(target) and package.xml(target).get("show") in ("0", "false")


def _remove_slide(package: Package, sld_id: str, target: str) -> None:
    root = package.xml(PRESENTATION)
    for sld in list(root.iter(q("p", "sldId"))):
        if sld.get("id") == sld_id:
            rel_id = sld.get(q("r", "id"), "")
            sld.getparent().remove(sld)  # type: ignore[union-attr]
            package.drop_rel(PRESENTATION, rel_id)
    # Sections (p14:sldId id=...) and custom shows (p:sld r:id=...) name slides too.
    for element in list(root.iter()):
        if isinstance(element.tag, str) and element.tag.endswith("}sldId") and element.get("id") == sld_id:
            element.getparent().remove(element)  # type: ignore[union-attr]
    for kind in ("/notesSlide", "/comments"):
        package.remove_related(target, kind)
    package.remove_part(target)
    package.touch(PRESENTATION)
