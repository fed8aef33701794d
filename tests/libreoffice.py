"""LibreOffice as the tests' cross-check of the legacy formats: installed or the test is skipped with the reason."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

LIBREOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_libreoffice = pytest.mark.skipif(
    LIBREOFFICE is None, reason="LibreOffice is not installed (apt-get install libreoffice-writer-nogui)"
)


def convert(path: Path, to: str) -> Path:
    """``soffice --headless --convert-to to`` beside ``path`` (its own profile); the converted file."""
    assert LIBREOFFICE is not None
    subprocess.run(
        [LIBREOFFICE, "--headless", f"-env:UserInstallation=file://{path.parent}/lo-profile", "--convert-to", to,
         "--outdir", str(path.parent), str(path)],
        check=True, capture_output=True, timeout=120,
    )
    target = path.with_suffix("." + to.split(":")[0])
    assert target.exists(), f"LibreOffice wrote no {target.name}"
    return target
