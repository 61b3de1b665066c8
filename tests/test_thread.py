"""Threading: one post's flat comments -> forest, and flatten() back."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from conftest import preorder
from hypothesis import given, settings
from hypothesis import strategies as st

from wpmigrate.conversation.thread import flatten, max_depth_of, sort_key, thread


def rec(cid: int, parent: int = 0, date: str | None = None) -> dict[str, Any]:
    """A minimal comment record."""
    return {"id": cid, "parent_id": parent, "date_gmt": date}


def shape(forest: list[dict[str, Any]]) -> list[Any]:
    """(id, depth, [children]) nested, for readable assertions on small forests."""
    return [(n["id"], n["depth"], shape(n["replies"])) for n in forest]


def test_nests_replies_and_orders_by_date_then_id() -> None:
    forest = thread(
        [
            rec(5, 0, "2010-01-02T00:00:00Z"),
            rec(3, 0, "2010-01-01T00:00:00Z"),
            rec(9, 3, "2010-01-03T00:00:00Z"),
            rec(8, 3, "2010-01-03T00:00:00Z"),  # same date: the lower id first
            rec(4, 8, "2010-01-04T00:00:00Z"),
        ]
    )
    assert shape(forest) == [(3, 0, [(8, 1, [(4, 2, [])]), (9, 1, [])]), (5, 0, [])]


def test_parent_after_child_in_file_order() -> None:
    assert shape(thread([rec(2, 1, "b"), rec(1, 0, "a")])) == [(1, 0, [(2, 1, [])])]


def test_missing_dates_sort_last() -> None:
    forest = thread([rec(1, 0, None), rec(2, 0, "2001-01-01T00:00:00Z")])
    assert [n["id"] for n in forest] == [2, 1]


def test_parent_not_in_post_becomes_top_level_orphan() -> None:
    forest = thread([rec(1), rec(2, 99, "x")])
    orphan = next(n for n in forest if n["id"] == 2)
    assert orphan["orphan"] is True and orphan["depth"] == 0 and orphan["parent_id"] == 99
    assert "orphan" not in forest[0] or forest[0]["id"] == 2


def test_self_parent_is_a_cycle() -> None:
    forest = thread([rec(7, 7, "a")])
    assert shape(forest) == [(7, 0, [])]
    assert forest[0]["cycle"] is True and forest[0]["parent_id"] == 7


def test_two_cycle_broken_at_earliest_comment() -> None:
    forest = thread([rec(1, 2, "2010-01-02T00:00:00Z"), rec(2, 1, "2010-01-01T00:00:00Z")])
    assert shape(forest) == [(2, 0, [(1, 1, [])])]
    assert forest[0]["cycle"] is True
    assert "cycle" not in forest[0]["replies"][0]


def test_cycle_with_a_tail_hanging_off_it() -> None:
    # 1 -> 2 -> 3 -> 1 is the loop; 4 answers 3; the earliest (by date) is 2.
    records = [rec(1, 3, "c"), rec(2, 1, "a"), rec(3, 2, "b"), rec(4, 3, "d")]
    forest = thread(records)
    assert shape(forest) == [(2, 0, [(3, 1, [(1, 2, []), (4, 2, [])])])]


def test_max_depth_lists_deeper_replies_at_the_cap_in_date_order() -> None:
    # chain 1 <- 2 <- 3 <- 4, plus 5 answering 2 later than 3 and 4.
    records = [rec(1, 0, "1"), rec(2, 1, "2"), rec(3, 2, "3"), rec(4, 3, "4"), rec(5, 2, "5")]
    forest = thread(records, max_depth=1)
    assert shape(forest) == [(1, 0, [(2, 1, []), (3, 1, []), (4, 1, []), (5, 1, [])])]
    # true parents are kept
    assert [n["parent_id"] for n in forest[0]["replies"]] == [1, 2, 3, 2]


def test_max_depth_zero_is_flat() -> None:
    forest = thread([rec(1, 0, "1"), rec(2, 1, "2"), rec(3, 2, "3")], max_depth=0)
    assert shape(forest) == [(1, 0, []), (2, 0, []), (3, 0, [])]


def test_negative_max_depth_is_refused() -> None:
    with pytest.raises(ValueError):
        thread([], max_depth=-1)


def test_duplicate_ids_are_all_kept_and_replies_attach_to_the_first() -> None:
    forest = thread([rec(1, 0, "a"), rec(1, 0, "b"), rec(2, 1, "c")])
    assert shape(forest) == [(1, 0, [(2, 1, [])]), (1, 0, [])]


def test_input_records_are_not_modified_and_post_is_dropped_from_nodes() -> None:
    records = [{**rec(1), "post": {"id": 5}}, {**rec(2, 1), "post": {"id": 5}}]
    before = json.dumps(records, sort_keys=True)
    forest = thread(records)
    assert json.dumps(records, sort_keys=True) == before
    assert all("post" not in node for node in preorder(forest))


def test_ten_thousand_deep_chain_without_recursion() -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # anything per-level recursive would fail now
    try:
        chain = [rec(i, i - 1, f"{i:08d}") for i in range(1, 10_001)]
        deep = thread(chain, max_depth=20_000)
        capped = thread(chain)
    finally:
        sys.setrecursionlimit(limit)
    assert max_depth_of(deep) == 9_999
    assert max_depth_of(capped) == 128
    assert len(flatten(deep)) == 10_000
    # the capped output is readable by Python's json (default recursion limit)
    assert json.loads(json.dumps(capped))[0]["id"] == 1


# --- invariants ---------------------------------------------------------------------


@st.composite
def comment_sets(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Comments of one post with arbitrary parents: earlier, later, self, missing."""
    n = draw(st.integers(0, 40))
    ids = draw(st.lists(st.integers(1, 200), min_size=n, max_size=n, unique=True))
    records = []
    for cid in ids:
        parent = draw(
            st.one_of(
                st.just(0), st.sampled_from(ids) if ids else st.just(0), st.integers(201, 210)
            )
        )
        date = draw(st.one_of(st.none(), st.sampled_from(["2010", "2011", "2012", "2013"])))
        records.append(rec(cid, parent, date))
    return records


