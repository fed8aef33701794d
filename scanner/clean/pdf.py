"""PDF: remove annotations, document information, XMP, attachments, scripts and open actions; rewrite whole.

pypdf clones the object graph reachable from the catalogue; after the
removals the result is cloned once more, so that only objects still
referenced are kept, and a new file is written with one cross-reference section: the objects of earlier
revisions (an incremental update keeps every old version of an edited
object after the new one) and of the removed layers are gone.

A failed redaction (text under a black box, or an unapplied Redact
annotation) is refused unless ``redact`` is set; then :mod:`.pdf_redact`
removes the covered text objects first and reports their text.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from scanner.clean import CleanRefused

if TYPE_CHECKING:
    from scanner.clean import CleanOptions

# Annotations that are the page's own interactive content, not a reviewer's mark-up.
KEPT_ANNOTATIONS = {"/Link", "/Widget"}
SCRIPT_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/ResetForm", "/Rendition", "/Sound",
                  "/Movie"}
CATALOGUE_KEYS = ("/Metadata", "/OpenAction", "/AA", "/PieceInfo", "/SpiderInfo", "/Threads")
PAGE_KEYS = ("/AA", "/Metadata", "/PieceInfo", "/LastModified", "/Thumb")
NAME_TREES = ("/EmbeddedFiles", "/JavaScript")


def clean(data: bytes, options: CleanOptions) -> tuple[bytes, list[str], list[str]]:
    """The cleaned PDF, what was removed and the text removed from under black boxes.

    Raises :class:`CleanRefused` for an encrypted or unparseable file, or a
    failed redaction without ``options.redact``.
    """
    redacted: list[str] = []
    removed: list[str] = []
    history = data.count(b"%%EOF") > 1  # each incremental update ends with its own %%EOF
    if options.redaction_texts:
        if not options.redact:
            shown = "；".join(f"【{text[:40]}】" for text in options.redaction_texts[:5])
            raise CleanRefused(
                f"涂黑失败：深色方块或涂黑注释下仍有可提取的文字 {shown}。清理不会悄悄遮盖它："
                "请在原文中删除这些文字后再导出 PDF，或加 --redact 从文字层删除被遮盖的字符 "
                "/ failed redaction: remove the text first, or use --redact"
            )
        from scanner.clean.pdf_redact import remove_covered_text

        data, redacted = remove_covered_text(data)
        if not redacted:
            raise CleanRefused("未能定位涂黑方块下的文字，无法删除；请在原文中删除后再导出 PDF "
                               "/ could not locate the covered text: remove it in the source document")
        removed.append("涂黑方块下的文字")
    try:
        from pypdf import PdfReader, PdfWriter
        from pypdf.errors import PdfReadError
    except ImportError as error:
        raise CleanRefused("清理 PDF 需要 pypdf：pip install 'secscan[clean]' / PDF cleaning needs pypdf") from error
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise CleanRefused("PDF 已加密，无法清理；请先用密码解除加密 / encrypted PDF")
        writer = PdfWriter(clone_from=reader)
    except (PdfReadError, ValueError, KeyError, OSError) as error:
        raise CleanRefused(f"PDF 无法解析，不能清理 / cannot parse PDF: {error}") from error
    _clean_catalogue(writer, removed)
    for page in writer.pages:
        _clean_page(page, removed)
    _clean_form(writer, options.form_values, removed)
    if writer._info is not None:  # the document information dictionary (author, title, producer ...)
        writer._info = None
        removed.append("文档信息字典")
    out = io.BytesIO()
    writer.write(out)
    # The writer still holds every object it cloned, referenced or not: the
    # removed annotations, attachments and scripts would be written too.  A
    # second clone from the written file copies only what is reachable.
    second = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
    second._info = None
    out = io.BytesIO()
    second.write(out)
    if history:
        removed.append("早期版本（增量更新历史）")
    return out.getvalue(), _unique(removed), redacted


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _clean_catalogue(writer: Any, removed: list[str]) -> None:
    from pypdf.generic import NameObject

    root = writer._root_object
    for key in CATALOGUE_KEYS:
        if key in root:
            del root[NameObject(key)]
            removed.append({"/Metadata": "XMP 元数据", "/OpenAction": "打开时动作", "/AA": "文档动作"}.get(
                key, "私有数据"))
    names = root.get("/Names")
    if names is not None:
        names = names.get_object()
        for key in NAME_TREES:
            if key in names:
                del names[NameObject(key)]
                removed.append("附件" if key == "/EmbeddedFiles" else "JavaScript 脚本")
    if "/AF" in root:  # PDF 2.0 associated files
        del root[NameObject("/AF")]
        removed.append("附件")


def _is_script(action: Any) -> bool:
    action = action.get_object() if action is not None else None
    return action is not None and hasattr(action, "get") and action.get("/S") in SCRIPT_ACTIONS


def _clean_page(page: Any, removed: list[str]) -> None:
    from pypdf.generic import ArrayObject, NameObject

    for key in PAGE_KEYS:
        if key in page:
            del page[NameObject(key)]
            removed.append("页面动作" if key == "/AA" else "页面私有数据")
    annots = page.get("/Annots")
    if annots is None:
        return
    kept = ArrayObject()
    for reference in annots.get_object():
        annot = reference.get_object()
        subtype = annot.get("/Subtype")
        if subtype not in KEPT_ANNOTATIONS or _is_script(annot.get("/A")):
            removed.append("PDF 注释" if subtype not in KEPT_ANNOTATIONS else "JavaScript 脚本")
            continue
        if "/AA" in annot:
            del annot[NameObject("/AA")]
            removed.append("JavaScript 脚本")
        if "/Popup" in annot:
            del annot[NameObject("/Popup")]
        kept.append(reference)
    if kept:
        page[NameObject("/Annots")] = kept
    else:
        del page[NameObject("/Annots")]


def _clean_form(writer: Any, values: bool, removed: list[str]) -> None:
    from pypdf.generic import BooleanObject, NameObject

    form = writer._root_object.get("/AcroForm")
    if form is None:
        return
    form = form.get_object()
    if "/XFA" in form:  # an XFA form keeps its own copy of the data
        del form[NameObject("/XFA")]
        removed.append("XFA 表单数据")
    if not values:
        return
    stack = list(form.get("/Fields") or [])
    seen: set[int] = set()
    while stack:
        field = stack.pop().get_object()
        if id(field) in seen:
            continue
        seen.add(id(field))
        for key in ("/V", "/AP", "/AA"):
            if key in field:
                del field[NameObject(key)]
                if key == "/V":
                    removed.append("表单域的值")
        stack.extend(field.get("/Kids") or [])
    form[NameObject("/NeedAppearances")] = BooleanObject(True)
