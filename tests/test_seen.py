"""The compact tables behave exactly like a Python set and dict."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wpmigrate.parse.seen import SeenKeys, SeenPosts

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
    for post_id in range(200_000 // 8):  # items of eight comments, as the reader adds them
        assert seen.add_many(post_id, list(range(post_id * 8, post_id * 8 + 8))) == [True] * 8
    assert not seen.add(0, 0) and not seen.add(24_999, 199_999) and seen.add(0, 8)
    # 8 bytes a comment id, 16 a block, the post table at most two-thirds full.
    blocks = len(seen._starts) + len(seen._previous)
    table = len(seen._last._keys) + len(seen._last._values)
    assert (len(seen._ids) + blocks + table) * 8 <= 200_000 * 16
    assert not seen._hot and not seen._big and not seen._last_other


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([1, 2, -3]), st.lists(IDS, max_size=6)), max_size=60))
def test_posts_read_many_times_are_remembered(posts: list[tuple[int, list[int]]]) -> None:
    # Few posts repeated in many items: the chains of blocks, then a set of their own.
    seen, model = SeenKeys(), set()
    for post_id, comment_ids in posts:
        expected = []
        for comment_id in comment_ids:
            expected.append((post_id, comment_id) not in model)
            model.add((post_id, comment_id))
        assert seen.add_many(post_id, comment_ids) == expected


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
