"""wpmigrate.parse.dedupe: the memory of what was read behaves exactly like a Python set."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wpmigrate.parse.dedupe import Deduper, SeenComments
from wpmigrate.parse.repairs import Repairs

IDS = st.one_of(
    st.integers(0, 50),
    st.integers(-5, -1),
    st.integers(2**32 - 2, 2**32 + 2),
    st.integers(2**63 - 2, 2**63 + 2),  # where array('q') ends
    st.integers(0, 2**64 - 1),
)


def expected_flags(model: set[tuple[int, int]], post_id: int, comment_ids: list[int]) -> list[bool]:
    """What a set of pairs says of one item's comments (and the set, updated)."""
    flags = []
    for comment_id in comment_ids:
        flags.append((post_id, comment_id) not in model)
        model.add((post_id, comment_id))
    return flags


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(IDS, IDS), max_size=3000))
def test_seen_comments_is_a_set(pairs: list[tuple[int, int]]) -> None:
    seen, model = SeenComments(), set()
    for pair in pairs:
        assert seen.add(*pair) is (pair not in model)
        model.add(pair)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([1, 2, -3]), st.lists(IDS, max_size=6)), max_size=60))
def test_posts_read_many_times_are_remembered(posts: list[tuple[int, list[int]]]) -> None:
    # Few posts repeated in many items: arrays grown item by item, then a set of their own.
    seen, model = SeenComments(), set()
    for post_id, comment_ids in posts:
        assert seen.add_many(post_id, comment_ids) == expected_flags(model, post_id, comment_ids)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(IDS, st.lists(IDS, max_size=40)), max_size=200))
def test_add_many_is_add_for_each(posts: list[tuple[int, list[int]]]) -> None:
    one, many, model = SeenComments(), SeenComments(), set()
    for post_id, comment_ids in posts:
        expected = expected_flags(model, post_id, comment_ids)
        assert [one.add(post_id, c) for c in comment_ids] == expected
        assert many.add_many(post_id, comment_ids) == expected


def test_an_id_beyond_64_bits_in_a_repeat_keeps_the_earlier_ones() -> None:
    seen = SeenComments()
    assert seen.add_many(7, [1, 2]) == [True, True]
    assert seen.add_many(7, [3, 2**63, 1]) == [True, True, False]
    assert seen.add_many(7, [1, 2, 3, 2**63, 4]) == [False, False, False, False, True]


def test_a_million_keys_stay_compact() -> None:
    seen = SeenComments()
    for post_id in range(200_000 // 8):  # items of eight comments, as the reader adds them
        assert seen.add_many(post_id, list(range(post_id * 8, post_id * 8 + 8))) == [True] * 8
    assert not seen.add(0, 0) and not seen.add(24_999, 199_999) and seen.add(0, 8)
    # Every post in an array of 8-byte ids: none needed a set.
    assert not seen._sets and len(seen._repeats) == 2
    assert sum(len(ids) for ids in seen._ids.values()) == 200_001
    assert {ids.itemsize for ids in seen._ids.values()} == {8}


def test_a_post_repeated_again_and_again_gets_a_set() -> None:
    seen = SeenComments()
    for number in range(SeenComments._HOT_AFTER + 3):
        assert seen.add_many(5, [number, 0]) == [True, False]
    assert 5 in seen._sets and 5 not in seen._ids and 5 not in seen._repeats


def test_an_item_repeating_a_post_with_nothing_new_is_skipped() -> None:
    repairs = Repairs()
    dedupe = Deduper(repairs)
    assert dedupe.fresh(1, ("Post", "2024"), [10, 11]) == [True, True]
    assert dedupe.fresh(1, ("Post", "2024"), [11]) is None
    assert repairs == {"duplicate_comments": 1, "duplicate_posts": 1}
    # The same id with another header is another item: kept, with what it adds.
    assert dedupe.fresh(1, ("Other", "2024"), [10, 12]) == [False, True]
    assert dedupe.fresh(1, ("Other", "2024"), [12, 13]) == [False, True]
    assert dedupe.fresh(2, ("Post", "2024"), []) == []
    assert repairs == {"duplicate_comments": 3, "duplicate_posts": 1}
