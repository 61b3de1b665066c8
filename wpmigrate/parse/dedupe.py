"""Each comment once: repeats within an item, across items and across files.

A comment is known by (post id, comment id). Within one item an exact repeat
is dropped and a different comment reusing an id gets a negative id; across
items and files (WordPress.com splits a site, and exports of one site
overlap) every key read is remembered until the run ends, the one part of the
reader's memory that grows with the export (see ``docs/benchmarks.md``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..models import Comment, Post
from .repairs import Repairs
from .seen import SeenKeys, SeenPosts

_WORD = (1 << 64) - 1


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


@dataclass
class Deduper:
    """Remembers what was read, so each comment is output once across items and files.

    An item that repeats a post already read (same id and header) with no new
    comment is skipped; different items sharing an id (real exports have them)
    are all kept. Comments are keyed by (post id, comment id).
    """

    repairs: Repairs
    _seen_comments: SeenKeys = field(default_factory=SeenKeys)
    _seen_posts: SeenPosts = field(default_factory=SeenPosts)

    def fresh(
        self, post_id: int, header: tuple[Any, ...], comment_ids: list[int]
    ) -> list[bool] | None:
        """For each comment, whether it is new; ``None`` if the whole item is a repeat."""
        fingerprint = hash(header)
        repeated_post = self._seen_posts.swap(post_id, fingerprint) == fingerprint & _WORD
        flags = self._seen_comments.add_many(post_id, comment_ids)
        repeats = flags.count(False)
        if repeats:
            self.repairs["duplicate_comments"] += repeats
        if repeated_post and not any(flags):
            self.repairs["duplicate_posts"] += 1
            return None
        return flags
