"""A fixed ScanResult for the report tests (built by hand, no pipeline needed).

Three documents: a draft with a state-secret mark in its header, a personnel
item in a deleted revision, a mention in the body (info), an unplaced
unreadable notice and an error; a hostile text file whose content and path
try to inject HTML/JS; and a clean public notice that passes.
"""

from __future__ import annotations

from scanner.types import DocumentResult, Finding, Location, ScanResult, Severity, TextUnit, Verdict

HOSTILE_SCRIPT = "<script>window.__pwned=1;document.title='pwned'</script>"
HOSTILE_IMG = "<img src=x onerror=\"window.__pwned=2\">"
HOSTILE_LINK = "javascript:window.__pwned=3"
# What a reader knows: the law and its article, never the seed labels of the project's notes
MARK_BASIS = "《中华人民共和国保守国家秘密法实施条例》第二十一条"


def _finding(*, rule, category, severity, unit: TextUnit, text: str, message: str, basis: str,
             evidence=(), occurrence: int = 0) -> Finding:
    start = -1
    for _ in range(occurrence + 1):
        start = unit.text.index(text, start + 1)
    end = start + len(text)
    context = " ".join(unit.text[max(0, start - 24) : end + 24].split())
    return Finding(
        rule=rule,
        category=category,
        severity=severity,
        text=text,
        context=context,
        location=Location(part=unit.part, page=unit.page, paragraph=unit.paragraph, start=start, end=end,
                          source=unit.source),
        message=message,
        basis=basis,
        evidence=tuple(evidence),
        fingerprint=f"fp-{rule}-{start}",
    )


def draft_document() -> DocumentResult:
    header = TextUnit(text="机密★1年", part="header", page=1, paragraph=1, source="word/header1.xml")
    title = TextUnit(text="关于2024年度专项工作的通知", part="body", page=1, paragraph=1)
    mention = TextUnit(
        text="根据《中华人民共和国保守国家秘密法》，国家秘密的密级分为绝密、机密、秘密三级，标注形式如“机密★1年”。",
        part="body", page=1, paragraph=2,
    )
    body = TextUnit(text="各处室：\n请于6月30日前报送材料，联系电话 010-12345678。", part="body", page=1, paragraph=3)
    deleted = TextUnit(text="经党组会议酝酿，拟任张三为办公室主任。", part="deleted", page=2, paragraph=4,
                       source="word/document.xml")
    comment = TextUnit(text="此段需领导阅示后再定", part="comment", page=2, paragraph=1, source="word/comments.xml")
    metadata = TextUnit(text="作者：王五", part="metadata", source="docProps/core.xml")
    findings = (
        _finding(rule="CM001", category="classified-marking", severity=Severity.BLOCK, unit=header,
                 text="机密★1年", message="页眉中有国家秘密标志（机密★1年）",
                 basis=MARK_BASIS, evidence=("位于页眉", "密级+保密期限的完整标志")),
        _finding(rule="CM001", category="classified-marking", severity=Severity.INFO, unit=mention,
                 text="机密★1年", message="正文提到密级标志的形式（引用，不是标志）",
                 basis=MARK_BASIS, evidence=("前有“如”，在引号中",)),
        _finding(rule="SC201", category="sensitive-content", severity=Severity.REVIEW, unit=deleted,
                 text="拟任", message="删除修订中有酝酿中的人事任免",
                 basis="本单位互联网信息发布保密管理制度（单位规定）：酝酿中的人事任免不得上网", evidence=("位于删除修订（文件中仍保存）",)),
        _finding(rule="SC202", category="sensitive-content", severity=Severity.REVIEW, unit=deleted,
                 text="拟任张三", message="删除修订中有拟任人选姓名",
                 basis="《中华人民共和国政府信息公开条例》第十六条"),
        Finding(rule="UR001", category="unreadable", severity=Severity.REVIEW, text="", context="",
                location=Location(part="embedded", page=2, source="word/media/image1.emf"),
                message="嵌入图片中的文字无法识别", basis="", fingerprint="fp-UR001"),
    )
    return DocumentResult(
        path="drafts/draft.docx", format="docx", verdict=Verdict.BLOCK, risk=0.97, findings=findings,
        errors=("嵌入对象 word/media/image1.emf 无法读取：不支持的图片格式",),
        sha256="a" * 64, title="关于2024年度专项工作的通知", pages=2,
        layers=("comment", "deleted", "metadata"),
        units=(metadata, header, title, mention, body, deleted, comment),
    )


def hostile_document() -> DocumentResult:
    body = TextUnit(text=f"请联系 13812345678 {HOSTILE_SCRIPT} 详见 {HOSTILE_IMG}", part="body", page=1,
                    paragraph=1)
    link = TextUnit(text=f"<a href=\"{HOSTILE_LINK}\">点此下载</a> {HOSTILE_LINK}", part="body", page=1,
                    paragraph=2)
    hidden = TextUnit(text="隐藏文字：</p></main><script>window.__pwned=4</script>", part="hidden", page=1,
                      paragraph=3)
    findings = (
        _finding(rule="PI101", category="personal-info", severity=Severity.REVIEW, unit=body,
                 text="13812345678", message="手机号码",
                 basis="《中华人民共和国个人信息保护法》第二十五条",
                 evidence=("号段有效",)),
        _finding(rule="HC001", category="hidden-content", severity=Severity.REVIEW, unit=hidden,
                 text="<script>window.__pwned=4</script>", message="隐藏文字<b>含内容</b>",
                 basis="《中华人民共和国保守国家秘密法》第三十五条",
                 evidence=("w:vanish",)),
    )
    return DocumentResult(
        path="inbox/<img src=x onerror=alert(1)>.txt", format="txt", verdict=Verdict.REVIEW, risk=0.5,
        findings=findings, sha256="b" * 64, title=HOSTILE_SCRIPT, pages=1, layers=("hidden",),
        units=(body, link, hidden),
    )


def public_document() -> DocumentResult:
    body = TextUnit(text="（此件公开发布）\n市政府办公室关于做好春节期间安全工作的通知", part="body", page=1,
                    paragraph=1)
    return DocumentResult(
        path="public/notice.pdf", format="pdf", verdict=Verdict.PASS, risk=0.02, sha256="c" * 64,
        title="", pages=1, units=(body,),
    )


def batch_result() -> ScanResult:
    # Deliberately not in path order: renderers must sort.
    return ScanResult(
        version="0.1.0",
        documents=(public_document(), draft_document(), hostile_document()),
        catalogue_hash="cat0123456789abcdef",
        model_hash="mod0123456789abcdef",
    )


def single_result(doc: DocumentResult) -> ScanResult:
    return ScanResult(version="0.1.0", documents=(doc,), catalogue_hash="cat0123456789abcdef",
                      model_hash="mod0123456789abcdef")


# ---------------------------------------------------------------- golden files

GOLDEN_DIR = __import__("pathlib").Path(__file__).parent / "golden"


def check_golden(name: str, content: str) -> None:
    """Compare ``content`` with ``tests/golden/<name>``; ``UPDATE_GOLDEN=1`` rewrites it."""
    import os

    path = GOLDEN_DIR / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8"))
        return
    assert path.exists(), f"golden file {path} is missing; run the tests once with UPDATE_GOLDEN=1"
    expected = path.read_bytes().decode("utf-8")
    assert content == expected, f"{name} differs from its golden file (UPDATE_GOLDEN=1 regenerates it; review the diff)"