@settings(max_examples=300, deadline=None)
@given(comment_sets(), st.integers(0, 6))
def test_thread_invariants(records: list[dict[str, Any]], max_depth: int) -> None:
    forest = thread(records, max_depth)
    nodes = preorder(forest)
    # every comment exactly once
    assert sorted(n["id"] for n in nodes) == sorted(r["id"] for r in records)
    # flatten is the inverse, and threading again changes nothing
    flat = flatten(forest)
    assert sorted(flat, key=lambda r: r["id"]) == sorted(records, key=lambda r: r["id"])
    assert thread(flat, max_depth) == forest
    ids = {r["id"] for r in records}
    for node in forest:
        assert node["depth"] == 0
        if max_depth > 0:  # with max_depth 0 every reply is listed at the top level
            assert node["parent_id"] == 0 or node.get("orphan") or node.get("cycle")
        assert bool(node.get("orphan")) == (node["parent_id"] not in ids and node["parent_id"] != 0)
    first = {}
    for node in nodes:
        first.setdefault(node["id"], node)
    for parent in nodes:
        siblings = parent["replies"]
        assert siblings == sorted(siblings, key=sort_key)
        for child in siblings:
            assert child["depth"] == parent["depth"] + 1 <= max_depth
            if child["depth"] < max_depth:
                assert child["parent_id"] == parent["id"]
            else:  # at the cap: a descendant of the node it is listed under
                current, seen = child, set()
                while current is not parent and current["id"] not in seen:
                    seen.add(current["id"])
                    current = first[current["parent_id"]]
                assert current is parent


@settings(max_examples=200, deadline=None)
@given(comment_sets())
def test_depth_is_the_number_of_ancestors(records: list[dict[str, Any]]) -> None:
    forest = thread(records, max_depth=1000)
    top = {id(n) for n in forest}
    by_id = {}
    for node in preorder(forest):
        by_id.setdefault(node["id"], node)
    for node in preorder(forest):
        steps, current = 0, node
        while id(current) not in top:
            current = by_id[current["parent_id"]]
            steps += 1
        assert node["depth"] == steps
