"""benchmarks/verify_json.py runs end to end (on the tiny fixture and a 1 MiB string: its
figures are measured by running it for real, never by a timed test)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import verify_json  # noqa: E402


def test_the_report_on_a_tiny_export(capsys: pytest.CaptureFixture[str]) -> None:
    export = str(ROOT / "fixtures" / "customer-love.xml")
    assert verify_json.main(["--export", export, "--repeat", "1", "--long-mb", "1"]) == 0
    out = capsys.readouterr().out
    for row in ("| small (3 files, 39 KB) | skeleton | ", "| large (1 file, ",
                "| long string (1 file, 1.0 MB) | orjson.loads | ", "| skeleton | "):  # fmt: skip
        assert row in out
