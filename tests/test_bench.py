"""The benchmark script runs end to end (on a tiny export: the figures themselves are
checked by running it for real, never by a timed test)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import bench  # noqa: E402


def test_benchmark_report_on_a_tiny_export(tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    code = bench.main(
        [
            "--export",
            str(ROOT / "fixtures" / "customer-love.xml"),
            "--jobs",
            "2",
            "--write",
            str(report),
        ]
    )
    assert code == 0
    text = report.read_text(encoding="utf-8")
    for case in (
        "floor: lxml iterparse",
        "| extract |",
        "| thread |",
        "archive --format json",
        "archive --format markdown --jobs 1",
        "archive --format markdown --jobs 2",
    ):
        assert case in text
    assert "45 comments" in text and "against html2text alone" in text
    assert "`wpmigrate --help` starts in" in text


def test_floor_counts_items(capsys: object) -> None:
    import floor

    assert floor.main(str(ROOT / "fixtures" / "customer-love.xml")) == 0
    assert capsys.readouterr().out.strip() == "3"  # type: ignore[attr-defined]
