"""Instruction counts of scanning files of one kind, for ``valgrind --tool=callgrind``.

    valgrind --tool=callgrind --toggle-collect=functools_reduce \
        python bench/callgrind_scan.py SITE html 10 [scan|extract]

The per-kind CPU times of ``bench_batch.py --per-kind-only`` swing by ±15 %
from run to run on a shared, loaded host; instruction counts do not depend
on the load, so two checkouts can be compared in one reading each.  The
files are the bench site's (``bench_batch.py --dir SITE --keep``), every
``len/COUNT``-th file of the kind; each is scanned (``scan_bytes`` and its
JSON document, as the batch bench does) or only extracted, twice as a
warm-up (imports, lazy tables, caches), then once inside a
``functools.reduce`` call, the only code callgrind collects
(``--toggle-collect``): start-up and warm-up stay out of the count.  Nothing
in the scanner calls ``functools.reduce``.  Set ``PYTHONHASHSEED`` for
repeatable counts.

It imports the scanner of whichever checkout's environment runs it, so the
same script measures an older commit (``4b1edb3`` built its settings with
``SettingsSpec.build()``).
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path


def settings_of_this_checkout():  # type: ignore[no-untyped-def]
    """The settings ``scan`` runs a batch with (``keep_text=False``), as this checkout builds them."""
    try:
        from scanner.pipeline import build_settings
        from scanner.settings import SettingsSpec

        return build_settings(SettingsSpec(keep_text=False))
    except ImportError:  # before scanner/settings.py existed
        from scanner.batch import SettingsSpec as OldSpec

        return OldSpec(keep_text=False).build()


def main() -> None:
    root, suffix, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    mode = sys.argv[4] if len(sys.argv) > 4 else "scan"
    from scanner.extract import extract_bytes
    from scanner.pipeline import scan_bytes
    from scanner.report.json_report import document_to_dict

    settings = settings_of_this_checkout()
    paths = sorted(root.rglob(f"*.{suffix}"))
    inputs = [(path.read_bytes(), str(path)) for path in paths[:: max(1, len(paths) // count)][:count]]

    def scan(item: tuple[bytes, str]) -> None:
        json.dumps(document_to_dict(scan_bytes(item[0], item[1], settings)), ensure_ascii=False)

    def extract(item: tuple[bytes, str]) -> None:
        extract_bytes(item[0], item[1])

    work = scan if mode == "scan" else extract
    for item in inputs * 2:
        work(item)
    functools.reduce(lambda done, item: work(item) or done, inputs, 0)  # the counted part
    print(f"{len(inputs)} {suffix} files, {mode}", file=sys.stderr)


if __name__ == "__main__":
    main()
