"""``sarif``: SARIF 2.1.0 for code-scanning dashboards and CI annotations.

Mapping: one run; ``tool.driver.rules`` are the rule ids that fired (with
the message of their first finding); severity block/review/info becomes
level error/warning/note.  A document has no lines, so ``region.startLine``
is the paragraph number (1 where the format has none), ``startColumn`` /
``endColumn`` are 1-based characters inside that paragraph's text unit and
``charOffset``/``charLength`` the same 0-based (said in ``run.properties`` so a
consumer is not misled); dashboards such as GitHub code scanning need a
``startLine``.  The part (header, deleted revision …) and a spreadsheet cell
(``Sheet1!C12``) are logical locations.
Documents that could not be read completely become error notifications.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from scanner.report.common import (
    ReportOptions,
    category_label,
    context_parts,
    documents_by_path,
    masked,
    ordered_findings,
    part_label,
    place_label,
    plain_reason,
    redact,
    sheet_cell,
)
from scanner.types import DocumentResult, Finding, ScanResult, Severity

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.BLOCK: "error", Severity.REVIEW: "warning", Severity.INFO: "note"}


def render(result: ScanResult, options: ReportOptions) -> str:
    documents = documents_by_path(result.documents)
    per_doc = [(doc, ordered_findings(doc)) for doc in documents]
    rules = _rules([finding for _, findings in per_doc for finding in findings])
    rule_index = {rule["id"]: index for index, rule in enumerate(rules)}

    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    artifacts: list[dict[str, Any]] = []
    for artifact_index, (doc, findings) in enumerate(per_doc):
        uri = artifact_uri(doc.path)
        artifact: dict[str, Any] = {
            "location": {"uri": uri},
            "properties": {"format": doc.format, "verdict": doc.verdict.value, "risk": round(float(doc.risk), 4),
                           "title": doc.title},
        }
        if doc.sha256:
            artifact["hashes"] = {"sha-256": doc.sha256}
        artifacts.append(artifact)
        for finding in findings:
            results.append(_result(finding, uri, artifact_index, rule_index[finding.rule], doc, options))
        for error in doc.errors:
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": f"无法完整读取 {doc.path}：{plain_reason(error)}"},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri, "index": artifact_index}}}],
                }
            )

    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    if options.timestamp is not None:
        invocation["endTimeUtc"] = options.timestamp
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "secscan",
                "fullName": "secscan 上网信息保密审查扫描器",
                "version": result.version,
                "semanticVersion": result.version,
                "rules": rules,
            }
        },
        "artifacts": artifacts,
        "invocations": [invocation],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {
            "catalogue": result.catalogue_hash,
            "model": result.model_hash,
            "summary": result.summary,
            "regionSemantics": "startLine = paragraph number (1 where the format has none); startColumn/endColumn "
            "(1-based) and charOffset/charLength (0-based) = characters within that paragraph's text unit of the "
            "named part",
        },
    }
    sarif = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(sarif, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def artifact_uri(path: str) -> str:
    """A URI reference for a path or URL (percent-encoded, forward slashes)."""
    if "://" in path:
        return path
    return quote(path.replace("\\", "/"), safe="/:._-~")


def _rules(findings: list[Finding]) -> list[dict[str, Any]]:
    first: dict[str, Finding] = {}
    for finding in findings:
        first.setdefault(finding.rule, finding)
    rules = []
    for rule_id in sorted(first):
        finding = first[rule_id]
        rule: dict[str, Any] = {
            "id": rule_id,
            "shortDescription": {"text": finding.message or rule_id},
            "defaultConfiguration": {"level": _LEVELS[finding.severity]},
            "properties": {"category": finding.category, "categoryLabel": category_label(finding.category)},
        }
        if finding.basis:
            rule["help"] = {"text": f"依据：{finding.basis}"}
        rules.append(rule)
    return rules


def _result(finding: Finding, uri: str, artifact_index: int, rule_index: int, doc: DocumentResult,
            options: ReportOptions) -> dict[str, Any]:
    location = finding.location
    line = location.paragraph if location.paragraph is not None and location.paragraph >= 1 else 1
    region: dict[str, Any] = {
        "startLine": line,
        "startColumn": location.start + 1,
        "endLine": line,
        "endColumn": max(location.end, location.start) + 1,
        "charOffset": location.start,
        "charLength": max(0, location.end - location.start),
    }
    if finding.text:
        region["snippet"] = {"text": redact(finding.text) if options.redact_excerpts else finding.text}
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "index": artifact_index}, "region": region}
    before, match, after = context_parts(doc, finding, options.context_chars)
    if before or after:
        shown = before + (redact(match) if options.redact_excerpts else match) + after
        context_region: dict[str, Any] = {"snippet": {"text": masked(shown, finding, options)}, "startLine": line}
        physical["contextRegion"] = context_region
    logical_name = location.part if not location.source else f"{location.part}:{location.source}"
    properties: dict[str, Any] = {
        "category": finding.category,
        "severity": finding.severity.value,
        "part": location.part,
        "location": place_label(doc, finding),
    }
    cell = sheet_cell(doc, finding)
    if cell is not None:
        properties["cell"] = cell
    if location.page is not None:
        properties["page"] = location.page
    if location.box is not None:
        # a SARIF region is text or bytes: a box in a picture has no place there
        properties["box"] = list(location.box)
    if finding.basis:
        properties["basis"] = finding.basis
    if finding.evidence:
        properties["evidence"] = [masked(item, finding, options) for item in finding.evidence]
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity],
        "message": {"text": masked(_message(finding), finding, options)},
        "locations": [
            {
                "physicalLocation": physical,
                "logicalLocations": [
                    {"name": part_label(location.part), "fullyQualifiedName": logical_name, "kind": "text"},
                    *([{"name": cell, "kind": "element"}] if cell is not None else []),
                ],
            }
        ],
        "properties": properties,
    }
    if finding.fingerprint:
        result["partialFingerprints"] = {"secscan/v1": finding.fingerprint}
    return result


def _message(finding: Finding) -> str:
    message = finding.message or finding.rule
    if finding.text:
        message += f"：“{' '.join(finding.text.split())}”"
    if finding.basis:
        message += f"（依据：{finding.basis}）"
    return message
