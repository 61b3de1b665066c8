"""Regenerate the golden archive files of the seed fixture.

    python scripts/regen_archive_golden.py

Writes ``fixtures/golden/archive/markdown/`` and ``fixtures/golden/archive/json/``
from ``fixtures/customer-love.xml`` with ``wpmigrate archive`` (flat layout,
default options), replacing whatever was there. Review the diff by eye before
committing: ``tests/test_archive.py`` compares the command's output to these
files byte for byte.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "customer-love.xml"
GOLDEN = ROOT / "fixtures" / "golden" / "archive"
FORMATS = ("markdown", "json")


def regenerate(fmt: str) -> list[str]:
    """Rewrite the golden folder of one format; return the files written."""
    sys.path.insert(0, str(ROOT))
    from wpmigrate.cli import cli

    target = GOLDEN / fmt
    if target.exists():
        shutil.rmtree(target)
    cli.main(
        args=["archive", str(FIXTURE), "-o", str(target), "--format", fmt, "-q"],
        prog_name="wpmigrate",
        standalone_mode=False,
    )
    return sorted(str(path.relative_to(GOLDEN)) for path in target.rglob("*") if path.is_file())


def main() -> int:
    """Regenerate every format and list the files."""
    for fmt in FORMATS:
        for name in regenerate(fmt):
            print(f"wrote fixtures/golden/archive/{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
