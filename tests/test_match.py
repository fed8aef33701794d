"""The term and pattern matcher: boundaries, context, allow rules, validators, memos."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner import match as match_module
from scanner.catalogue import Catalogue, CatalogueError, load_catalogue, parse_rule_file
from scanner.findings import UnitView
from scanner.match import Matcher
from scanner.normalize import normalize
from scanner.types import Finding, Severity, TextUnit

ROOT = Path(__file__).resolve().parent.parent
MEMOS = ROOT / "corpus" / "memos"


def views_of(text: str, part: str = "body") -> list[UnitView]:
    """A plain-text document: one unit per line (of ``part``)."""
    return [
        UnitView(TextUnit(text=line, part=part, paragraph=number), normalize(line), number - 1)
        for number, line in enumerate(text.split("\n"), start=1)
    ]


def catalogue_of(yaml_text: str) -> Catalogue:
    rules = parse_rule_file(yaml_text, origin="test.yaml")
    return Catalogue(rules={rule.id: rule for rule in rules}, digest="test")


@pytest.fixture(scope="module")
def shipped() -> Matcher:
    return Matcher(load_catalogue())


def scan(matcher: Matcher, text: str) -> list[Finding]:
    return matcher.match(views_of(text))


def rule_ids(findings: list[Finding]) -> set[str]:
    return {finding.rule for finding in findings}


TOY = """
rules:
  - id: TT001
    name: toy-term
    category: sensitive-content
    severity: review
    summary: 测试词
    basis: 测试
    kind: terms
    terms: [标底]
    context:
      window: 10
      raise: [开标前]
      lower: [公开征求意见]
      exclude: [无标底]
  - id: TT002
    name: toy-require
    category: sensitive-content
    severity: info
    summary: 需要语境的测试词
    basis: 测试
    kind: terms
    terms: [询问笔录]
    context:
      window: 10
      require: ["被询问人："]
  - id: TT003
    name: toy-allow
    category: sensitive-content
    severity: review
    summary: 不检查词边界、带放行短语的测试词
    basis: 测试
    kind: terms
    terms: [共产]
    allow: [共产党]
    params: {word_boundary: false}
