"""benchmarks/seen_cost.py runs end to end, and every structure it measures is the set it
stands for (its figures are measured by running it for real, never by a timed test)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import seen_cost  # noqa: E402


@pytest.mark.parametrize("name", sorted(seen_cost.CANDIDATES))
def test_every_candidate_is_a_set_of_pairs(name: str) -> None:
    structure = seen_cost.CANDIDATES[name]()()
    model: set[tuple[int, int]] = set()
    items = [(1, [1, 2]), (2, [1]), (1, [2, 3, 3]), (-1, [2**64 - 1, -5]), (1, [])] * 2
    for post_id, comment_ids in items:
        expected = []
        for comment_id in comment_ids:
            expected.append((post_id, comment_id) not in model)
            model.add((post_id, comment_id))
        assert structure.add_many(post_id, comment_ids) == expected
    assert structure.swap(1, 5) is None and structure.swap(1, 6) == 5


def test_the_report_on_a_small_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--comments", "3000", "--repeat", "1", "--only", "wpmigrate,packed"]
    assert seen_cost.main([*argv, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| wpmigrate | once |" in out and "| packed | twice |" in out
    assert "comments in" in out
