"""``html``: one self-contained page per document for the reviewer, in Chinese.

The page shows the verdict, the file's identity and what checked it, the
errors, a summary by category, then the document's own text (from the
units) with every finding highlighted in place (``<mark id="f3">``) and a
side list linking to each highlight.  Hidden layers (comments, deleted
revisions, properties …) get sections of their own.

Everything taken from a document is escaped, and a Content-Security-Policy
allows only the page's own inline script (by hash), so a draft containing
``<script>``, ``onerror=`` or ``javascript:`` cannot run anything in the
reviewer's browser.  No network resources; everything works without
JavaScript (links and ``:target``); the script only adds n/p keys.

For a batch, :func:`render` gives an overview page and :func:`render_batch`
the files for an output directory (``index.html`` + ``docs/NNNN-name.html``).
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from html import escape
from itertools import pairwise

from scanner.report.common import (
    CLASSIFIED_NOTICE,
    HIDDEN_PARTS,
    PART_LABELS,
    SEVERITY_LABELS,
    VERDICT_LABELS,
    ReportOptions,
    category_label,
    context_parts,
    display_title,
    masked,
    ordered_findings,
    part_label,
    place_label,
    quotes_secrets,
    redact,
    safe_name,
    suppressed_note,
    suppressed_total,
    unit_cell,
    unit_of,
    verdict_rank,
)
from scanner.types import CATEGORIES, PARTS, DocumentResult, Finding, ScanResult, Severity, TextUnit, Verdict

_SEVERITIES = (Severity.BLOCK, Severity.REVIEW, Severity.INFO)
# Visible parts in the order a reader meets them on the page; hidden layers follow.
_VISIBLE_ORDER = ("header", "body", "table", "textbox", "sheet", "slide", "footnote", "endnote", "footer")

# Only navigation niceties: n / p jump to the next / previous highlight.
_SCRIPT = """(function(){var m=[].slice.call(document.querySelectorAll('main mark[id],main .anchor'));if(!m.length)return;
m.sort(function(a,b){return a.id.slice(1)-b.id.slice(1);});
var i=-1;document.addEventListener('keydown',function(e){if(e.target.closest&&e.target.closest('input,textarea'))return;
if(e.key==='n'||e.key==='p'){i=(i+(e.key==='n'?1:m.length-1))%m.length;location.hash='#'+m[i].id;}});})();"""

_CSS = """
:root{--block:#b71c1c;--review:#e65100;--pass:#1b5e20;--info:#455a64;}
*{box-sizing:border-box}
body{margin:0;font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC","WenQuanYi Micro Hei",sans-serif;
color:#212121;background:#fafafa;line-height:1.6;font-size:15px}
.banner{padding:14px 24px;color:#fff}
.banner .verdict{font-size:26px;font-weight:700;letter-spacing:2px}
.banner h1{margin:2px 0 0;font-size:18px;font-weight:400;word-break:break-all}
.banner-block{background:var(--block)}.banner-review{background:var(--review)}.banner-pass{background:var(--pass)}
.wrap{padding:12px 24px}
nav.back a{color:#1565c0}
h2{font-size:17px;margin:18px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;background:#fff}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0;font-weight:600;white-space:nowrap}
td.hash,code{font-family:"Noto Sans Mono",monospace;font-size:12px;word-break:break-all}
td.num{text-align:right}
.notice{border:2px solid var(--block);color:var(--block);background:#fff;font-weight:700;padding:6px 12px;margin:8px 0}
.errors{border:3px solid var(--block);background:#ffebee;padding:8px 16px;margin:12px 0}
.errors h2{color:var(--block);border:0;margin-top:4px}
.layout{display:flex;gap:20px;align-items:flex-start}
aside.findings{flex:0 0 340px;position:sticky;top:0;max-height:100vh;overflow:auto;background:#fff;border:1px solid #ddd;padding:4px 12px}
aside ol{padding-left:22px;margin:0}
aside li{margin:8px 0;padding-bottom:6px;border-bottom:1px dashed #e0e0e0}
aside li a{text-decoration:none;color:inherit}
aside li a:hover .cat{text-decoration:underline}
.sev{display:inline-block;color:#fff;border-radius:3px;padding:0 5px;font-size:12px;margin-right:4px}
.sev-block .sev,.sev.sev-block{background:var(--block)}
.sev-review .sev,.sev.sev-review{background:var(--review)}
.sev-info .sev,.sev.sev-info{background:var(--info)}
.sev.sev-pass{background:var(--pass)}
.cat{font-weight:600}
.where,.rule,.basis,.evidence{font-size:13px;color:#555}
.quote{font-size:14px;margin:2px 0;word-break:break-all}
.msg{font-size:14px}
main.content{flex:1 1 auto;min-width:0}
section.part{background:#fff;border:1px solid #ddd;padding:6px 16px;margin-bottom:14px}
section.hidden-layer{border:2px dashed var(--review);background:#fff8e1}
section.hidden-layer h3::before{content:"隐藏图层 · ";color:var(--review)}
section.part h3{margin:6px 0;font-size:16px}
section.part h4{margin:10px 0 2px;font-size:13px;color:#757575;font-weight:400}
.layer-note{font-size:13px;color:#8d6e63;margin:0 0 6px}
p.unit{margin:4px 0;white-space:pre-wrap;word-break:break-all;padding-left:2.4em;text-indent:-2.4em}
p.unit .pno{display:inline-block;min-width:2.4em;text-indent:0;color:#9e9e9e;font-size:12px;user-select:none}
p.unit .src{color:#9e9e9e;font-size:12px}
mark{padding:0 1px;border-radius:2px;-webkit-print-color-adjust:exact;print-color-adjust:exact}
mark.sev-block{background:#ffcdd2;border-bottom:2px solid var(--block)}
mark.sev-review{background:#ffe0b2;border-bottom:2px solid var(--review)}
mark.sev-info{background:#e3f2fd;border-bottom:2px dotted var(--info)}
mark:target,.anchor:target+mark{outline:3px solid #1565c0;outline-offset:2px;background:#fff59d}
.unplaced-item{margin:6px 0}
footer{color:#757575;font-size:12px;padding:12px 24px 24px}
.empty{color:#757575}
@media (max-width:900px){.layout{display:block}aside.findings{position:static;max-height:none}}
@media print{
 body{background:#fff;font-size:11pt}
 .banner{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 .layout{display:block}
 aside.findings{position:static;max-height:none;overflow:visible;border:0;padding:0}
 nav.back{display:none}
 section.part,aside li{break-inside:avoid-page}
 a{color:inherit;text-decoration:none}
}
"""


def render(result: ScanResult, options: ReportOptions) -> str:
    """One document: its report; several: the overview page of :func:`render_batch`."""
    if len(result.documents) == 1:
        return _document_page(result.documents[0], result, options, back_link=None)
    return _overview_page(result, options, _batch_names(result))


def render_batch(result: ScanResult, options: ReportOptions) -> dict[str, str | bytes]:
    """Files for an output directory: ``index.html`` and ``docs/NNNN-name.html``."""
    names = _batch_names(result)
    files: dict[str, str | bytes] = {"index.html": _overview_page(result, options, names)}
    for doc, name in zip(result.documents, names):
        files[name] = _document_page(doc, result, options, back_link="../index.html")
    return files


def _batch_names(result: ScanResult) -> list[str]:
    """File name of each document (aligned with ``result.documents``).

    Numbered in path order so the names do not depend on the order in which
    files finished scanning.
    """
    order = sorted(range(len(result.documents)), key=lambda i: (result.documents[i].path, i))
    names = [""] * len(order)
    for number, index in enumerate(order, 1):
        names[index] = f"docs/{number:04d}-{safe_name(result.documents[index].path)}.html"
    return names


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _head(title: str) -> str:
    digest = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
    policy = (
        f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
    )


def _tail(result: ScanResult, options: ReportOptions) -> str:
    pieces = [f"secscan {_e(result.version)}", f"规则库 {_e(result.catalogue_hash or '-')}",
              f"模型 {_e(result.model_hash or '-')}"]
    if options.timestamp is not None:
        pieces.append(f"扫描时间 {_e(options.timestamp)}")
    note = "机器扫描结果仅供审查参考，不替代人工审查（先审查、后公开，一事一审）。"
    return (
        f"<footer>{' · '.join(pieces)}<br>{note}</footer>\n"
        f"<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


def _banner(verdict: Verdict, heading: str) -> str:
    return (
        f'<header class="banner banner-{verdict.value}"><div class="verdict">{VERDICT_LABELS[verdict]}</div>'
        f"<h1>{_e(heading)}</h1></header>\n"
    )


# ---------------------------------------------------------------- one document


def _document_page(doc: DocumentResult, result: ScanResult, options: ReportOptions, *,
                   back_link: str | None) -> str:
    findings = ordered_findings(doc)
    ids = {index: f"f{index + 1}" for index in range(len(findings))}
    title = display_title(doc)
    out = [_head(f"{VERDICT_LABELS[doc.verdict]} — {title} — 保密审查报告"), "<body>\n"]
    out.append(_banner(doc.verdict, title))
    out.append('<div class="wrap">\n')
    out.append(_notice([doc], options))
    if back_link:
        out.append(f'<nav class="back"><a href="{_e(back_link)}">← 返回总览</a></nav>\n')
    out.append(_meta_table(doc, result, options))
    out.append(_errors(doc))
    out.append(_category_summary(findings))
    if doc.suppressed:
        out.append(f'<p class="suppressed">{_e(suppressed_note(doc.suppressed))}。</p>\n')
    placed: dict[int, list[int]] = {}
    unplaced: list[int] = []
    for index, finding in enumerate(findings):
        unit_index = unit_of(doc, finding)
        if unit_index is None:
            unplaced.append(index)
        else:
            placed.setdefault(unit_index, []).append(index)
    out.append('<div class="layout">\n')
    out.append(_side_list(doc, findings, ids, options))
    out.append('<main class="content">\n<h2>文档内容（发现处已高亮）</h2>\n')
    out.append(_unplaced(doc, findings, unplaced, ids, options))
    out.append(_content(doc, findings, placed, ids, redacted=options.redact_excerpts))
    out.append("</main>\n</div>\n</div>\n")
    out.append(_tail(result, options))
    return "".join(out)


_COVERAGE_LABELS = {"read": "已读取", "partial": "部分读取", "unread": "未读取", "listed": "已列出（无文字）"}


def _coverage(doc: DocumentResult) -> str:
    """The ledger in one cell: counts by status, then each part not read completely, with its reason."""
    counts = Counter(entry.status for entry in doc.coverage)
    summary = "，".join(f"{_COVERAGE_LABELS.get(status, status)} {counts[status]} 个"
                       for status in ("read", "partial", "unread", "listed") if counts[status])
    missing = [entry for entry in doc.coverage if entry.status in ("partial", "unread")]
    if not missing:
        return _e(summary)
    items = "".join(
        f"<li>{_e(entry.name)}（{_e(entry.kind)}，{_COVERAGE_LABELS.get(entry.status, entry.status)}）"
        f"{'：' + _e(entry.reason) if entry.reason else ''}</li>"
        for entry in missing
    )
    return f"{_e(summary)}<ul class=\"coverage\">{items}</ul>"


def _meta_table(doc: DocumentResult, result: ScanResult, options: ReportOptions) -> str:
    rows = [
        ("文件", _e(doc.path), ""),
        ("标题", _e(doc.title) if doc.title else '<span class="empty">（无）</span>', ""),
        ("格式", _e(doc.format), ""),
        *([("来源页面", _e(doc.referrer), "")] if doc.referrer else []),
        ("页数", _e(doc.pages) if doc.pages is not None else "-", ""),
        ("SHA-256", _e(doc.sha256 or "-"), "hash"),
        ("结论", f"{VERDICT_LABELS[doc.verdict]}（风险评分 {doc.risk:.2f}）", ""),
        ("已检查的隐藏图层", _e("、".join(part_label(p) for p in sorted(doc.layers))) or "无", ""),
        *([("部件清单", _coverage(doc), "")] if doc.coverage else []),
        ("扫描器版本", f"secscan {_e(result.version)}", ""),
        ("规则库哈希", _e(result.catalogue_hash or "-"), "hash"),
        ("模型哈希", _e(result.model_hash or "-"), "hash"),
    ]
    if options.timestamp is not None:
        rows.append(("扫描时间", _e(options.timestamp), ""))
    body = "".join(
        f'<tr><th>{label}</th><td class="{css}">{value}</td></tr>' if css else f"<tr><th>{label}</th><td>{value}</td></tr>"
        for label, value, css in rows
    )
    return f'<section class="meta"><h2>文件信息</h2><table>{body}</table></section>\n'


def _notice(documents: list[DocumentResult] | tuple[DocumentResult, ...], options: ReportOptions) -> str:
    """The handling notice, when the page quotes what may be a state or work secret."""
    if not quotes_secrets(documents, options):
        return ""
    return f'<p class="notice" role="note">※ {_e(CLASSIFIED_NOTICE)}</p>\n'


def _errors(doc: DocumentResult) -> str:
    if not doc.errors:
        return ""
    items = "".join(f"<li>{_e(error)}</li>" for error in doc.errors)
    return (
        '<section class="errors" role="alert"><h2>⚠ 有部分内容无法读取</h2>'
        f"<ul>{items}</ul><p>工具未能检查这些部分，不能据此判定可以发布；请人工查看原件。</p></section>\n"
    )


def _category_summary(findings: list[Finding]) -> str:
    if not findings:
        return '<section class="summary"><h2>发现汇总</h2><p class="empty">未发现问题。</p></section>\n'
    counts = Counter((f.category, f.severity) for f in findings)
    categories = [c for c in CATEGORIES if any(f.category == c for f in findings)]
    categories += sorted({f.category for f in findings} - set(CATEGORIES))
    head = "".join(f"<th>{SEVERITY_LABELS[s]}</th>" for s in _SEVERITIES)
    rows = []
    for category in categories:
        cells = "".join(f'<td class="num">{counts[(category, s)] or ""}</td>' for s in _SEVERITIES)
        total = sum(counts[(category, s)] for s in _SEVERITIES)
        rows.append(f'<tr><th>{_e(category_label(category))}</th>{cells}<td class="num">{total}</td></tr>')
    totals = "".join(f'<td class="num">{sum(1 for f in findings if f.severity is s)}</td>' for s in _SEVERITIES)
    rows.append(f'<tr><th>合计</th>{totals}<td class="num">{len(findings)}</td></tr>')
    return (
        f'<section class="summary"><h2>发现汇总</h2><table><tr><th>类别</th>{head}<th>合计</th></tr>'
        f"{''.join(rows)}</table></section>\n"
    )


def _side_list(doc: DocumentResult, findings: list[Finding], ids: dict[int, str], options: ReportOptions) -> str:
    if not findings:
        return '<aside class="findings"><h2>发现清单</h2><p class="empty">无</p></aside>\n'
    items = []
    for index, finding in enumerate(findings):
        sev = finding.severity.value
        quote = " ".join(finding.text.split())
        quote = _e(redact(quote) if options.redact_excerpts else quote) or "（无文字）"
        extra = ""
        if finding.basis:
            extra += f'<div class="basis">依据：{_e(finding.basis)}</div>'
        if finding.evidence:
            evidence = "；".join(masked(item, finding, options) for item in finding.evidence)
            extra += f'<div class="evidence">证据：{_e(evidence)}</div>'
        items.append(
            f'<li class="sev-{sev}" id="l-{ids[index]}"><a href="#{ids[index]}">'
            f'<span class="sev">{SEVERITY_LABELS[finding.severity]}</span><span class="cat">'
            f"{_e(category_label(finding.category))}</span>"
            f'<div class="where">{_e(place_label(doc, finding))}</div>'
            f'<div class="quote">{quote}</div></a>'
            f'<div class="msg">{_e(masked(finding.message, finding, options))}</div><div class="rule">规则 {_e(finding.rule)}</div>{extra}</li>'
        )
    return f'<aside class="findings"><h2>发现清单（{len(findings)}）</h2><ol>{"".join(items)}</ol></aside>\n'


def _unplaced(doc: DocumentResult, findings: list[Finding], unplaced: list[int], ids: dict[int, str],
              options: ReportOptions) -> str:
    if not unplaced:
        return ""
    items = []
    for index in unplaced:
        finding = findings[index]
        before, match, after = context_parts(doc, finding, options.context_chars)
        if options.redact_excerpts:
            before, match, after = "", redact(match), ""
        shown = _e(match) if match else "（无文字）"
        items.append(
            f'<div class="unplaced-item">{_e(place_label(doc, finding))}：{_e(before)}'
            f'<mark id="{ids[index]}" class="sev-{finding.severity.value}">{shown}</mark>{_e(after)}</div>'
        )
    return (
        '<section class="part unplaced"><h3>不在正文文本中的发现</h3>'
        '<p class="layer-note">这些发现来自无法逐字定位的部分（图片、嵌入对象、结构信息等），只显示其上下文。</p>'
        f"{''.join(items)}</section>\n"
    )


def _content(doc: DocumentResult, findings: list[Finding], placed: dict[int, list[int]],
             ids: dict[int, str], *, redacted: bool) -> str:
    if not doc.units:
        return '<p class="empty">（报告中没有保存文档文本。）</p>\n'
    by_part: dict[str, list[int]] = {}
    for index, unit in enumerate(doc.units):
        by_part.setdefault(unit.part, []).append(index)
    order = [p for p in _VISIBLE_ORDER if p in by_part]
    order += [p for p in PARTS if p in by_part and p not in order]
    order += sorted(set(by_part) - set(PARTS))
    sections = []
    for part in order:
        hidden = part in HIDDEN_PARTS or part not in PART_LABELS
        css = f"part part-{_e(part)}" + (" hidden-layer" if hidden else "")
        out = [f'<section class="{css}"><h3>{_e(part_label(part))}</h3>']
        if hidden:
            out.append('<p class="layer-note">这部分在正常阅读或打印时看不到，但仍保存在文件中，发布后可被读出。</p>')
        page: int | None = None
        for position, unit_index in enumerate(by_part[part]):
            unit = doc.units[unit_index]
            if unit.page is not None and (position == 0 or unit.page != page):
                out.append(f"<h4>第{unit.page}页</h4>")
            page = unit.page
            marks = [(ids[i], findings[i]) for i in placed.get(unit_index, [])]
            out.append(_unit(unit, marks, cell=unit_cell(doc, unit), redacted=redacted))
        out.append("</section>\n")
        sections.append("".join(out))
    return "".join(sections)


def _unit(unit: TextUnit, marks: list[tuple[str, Finding]], *, cell: str | None, redacted: bool) -> str:
    number = f'<span class="pno">{unit.paragraph}</span>' if unit.paragraph is not None else ""
    where = cell or (unit.source if unit.part != "body" else "")
    source = f' <span class="src">[{_e(where)}]</span>' if where else ""
    return f'<p class="unit">{number}{_highlighted(unit.text, marks, redacted=redacted)}{source}</p>'


def _highlighted(text: str, marks: list[tuple[str, Finding]], *, redacted: bool = False) -> str:
    """The text with every span marked; overlapping spans are cut into segments.

    Each finding's id sits on the first segment it covers: on the ``<mark>``
    itself, or on an empty anchor just before it when two findings start at
    the same character.  ``redacted`` (``--redact-excerpts``) masks every
    marked character but the first of each finding.
    """
    if not marks:
        return _e(text)
    cuts = {0, len(text)}
    for _, finding in marks:
        cuts.update((finding.location.start, finding.location.end))
    points = sorted(cuts)
    out = []
    for a, b in pairwise(points):
        segment = text[a:b]
        covering = [(fid, f) for fid, f in marks if f.location.start <= a < f.location.end]
        if not covering:
            out.append(_e(segment))
            continue
        worst = max(covering, key=lambda item: item[1].severity.rank)[1].severity.value
        starting = [fid for fid, f in covering if f.location.start == a]
        anchors = "".join(f'<span class="anchor" id="{fid}"></span>' for fid in starting[1:])
        mark_id = f' id="{starting[0]}"' if starting else ""
        if redacted:
            segment = (segment[:1] if starting else "") + "＊" * (len(segment) - (1 if starting else 0))
        rules = " ".join(f.rule for _, f in covering)
        titles = "；".join(f"{category_label(f.category)} {f.rule}" for _, f in covering)
        out.append(
            f'{anchors}<mark{mark_id} class="sev-{worst}" data-rules="{_e(rules)}" title="{_e(titles)}">'
            f"{_e(segment)}</mark>"
        )
    return "".join(out)


# ---------------------------------------------------------------- batch overview


def _overview_page(result: ScanResult, options: ReportOptions, names: list[str]) -> str:
    summary = result.summary
    worst = Verdict.PASS
    if summary["block"]:
        worst = Verdict.BLOCK
    elif summary["review"]:
        worst = Verdict.REVIEW
    out = [_head(f"批量保密审查报告 — {summary['documents']}个文档"), "<body>\n"]
    out.append(_banner(worst, f"批量保密审查报告：共{summary['documents']}个文档"))
    out.append('<div class="wrap">\n')
    out.append(_notice(result.documents, options))
    out.append('<section><h2>结论统计</h2><table><tr><th>结论</th><th>文档数</th></tr>')
    for verdict in (Verdict.BLOCK, Verdict.REVIEW, Verdict.PASS):
        out.append(f'<tr><th>{VERDICT_LABELS[verdict]}</th><td class="num">{summary[verdict.value]}</td></tr>')
    unreadable = sum(1 for doc in result.documents if doc.errors)
    out.append(f'<tr><th>有无法读取的部分</th><td class="num">{unreadable}</td></tr>')
    out.append(f'<tr><th>合计</th><td class="num">{summary["documents"]}</td></tr></table></section>\n')
    if suppressed_total(result):
        out.append(f'<p class="suppressed">基线：{_e(suppressed_note(suppressed_total(result)))}。</p>\n')

    docs_with: Counter[str] = Counter()
    findings_in: Counter[str] = Counter()
    for doc in result.documents:
        for category in {f.category for f in doc.findings if f.severity is not Severity.INFO}:
            docs_with[category] += 1
        for finding in doc.findings:
            findings_in[finding.category] += 1
    out.append('<section><h2>按类别统计</h2><table><tr><th>类别</th><th>涉及文档（不含提示）</th><th>发现数</th></tr>')
    for category in [*CATEGORIES, *sorted(set(findings_in) - set(CATEGORIES))]:
        if findings_in[category]:
            out.append(
                f"<tr><th>{_e(category_label(category))}</th><td class=\"num\">{docs_with[category]}</td>"
                f'<td class="num">{findings_in[category]}</td></tr>'
            )
    out.append("</table></section>\n")

    out.append(
        '<section><h2>文档（按严重程度排序）</h2><table><tr><th>结论</th><th>文件</th><th>标题</th>'
        "<th>阻止</th><th>需审查</th><th>提示</th><th>无法读取</th><th>风险</th></tr>"
    )
    if not result.documents:
        out.append('<tr><td colspan="8" class="empty">没有文档</td></tr>')
    name_of = {index: name for index, name in enumerate(names)}
    docs = result.documents
    ranked = sorted(range(len(docs)), key=lambda i: (-verdict_rank(docs[i].verdict), -docs[i].risk, docs[i].path, i))
    for index in ranked:
        doc = result.documents[index]
        counts = Counter(f.severity for f in doc.findings)
        errors = f'<span class="sev sev-block">{len(doc.errors)}</span>' if doc.errors else ""
        out.append(
            f'<tr><td><span class="sev sev-{doc.verdict.value}">'
            f"{VERDICT_LABELS[doc.verdict]}</span></td>"
            f'<td><a href="{_e(name_of[index])}">{_e(doc.path)}</a></td><td>{_e(doc.title)}</td>'
            + "".join(f'<td class="num">{counts[s] or ""}</td>' for s in _SEVERITIES)
            + f'<td class="num">{errors}</td><td class="num">{doc.risk:.2f}</td></tr>'
        )
    out.append("</table></section>\n</div>\n")
    out.append(_tail(result, options))
    return "".join(out)
