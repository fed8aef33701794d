"""Every input that once broke an extractor stays fixed.

Files in tests/data/fuzz-regressions/ are named ``FORMAT-what.ext``; each
is a complete document (for zip formats the re-zipped package, not the
harness's member-mode input).  Each must pass the fuzz harness's checks
(no exception, no internal failure, str units, an error for a damaged
package) and must not come back silently empty: it is either read or it
says why not.  Add a file here for every crash a fuzzer finds
(fuzz/crashes/), after fixing it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzz.harness import check
from fuzz.make_seeds import FORMATS
from scanner.extract import extract_bytes

REGRESSIONS = Path(__file__).parent / "data" / "fuzz-regressions"
CASES = sorted(path for path in REGRESSIONS.iterdir() if path.is_file()) if REGRESSIONS.is_dir() else []


def test_regression_files_are_named_by_format():
    assert CASES, "the regression corpus is missing"
    for path in CASES:
        assert path.name.split("-", 1)[0] in FORMATS, path.name


@pytest.mark.parametrize("path", CASES, ids=lambda path: path.name)
def test_regression_input_is_handled(path: Path) -> None:
    fmt = path.name.split("-", 1)[0]
    data = path.read_bytes()
    check(fmt, data, [])
    extraction = extract_bytes(data, path.name)
    assert extraction.units or extraction.errors, "read nothing and said nothing"


def test_deep_html_keeps_its_marking():
    extraction = extract_bytes((REGRESSIONS / "html-deep-nesting.html").read_bytes(), "a.html")
    assert [u.text for u in extraction.units] == ["机密★1年"]
    assert extraction.errors


def test_mixed_encoding_reads_the_odd_line():
    extraction = extract_bytes((REGRESSIONS / "text-mixed-encoding.txt").read_bytes(), "a.txt")
    assert extraction.units[-1].text == "第二行是GBK编码的秘密"
    assert extraction.errors


def test_dtd_in_docx_is_refused_not_half_read():
    extraction = extract_bytes((REGRESSIONS / "docx-dtd-entity.docx").read_bytes(), "a.docx")
    assert not any(u.text == "机密" for u in extraction.units)  # text cut at the entity, as before
    assert any("DTD" in error for error in extraction.errors)


def test_pk_prefixed_text_is_read_as_text():
    """Four bytes "PKPv" named .xlsx are not a zip (no local-file signature): read by what they are."""
    extraction = extract_bytes((REGRESSIONS / "xlsx-pk-prefixed-text.xlsx").read_bytes(), "a.xlsx")
    assert extraction.format == "text"
    assert [u.text for u in extraction.units] == ["PKPv"]
