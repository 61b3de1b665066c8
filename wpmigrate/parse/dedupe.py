"""Each comment once: repeats within an item, across items and across files.

A comment is known by (post id, comment id). Within one item an exact repeat
is dropped and a different comment reusing an id gets a negative id; across
items and files (WordPress.com splits a site, and exports of one site
overlap) every key read is remembered until the run ends: the one part of the
reader's memory that grows with the export. How it is kept was chosen by
measurement (``benchmarks/seen_cost.py``, "Remembering every comment read" in
``docs/benchmarks.md``).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..models import Comment, Post
from .repairs import Repairs


def dedupe_within_post(post: Post, synthetic_ids: Iterator[int], repairs: Repairs) -> None:
    """Drop exact repeats of a comment in one item; renumber different comments sharing an id."""
    seen: dict[int, Comment] = {}
    kept = []
    for comment in post.comments:
        first = seen.get(comment.id)
        if first is None:
            seen[comment.id] = comment
        elif first == comment:
            repairs["duplicate_comments"] += 1
            continue
        else:
            comment.id = next(synthetic_ids)
            repairs["renumbered_comments"] += 1
        kept.append(comment)
    post.comments = kept


class SeenComments:
    """The (post id, comment id) pairs read so far: a set of them, in a fifth of the memory.

    Each post's comment ids are kept in one ``array('q')``, 8 bytes an id: 27
    bytes a comment in all, where a set of pairs takes 133 and a set of ints
    packing both ids 85 (``benchmarks/seen_cost.py``). Nearly every item is the
    first of its post: that costs one dict lookup, whatever its number of
    comments. An item repeating a post checks its ids against a set made of the
    post's array; a post repeated again and again (or holding an id beyond 64
    bits, which no array of them holds) keeps its ids in a set instead, so no
    input makes the repeats quadratic.
    """

    _HOT_AFTER = 8
    """Repeats of a post after which its ids are kept in a set."""

    def __init__(self) -> None:
        self._ids: dict[int, array[int]] = {}
        self._repeats: dict[int, int] = {}
        """For a post read in several items: how many times it was read again."""
        self._sets: dict[int, set[int]] = {}

    def add_many(self, post_id: int, comment_ids: list[int]) -> list[bool]:
        """Remember the pairs of one item; for each, whether it was new."""
        kept = self._sets.get(post_id)
        if kept is not None:
            return _add(kept, comment_ids)
        ids = self._ids.get(post_id)
        if ids is None and len(set(comment_ids)) == len(comment_ids):
            if comment_ids:
                try:
                    self._ids[post_id] = array("q", comment_ids)
                except OverflowError:  # an id beyond 64 signed bits
                    self._sets[post_id] = set(comment_ids)
            return [True] * len(comment_ids)
        taken = set(ids) if ids is not None else set()
        flags = _add(taken, comment_ids)
        repeats = self._repeats.get(post_id, 0) + 1
        if repeats < self._HOT_AFTER:
            self._repeats[post_id] = repeats
            fresh = [comment_id for comment_id, new in zip(comment_ids, flags, strict=True) if new]
            try:
                if ids is not None:
                    ids.extend(fresh)
                elif fresh:
                    self._ids[post_id] = array("q", fresh)
                return flags
            except OverflowError:  # (the set below holds what extend() had added)
                pass
        self._sets[post_id] = taken
        self._ids.pop(post_id, None)
        self._repeats.pop(post_id, None)
        return flags

    def add(self, post_id: int, comment_id: int) -> bool:
        """Remember a pair; whether it was new."""
        return self.add_many(post_id, [comment_id])[0]


def _add(taken: set[int], comment_ids: list[int]) -> list[bool]:
    """Add ``comment_ids`` to ``taken``; for each, whether it was not there yet."""
    flags = []
    for comment_id in comment_ids:
        new = comment_id not in taken
        if new:
            taken.add(comment_id)
        flags.append(new)
    return flags


@dataclass
class Deduper:
    """Remembers what was read, so each comment is output once across items and files.

    An item that repeats a post already read (same id and header) with no new
    comment is skipped; different items sharing an id (real exports have them)
    are all kept. Comments are keyed by (post id, comment id).
    """

    repairs: Repairs
    _seen_comments: SeenComments = field(default_factory=SeenComments)
    _headers: dict[int, int] = field(default_factory=dict)
    """Post id -> the hash of the header of its latest item."""

    def fresh(
        self, post_id: int, header: tuple[Any, ...], comment_ids: list[int]
    ) -> list[bool] | None:
        """For each comment, whether it is new; ``None`` if the whole item is a repeat."""
        fingerprint = hash(header)
        repeated_post = self._headers.get(post_id) == fingerprint
        self._headers[post_id] = fingerprint
        flags = self._seen_comments.add_many(post_id, comment_ids)
        repeats = flags.count(False)
        if repeats:
            self.repairs["duplicate_comments"] += repeats
        if repeated_post and not any(flags):
            self.repairs["duplicate_posts"] += 1
            return None
        return flags