"""


@pytest.fixture(scope="module")
def toy() -> Matcher:
    return Matcher(catalogue_of(TOY))


# --- word boundaries (the segmenter itself: tests/test_segment.py) ----------


def test_hit_that_cuts_a_word_is_dropped(toy: Matcher) -> None:
    assert scan(toy, "坚持目标底线思维") == []
    [finding] = scan(toy, "本项目标底为120万元")
    assert finding.text == "标底"


# --- context -----------------------------------------------------------------


def test_raise_lifts_one_step_and_says_why(toy: Matcher) -> None:
    [finding] = scan(toy, "开标前请对标底保密")
    assert finding.severity is Severity.BLOCK
    assert "附近有“开标前”，升级为阻止" in finding.evidence


def test_lower_drops_one_step(toy: Matcher) -> None:
    [finding] = scan(toy, "标底测算办法公开征求意见")
    assert finding.severity is Severity.INFO
    assert any("降级为提示" in note for note in finding.evidence)


def test_exclude_drops_and_require_needs_a_word(toy: Matcher) -> None:
    assert rule_ids(scan(toy, "本项目实行无标底招标")) == set()
    assert scan(toy, "应当制作询问笔录") == []
    [finding] = scan(toy, "询问笔录 被询问人：李某")
    assert finding.rule == "TT002" and finding.severity is Severity.INFO
    assert any("被询问人" in note for note in finding.evidence)


def test_context_reaches_into_the_next_line(toy: Matcher) -> None:
    # A short line (a table cell, a form field) carries its context next door.
    [finding] = scan(toy, "询问笔录\n被询问人：李某")
    assert finding.rule == "TT002"


# --- allow rules -----------------------------------------------------------


def test_allow_phrase_containing_the_hit_suppresses_it(toy: Matcher) -> None:
    # Word boundaries are off for TT003, so only the allow phrase can drop these.
    assert scan(toy, "中国共产党章程") == []
    assert scan(toy, "共产党员") == []
    assert rule_ids(scan(toy, "共产主义")) == {"TT003"}


def test_global_allow_list() -> None:
    matcher = Matcher(catalogue_of(TOY), allow=["项目标底说明"])
    assert scan(matcher, "附件：项目标底说明（已公开）") == []
    assert rule_ids(scan(matcher, "本项目标底为120万元")) == {"TT001"}


@pytest.mark.parametrize("backend", match_module.BACKENDS)
def test_automaton_is_built_once(monkeypatch: pytest.MonkeyPatch, backend: str) -> None:
    # Count the constructions of the library the Matcher uses: the automaton
    # is built once per Matcher, never per document (ahocorasick-rs: one for
    # UTF-8 text and one for UTF-16, see match._rs_find).
    if backend == match_module.AHOCORASICK_RS:
        library = pytest.importorskip("ahocorasick_rs")
        constructor, automata = "BytesAhoCorasick", 2
    else:
        library = pytest.importorskip("ahocorasick")
        constructor, automata = "Automaton", 1
    built = []
    real = getattr(library, constructor)

    def counting(*args: object, **kwargs: object) -> object:
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(library, constructor, counting)
    matcher = Matcher(catalogue_of(TOY), backend=backend)
    for text in ("本项目标底为120万元", "共产主义", "无关内容", "ASCII only", "\U00020001 beyond the plane"):
        scan(matcher, text)
    assert len(built) == automata
    assert rule_ids(scan(matcher, "本项目标底为120万元")) == {"TT001"}  # the counted automaton is the one used


@pytest.mark.parametrize("backend", match_module.BACKENDS)
def test_watch_words_are_found_in_the_same_pass(backend: str) -> None:
    # Watch words (the marking triggers, in the pipeline) are reported by
    # where they start, every occurrence, and change no finding; a word that
    # is also a term (标底) stays a term.
    pytest.importorskip("ahocorasick_rs" if backend == match_module.AHOCORASICK_RS else "ahocorasick")
    plain = Matcher(catalogue_of(TOY), backend=backend)
    watching = Matcher(catalogue_of(TOY), backend=backend, watch=["秘密", "标底", "密", "秘密", ""])
    assert watching.watch == ("秘密", "标底", "密")
    for text in ("本项目标底为120万元，属于秘密", "共产主义\n秘密秘密", "无关内容", ""):
        joined = "\n".join(view.norm.text for view in views_of(text))
        found = watching.find(joined)
        starts = sorted(
            start
            for word in watching.watch
            for start in range(len(joined))
            if joined.startswith(word, start)
        )
        assert found.watched == starts
        assert found.text is joined
        assert sorted(found.terms) == sorted(plain.find(joined).terms)
        assert watching.match(views_of(text), joined=joined, found=found) == scan(plain, text)


def test_default_backend_is_ahocorasick_rs_when_installed() -> None:
    try:
        import ahocorasick_rs  # noqa: F401
    except ImportError:
        expected = match_module.PYAHOCORASICK
    else:
        expected = match_module.AHOCORASICK_RS
    assert Matcher(catalogue_of(TOY)).backend == expected == match_module.default_backend()


# --- spans point at the original characters --------------------------------


def test_span_maps_back_through_normalisation(toy: Matcher) -> None:
    text = "本項目標\u200b底為一百萬元"  # traditional characters and a zero-width space
    [finding] = scan(toy, text)
    assert text[finding.location.start : finding.location.end] == "標\u200b底"
    assert finding.text == "標\u200b底"


# --- personal data ---------------------------------------------------------


def test_resident_id_with_check_digit_blocks_and_is_not_a_bank_card(shipped: Matcher) -> None:
    findings = scan(shipped, "身份证号码11010519491231002X")
    assert [(f.rule, f.severity) for f in findings] == [("PI001", Severity.BLOCK)]
    assert "校验码正确（GB 11643）" in findings[0].evidence
    # 440304199003073315 also passes Luhn: it must still be an ID, not a card.
    assert rule_ids(scan(shipped, "公民身份号码 440304199003073315")) == {"PI001"}


@pytest.mark.parametrize(
    "text",
    [
        "身份证号码11010519491231002Y",  # wrong check digit
        "身份证号：110101********1234",  # masked
        "联系电话：138****1234",  # masked
        "政务服务便民热线：12345",
        "办公电话：010-12345678",
        "档案号 2013812345678901",  # a mobile inside a longer digit run
    ],
)
def test_personal_data_that_may_be_published(shipped: Matcher, text: str) -> None:
    assert not rule_ids(scan(shipped, text)) & {"PI001", "PI002", "PI003"}


def test_mobile_severity_depends_on_whose_number_it_is(shipped: Matcher) -> None:
    [contact] = scan(shipped, "联系人：张科长，手机 13812345678")
    assert (contact.rule, contact.severity) == ("PI002", Severity.REVIEW)
    petition = [f for f in scan(shipped, "信访人王某，电话 139-1234-5678") if f.rule == "PI002"]
    assert petition[0].severity is Severity.BLOCK
    assert petition[0].text == "139-1234-5678"


def test_bank_card_needs_luhn(shipped: Matcher) -> None:
    assert rule_ids(scan(shipped, "卡号 6222021001123456789")) == {"PI003"}
    assert rule_ids(scan(shipped, "卡号 6222021001123456788")) == set()


# --- systems and geography -------------------------------------------------


def test_credentials_reported_once(shipped: Matcher) -> None:
    findings = scan(shipped, "系统用户名：admin，密码：Zx@2023abc")
    assert [(f.rule, f.text) for f in findings] == [("SC501", "Zx@2023abc")]
    assert scan(shipped, "用户名：admin，密码：******") == []


def test_internal_ip_only(shipped: Matcher) -> None:
    assert rule_ids(scan(shipped, "服务器 192.168.1.20")) == {"SC503"}
    assert rule_ids(scan(shipped, "公网 202.96.128.86")) == set()


def test_coordinates_need_defence_context(shipped: Matcher) -> None:
    assert rule_ids(scan(shipped, "军事禁区位于东经116°23′17.8″")) == {"SC601"}
    assert rule_ids(scan(shipped, "景区位于东经116°23′17.8″")) == set()
    assert rule_ids(scan(shipped, "控制点坐标 39.9087,116.3975")) == {"SC602"}
    assert rule_ids(scan(shipped, "控制点大致在 39.9,116.4")) == set()


# --- the shipped lexicons --------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "坚持目标底线思维",
        "两者有机密切结合",
        "成功的秘密",
        "开展模拟任务演练",
        "积极建设审批示范区",
        "路口交通管理",
    ],
)
def test_substring_traps_do_not_fire(shipped: Matcher, text: str) -> None:
    assert scan(shipped, text) == []


def test_every_shipped_example(shipped: Matcher) -> None:
    catalogue = load_catalogue()
    failures = []
    for rule in catalogue.enabled():
        if rule.kind not in ("terms", "pattern"):
            continue
        # a rule limited to some layers (params.parts) is tried in the first of them
        part = rule.params.get("parts", ["body"])[0]
        for example in rule.examples_match:
            if rule.id not in rule_ids(shipped.match(views_of(example, part))):
                failures.append(f"{rule.id} missed: {example}")
        for example in rule.examples_no_match:
            if rule.id in rule_ids(shipped.match(views_of(example, part))):
                failures.append(f"{rule.id} fired: {example}")
    assert failures == []


MEMO_EXPECTED = {
    "bidding": ({"SC101", "SC102", "SC103", "SC104"}, "sensitive-content"),
    "personnel": ({"SC201", "SC202", "SC203", "SC204"}, "sensitive-content"),
    "cases": ({"SC301", "SC302", "SC303"}, "sensitive-content"),
    "process": ({"SC401", "SC402", "SC403", "SC404", "SC405", "SC406"}, "sensitive-content"),
    "systems": ({"SC501", "SC502", "SC503", "SC504", "SC505", "SC506"}, "sensitive-content"),
    "geo": ({"SC601", "SC602"}, "sensitive-content"),
    "personal": ({"PI001", "PI002", "PI003"}, "personal-info"),
}


@pytest.mark.parametrize("family", sorted(MEMO_EXPECTED))
def test_synthetic_memo_is_caught(shipped: Matcher, family: str) -> None:
    expected, category = MEMO_EXPECTED[family]
    findings = scan(shipped, (MEMOS / f"{family}.txt").read_text(encoding="utf-8"))
    assert expected <= rule_ids(findings)
    assert any(f.category == category and f.severity is not Severity.INFO for f in findings)
    assert any(f.severity is Severity.BLOCK for f in findings) or family == "process"


def test_real_public_documents_sample_pass(shipped: Matcher) -> None:
    corpus = ROOT.parent / "shared" / "corpus" / "real" / "government_work_reports.jsonl"
    if not corpus.exists():
        pytest.skip("shared corpus not available")
    import json

    with corpus.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            findings = scan(shipped, record["content"])
            assert [f for f in findings if f.severity is Severity.BLOCK] == [], record["title"]


def test_long_terms_survive_a_one_sided_cut_but_traps_do_not() -> None:
    from scanner.segment import Segmenter

    segmenter = Segmenter()
    text = "关于青龙工程建设进展的简报"  # jieba: 关于/青龙/工程建设/...
    start = text.index("青龙工程")
    assert not segmenter.cuts_word(text, start, start + 4)
    trap = "坚持目标底线思维"
    start = trap.index("标底")
    assert segmenter.cuts_word(trap, start, start + 2)


GATED = """
rules:
  - id: TG001
    name: toy-gated
    category: sensitive-content
    severity: review
    summary: 门控的测试模式
    basis: 测试
    kind: pattern
    pattern: '[0-9]+[:\\-][0-9]+'
    params:
      gate: [':(?<=[0-9]:)[0-9]', '-(?<=[0-9]-)[0-9]']
