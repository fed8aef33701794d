"""Damaged copies of every legacy format: never an internal error, never a silent pass of a cut file.

Each generated document is cut at many points and has bytes overwritten at
seeded random places; the extractor must answer with what it read and a
reason (``Extraction.errors``), never with :data:`INTERNAL_FAILURE` (an
exception it did not foresee).  Seeded, so a failure reproduces.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from legacy_builders import biff8_sheet, msg, ppt, word97, xls
from markup_builders import odp, ods, odt, rtf, wordml

from scanner.extract import INTERNAL_FAILURE, extract_bytes

MARK = "机密★1年"
BODY = [MARK, "关于重点项目安排的通知", "各单位：请按时报送材料。"]

DOCUMENTS = {
    "a.doc": lambda: word97(BODY, header="某某市", footnote="脚注", comment=("张三", "批注"), deleted="删去"),
    "a.xls": lambda: xls({"表1": biff8_sheet({(0, 0): MARK, (1, 1): 12.0}, header="页眉", notes={(0, 0): ("张三", "注")},
                                             textbox="框", formulas={(2, 0): "结果"})}),
    "a.ppt": lambda: ppt([BODY[:2], BODY[2:]], titles=["标题"], notes={1: "备注"}, master="母版", comment=(1, "张三", "批注")),
    "a.rtf": lambda: rtf(BODY, header="某某市", footnote="脚注", annotation=("张三", "批注"), deleted="删去", hidden="隐藏",
                         textbox="框", table=[["甲", "乙"]], info={"title": "标题"}),
    "a.odt": lambda: odt(BODY, header="某某市", footnote="脚注", annotation=("张三", "批注"), deleted=("张三", "删去"),
                         hidden_span="隐藏", textbox="框", table=[["甲", "乙"]], embedded_text="嵌入"),
    "a.ods": lambda: ods({"表1": {(0, 0): MARK, (1, 1): "乙"}}, hidden_rows={"表1": [1]}, annotations={("表1", 0, 0): "注"}),
    "a.odp": lambda: odp([BODY[:2]], notes={1: "备注"}, hidden=[1], master="母版"),
    "a.xml": lambda: wordml(BODY, header="某某市", footnote="脚注", comment=("张三", "批注"), deleted="删去", hidden="隐藏"),
    "a.msg": lambda: msg("主题", "正文", attachments={"附件.rtf": rtf(BODY)}),
}


def internal(extraction) -> list[str]:
    return [error for error in extraction.errors if error.startswith(INTERNAL_FAILURE)]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_cut_and_overwritten_copies_give_reasons_not_internal_errors(name):
    data = DOCUMENTS[name]()
    whole = extract_bytes(data, name)
    assert whole.errors == (), name
    assert any(MARK in unit.text for unit in whole.units) or whole.embedded, name  # a .msg has it in its attachment
    rng = random.Random(name)
    for cut in sorted({rng.randrange(16, len(data)) for _ in range(25)}):
        extraction = extract_bytes(data[:cut], name)
        assert not internal(extraction), (name, "cut", cut, internal(extraction))
    for round_ in range(40):
        damaged = bytearray(data)
        for _ in range(rng.randrange(1, 9)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        extraction = extract_bytes(bytes(damaged), name)
        assert not internal(extraction), (name, "round", round_, internal(extraction))
