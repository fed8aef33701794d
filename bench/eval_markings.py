"""Evaluate the marking detector: false alarms on public documents, recall on built marks.

Run from the repository root::

    python bench/eval_markings.py [--shared ../shared] [--quiet]

It prints

* for every public document in ``<shared>/corpus/real/*.jsonl`` (each
  document's ``content`` split into lines, one unit per line, as a text
  file is extracted): the documents the markings alone would block
  (target 0) or send to review (target at most 1 %), each with the reason;
* the seed documents (public documents about the rules; none may be blocked);
* recall: marks in every form of domain.md §2/§3, built into documents in
  various positions (first line, head block, header part, footer, text box,
  first table cell, pinyin-annotated, split by a line break or a page-number
  line), each expected to block; and mentions expected not to block.

The exit status is 0 when every target holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# Run as a script from anywhere: the repository root holds the scanner package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner.catalogue import Catalogue, load_catalogue
from scanner.findings import UnitView
from scanner.markings import detect_markings
from scanner.normalize import normalize
from scanner.types import Finding, Severity, TextUnit

DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared"
REVIEW_TARGET = 0.01


def text_views(content: str) -> list[UnitView]:
    """One unit per line, as the text extractor gives them (page unknown)."""
    return [
        UnitView(TextUnit(text=line, part="body", page=None, paragraph=number + 1), normalize(line), number)
        for number, line in enumerate(content.split("\n"))
    ]


def views_of(units: Sequence[TextUnit]) -> list[UnitView]:
    return [UnitView(unit, normalize(unit.text), index) for index, unit in enumerate(units)]


def worst(findings: Iterable[Finding]) -> Severity | None:
    ranked = sorted(findings, key=lambda finding: -finding.severity.rank)
    return ranked[0].severity if ranked else None


def describe(finding: Finding) -> str:
    where = f"第{finding.location.paragraph}行" if finding.location.paragraph else finding.location.part
    return f"{finding.rule} {finding.severity.value} {where} “{finding.text}”：{'；'.join(finding.evidence)}"


# --------------------------------------------------------------------------
# public corpus


@dataclass(frozen=True, kw_only=True)
class CorpusResult:
    documents: int
    characters: int
    seconds: float
    blocked: list[tuple[str, list[Finding]]]
    reviewed: list[tuple[str, list[Finding]]]
    info_findings: int


def run_corpus(paths: Sequence[Path], catalogue: Catalogue) -> CorpusResult:
    blocked: list[tuple[str, list[Finding]]] = []
    reviewed: list[tuple[str, list[Finding]]] = []
    documents = characters = info = 0
    seconds = 0.0
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                content = record.get("content") or ""
                views = text_views(content)  # extraction and normalisation are not timed
                started = time.perf_counter()
                findings = detect_markings(views, catalogue)
                seconds += time.perf_counter() - started
                documents += 1
                characters += len(content)
                info += sum(finding.severity is Severity.INFO for finding in findings)
                label = f"{path.name}: {record.get('title', '')}"
                severity = worst(findings)
                flagged = [finding for finding in findings if finding.severity is not Severity.INFO]
                if severity is Severity.BLOCK:
                    blocked.append((label, flagged))
                elif severity is Severity.REVIEW:
                    reviewed.append((label, flagged))
    return CorpusResult(
        documents=documents,
        characters=characters,
        seconds=seconds,
        blocked=blocked,
        reviewed=reviewed,
        info_findings=info,
    )


# --------------------------------------------------------------------------
# recall: marks built into documents


HEAD = [
    "000123",
    "{mark}",
    "特急",
    "某某市人民政府办公室文件",
    "某府办发〔2024〕12号",
    "关于做好年度工作的通知",
    "各区人民政府：",
]
BODY = ["现将有关事项通知如下。", "一、提高认识，加强领导。", "二、明确责任，抓好落实。"]

# Every form of domain.md §2 and §3, written as the original characters.
CLASSIFIED_FORMS = [
    "机密★1年",
    "秘密★6个月",
    "绝密★长期",
    "機密*3個月",
    "秘  密 ★ １０年",
    "祕密☆六個月",
    "袐密★一年",
    "机密＊3个月",
    "秘密✱5年",
    "秘密✻2年",
    "机密✳3年",
    "秘密⁎1年",
    "绝密★二十年",
    "机密★１８个月",
    "秘密★2025年12月31日前",
    "机密★解密时间：2026年6月30日",
    "秘密★会议开始前",
    "机密★公布前",
    "秘密★开标前",
    "秘 密",
    "机  密",
    "绝密",
    "秘密级",
    "機密",
    "秘\u00a0密★1年",
    "机\u200b密★3年",
    "绝\u3000密★长期",
]
INTERNAL_FORMS = [
    "内部",
    "内部事项 注意保管",
    "内部资料 注意保存",
    "内部文件 不得翻印",
    "内部文件 不得外传",
    "工作秘密",
    "仅限内部使用",
    "密件 不得复印",
    "阅后收回",
    "工作秘密★",
    "内部★",
    "内部資料　注意保存",
]
NOTES = ["（此件不予公开）", "（此件不公开）", "(免予公开)", "（此件不予公開）"]
PARTIAL_NOTES = [
    "注：本页第三自然段属于秘密级国家秘密",
    "注:本頁第四行和第七行的資料屬於機密級國家祕密",
    "注：本页第二段属于绝密级国家秘密。",
]
PREFIXES = [
    "（秘密）经研究，拟于下月启动专项行动。",
    "(机密)该项目的技术参数如下。",
    "（绝密）部署方案如下。",
]


def pinyin(mark: str) -> str:
    readings = {
        "机": "jī",
        "機": "jī",
        "密": "mì",
        "秘": "mì",
        "祕": "mì",
        "绝": "jué",
        "内": "nèi",
        "部": "bù",
    }
    return "".join(f"{char}({readings[char]})" if char in readings else char for char in mark)


def split_line(mark: str) -> str:
    return mark[0] + "\n" + mark[1:]


def split_page(mark: str) -> str:
    return mark[0] + "\n-2-\n" + mark[1:]


def text_lines(lines: Sequence[str]) -> list[TextUnit]:
    return [
        TextUnit(text=line, part="body", page=None, paragraph=index + 1) for index, line in enumerate(lines)
    ]


def placements(mark: str) -> list[tuple[str, list[TextUnit]]]:
    """The same mark in every mark position."""
    head = [line.format(mark=mark) for line in HEAD]
    body = [TextUnit(text=line, part="body", page=1, paragraph=index + 1) for index, line in enumerate(BODY)]
    page2 = [
        TextUnit(text=line, part="body", page=2, paragraph=index + 10) for index, line in enumerate(BODY)
    ]
    return [
        ("第一行", text_lines([mark, *BODY])),
        ("版头（份号之后）", text_lines([*head, *BODY])),
        ("页眉", [TextUnit(text=mark, part="header", page=1, source="word/header1.xml"), *body]),
        ("页眉（与单位名同行）", [TextUnit(text=f"某某局  {mark}", part="header", page=1), *body]),
        ("页脚", [*body, TextUnit(text=mark, part="footer", page=1)]),
        ("文本框", [TextUnit(text=mark, part="textbox", page=1), *body]),
        ("表格首格", [*body, *page2, TextUnit(text=mark, part="table", page=2, cell=(0, 0))]),
        ("第二页页首", [*body, TextUnit(text=mark, part="body", page=2, paragraph=9), *page2]),
        ("文档属性", [TextUnit(text=mark, part="metadata", source="keywords"), *body]),
        ("注音", text_lines([pinyin(mark), *BODY])),
        ("换行拆开", text_lines([*split_line(mark).split("\n"), *BODY])),
        ("页码行拆开", text_lines([*split_page(mark).split("\n"), *BODY])),
        ("段内换行拆开", [TextUnit(text=split_line(mark), part="body", page=1, paragraph=1), *body]),
    ]


@dataclass(frozen=True, kw_only=True)
class RecallCase:
    label: str
    units: list[TextUnit]
    expected: Severity
    rules: frozenset[str]


def recall_cases() -> list[RecallCase]:
    cases = []
    for mark in CLASSIFIED_FORMS:
        for where, units in placements(mark):
            if where in {"换行拆开", "页码行拆开", "段内换行拆开"} and " " in mark[:2]:
                continue  # already split by spaces
            cases.append(
                RecallCase(
                    label=f"{mark} @ {where}",
                    units=units,
                    expected=Severity.BLOCK,
                    rules=frozenset({"CM001", "CM006"}),
                )
            )
    for mark in INTERNAL_FORMS:
        for where, units in placements(mark):
            if where.endswith("拆开"):
                continue
            cases.append(
                RecallCase(
                    label=f"{mark} @ {where}",
                    units=units,
                    expected=Severity.BLOCK,
                    rules=frozenset({"IM001"}),
                )
            )
    # notes and prefixes below the body: (texts, lines before them, where, the rule that must fire)
    below_body = (
        (NOTES, ["某某市人民政府办公室", "2024年3月1日"], "成文日期下", "IM003"),
        (PARTIAL_NOTES, [], "页下", "CM002"),
        (PREFIXES, [], "段首", "CM003"),
    )
    for texts, before, where, rule in below_body:
        for text in texts:
            lines = ["关于做好年度工作的通知", *BODY, *before, text]
            units = [TextUnit(text=line, paragraph=index + 1) for index, line in enumerate(lines)]
            cases.append(
                RecallCase(label=f"{text} @ {where}", units=units, expected=Severity.BLOCK, rules=frozenset({rule}))
            )
    return cases


# Mentions: in running text, quoted, after a cue, in a list, in a quiz.  None may block.
MENTIONS = [
    "国家秘密的密级分为绝密、机密、秘密三个等级。",
    "属于国家秘密的文件资料应在封面作出明显标志(如機密*3個月)。",
    "国家秘密标志的形式为“秘密★1年”。",
    "下列国家秘密标志中，正确的是（ ）A.秘密★1年 B.机密3年 C.绝密★永久",
    "绝密、机密和秘密级事项应当分别管理。",
    "2.2“绝密”文件：是指包含公司最重要的机密的保密文件。",
    "凡标有“内部资料”“注意保存”字样的材料，不得上网。",
    "标注“此件不予公开”的文件不得在网站发布。",
    "机关工作要与群众有机密切结合，这是成功的秘密。",
    "正确处理人民内部矛盾，加强内部管理。",
    "应当在具体部位作出标志（如“注：本页第三自然段属于秘密级国家秘密”）。",
    "标注密级时，例如：秘密★1年，应当与正文不分离。",
    "本条例所称工作秘密，是指机关在公务活动中产生的不属于国家秘密的事项。",
]


def run_recall(catalogue: Catalogue) -> tuple[list[str], list[str], int, int]:
    misses = []
    cases = recall_cases()
    for case in cases:
        findings = detect_markings(views_of(case.units), catalogue)
        hits = [
            finding
            for finding in findings
            if finding.rule in case.rules and finding.severity is case.expected
        ]
        if not hits:
            misses.append(f"{case.label}: " + ("；".join(describe(f) for f in findings) or "无发现"))
    false_alarms = []
    for sentence in MENTIONS:
        # mentions are placed in the body, after a head block, and also on the first line
        for lines in (["关于保密工作的说明", *BODY, *BODY, sentence], [sentence, *BODY]):
            findings = detect_markings(text_views("\n".join(lines)), catalogue)
            if worst(findings) is Severity.BLOCK:
                false_alarms.append(
                    f"{sentence}: " + "；".join(describe(f) for f in findings if f.severity is Severity.BLOCK)
                )
    return misses, false_alarms, len(cases), 2 * len(MENTIONS)


# --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data directory")
    parser.add_argument("--quiet", action="store_true", help="do not list each flagged document")
    args = parser.parse_args(argv)
    catalogue = load_catalogue()
    ok = True

    corpus = sorted((args.shared / "corpus" / "real").glob("*.jsonl"))
    if corpus:
        result = run_corpus(corpus, catalogue)
        review_rate = len(result.reviewed) / max(1, result.documents)
        print(f"== 公开文档语料：{result.documents} 篇，{result.characters / 1e6:.1f} M 字符")
        print(
            f"   检测耗时 {result.seconds:.1f} s（{result.characters / max(result.seconds, 1e-9) / 1e6:.1f} M 字符/秒）"
        )
        print(f"   因标志判为 block 的文档：{len(result.blocked)}（目标 0）")
        print(
            f"   因标志判为 review 的文档：{len(result.reviewed)}（{review_rate:.2%}，目标 ≤ {REVIEW_TARGET:.0%}）"
        )
        print(f"   info 提及：{result.info_findings} 处")
        if not args.quiet:
            for label, findings in [*result.blocked, *result.reviewed]:
                print(f"   - {label}")
                for finding in findings[:5]:
                    print(f"       {describe(finding)}")
        ok &= not result.blocked and review_rate <= REVIEW_TARGET
    else:
        print(f"== 公开文档语料：未找到 {args.shared}/corpus/real/*.jsonl，跳过")

    seeds = sorted((args.shared / "seeds").glob("*.txt"))
    print("== 种子文档（关于保密规定的公开文件，均不得 block）")
    for path in seeds:
        findings = detect_markings(text_views(path.read_text(encoding="utf-8")), catalogue)
        severity = worst(findings)
        verdict = severity.value if severity and severity is not Severity.INFO else "pass"
        counts = {}
        for finding in findings:
            counts[finding.rule] = counts.get(finding.rule, 0) + 1
        print(f"   {path.name}: {verdict}  {dict(sorted(counts.items()))}")
        for finding in findings:
            if finding.severity is not Severity.INFO or "機密*3個月" in finding.text:
                print(f"       {describe(finding)}")
        ok &= severity is not Severity.BLOCK

    misses, false_alarms, total, mention_total = run_recall(catalogue)
    print(f"== 召回：{total - len(misses)}/{total} 个构造的标志判为 block")
    for miss in misses:
        print(f"   漏报 {miss}")
    print(f"== 提及：{mention_total - len(false_alarms)}/{mention_total} 个提及未被 block")
    for alarm in false_alarms:
        print(f"   误报 {alarm}")
    ok &= not misses and not false_alarms
    print("== 结论：" + ("全部达标" if ok else "未达标"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
