"""Excel (.xlsx): remove comments, hidden sheets, rows and columns, and the package's private parts.

A removed hidden sheet also leaves ``workbook.xml`` (its ``sheet`` entry,
defined names scoped to it or naming it, the active tab), the calculation
chain (Excel rebuilds it) and the shared strings: every string no remaining
cell uses is dropped and the indexes renumbered, since a string table that
still holds the hidden sheet's text has not been cleaned.  A formula on a
remaining sheet that refers to a removed sheet (``底稿!B2``, ``'底 稿'!A1:A9``,
or a defined name that pointed there) would turn into ``#REF!``: it is
replaced by the value Excel saved for it, and a workbook that saved no
value for such a formula is refused (recalculate and save it first).  A
chart series that reads a removed sheet keeps its saved values as literals.
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
        names: list[str] = []
        for name, target in [(n, t) for n, t, hidden in sheets if hidden]:
            if len(_sheets(package)) == 1:
                raise PackageError("工作簿只有隐藏的工作表，无法删除 / the only sheet is hidden")
            names.extend(_remove_sheet(package, name, target))
            package.dropped.append(name)
            package.note("隐藏的工作表")
        if package.dropped:
            pattern = _reference_pattern(package.dropped, names)
            if _freeze_references(package, pattern):
                package.note("引用隐藏工作表的公式（已替换为保存的计算结果）")
            if _freeze_chart_references(package, pattern):
                package.note("引用隐藏工作表的图表数据（已替换为保存的数值）")
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


def _remove_sheet(package: Package, name: str, target: str) -> list[str]:
    """Remove the sheet and what belongs to it; returns the defined names removed with it."""
    removed_names: list[str] = []
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
                removed_names.append(defined.get("name", ""))
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
    return [name for name in removed_names if name]


# What may stand before a sheet or defined name in a formula (so 稿! does not match inside 底稿!).
_BEFORE = r"(?:^|(?<=[=(,+\-*/&^<>:;{}\s!%]))"


def _reference_pattern(sheets: list[str], names: list[str]) -> re.Pattern[str]:
    quoted = ["'" + re.escape(sheet.replace("'", "''")) + "'!" for sheet in sheets]
    plain = [_BEFORE + re.escape(sheet) + "!" for sheet in sheets]
    defined = [_BEFORE + re.escape(name) + r"(?![\w.(])" for name in names]
    return re.compile("|".join([*quoted, *plain, *defined]))


def _freeze_references(package: Package, pattern: re.Pattern[str]) -> bool:
    """Formulas that refer to a removed sheet (or a name defined on it) become the values Excel saved.

    Raises :class:`PackageError` when such a formula has no saved value.
    """
    changed = False
    for sheet_name, target, _hidden in _sheets(package):
        root = package.xml(target)
        frozen_groups: set[str] = set()
        formulas = [(cell, f) for cell in root.iter(q("s", "c")) if (f := cell.find(q("s", "f"))) is not None]
        for _cell, formula in formulas:  # shared formulas: the master holds the text for the group
            if formula.get("t") == "shared" and formula.text and pattern.search(formula.text):
                frozen_groups.add(formula.get("si", ""))
        for cell, formula in formulas:
            shared = formula.get("t") == "shared" and formula.get("si", "") in frozen_groups
            if not shared and not (formula.text and pattern.search(formula.text)):
                continue
            value = cell.find(q("s", "v"))
            if value is None or value.text is None:
                raise PackageError(
                    f"工作表“{sheet_name}”的单元格 {cell.get('r', '?')} 的公式引用了被删除的隐藏工作表，但文件中没有保存"
                    "计算结果，无法替换为数值：请在 Excel 中重新计算并保存后再清理，或不加 --hidden / a formula refers to "
                    "a removed hidden sheet and has no saved value"
                )
            cell.remove(formula)
            if cell.get("t") == "str":  # a formula's text result: now a plain inline string
                text = value.text
                cell.remove(value)
                cell.set("t", "inlineStr")
                inline = cell.makeelement(q("s", "is"), {})
                piece = inline.makeelement(q("s", "t"), {})
                piece.text = text
                if text != text.strip():
                    piece.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                inline.append(piece)
                cell.append(inline)
            changed = True
            package.touch(target)
    return changed


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


_C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
# A chart's reference to cells and the literal that holds the same values, and the cache it keeps them in.
_LITERALS = {_C + "numRef": (_C + "numLit", _C + "numCache"), _C + "strRef": (_C + "strLit", _C + "strCache")}


def _freeze_chart_references(package: Package, pattern: re.Pattern[str]) -> bool:
    """Chart series that read a removed sheet keep the values the chart saved, as literals.

    ``c:numRef``/``c:strRef`` become ``c:numLit``/``c:strLit`` holding their
    cache; a series name (``c:tx``) becomes its cached text.  Raises
    :class:`PackageError` when such a reference has no cache, or is a
    multi-level category reference (which has no literal form).
    """
    changed = False
    charts = [name for name in package.names if name.startswith("xl/charts/") and name.endswith(".xml")
              and "/_rels/" not in name]
    for name in charts:
        root = package.xml(name)
        for element in list(root.iter(*_LITERALS, _C + "multiLvlStrRef")):
            formula = element.find(_C + "f")
            if formula is None or not formula.text or not pattern.search(formula.text):
                continue
            if element.tag not in _LITERALS:
                raise PackageError(f"图表 {name} 的多级分类引用了被删除的隐藏工作表，无法替换为数值 / a multi-level "
                                   "chart category refers to a removed hidden sheet")
            literal, cache_tag = _LITERALS[element.tag]
            cache = element.find(cache_tag)
            parent = element.getparent()
            if cache is None or parent is None:
                raise PackageError(f"图表 {name} 引用了被删除的隐藏工作表，但没有保存数值 / a chart series refers to a "
                                   "removed hidden sheet and has no saved values")
            if parent.tag == _C + "tx":  # a series name: its text, not a literal list
                replacement = element.makeelement(_C + "v", {})
                replacement.text = "".join(v.text or "" for v in cache.iter(_C + "v"))
            else:
                replacement = element.makeelement(literal, {})
                for child in list(cache):
                    replacement.append(child)
            parent.replace(element, replacement)
            changed = True
            package.touch(name)
    return changed
