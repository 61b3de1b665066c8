"""Stream JSON records as JSON Lines, or as one JSON array built without holding it.

Encoding uses orjson: on a large export JSON encoding was the biggest single
cost after the XML parser itself (the stdlib encoder took 0.9 s of 4.3 s on a
200 MB export; orjson takes about a seventh of that).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO, Literal

import orjson

Format = Literal["jsonl", "json"]

_LINE = orjson.OPT_APPEND_NEWLINE
_PRETTY = orjson.OPT_INDENT_2
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def encode(value: Any, pretty: bool = False) -> bytes:
    """``value`` as JSON bytes (no trailing newline): orjson, or a slower exact fallback.

    Fix: orjson refuses three things real inputs produce, and each made the
    command fail as an internal error (exit 70): nesting deeper than 255
    levels (a ``thread`` record whose replies nest 127 levels deep: 10,000-deep
    reply chains exist), integers beyond 64 bits (an id of 2**70 in a broken
    export), and strings holding a lone surrogate (JSON input with ``"\\ud800"``).
    For those records only, :func:`_fallback` writes the same bytes orjson
    would, iteratively, keeping a lone surrogate as its ``\\uXXXX`` escape.
    """
    try:
        return orjson.dumps(value, option=_PRETTY if pretty else 0)
    except orjson.JSONEncodeError:
        return b"".join(_fallback(value, pretty))


def _scalar(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        if isinstance(value, str):
            text = json.dumps(value, ensure_ascii=False)
            text = _SURROGATE.sub(lambda match: f"\\u{ord(match.group(0)):04x}", text)
            return text.encode("utf-8")
        if isinstance(value, int):
            return str(int(value)).encode("ascii")
        raise


def _fallback(value: Any, pretty: bool) -> Iterator[bytes]:
    """Encode like orjson (compact, or ``OPT_INDENT_2``) without recursion or limits."""
    colon = b": " if pretty else b":"
    # Each frame: (iterator over the container's items, its closing byte, depth, first?).
    stack: list[list[Any]] = []
    pending: Any = value
    have_pending = True
    while True:
        if have_pending:
            have_pending = False
            item = pending
            if isinstance(item, dict) and item:
                yield b"{"
                stack.append([iter(item.items()), b"}", len(stack) + 1, True])
            elif isinstance(item, (list, tuple)) and item:
                yield b"["
                stack.append([iter(item), b"]", len(stack) + 1, True])
            elif isinstance(item, dict):
                yield b"{}"
            elif isinstance(item, (list, tuple)):
                yield b"[]"
            else:
                yield _scalar(item)
        if not stack:
            return
        frame = stack[-1]
        iterator, closing, depth, first = frame
        try:
            entry = next(iterator)
        except StopIteration:
            stack.pop()
            if pretty:
                yield b"\n" + b"  " * (depth - 1)
            yield closing
            continue
        if not first:
            yield b","
        frame[3] = False
        if pretty:
            yield b"\n" + b"  " * depth
        if closing == b"}":
            key, pending = entry
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, not {type(key).__name__}")
            yield _scalar(key) + colon
        else:
            pending = entry
        have_pending = True


def dumps(record: Any, pretty: bool = False) -> str:
    """One record as JSON text: compact by default, indented with ``pretty``."""
    return encode(record, pretty).decode("utf-8")


class JsonWriter:
    """Writes records one at a time to a binary stream.

    ``jsonl``: one compact record per line (``--pretty`` indents each record,
    which is still a valid stream of JSON texts, though not JSON Lines).
    ``json``: a single array, streamed element by element.
    """

    #: Bytes gathered before one write: a write per record costs more than encoding it.
    BATCH = 1 << 18

    def __init__(self, out: BinaryIO, fmt: Format = "jsonl", pretty: bool = False) -> None:
        self.out = out
        self.fmt = fmt
        self.pretty = pretty
        self.count = 0
        self._pending: list[bytes] = []
        self._pending_bytes = 0

    def write(self, record: Any) -> None:
        """Append one record."""
        self.write_encoded(encode(record, self.pretty))

    def write_encoded(self, data: bytes) -> None:
        """Append one record already encoded with :func:`encode` (same ``pretty``)."""
        if self.fmt == "json":
            if self.pretty:
                data = data.replace(b"\n", b"\n  ")  # newlines only come from indentation
            data = (b"[\n  " if self.count == 0 else b",\n  ") + data
        else:
            data += b"\n"
        self.count += 1
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        """Write what is gathered so far."""
        if self._pending:
            self.out.write(b"".join(self._pending))
            self._pending.clear()
            self._pending_bytes = 0
        self.out.flush()

    def close(self) -> None:
        """Finish the document (closes the JSON array); does not close the stream."""
        if self.fmt == "json":
            self._pending.append(b"[]\n" if self.count == 0 else b"\n]\n")
        self.flush()