"""


def test_a_list_of_gates_opens_a_unit_when_any_of_them_matches() -> None:
    matcher = Matcher(catalogue_of(GATED))
    found = scan(matcher, "甲\n编号 12:34\n乙\n编号 56-78\n无数字\n编号 9：")
    assert [(finding.location.paragraph, finding.text) for finding in found] == [(2, "12:34"), (4, "56-78")]


@pytest.mark.parametrize("gate", ["[1]", "['']", "'('", "['x', '[']"])
def test_a_malformed_gate_is_refused_with_the_rule_named(gate: str) -> None:
    # the catalogue refuses the file when it loads (scanner/rule_schema.py) ...
    with pytest.raises(CatalogueError, match=r"test\.yaml:\d+: rules\[0\] \(TG001\): params\.gate"):
        catalogue_of(GATED.replace("[':(?<=[0-9]:)[0-9]', '-(?<=[0-9]-)[0-9]']", gate))
    # ... and the matcher a rule built in code around it
    rule = dataclasses.replace(catalogue_of(GATED)["TG001"], params={"gate": yaml.safe_load(gate)})
    with pytest.raises(match_module.MatcherError, match="TG001"):
        Matcher(Catalogue(rules={rule.id: rule}, digest="test"))


# -- gates tried on the ASCII skeleton first ------------------------------------


def test_which_gates_can_be_tried_on_the_ascii_skeleton() -> None:
    plain = ["[0-9][0-9]{3}[- ]?[0-9]{4}", r"\.(?<=[0-9]\.)[0-9]", "x(?:y|z)+?", "^ab$", "(?<!a)b(?!c)", "a{2,}"]
    for pattern in plain:
        assert match_module.skeleton_gate(pattern) is not None, pattern
    # classes that take in other characters (\d is any Unicode digit), NUL,
    # word boundaries, back-references, flags and non-ASCII letters
    other = [r"\d{4}", ".", "[^a]", r"\bab", "(?i)ab", r"(a)\1", "密码", "[\x00-\x7f]", r"\s", "(?m)^a"]
    for pattern in other:
        assert match_module.skeleton_gate(pattern) is None, pattern


def test_ascii_skeleton_collapses_runs_of_other_characters() -> None:
    kernel = match_module.compiled_kernel()
    if kernel is None:
        pytest.skip("scanner/_ngram.c is not built here")
    assert kernel.ascii_skeleton("电话010-1234中文5678末") == b"\x00010-1234\x005678\x00"
    assert kernel.ascii_skeleton("abc") == b"abc"
    assert kernel.ascii_skeleton("") == b""
    assert kernel.ascii_skeleton("a😀\u00e9b\x00") == b"a\x00b\x00"
    assert kernel.ascii_skeleton("café au lait\u00a0") == b"caf\x00 au lait\x00"  # one byte a character
    assert kernel.ascii_skeleton("\u00e9\u00e9") == b"\x00"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0a-\x00\x7f\x80\u00e9中１😀")) | st.characters(), max_size=60))
def test_ascii_skeleton_equals_its_plain_form(text: str) -> None:
    """Each width of string (one, two, four bytes a character) gives the regex's result."""
    kernel = match_module.compiled_kernel()
    if kernel is None:
        pytest.skip("scanner/_ngram.c is not built here")
    assert kernel.ascii_skeleton(text) == re.sub("[^\x00-\x7f]+", "\x00", text).encode("ascii")


