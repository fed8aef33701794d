"""Findings about the document itself rather than its text: hidden layers,
failed redactions, embedded objects that cannot be read.

Extractors report what they saw as :class:`~scanner.types.Notice` objects
of a kind (:class:`scanner.roles.NoticeKind`); this module turns them into
findings of the rule the catalogue raises for that kind.
"""

from __future__ import annotations

from dataclasses import replace

from scanner.catalogue import Catalogue
from scanner.findings import context_of, fingerprint
from scanner.types import Extraction, Finding, Location, part_kind

# The layers a reader of the printed or displayed document does not see, by
# part kind, in the reviewer's words.  Publishing the file publishes them
# all, so what they hold is judged as it would be in the visible text, and
# each finding in one says so (see :func:`hidden_layer_evidence`).
HIDDEN_LAYERS = {
    "deleted": "删除修订",
    "inserted": "插入修订",
    "hidden": "隐藏文字",
    "comment": "批注",
    "notes": "演讲者备注",
    "metadata": "文档属性",
    "annotation": "PDF注释",
    "form": "表单域",
    "alt-text": "图片替代文字",
    "revision": "早期版本",
    "noscript": "noscript 内容",
    "script-data": "脚本数据",
    "data-uri": "内嵌数据",
}
# Categories that are about the layer itself: they need no second word on it.
_LAYER_CATEGORIES = frozenset({"hidden-content", "unreadable", "redaction-failure"})
HIDDEN_EVIDENCE = "位于隐藏图层（{}），随文件一并发布"


def hidden_layer_evidence(finding: Finding) -> Finding:
    """``finding`` with the hidden-layer evidence first when it lies in a hidden layer.

    A mark, a person's number or a sensitive passage in a deleted revision
    is a finding of its own category (it keeps its rule and severity); this
    adds the ``hidden-content`` side of it, so a report says in one glance
    that the text is in a layer the reader does not see.  Idempotent: a
    member's findings pass through here again in their container.
    """
    name = HIDDEN_LAYERS.get(part_kind(finding.location.part))
    if name is None or finding.category in _LAYER_CATEGORIES:
        return finding
    note = HIDDEN_EVIDENCE.format(name)
    if note in finding.evidence:
        return finding
    return replace(finding, evidence=(note, *finding.evidence))


def layer_findings(extraction: Extraction, catalogue: Catalogue) -> list[Finding]:
    findings = []
    for notice in extraction.notices:
        rule = catalogue.for_notice(notice.kind)
        if not rule.enabled:
            continue
        detail = f"（{notice.detail}）" if notice.detail else ""
        findings.append(
            Finding(
                rule=rule.id,
                category=rule.category,
                severity=rule.severity,
                text=notice.text[:200],
                context=context_of(notice.text, 0, min(len(notice.text), 60)),
                location=Location(
                    part=notice.part,
                    page=notice.page,
                    paragraph=notice.paragraph,
                    start=0,
                    end=min(len(notice.text), 200),
                    source=notice.source,
                ),
                message=f"{rule.summary}{detail}",
                basis=rule.basis,
                evidence=(notice.detail,) if notice.detail else (),
                fingerprint=fingerprint(rule.id, notice.text, f"{notice.part}:{notice.detail}"),
            )
        )
    return findings
