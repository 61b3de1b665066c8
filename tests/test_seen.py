"""The compact tables behave exactly like a Python set and dict."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wpmigrate.seen import SeenKeys, SeenPosts

IDS = st.one_of(
    st.integers(0, 50),
    st.integers(-5, -1),
    st.integers(2**32 - 2, 2**32 + 2),
    st.integers(0, 2**64 - 1),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(IDS, IDS), max_size=3000))
def test_seen_keys_is_a_set(pairs: list[tuple[int, int]]) -> None:
    seen, model = SeenKeys(), set()
    for pair in pairs:
        assert seen.add(*pair) is (pair not in model)
        model.add(pair)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(IDS, st.integers(-(2**63), 2**63 - 1)), max_size=3000))
def test_seen_posts_is_a_dict(entries: list[tuple[int, int]]) -> None:
    seen, model = SeenPosts(), {}
    for post_id, fingerprint in entries:
        previous = model.get(post_id)
        assert seen.swap(post_id, fingerprint) == previous
        model[post_id] = fingerprint & (2**64 - 1)


def test_a_million_keys_stay_compact() -> None:
    seen = SeenKeys()
    for number in range(200_000):
        assert seen.add(number // 7, number)
    assert not seen.add(0, 0) and not seen.add(199_999 // 7, 199_999)
    table = seen._table
    assert len(table._keys) * 8 <= 200_000 * 8 * 3  # at most two-thirds full, 8 bytes a slot


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(IDS, st.lists(IDS, max_size=40)), max_size=200))
def test_add_many_is_add_for_each(posts: list[tuple[int, list[int]]]) -> None:
    one, many, model = SeenKeys(), SeenKeys(), set()
    for post_id, comment_ids in posts:
        expected = []
        for comment_id in comment_ids:
            expected.append((post_id, comment_id) not in model)
            model.add((post_id, comment_id))
        assert [one.add(post_id, c) for c in comment_ids] == expected
        assert many.add_many(post_id, comment_ids) == expected
