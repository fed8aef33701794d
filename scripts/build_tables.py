"""Write the data files that spare a cold ``scan`` its slowest start-up work.

    python scripts/build_tables.py           # rewrite them
    python scripts/build_tables.py --check   # exit 1 when one is stale

- ``lexicons/parsed-rules.json``: the shipped rule files parsed, with each
  file's hash (scanner/catalogue.py uses an entry only while its file is
  unchanged; otherwise it parses the YAML).
- ``lexicons/fold-table.json``: scanner.normalize's fold table, built from
  Python's Unicode data and OpenCC (used only under the same Unicode
  version; otherwise it is built again at run time).
- ``docs/rules.md``: the rule reference, generated from the catalogue.

Run it after editing a rule file or upgrading OpenCC; tests fail until then.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.catalogue import PARSED_RULES, builtin_files, load_catalogue, parsed_rules_document
from scanner.fold_table import FOLD_TABLE, fold_table_document
from scanner.report.rules_report import render_rules_markdown


def documents() -> dict[Path, bytes]:
    """Each data file's path and the bytes it should hold."""
    return {
        ROOT / "lexicons" / PARSED_RULES: parsed_rules_document(builtin_files()),
        ROOT / "lexicons" / FOLD_TABLE: fold_table_document(),
        ROOT / "docs" / "rules.md": render_rules_markdown(load_catalogue()).encode(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say which files are stale; exit 1 if any")
    arguments = parser.parse_args()
    stale = 0
    for path, content in documents().items():
        if path.is_file() and path.read_bytes() == content:
            print(f"fresh  {path.relative_to(ROOT)}")
            continue
        stale += 1
        if arguments.check:
            print(f"stale  {path.relative_to(ROOT)}")
        else:
            path.write_bytes(content)
            print(f"wrote  {path.relative_to(ROOT)} ({len(content):,} bytes)")
    return 1 if arguments.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
