"""Reading back a JSON archive file, the inverse of :mod:`wpmigrate.render.json_archive`.

* :class:`JsonSkeleton` parses a file fed chunk by chunk, with memory bounded
  by the number of values, never by the length of a string (a 64 MiB comment
  costs nothing): every string longer than 256 bytes of JSON text comes back
  empty. Why it is not :func:`orjson.loads` or ijson is measured in
  ``docs/benchmarks.md`` ("verify's JSON reader"); ``tests/test_roundtrip.py``
  holds it to both.
* :func:`read_post` reads a post file's document (``{"post", "comments",
  "stats"}``): the post's id and every comment's id, the comment it replies to
  (by nesting) and its keys, in the order a reader sees them.
* :func:`content_regions` finds where each comment's ``content_html`` lies in
  the file's bytes.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

#: Structure, and short strings without escapes, taken as they are in one step
#: (a string with an escape goes through :class:`JsonSkeleton`'s string loop,
#: which measures it the same way: bytes of JSON text).
_BULK = re.compile(rb'(?:[^"]++|"[^"\\\x00-\x1f]{0,256}+")*+')
#: The body of a string from where the scan stands to its end (or the chunk's end).
_BODY = re.compile(rb'(?:[^"\\\x00-\x1f]++|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*+')
#: The longest string kept, in bytes of JSON text (escapes as written).
KEEP = 256


class InvalidJson(ValueError):
    """The bytes are not JSON; the message says where."""


class JsonSkeleton:
    """Streams JSON bytes into a *skeleton*: the same document with every string
    longer than :data:`KEEP` bytes (of JSON text, escapes as written) emptied.
    Line numbers are kept (a JSON string holds no raw line break), so ``json.loads``
    on the skeleton reports the file's line. Strings are checked while
    streaming; UTF-8 is checked by the caller.
    """

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self._tail = b""
        self._in_string = False
        self._body = bytearray()
        self._long = False
        self._line = 1

    def feed(self, chunk: bytes, final: bool = False) -> None:
        """Read ``chunk``, the next bytes of the file; ``final`` after the last one.
        Raises :class:`InvalidJson` at a bad string (or the end inside one)."""
        data = self._tail + chunk
        self._tail = b""
        pos, size = 0, len(data)
        while pos < size:
            if self._in_string:
                end = _BODY.match(data, pos).end()  # type: ignore[union-attr]
                self._take(data, pos, end)
                if end == size:
                    pos = end
                    break
                if data[end] == 0x22:  # the closing quote
                    self.parts.append(b'""' if self._long else b'"' + bytes(self._body) + b'"')
                    self._in_string = False
                    pos = end + 1
                    continue
                if data[end] == 0x5C and size - end < 6 and not final:
                    self._tail = data[end:]  # an escape cut by the chunk: finish it next time
                    return
                # A string holds no raw line break: it is on the line it started on,
                # which the pieces before it have counted.
                raise InvalidJson(
                    f"line {self._line}: a control character or bad escape in a string"
                )
            end = _BULK.match(data, pos).end()  # type: ignore[union-attr]
            if end > pos:
                piece = data[pos:end]
                self.parts.append(piece)
                self._line += piece.count(b"\n")
            pos = end
            if pos < size:  # a string _BULK does not take whole: long, odd, or cut
                self._in_string, self._long = True, False
                self._body.clear()
                pos += 1
        if final and (self._in_string or self._tail):
            raise InvalidJson(f"line {self._line}: the file ends inside a string")

    def _take(self, data: bytes, start: int, end: int) -> None:
        if self._long:
            return
        if len(self._body) + end - start > KEEP:
            self._long = True
            self._body.clear()
        else:
            self._body += data[start:end]

    def load(self) -> Any:
        """The skeleton as Python values; :class:`InvalidJson` if it is not JSON."""
        try:
            return json.loads(b"".join(self.parts))
        except RecursionError:
            raise InvalidJson("nested too deeply to read") from None
        except ValueError as exc:
            where = f"line {exc.lineno}: " if isinstance(exc, json.JSONDecodeError) else ""
            message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise InvalidJson(f"{where}{message}") from None


def load_skeleton(data: bytes) -> Any:
    """:class:`JsonSkeleton` on a whole file's bytes: the document, long strings emptied."""
    skeleton = JsonSkeleton()
    skeleton.feed(data, final=True)
    return skeleton.load()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class JsonComment:
    """One comment node of a post file."""

    id: int
    parent: int | None
    """The comment whose ``replies`` hold it (``None`` at the top level)."""
    keys: tuple[str, ...]
    """Its keys, as written (``replies`` included)."""


@dataclass(slots=True)
class JsonPost:
    """What a post file says: its post, its comments in reading order, or why not."""

    post_id: int | None = None
    comments: list[JsonComment] = field(default_factory=list)
    problem: str | None = None
    """Why it is not a post file ``archive`` writes (the last fault met)."""


def read_post(document: Any) -> JsonPost:
    """A parsed post file (``{"post", "comments", "stats"}``) read back: the post's
    id and every comment, depth first as a page shows them, in one walk."""
    out = JsonPost()
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("post"), dict)
        or not isinstance(document.get("comments"), list)
    ):
        out.problem = "not a wpmigrate archive post file (no \"post\" and \"comments\")"
        return out
    post_id = document["post"].get("id")
    if not _is_int(post_id):
        out.problem = "the post has no integer id"
        return out
    out.post_id = post_id
    stack: list[tuple[Any, int | None]] = [(node, None) for node in reversed(document["comments"])]
    while stack:
        node, parent = stack.pop()
        if not isinstance(node, dict) or not _is_int(node.get("id")):
            out.problem = "a comment without an integer id"
            continue
        out.comments.append(JsonComment(node["id"], parent, tuple(node)))
        replies = node.get("replies") or []
        if not isinstance(replies, list):
            out.problem = f"comment {node['id']}: \"replies\" is not a list"
            continue
        stack.extend((reply, node["id"]) for reply in reversed(replies))
    return out


#: A JSON token of a valid document (strings unrolled: no backtracking on long ones).
_JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]:,]|-?[0-9][0-9.eE+-]*')


def content_regions(raw: bytes) -> list[tuple[int, int, int]]:
    """``(comment id, start, end)`` of every ``content_html`` string of a JSON post file
    (``raw[start:end]`` is the string, quotes included): the text of the comment
    whose object holds it. The file must be valid JSON (see :class:`JsonSkeleton`)."""
    regions: list[tuple[int, int, int]] = []
    # Per open object: [its "id", its content spans, the key being read, expecting a key].
    stack: list[list[Any] | None] = []
    for match in _JSON_TOKEN.finditer(raw):
        token = match.group()
        frame = stack[-1] if stack else None
        first = token[:1]
        if first == b"{":
            stack.append([None, [], None, True])
        elif first == b"[":
            stack.append(None)
        elif first in (b"}", b"]"):
            done = stack.pop() if stack else None
            if done is not None and _is_int(done[0]):
                regions.extend((done[0], start, end) for start, end in done[1])
        elif frame is None:
            continue  # an array's element
        elif first == b":":
            frame[3] = False
        elif first == b",":
            frame[2], frame[3] = None, True
        elif frame[3]:
            frame[2] = token  # a key, as written
        elif frame[2] == b'"content_html"' and first == b'"':
            frame[1].append((match.start(), match.end()))
        elif frame[2] == b'"id"' and first != b'"':
            with contextlib.suppress(ValueError):  # 1.5, 1e3: not a comment id
                frame[0] = int(token)
    return regions
