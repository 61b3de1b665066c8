"""The fast path (bytes straight to the parser, re-read with repairs at the first
defect) must give exactly what a repairing read gives: same records, same
repairs, same synthetic ids, same error."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wpmigrate.errors import WpmigrateError
from wpmigrate.parse.exports import ExportReader

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DOCUMENTS = sorted(FIXTURES.glob("*.xml")) + sorted(FIXTURES.glob("quirks/**/*.xml"))


def read(data: bytes, fast: bool) -> tuple[list[Any], dict[str, int], str | None]:
    reader = ExportReader()
    pieces = [data[i : i + 4096] for i in range(0, len(data), 4096)] or [b""]
    reopen = (lambda: iter(pieces)) if fast else None
    posts: list[Any] = []
    error = None
    try:
        for post in reader.posts_from(iter(pieces), "doc.xml", reopen):
            posts.append(dataclasses.asdict(post))
    except WpmigrateError as exc:
        error = str(exc)
    return posts, dict(+reader.repairs), error


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fast_path_equals_repairing_read(path: Path) -> None:
    data = path.read_bytes()
    assert read(data, fast=True) == read(data, fast=False)


_BASE = (FIXTURES / "customer-love.xml").read_bytes()
_DEFECTS = [b"\x01", b"&laquo;", b"&", b"\xff", b"&#1;", b"\xef\xbf\xbe", b"<", b"]]>"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_BASE)), st.sampled_from(_DEFECTS)), max_size=4))
def test_fast_path_equals_repairing_read_on_damaged_exports(
    damage: list[tuple[int, bytes]],
) -> None:
    data = bytearray(_BASE)
    for position, defect in sorted(damage, reverse=True):
        data[position:position] = defect
    assert read(bytes(data), fast=True) == read(bytes(data), fast=False)
