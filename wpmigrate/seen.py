"""Compact memory of what was read, for deduplication across a whole export.

Deduplicating comments by (post id, comment id) means remembering every key
read. A Python ``set`` of those keys costs about 80 bytes each: 40 MB for a
1 GB export. These open-addressing tables keep the keys in ``array`` storage,
8 bytes a slot at most two-thirds full, about 12 bytes a key, so memory grows
with the export by a sixth of what a set would take. Keys that do not fit
(negative synthetic ids, ids beyond 32 bits) go to an ordinary set: they are rare.
"""

from __future__ import annotations

from array import array

_EMPTY = 0
_MULTIPLIER = 0x9E3779B97F4A7C15  # Fibonacci hashing: spreads consecutive ids
_WORD = (1 << 64) - 1
_LIMIT = 1 << 32


def _pack(first: int, second: int) -> int | None:
    """Two ids as one non-zero 64-bit key, or ``None`` if they do not fit."""
    if 0 <= first < _LIMIT - 1 and 0 <= second < _LIMIT:  # (+ 1 must fit 64 bits)
        return ((first << 32) | second) + 1  # + 1: zero marks an empty slot
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
    """A set of (post id, comment id) pairs."""

    def __init__(self) -> None:
        self._table = _Table()
        self._other: set[tuple[int, int]] = set()

    def add_many(self, post_id: int, comment_ids: list[int]) -> list[bool]:
        """Remember the pairs of one post; for each, whether it was new.

        The same as :meth:`add` for each, with the probing inlined: this runs for
        every comment of the export, and a call per key doubled its cost.
        """
        if not 0 <= post_id < _LIMIT - 1:
            return [self.add(post_id, comment_id) for comment_id in comment_ids]
        table = self._table
        base = (post_id << 32) + 1  # + comment id: the key _pack makes
        flags = []
        for comment_id in comment_ids:
            if not 0 <= comment_id < _LIMIT:
                flags.append(self.add(post_id, comment_id))
                continue
            key = base + comment_id
            keys = table._keys
            bits = table._bits
            mask = (1 << bits) - 1
            index = ((key * _MULTIPLIER) & _WORD) >> (64 - bits)
            while True:
                found = keys[index]
                if found == key:
                    flags.append(False)
                    break
                if found == _EMPTY:
                    keys[index] = key
                    table._used += 1
                    if table._used * 3 > 2 << bits:
                        table._grow()
                    flags.append(True)
                    break
                index = (index + 1) & mask
        return flags

    def add(self, post_id: int, comment_id: int) -> bool:
        """Remember a pair; whether it was new."""
        key = _pack(post_id, comment_id)
        if key is None:
            pair = (post_id, comment_id)
            new = pair not in self._other
            self._other.add(pair)
            return new
        return self._table.put(key)


class SeenPosts:
    """A map from post id to a 64-bit fingerprint of the post's header."""

    def __init__(self) -> None:
        self._table = _Table(with_values=True)
        self._other: dict[int, int] = {}

    def swap(self, post_id: int, fingerprint: int) -> int | None:
        """Store the fingerprint for ``post_id``; return the one stored before, if any."""
        fingerprint &= _WORD
        key = _pack(0, post_id)
        if key is None:
            previous = self._other.get(post_id)
            self._other[post_id] = fingerprint
            return previous
        previous = self._table.get(key)
        self._table.put(key, fingerprint)
        return previous
