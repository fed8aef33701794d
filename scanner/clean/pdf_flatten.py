"""Draw a page's form XObjects into the page itself, so that ``--redact`` can cut text that stood in a form.

Each ``/Name Do`` of a form on the page becomes ``q <form matrix> cm <form
content> Q``, and the form's resources join the page's (a name the page
already uses for another object is renamed in the form's operators).  The
page looks the same; the form's clipping box is dropped, which matters
only for content drawn outside it, which a reader does not see either way
(and the proof scan compares the text).  Forms inside forms are drawn in
too, to a depth of 8.  pypdf does the parsing and writing.
"""

from __future__ import annotations

import io
from typing import Any

from scanner.clean import CleanRefused

MAX_DEPTH = 8
# Operators whose last name operand names a resource, and the resource kind it names.
_NAMED = {b"Tf": "/Font", b"Do": "/XObject", b"gs": "/ExtGState", b"cs": "/ColorSpace", b"CS": "/ColorSpace",
          b"sh": "/Shading", b"scn": "/Pattern", b"SCN": "/Pattern", b"BDC": "/Properties", b"DP": "/Properties"}


def flatten_forms(data: bytes, pages: set[int]) -> bytes:
    """``data`` with the forms of ``pages`` (1-based) drawn into those pages.  Raises :class:`CleanRefused`."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError

    try:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        for number in sorted(pages):
            _flatten_page(writer, writer.pages[number - 1])
        out = io.BytesIO()
        writer.write(out)
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise CleanRefused(f"无法展开表单对象以删除其中的涂黑文字 / cannot flatten form XObjects: {error}") from error
    return out.getvalue()


def _flatten_page(writer: Any, page: Any) -> None:
    from pypdf.generic import ContentStream, DictionaryObject, NameObject

    if "/Resources" not in page:
        return
    resources = page["/Resources"].get_object()
    page[NameObject("/Resources")] = resources
    content = ContentStream(page.get_contents(), writer)
    content.operations = _inline(writer, content.operations, resources, 0)
    if "/XObject" not in resources:
        resources[NameObject("/XObject")] = DictionaryObject()
    page.replace_contents(content)


def _inline(writer: Any, operations: list[Any], resources: Any, depth: int) -> list[Any]:
    """``operations`` with each form they draw replaced by its own operations, its resources merged into ``resources``."""
    from pypdf.generic import ArrayObject, ContentStream, FloatObject

    xobjects = resources.get("/XObject")
    xobjects = xobjects.get_object() if xobjects is not None else {}
    result = []
    for operands, operator in operations:
        form = xobjects.get(operands[0]) if operator == b"Do" and operands else None
        form = form.get_object() if form is not None else None
        if form is None or form.get("/Subtype") != "/Form" or depth >= MAX_DEPTH:
            result.append((operands, operator))
            continue
        inner = ContentStream(form, writer).operations
        own = form.get("/Resources")
        if own is not None:
            inner = _merged(inner, own.get_object(), resources)
        matrix = form.get("/Matrix") or ArrayObject([FloatObject(v) for v in (1, 0, 0, 1, 0, 0)])
        result.append(([], b"q"))
        result.append((list(matrix), b"cm"))
        result.extend(_inline(writer, inner, resources, depth + 1))
        result.append(([], b"Q"))
    return result


def _merged(operations: list[Any], own: Any, resources: Any) -> list[Any]:
    """Add the form's resources ``own`` to the page's ``resources``; rename the form's names that clash."""
    from pypdf.generic import DictionaryObject, NameObject

    renamed: dict[tuple[str, str], str] = {}
    if own is resources:
        return operations  # the form uses the page's own resources
    for kind, entries in list(own.items()):
        entries = entries.get_object()
        if not isinstance(entries, dict):
            if kind not in resources:
                resources[NameObject(kind)] = entries
            continue
        target = resources.get(kind)
        if target is None:
            target = DictionaryObject()
            resources[NameObject(kind)] = target
        target = target.get_object()
        for name, value in list(entries.items()):
            if name in target and target[name] != value:
                fresh = _fresh(target, name)
                renamed[(kind, name)] = fresh
                target[NameObject(fresh)] = value
            elif name not in target:
                target[NameObject(name)] = value
    if not renamed:
        return operations
    result = []
    for operands, operator in operations:
        kind = _NAMED.get(operator)
        if kind is not None and operands:
            position = 0 if operator in (b"Tf", b"Do", b"gs", b"cs", b"CS", b"sh") else len(operands) - 1
            if operator in (b"BDC", b"DP"):
                position = 1 if len(operands) > 1 else 0
            name = operands[position]
            if isinstance(name, str) and (kind, name) in renamed:
                operands = [*operands[:position], NameObject(renamed[(kind, name)]), *operands[position + 1:]]
        result.append((operands, operator))
    return result


def _fresh(entries: Any, name: str) -> str:
    number = 1
    while f"{name}_f{number}" in entries:
        number += 1
    return f"{name}_f{number}"
