"""Write into the shipped rule files what each positive example gives: its span and severity.

    python scripts/annotate_examples.py          # annotate the examples that are plain texts
    python scripts/annotate_examples.py --check  # exit 1 if any example is still a plain text

An example written as a plain text only says that its rule fires.  This
script scans each such example as tests/test_rule_examples.py does
(:func:`scanner.pipeline.scan_example`), takes the rule's first finding and
rewrites the example in place, keeping the file's comments and layout::

    - text: "联系人：张科长，手机 13812345678"
      span: "13812345678"
      severity: review

Read the diff before committing it: the script writes down what the
scanner does today, and an example whose expected result is wrong must be
fixed by hand (or the rule).  Afterwards run ``python scripts/build_tables.py``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.catalogue import builtin_files
from scanner.pipeline import Settings, build_settings, scan_example

_ITEM = re.compile(r"^(?P<indent>\s*)- (?P<scalar>\S.*?)\s*$")
_KEY = re.compile(r"^(?P<indent>\s*)(?P<key>[a-z_]+):\s*$")


def annotate(path: Path, settings: Settings) -> tuple[str, list[str]]:
    """The file's text with its plain match examples annotated, and what could not be."""
    import yaml

    catalogue = settings.catalogue
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    out: list[str] = []
    rule_id = ""
    in_match = False
    match_indent = -1
    problems: list[str] = []
    for line in lines:
        if (found := re.match(r"^\s*- id:\s*(\S+)", line)) is not None:
            rule_id, in_match = found.group(1), False
        elif (key := _KEY.match(line)) is not None:
            in_match = key.group("key") == "match"
            match_indent = len(key.group("indent"))
        item = _ITEM.match(line) if in_match else None
        if item is None or len(item.group("indent")) <= match_indent or item.group("scalar").startswith(("text:", "{")):
            if item is None and line.strip() and not line.startswith(" " * (match_indent + 1)) and _KEY.match(line) is None:
                in_match = False
            out.append(line)
            continue
        text = yaml.safe_load(item.group("scalar"))
        rule = catalogue.rules.get(rule_id)
        if not isinstance(text, str) or rule is None or text not in rule.examples_match:
            problems.append(f"{path.name}: {rule_id}: cannot read example {item.group('scalar')}")
            out.append(line)
            continue
        result = scan_example(text, rule, settings)
        hits = sorted((f for f in result.findings if f.rule == rule_id), key=lambda f: f.location.start)
        if not hits:
            problems.append(f"{path.name}: {rule_id}: example does not fire: {text!r}")
            out.append(line)
            continue
        indent = item.group("indent")
        out.append(f"{indent}- text: {item.group('scalar')}\n")
        out.append(f"{indent}  span: {json.dumps(hits[0].text, ensure_ascii=False)}\n")
        out.append(f"{indent}  severity: {hits[0].severity.value}\n")
    return "".join(out), problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report plain examples; exit 1 if there are any")
    args = parser.parse_args()
    settings = build_settings()
    plain = [
        f"{rule.id}: {text!r}"
        for rule in settings.catalogue.rules.values() if rule.kind != "builtin"
        for text in rule.examples_match if text not in rule.examples_expected
    ]
    if args.check:
        print("\n".join(plain) or "every positive example carries its span and severity")
        return 1 if plain else 0
    problems: list[str] = []
    for path in builtin_files():
        text, trouble = annotate(path, settings)
        problems += trouble
        if text != path.read_text(encoding="utf-8"):
            path.write_text(text, encoding="utf-8")
            print(f"annotated {path.relative_to(ROOT)}")
    print("\n".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
