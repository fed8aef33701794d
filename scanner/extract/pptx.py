"""PowerPoint (.pptx) extraction: slides in presentation order, speaker
notes, hidden slides, comments and properties.

Slide text is one unit per DrawingML paragraph (part ``slide``, ``page`` =
slide number); notes are part ``notes`` on the same page.  A hidden slide
(``show="0"``) is not shown in the slide show but ships with the file, so
its text is read and a notice names it.
"""

from __future__ import annotations

import re

from scanner.extract._common import Collector, ExtractError
from scanner.extract._images import package_pictures
from scanner.extract._ooxml import Package, account, embedded_objects_notice, q, read_properties
from scanner.roles import NoticeKind

A_P, A_T, A_FLD, A_BR = q("a", "p"), q("a", "t"), q("a", "fld"), q("a", "br")
C_NV_PR = q("p", "cNvPr")
PH = q("p", "ph")
# Placeholders on a notes page that repeat the slide or number it.
_NOTES_SKIP = {"sldImg", "sldNum", "hdr", "ftr", "dt"}
_COMMENTS = re.compile(r"^ppt/comments/(modernComment|comment)[^/]*\.xml$")


def extract(data: bytes, out: Collector) -> None:
    package = Package(data)
    main = package.main_part("ppt/presentation.xml")
    presentation = package.xml(main)
    rels = package.rels(main)
    id_list = presentation.find(q("p", "sldIdLst"))
    slide_ids = list(id_list.iter(q("p", "sldId"))) if id_list is not None else []
    hidden: list[tuple[int, str]] = []
    read: set[str] = set()
    for number, slide_id in enumerate(slide_ids, start=1):
        target = rels.get(slide_id.get(q("r", "id"), ""))
        if target is None or not package.has(target):
            out.error(f"第{number}张幻灯片缺失 / slide {number} is missing")
            continue
        if target in read:
            continue  # one slide part listed many times (a 120 kB file, 50,000 times): read once
        read.add(target)
        try:
            root = package.xml(target)
        except ExtractError as error:
            out.error(str(error))
            continue
        texts = _slide(root, number, target, out)
        if root.get("show") in ("0", "false"):
            hidden.append((number, " ".join(texts)))
        for notes in package.rels(target, "/notesSlide").values():
            if package.has(notes):
                try:
                    _notes(package, notes, number, out)
                except ExtractError as error:
                    out.error(str(error))
    out.pages = len(slide_ids)
    if hidden:
        numbers = "、".join(f"第{n}张" for n, _ in hidden)
        out.notice(
            NoticeKind.HIDDEN_SLIDE,
            text=(next((t for _, t in hidden if t.strip()), ""))[:80],
            part="slide",
            page=hidden[0][0],
            detail=f"{len(hidden)} 张隐藏幻灯片：{numbers}",
        )
    for name in sorted(n for n in package.names if _COMMENTS.match(n)):
        try:
            root = package.xml(name)
        except ExtractError as error:
            out.error(str(error))
            continue
        # Legacy comments keep text in p:text, modern ones in a:t runs.
        for index, comment in enumerate(root, start=1):
            text = "".join(t.text or "" for t in comment.iter(q("p", "text"), A_T))
            out.add(text.strip(), part="comment", source=name, paragraph=index)
    kinds = _masters(package, main, out)
    read_properties(package, out)
    package_pictures(package, out, "ppt/media/")
    embedded_objects_notice(package, out, "ppt/media/", "ppt/embeddings/")
    # the text of masters and layouts not read is their placeholders' prompts
    account(package, out, kinds, prompts_only=frozenset(kinds))


# Placeholders of a master or layout whose text shows on the slides that use them.
_SHOWN_PLACEHOLDERS = {"ftr"}


def _masters(package: Package, main: str, out: Collector) -> dict[str, str]:
    """Text on slide masters and layouts (part ``master``): a banner, a footer, a logo's words.

    It is drawn on every slide built on them.  Placeholder prompts ("单击此处编辑母版标题样式")
    are replaced by each slide's own text and are not read, except a footer's.
    """
    kinds: dict[str, str] = {}
    masters = [(target, kind.rsplit("/", 1)[-1]) for _, kind, target in package.relationships(main)
               if kind.endswith(("/slideMaster", "/notesMaster", "/handoutMaster"))]
    layouts: list[str] = []
    for master, _ in masters:
        layouts += [t for _, kind, t in package.relationships(master) if kind.endswith("/slideLayout")]
    for name, kind in [*masters, *((lay, "slideLayout") for lay in sorted(set(layouts)))]:
        kinds[name] = kind
        if not package.has(name):
            out.unread(name, kind, "文档引用了此部件，但文件中缺少 / referenced but missing from the package",
                       part="master")
            continue
        try:
            root = package.xml(name)
        except ExtractError as error:
            out.unread(name, kind, str(error), part="master")
            continue
        index = 0
        for shape in root.iter(q("p", "sp")):
            placeholder = shape.find(f".//{PH}")
            if placeholder is not None and placeholder.get("type") not in _SHOWN_PLACEHOLDERS:
                continue
            for paragraph in shape.iter(A_P):
                index += 1
                out.add(_paragraph_text(paragraph), part="master", source=name, paragraph=index)
    return kinds


def _slide(root, number: int, source: str, out: Collector) -> list[str]:  # type: ignore[no-untyped-def]
    texts = []
    for index, paragraph in enumerate(root.iter(A_P), start=1):
        text = _paragraph_text(paragraph)
        if out.add(text, part="slide", page=number, source=source, paragraph=index):
            texts.append(text)
    for shape in root.iter(C_NV_PR):
        for attribute in ("descr", "title"):
            value = (shape.get(attribute) or "").strip()
            if value:
                out.add(value, part="alt-text", page=number, source=source, numbered=False)
    return texts


def _notes(package: Package, name: str, number: int, out: Collector) -> None:
    root = package.xml(name)
    index = 0
    for shape in root.iter(q("p", "sp")):
        placeholder = shape.find(f".//{PH}")
        if placeholder is not None and placeholder.get("type") in _NOTES_SKIP:
            continue
        for paragraph in shape.iter(A_P):
            index += 1
            out.add(_paragraph_text(paragraph), part="notes", page=number, source=name, paragraph=index)


def _paragraph_text(paragraph) -> str:  # type: ignore[no-untyped-def]
    pieces = []
    for element in paragraph.iter(A_T, A_BR):
        if element.tag == A_BR:
            pieces.append("\n")
        elif element.getparent().tag != A_FLD:  # fields are slide numbers and dates
            pieces.append(element.text or "")
    return "".join(pieces)
