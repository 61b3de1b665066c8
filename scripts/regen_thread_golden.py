"""Regenerate the golden outputs of ``wpmigrate thread`` and ``wpmigrate stats``.

    python scripts/regen_thread_golden.py

For each case below, writes into ``fixtures/golden/thread/``:
``NAME.thread.jsonl`` (stdout of ``thread``), ``NAME.rejects.jsonl`` (its
``--rejects`` file), ``NAME.stats.txt`` and ``NAME.stats.json``. Review the diff
by eye before committing: tests/test_thread_golden.py compares byte for byte.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "fixtures" / "golden" / "thread"
#: golden name -> the export it is made from (relative to the repository)
CASES = {
    "customer-love": "fixtures/customer-love.xml",
    "statuses-types": "fixtures/quirks/statuses-types.xml",
    "author-flags": "fixtures/quirks/author-flags.xml",
    "zero-dates": "fixtures/quirks/zero-dates.xml",
    "stray-comments": "fixtures/quirks/stray-comments.xml",
    "old-inline-scripts": "fixtures/quirks/old-inline-scripts.xml",
}


def outputs(export: str) -> dict[str, bytes]:
    """Every golden file's content for one export, by suffix."""
    sys.path.insert(0, str(ROOT))
    from wpmigrate.cli import cli

    runner = CliRunner()
    with tempfile.TemporaryDirectory() as folder:
        rejects = Path(folder) / "rejects.jsonl"
        thread = runner.invoke(cli, ["thread", "-q", "-j", "1", "--rejects", str(rejects), export])
        assert thread.exit_code == 0, thread.output
        made = {
            ".thread.jsonl": thread.stdout_bytes,
            ".rejects.jsonl": rejects.read_bytes(),
        }
    for suffix, extra in ((".stats.txt", []), (".stats.json", ["--json"])):
        stats = runner.invoke(cli, ["stats", "-q", "-j", "1", *extra, export])
        assert stats.exit_code == 0, stats.output
        made[suffix] = stats.stdout_bytes
    return made


def main() -> int:
    """Rewrite every golden file and list them."""
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name, export in CASES.items():
        for suffix, data in outputs(str(ROOT / export)).items():
            path = GOLDEN / (name + suffix)
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
