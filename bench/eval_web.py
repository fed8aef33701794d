"""Verdicts on the labelled real web material of ``<shared>/corpus/web/`` (issue 23's targets).

    python bench/eval_web.py [--shared ../shared] [--quiet]

Prints, for each group of the corpus, how many documents were blocked, sent
to review and passed, and the documents that miss their label:

* ``marked``   received documents marked by their issuer: every one must be
  ``block`` with an ``internal-marking`` finding;
* ``received`` unmarked received documents: never ``block`` (``review`` is
  tolerated);
* ``public``   web pages, budgets, reports and judgments: never ``block``,
  at most 2 % ``review``;
* ``visible``  the same public HTML pages reduced to their visible text
  (scripts, styles, comments and ``display:none`` elements dropped), so the
  judgement of the text can be told apart from the HTML template handling.

``figures()`` is what ``tests/test_web_corpus.py`` pins.
"""

from __future__ import annotations

import argparse
import base64
import collections
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SHARED = ROOT.parent / "shared"
WEB_FILE = Path("corpus") / "web" / "real_external_dev.jsonl"


@dataclass
class Group:
    """Verdict counts of one group, with the documents that missed their label."""

    verdicts: collections.Counter[str] = field(default_factory=collections.Counter)
    misses: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.verdicts.values())

    def share(self, verdict: str) -> float:
        return self.verdicts[verdict] / self.total if self.total else 0.0


def records(shared: Path) -> Iterator[dict[str, object]]:
    """The corpus's records in file order.  Raises ``FileNotFoundError`` when it is missing."""
    with (shared / WEB_FILE).open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def content_of(record: dict[str, object]) -> bytes:
    if "base64" in record:
        return base64.b64decode(str(record["base64"]))
    return str(record["text"]).encode("utf-8")


def visible_text(html: bytes) -> str:
    """What a reader of the page sees: no scripts, styles, comments or hidden elements."""
    import lxml.html

    tree = lxml.html.fromstring(html)
    hidden = "//script|//style|//noscript|//template|//comment()"
    hidden += "|//*[@hidden or contains(translate(@style,' ',''),'display:none')]"
    for element in tree.xpath(hidden):
        if element.getparent() is not None:
            element.drop_tree()
    return "\n".join(line.strip() for line in tree.text_content().splitlines() if line.strip())


def group_of(record: dict[str, object]) -> str:
    if record["expect"] == "block":
        return "marked"
    if str(record["type"]).startswith("收文公文"):
        return "received"
    return "public"


def figures(shared: Path) -> dict[str, Group]:
    """Scan every document with the default settings and count verdicts per group."""
    from scanner.pipeline import build_settings, scan_bytes

    settings = build_settings()
    groups: dict[str, Group] = collections.defaultdict(Group)
    for record in records(shared):
        name = str(record["id"])
        data = content_of(record)
        result = scan_bytes(data, name, settings)
        kind = group_of(record)
        verdict = result.verdict.value
        groups[kind].verdicts[verdict] += 1
        categories = {finding.category for finding in result.findings if finding.severity.value == "block"}
        if kind == "marked" and (verdict != "block" or "internal-marking" not in categories):
            groups[kind].misses.append(f"{name}: {verdict} {sorted(categories)}")
        elif (kind != "marked" and verdict == "block") or (kind == "public" and verdict == "review"):
            rules = sorted({f.rule for f in result.findings if f.severity.value == verdict})
            groups[kind].misses.append(f"{name}: {verdict} {rules}")
        if kind == "public" and name.endswith((".html", ".htm")):
            text = visible_text(data)
            seen = scan_bytes(text.encode("utf-8"), name.rsplit(".", 1)[0] + ".txt", settings)
            groups["visible"].verdicts[seen.verdict.value] += 1
            if seen.verdict.value != "pass":
                rules = sorted({f.rule for f in seen.findings if f.severity.value == seen.verdict.value})
                groups["visible"].misses.append(f"{name}: {seen.verdict.value} {rules}")
    return dict(groups)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data directory")
    parser.add_argument("--quiet", action="store_true", help="figures only, no list of misses")
    args = parser.parse_args(argv)
    groups = figures(args.shared)
    for kind in ("marked", "received", "public", "visible"):
        group = groups.get(kind, Group())
        counts = ", ".join(f"{verdict} {group.verdicts[verdict]}" for verdict in ("block", "review", "pass"))
        print(f"{kind:9s} {group.total:4d} documents: {counts}  (review {group.share('review'):.1%})")
        if not args.quiet:
            for miss in group.misses:
                print(f"    {miss}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
