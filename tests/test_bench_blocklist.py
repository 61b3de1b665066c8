"""benchmarks/blocklist.py runs end to end (on a tiny export and a few keys: its figures
are measured by running it for real, never by a timed test)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import blocklist  # noqa: E402


def test_the_keys_look_like_a_published_list() -> None:
    keys = blocklist.realistic_keys(5000)
    assert len(keys) == len(set(keys)) == 5000
    assert keys == blocklist.realistic_keys(5000)  # seeded
    assert any(key.count(".") == 3 for key in keys)  # IP addresses and ranges
    assert any("@" in key for key in keys)
    assert any(key.endswith((".com", ".ru")) for key in keys)
    assert all(key == key.strip() and "\n" not in key for key in keys)


def test_the_report_on_a_tiny_export(capsys: pytest.CaptureFixture[str]) -> None:
    export = str(ROOT / "fixtures" / "customer-love.xml")
    argv = ["--export", export, "--keys", "0,50", "--before", "50", "--repeat", "1", "--matchers"]
    assert blocklist.main(argv) == 0
    out = capsys.readouterr().out
    for row in ("| thread, 0 keys |", "| thread, 50 keys, automaton |",
                "| thread, 50 keys, key by key (before) |", "| prefix-tree regex |",
                "| Aho-Corasick automaton (wpmigrate) |"):  # fmt: skip
        assert row in out
    assert "45 comments" in out
