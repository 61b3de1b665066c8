"""Golden outputs of `thread` (with its rejects) and `stats`, made by
scripts/regen_thread_golden.py: rerun and compared byte for byte."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import load_script

ROOT = Path(__file__).resolve().parent.parent
regen = load_script("regen_thread_golden")


@pytest.mark.parametrize("name", sorted(regen.CASES))
def test_thread_and_stats_goldens(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    made = regen.outputs(str(ROOT / regen.CASES[name]))
    for suffix, data in made.items():
        golden = regen.GOLDEN / (name + suffix)
        assert golden.is_file(), f"missing {golden}: run python scripts/regen_thread_golden.py"
        assert data == golden.read_bytes(), (
            f"{golden.relative_to(ROOT)} differs; if intended, run "
            "python scripts/regen_thread_golden.py and review the diff"
        )


def test_golden_paths_do_not_leak_the_machine() -> None:
    for path in regen.GOLDEN.iterdir():
        assert os.fspath(ROOT) not in path.read_text(encoding="utf-8")