SKELETON_GATES = [
    "[0-9][0-9]{3}[- ]?[0-9]{4}",
    r"\.[0-9]{4}",
    r"\.(?<=[0-9]\.)[0-9]",
    ":(?<=[0-9A-Fa-f]:)[0-9A-Fa-f]",
    "(?<![0-9])[0-9]{2}(?![0-9])",
    "(?<=1[a-c])b",
    "(?<!1[a-c])b",
    "^1|2$",
    "a(?:b|-c)+?d",
]


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("0123456789-. :abcdABCD\n\x00中文１２é😀")) | st.characters(), max_size=60),
    pattern=st.sampled_from(SKELETON_GATES),
)
def test_a_gate_matches_the_skeleton_exactly_when_it_matches_the_text(text: str, pattern: str) -> None:
    kernel = match_module.compiled_kernel()
    if kernel is None:
        pytest.skip("scanner/_ngram.c is not built here")
    quick = match_module.skeleton_gate(pattern)
    assert quick is not None
    assert (quick.search(kernel.ascii_skeleton(text)) is not None) == (re.search(pattern, text) is not None)


def test_gates_find_the_same_with_and_without_the_skeleton(monkeypatch: pytest.MonkeyPatch) -> None:
    catalogue = load_catalogue()
    texts = ["联系电话：010-12345678", "电话 1380013", "MAC 3C-97-0E-5A-12-F4", "IP 10.1.2.3", "无数字的正文", "2023年12月31日"]
    with_skeleton = Matcher(catalogue)
    assert with_skeleton._skeleton_gates or match_module.compiled_kernel() is None
    monkeypatch.setattr(match_module, "compiled_kernel", lambda: None)
    without = Matcher(catalogue)
    assert not without._skeleton_gates
    for text in texts:
        assert scan(with_skeleton, text) == scan(without, text)


