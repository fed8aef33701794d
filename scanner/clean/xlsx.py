"""Excel (.xlsx): remove comments, hidden sheets, rows and columns, and the package's private parts.

A removed hidden sheet also leaves ``workbook.xml`` (its ``sheet`` entry,
defined names scoped to it or naming it, the active tab), the calculation
chain (Excel rebuilds it) and the shared strings: every string no remaining
cell uses is dropped and the indexes renumbered, since a string table that
still holds the hidden sheet's text has not been cleaned.
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
    from lxml.etree import _Element

    from scanner.clean import CleanOptions

WORKBOOK = "xl/workbook.xml"
_TRUE = {"1", "true"}
COMMENT_KINDS = ("/comments", "/threadedComment", "/vmlDrawing")
_CELL = re.compile(r"^([A-Z]+)(\d+)$")


def clean(data: bytes, options: CleanOptions) -> tuple[bytes, list[str], list[str]]:
    """The cleaned workbook, what was removed and the names of the hidden sheets removed."""
    package = Package.open(data)
    if not package.has(WORKBOOK):
        raise PackageError("工作簿缺少 xl/workbook.xml / workbook part missing")
    sheets = _sheets(package)
    if options.hidden:
        for name, target in [(n, t) for n, t, hidden in sheets if hidden]:
            if len(_sheets(package)) == 1:
                raise PackageError("工作簿只有隐藏的工作表，无法删除 / the only sheet is hidden")
            _remove_sheet(package, name, target)
            package.dropped.append(name)
            package.note("隐藏的工作表")
    for _name, target, _hidden in _sheets(package):
        for kind in COMMENT_KINDS:
            if package.remove_related(target, kind):
                package.note("批注")
        if options.hidden and _remove_hidden_cells(package, target):
            package.note("隐藏的行和列")
    for kind in ("/person",):  # threaded comments' authors
        package.remove_related(WORKBOOK, kind)
    if package.dropped or options.hidden:
        _rebuild_shared_strings(package)
    _clean_workbook(package)
    clean_custom_xml(package, ())
    clean_properties(package, options.keep)
    clean_package_extras(package)
    if options.alt_text:
        clean_alt_text(package, xml_parts(package, lambda n: n.startswith("xl/drawings/")))
    return package.save(), package.removed, package.dropped


def _sheets(package: Package) -> list[tuple[str, str, bool]]:
    """(name, part, hidden) of every sheet, in order."""
    root = package.xml(WORKBOOK)
    targets = {rel.id: rel.target for rel in package.rels(WORKBOOK)}
    found = []
    for sheet in root.iter(q("s", "sheet")):
        target = targets.get(sheet.get(q("r", "id"), ""), "")
        found.append((sheet.get("name", ""), target, sheet.get("state") in ("hidden", "veryHidden")))
    return found


def _remove_sheet(package: Package, name: str, target: str) -> None:
    root = package.xml(WORKBOOK)
    entries = list(root.iter(q("s", "sheet")))
    index = next(i for i, sheet in enumerate(entries) if sheet.get("name") == name)
    entry = entries[index]
    rel_id = entry.get(q("r", "id"), "")
    entry.getparent().remove(entry)  # type: ignore[union-attr]
    for related in package.rels(target):  # drawings, comments, tables of the sheet
        if not related.external and related.target.endswith(".xml") and "/worksheets/" not in related.target:
            package.remove_part(related.target)
    package.remove_part(target)
    package.drop_rel(WORKBOOK, rel_id)
    names = root.find(q("s", "definedNames"))
    if names is not None:
        quoted = (f"'{name}'!", f"{name}!")
        for defined in list(names):
            scope = defined.get("localSheetId")
            if (scope is not None and int(scope) == index) or any(ref in (defined.text or "") for ref in quoted):
                names.remove(defined)
            elif scope is not None and int(scope) > index:
                defined.set("localSheetId", str(int(scope) - 1))
        if len(names) == 0:
            root.remove(names)
    count = len(list(root.iter(q("s", "sheet"))))
    for view in root.iter(q("s", "workbookView")):
        for attribute in ("activeTab", "firstSheet"):
            if int(view.get(attribute, "0")) >= count:
                view.set(attribute, "0")
    if package.has("xl/calcChain.xml"):
        package.remove_part("xl/calcChain.xml")
    package.touch(WORKBOOK)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _remove_hidden_cells(package: Package, target: str) -> bool:
    """Cells in hidden rows and columns go; the rows and columns are shown again (now empty)."""
    root = package.xml(target)
    hidden_columns: set[int] = set()
    changed = False
    for column in root.iter(q("s", "col")):
        if column.get("hidden") in _TRUE:
            hidden_columns.update(range(int(column.get("min", "1")), int(column.get("max", "1")) + 1))
            del column.attrib["hidden"]
            changed = True
    for row in root.iter(q("s", "row")):
        if row.get("hidden") in _TRUE:
            for cell in list(row):
                row.remove(cell)
            del row.attrib["hidden"]
            changed = True
            continue
        for cell in list(row.iter(q("s", "c"))):
            match = _CELL.match(cell.get("r", ""))
            if match and _column_number(match.group(1)) in hidden_columns:
                row.remove(cell)
                changed = True
    if changed:
        package.touch(target)
    return changed


def _rebuild_shared_strings(package: Package) -> None:
    shared = [rel.target for rel in package.rel_targets(WORKBOOK, "/sharedStrings")]
    if not shared or not package.has(shared[0]):
        return
    table = package.xml(shared[0])
    items = list(table.iter(q("s", "si")))
    used: dict[int, int] = {}
    cells: list[_Element] = []
    for _name, target, _hidden in _sheets(package):
        for cell in package.xml(target).iter(q("s", "c")):
            value = cell.find(q("s", "v"))
            if cell.get("t") == "s" and value is not None and (value.text or "").strip().isdigit():
                used.setdefault(int(value.text), len(used))  # type: ignore[arg-type]
                cells.append(cell)
    if len(used) == len(items):
        return
    order = sorted(used, key=used.get)  # type: ignore[arg-type]
    for item in items:
        table.remove(item)
    for old in order:
        if old < len(items):
            table.append(items[old])
    renumber = {old: new for new, old in enumerate(order)}
    for cell in cells:
        value = cell.find(q("s", "v"))
        assert value is not None
        value.text = str(renumber[int(value.text or "0")])
    table.set("uniqueCount", str(len(order)))
    table.set("count", str(len(cells)))
    package.touch(shared[0])
    for _name, target, _hidden in _sheets(package):
        package.touch(target)


def _clean_workbook(package: Package) -> None:
    """The workbook's saved folder path (``x15ac:absPath``) names the author's machine."""
    root = package.xml(WORKBOOK)
    for element in list(root.iter()):
        if isinstance(element.tag, str) and element.tag.endswith("}absPath"):
            holder = element
            while holder.getparent() is not None and holder.getparent() is not root:
                holder = holder.getparent()  # type: ignore[assignment]
            root.remove(holder)
            package.touch(WORKBOOK)
            package.note("文件保存路径")
