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


def test_zip_members_benchmark_runs(capsys: object) -> None:
    """The zip benchmark end to end on a few members (the ratio itself is measured for
    real and written in docs/benchmarks.md, never asserted here)."""
    import zip_members

    assert zip_members.main(["--members", "12", "--jobs", "2", "--repeat", "1"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "-j 1: best " in out and "-j 2: best " in out
    assert "12 members: -j 2 / -j 1 = " in out


def test_zip_members_are_valid_exports_with_their_own_ids(tmp_path: Path) -> None:
    import zip_members

    from wpmigrate.pipeline import ReadSession

    archive = zip_members.build_zip(tmp_path / "z.zip", 5)
    session = ReadSession([str(archive)])
    groups = list(session.groups())
    assert [summary["id"] for summary, _ in groups] == [1000, 1001, 1002, 1003, 1004]
    assert [[r["id"] for r in records] for _, records in groups][:2] == [[1, 2], [3, 4]]
    assert not +session.reader.repairs