@given(
    st.lists(st.text(alphabet="ab密\r ", max_size=6), min_size=1, max_size=8),
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 60), st.integers(0, 4)), max_size=12),
)
def test_hits_located_by_line_as_by_offsets(texts: list[str], hits: list[tuple[int, int, int]]) -> None:
    # When no unit holds a line break, counting breaks finds the same unit
    # and span for each hit as the units' offsets do.
    joined = "\n".join(texts)
    found = [(key, begin, begin + size) for key, begin, size in hits if begin + size <= len(joined)]
    offsets = [0]
    for text in texts[:-1]:
        offsets.append(offsets[-1] + len(text) + 1)
    by_line = list(match_module._by_line(joined, found))
    assert sorted(by_line) == sorted(match_module._by_offsets(offsets, found))
    assert [item[0] for item in by_line] == [key for key, _, _ in sorted(found, key=lambda hit: hit[1])]


# Pieces of what the shipped gated patterns look for (MAC addresses, phone
# and identity numbers, IPs, coordinates) and of what opens their gates
# without them (dates, numbering).
GATED_PIECES = st.sampled_from(
    ["3C", "0e", "f4", "a", "F", "7", "12", "2024", "1234", "5678", "110105", "19491231", "002X",
     ":", "-", ".", " ", "°", "中", "号", "192", "168", "0", "1", "N", "E"]
)


# runs of hex pairs or numbers joined by one separator: MAC addresses, IPs,
# dates and their near misses
SEPARATED = st.builds(
    lambda separator, parts: separator.join(parts),
    st.sampled_from([":", "-", ".", " "]),
    st.lists(st.one_of(st.text("0123456789abcdefABCDEF", min_size=2, max_size=2), GATED_PIECES), min_size=2, max_size=7),
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.one_of(GATED_PIECES, SEPARATED), max_size=8).map("".join))
def test_a_shipped_gate_opens_wherever_its_pattern_matches(text: str) -> None:
    """A gate only saves work: a unit it keeps closed must hold no match of its rule's pattern."""
    for prepared in SHIPPED._patterns:
        if prepared.gate and prepared.rule.pattern.search(text):
            assert any(re.search(gate, text) for gate in prepared.gate), (prepared.rule.id, text)


SHIPPED = Matcher(load_catalogue())


def test_every_shipped_pattern_rule_has_a_gate_or_anchors() -> None:
    """One pattern rule without either makes the matcher look again at every unit of every document."""
    ungated = [prepared.rule.id for prepared in SHIPPED._patterns if not prepared.anchors and not prepared.gate]
    assert ungated == []
