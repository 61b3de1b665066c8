"""Compact memory of what was read, for deduplication across a whole export.

Deduplicating comments by (post id, comment id) means remembering every key
read. A Python ``set`` of those keys costs about 80 bytes each: 40 MB for a
1 GB export. Here comment ids are kept in ``array`` storage, 8 bytes
each, found through an open-addressing table of posts (see :class:`SeenKeys`),
so memory grows with the export by a tenth of what a set would take. What does
not fit (ids beyond 64 bits) goes to an ordinary set: it is rare.
"""

from __future__ import annotations

from array import array

_EMPTY = 0
_MULTIPLIER = 0x9E3779B97F4A7C15  # Fibonacci hashing: spreads consecutive ids
_WORD = (1 << 64) - 1
_LIMIT = 1 << 32
_INT64_MIN, _INT64_END = -(1 << 63), 1 << 63


def _post_key(post_id: int) -> int | None:
    """A post id as a non-zero table key, or ``None`` if it does not fit."""
    if 0 <= post_id < _LIMIT:
        return post_id + 1  # + 1: zero marks an empty slot
    return None


class _Table:
    """Open addressing with linear probing over parallel ``array('Q')`` keys and values."""

    def __init__(self, bits: int = 10, with_values: bool = False) -> None:
        self._bits = bits
        self._keys = array("Q", bytes(8 << bits))
        self._values = array("Q", bytes(8 << bits)) if with_values else None
        self._used = 0

    def _slot(self, key: int) -> int:
        mask = (1 << self._bits) - 1
        index = ((key * _MULTIPLIER) & _WORD) >> (64 - self._bits)
        keys = self._keys
        while True:
            found = keys[index]
            if found in (key, _EMPTY):
                return index
            index = (index + 1) & mask

    def get(self, key: int) -> int | None:
        """The value stored for ``key`` (0 in a set), or ``None``."""
        index = self._slot(key)
        if self._keys[index] == _EMPTY:
            return None
        return self._values[index] if self._values is not None else 0

    def put(self, key: int, value: int = 0) -> bool:
        """Store ``key`` (with ``value``); whether it was new."""
        index = self._slot(key)
        new = self._keys[index] == _EMPTY
        if new:
            self._keys[index] = key
            self._used += 1
        if self._values is not None:
            self._values[index] = value
        if new and self._used * 3 > 2 << self._bits:
            self._grow()
        return new

    def _grow(self) -> None:
        keys, values = self._keys, self._values
        self._bits += 1
        self._keys = array("Q", bytes(8 << self._bits))
        self._values = array("Q", bytes(8 << self._bits)) if values is not None else None
        self._used = 0
        for index, key in enumerate(keys):
            if key != _EMPTY:
                self.put(key, values[index] if values is not None else 0)


class SeenKeys:
    """A set of (post id, comment id) pairs, kept post by post.

    Every new comment id goes into one ``array('q')`` (8 bytes a comment), each
    item's as a block; a table maps a post id to its latest block, and the
    blocks of one post are chained. Nearly every item is the first of its post:
    then only the table is probed, whatever the number of comments. An item
    repeating a post checks its ids against that post's earlier blocks, and a
    post repeated again and again gets a set of its own (no quadratic reading).
    """

    _HOT_AFTER = 8
    """Blocks after which a post's ids are kept in a set."""

    def __init__(self) -> None:
        self._ids = array("q")
        self._starts = array("q")
        self._previous = array("q")
        """Per block: where its ids start in ``_ids``, and the post's block before (-1)."""
        self._last = _Table(with_values=True)
        """Packed post id -> its latest block + 1."""
        self._last_other: dict[int, int] = {}
        """The same for post ids the table cannot pack."""
        self._hot: dict[int, set[int]] = {}
        self._big: set[tuple[int, int]] = set()
        """Pairs whose comment id does not fit 64 signed bits."""

    def add_many(self, post_id: int, comment_ids: list[int]) -> list[bool]:
        """Remember the pairs of one item; for each, whether it was new."""
        key = _post_key(post_id)
        found = self._last.get(key) if key is not None else self._last_other.get(post_id)
        last = (found or 0) - 1
        fits = not comment_ids or (min(comment_ids) >= _INT64_MIN and max(comment_ids) < _INT64_END)
        if last < 0 and fits and len(set(comment_ids)) == len(comment_ids):
            flags, fresh = [True] * len(comment_ids), comment_ids  # the common case
        else:
            hot = self._hot.get(post_id)
            taken = hot if hot is not None else self._earlier(last)
            flags, fresh = [], []
            for comment_id in comment_ids:
                if _INT64_MIN <= comment_id < _INT64_END:
                    new = comment_id not in taken
                    if new:
                        taken.add(comment_id)
                        fresh.append(comment_id)
                else:
                    pair = (post_id, comment_id)
                    new = pair not in self._big
                    self._big.add(pair)
                flags.append(new)
            if hot is not None:
                return flags  # the set holds them
        if fresh:
            block = len(self._starts)
            self._starts.append(len(self._ids))
            self._previous.append(last)
            self._ids.extend(fresh)
            if key is not None:
                self._last.put(key, block + 1)
            else:
                self._last_other[post_id] = block + 1
            if self._chain_length(block) >= self._HOT_AFTER:
                self._hot[post_id] = self._earlier(block)
        return flags

    def add(self, post_id: int, comment_id: int) -> bool:
        """Remember a pair; whether it was new."""
        return self.add_many(post_id, [comment_id])[0]

    def _earlier(self, block: int) -> set[int]:
        """The ids of ``block`` and the blocks before it of the same post."""
        ids: set[int] = set()
        while block >= 0:
            end = self._starts[block + 1] if block + 1 < len(self._starts) else len(self._ids)
            ids.update(self._ids[self._starts[block] : end])
            block = self._previous[block]
        return ids

    def _chain_length(self, block: int) -> int:
        length = 0
        while block >= 0 and length < self._HOT_AFTER:
            length += 1
            block = self._previous[block]
        return length


class SeenPosts:
    """A map from post id to a 64-bit fingerprint of the post's header."""

    def __init__(self) -> None:
        self._table = _Table(with_values=True)
        self._other: dict[int, int] = {}

    def swap(self, post_id: int, fingerprint: int) -> int | None:
        """Store the fingerprint for ``post_id``; return the one stored before, if any."""
        fingerprint &= _WORD
        key = _post_key(post_id)
        if key is None:
            previous = self._other.get(post_id)
            self._other[post_id] = fingerprint
            return previous
        previous = self._table.get(key)
        self._table.put(key, fingerprint)
        return previous
