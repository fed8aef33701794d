"""Baselines: findings a reviewer has accepted, stored as fingerprints only.

A unit reviews a document once, accepts the findings it judged fine (a
public hotline, a name already published), and later scans drop exactly
those.  The file holds :attr:`~scanner.types.Finding.fingerprint` hashes
(rule id + normalised matched text + context, never a line number), so an
accepted finding stays accepted when the document is edited elsewhere and
lines shift, and the baseline never contains the sensitive text itself::

    {"version": 1, "tool": "secscan", "fingerprints": ["3f2a…", …]}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from scanner.types import Finding
from scanner.userfiles import UserFileError, read_user_file

BASELINE_VERSION = 1


class BaselineError(ValueError):
    """A baseline file cannot be read or is not a secscan baseline; names the file."""


def load_baseline(path: Path) -> frozenset[str]:
    """The accepted fingerprints stored in ``path``.

    Raises :class:`BaselineError` when the file is missing, not a regular
    file, too large, not JSON, of an unknown version or not a list of
    fingerprints.
    """
    try:
        data = json.loads(read_user_file(Path(path), what="基线文件 / baseline").decode("utf-8"))
    except UserFileError as error:
        raise BaselineError(str(error)) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(f"{path}: not a JSON baseline ({error})") from error
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{path}: not a version {BASELINE_VERSION} secscan baseline")
    fingerprints = data.get("fingerprints")
    if not isinstance(fingerprints, list) or not all(isinstance(item, str) and item for item in fingerprints):
        raise BaselineError(f"{path}: 'fingerprints' must be a list of strings")
    return frozenset(fingerprints)


def write_baseline(path: Path, findings: Iterable[Finding], *, keep: Iterable[str] = ()) -> int:
    """Store the fingerprints of ``findings`` (plus ``keep``) in ``path``; return how many.

    Only hashes are written, sorted, so the file is stable under version
    control and reveals nothing of what it accepts.
    """
    fingerprints = sorted({finding.fingerprint for finding in findings if finding.fingerprint} | set(keep))
    payload = {"version": BASELINE_VERSION, "tool": "secscan", "fingerprints": fingerprints}
    Path(path).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return len(fingerprints)
