"""Reading back a Markdown archive page, the inverse of :mod:`wpmigrate.render.markdown`.

Two readers, for two needs:

* :class:`MarkdownScan` streams a page (fed chunk by chunk, memory bounded
  whatever the file's size): the front matter's keys (:data:`FRONT_KEYS`) and
  the comment ids of the anchors, in page order. :meth:`MarkdownScan.page`
  gives what a page says about its post (:class:`MarkdownPage`).
* :func:`page_comments` reads a whole page's comments: each one's anchor, how
  deep in quote boxes it is shown, the comment it is shown under or says it
  answers, and where its text lies (:func:`comment_regions`).

Both know the format only through :mod:`wpmigrate.render.markdown_format`,
the constants the writer uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .markdown_format import (
    ANCHOR_END,
    ANCHOR_NAME,
    ANCHOR_START,
    COMMENT_COUNT,
    COMMENT_IDS,
    FENCE,
    IN_REPLY_TO,
    MENTIONS_HEADING,
    POST_COUNT,
    POST_ID,
)

#: Front matter keys read back (the others, title and date, are the writer's alone).
FRONT_KEYS = (POST_ID, COMMENT_IDS, COMMENT_COUNT, POST_COUNT)

#: A comment's anchor; the id has at most 24 digits (no int is longer in an export).
ANCHOR = re.compile(
    re.escape(ANCHOR_START.encode()) + rb"(-?[0-9]{1,24})" + re.escape(ANCHOR_END.encode())
)
_ANCHOR_ROOM = 64  # longer than any anchor
_FENCE = FENCE.encode()
_FRONT = tuple((name, f"{name}:".encode()) for name in FRONT_KEYS)
_LONG_LINE = 1 << 16
_NUMBER = re.compile(rb"-?[0-9]+")
_COMMENT_IDS = f"{COMMENT_IDS}:".encode()
_NO_FRONT = f"no front matter (a wpmigrate archive page starts with {FENCE})"
_MENTIONS = f"\n{MENTIONS_HEADING}\n".encode()
_IN_REPLY_TO = IN_REPLY_TO.encode()
# The link (an HTML fragment, see anchor_href) ends the header line: it is the
# last thing the writer puts there.
_REPLY_LINK = re.compile(rb"\]\(#" + re.escape(ANCHOR_NAME.encode()) + rb"(-?[0-9]{1,24})\)$")


class UnreadablePage(ValueError):
    """A file that is not a page ``archive`` writes; the message says why."""


@dataclass(slots=True)
class MarkdownPage:
    """What a page says about its post."""

    post_id: int
    ids: list[int]
    """The comment ids of its anchors, in page order (mentions included)."""
    listed_ids: list[int] | None
    """The front matter's ``comment_ids``, when it has them."""
    claimed_count: int | None
    """The front matter's ``comment_count``, when it is a number."""


class MarkdownScan:
    """Streams a Markdown file written by ``archive``: front matter, then anchors."""

    def __init__(self) -> None:
        self.front: dict[str, bytes] = {}
        """Front matter key (one of :data:`FRONT_KEYS`) -> its value as written."""
        self.anchors: list[int] = []
        """The comment ids of the anchors, in page order."""
        self.problem: str | None = None
        """Why this is not a page ``archive`` writes (set by the last :meth:`feed`)."""
        self._state = "start"
        self._line = bytearray()
        self._skipping = False
        self._carry = b""

    def feed(self, chunk: bytes, final: bool = False) -> None:
        """Read ``chunk``, the next bytes of the file; ``final`` after the last one."""
        data = chunk
        while data and self._state in ("start", "front"):
            newline = data.find(b"\n")
            piece = data if newline < 0 else data[:newline]
            data = b"" if newline < 0 else data[newline + 1 :]
            self._add_to_line(piece)
            if newline >= 0:
                self._end_line()
        if final and self._state in ("start", "front") and (self._line or self._skipping):
            self._end_line()  # a last line without a line break
        if self._state == "body":
            self._scan_body(data, final)
        elif final and self.problem is None:
            self.problem = (
                f"the front matter never ends (no closing {FENCE})"
                if self._state == "front"
                else _NO_FRONT
            )

    def _add_to_line(self, piece: bytes) -> None:
        if self._skipping:
            return
        self._line += piece
        if len(self._line) > _LONG_LINE and not self._line.startswith(_COMMENT_IDS):
            del self._line[64:]  # a long title: only its key matters
            self._skipping = True

    def _end_line(self) -> None:
        line = bytes(self._line).rstrip(b"\r")
        self._line.clear()
        self._skipping = False
        if self._state == "start":
            if line != _FENCE:
                self.problem = _NO_FRONT
                self._state = "done"
            else:
                self._state = "front"
            return
        if line == _FENCE:
            self._state = "body"
            return
        for name, key in _FRONT:
            if line.startswith(key):
                self.front.setdefault(name, line[len(key) :].strip())

    def _scan_body(self, data: bytes, final: bool) -> None:
        buf = self._carry + data
        cut = len(buf) if final else max(0, len(buf) - _ANCHOR_ROOM)
        for match in ANCHOR.finditer(buf):
            if match.start() >= cut:
                break
            self.anchors.append(int(match.group(1)))
        self._carry = buf[cut:]

    def page(self) -> MarkdownPage:
        """What the page read says; :class:`UnreadablePage` if it is not one."""
        if self.problem:
            raise UnreadablePage(self.problem)
        raw_id = self.front.get(POST_ID, b"")
        if not _NUMBER.fullmatch(raw_id):
            raise UnreadablePage(f"no {POST_ID} in the front matter")
        listed = self.front.get(COMMENT_IDS)
        count = self.front.get(COMMENT_COUNT, b"")
        return MarkdownPage(
            post_id=int(raw_id),
            ids=self.anchors,
            listed_ids=None if listed is None else [int(n) for n in _NUMBER.findall(listed)],
            claimed_count=int(count) if re.fullmatch(rb"[0-9]+", count) else None,
        )


def read_page(data: bytes) -> MarkdownPage:
    """:meth:`MarkdownScan.page` of a whole file's bytes."""
    scan = MarkdownScan()
    scan.feed(data, final=True)
    return scan.page()


@dataclass(frozen=True, slots=True)
class PageComment:
    """One comment of a page, as a reader sees it."""

    id: int
    mention: bool
    """Listed under Mentions (a pingback or trackback without replies)."""
    depth: int
    """Quote boxes around it: 0 at the top level (and for mentions)."""
    shown_under: int | None
    """The comment whose quote box holds it (``None`` at the top level)."""
    reply_to: int | None
    """The comment its header says it answers (``in reply to``), when it says so:
    when it is not shown under that one (nested too deep, or a broken thread)."""
    text: tuple[int, int] | None
    """Where its text lies in the file (see :func:`comment_regions`); ``None`` for
    mentions, and for a header with nothing after it."""


def page_comments(raw: bytes) -> list[PageComment]:
    """Every comment of a whole page, in page order."""
    anchors = [(int(m.group(1)), m.start(), m.end()) for m in ANCHOR.finditer(raw)]
    mentions = raw.find(_MENTIONS)
    stop = len(raw) if mentions < 0 else mentions
    out: list[PageComment] = []
    # The comment last shown at each depth: who holds the next one a level deeper.
    holders: list[int | None] = []
    for index, (comment_id, start, end) in enumerate(anchors):
        header_end = raw.find(b"\n", end)
        text = None
        if 0 <= header_end < stop:
            following = anchors[index + 1][1] if index + 1 < len(anchors) else stop
            text = (header_end, min(following, stop))
        if start >= stop:
            out.append(PageComment(comment_id, True, 0, None, None, None))
            continue
        prefix = raw[raw.rfind(b"\n", 0, start) + 1 : start]
        depth = prefix.count(b">")
        del holders[depth:]
        holders.extend([None] * (depth - len(holders)))  # a box opened without its holder
        header = raw[end : len(raw) if header_end < 0 else header_end].rstrip(b"\r")
        link = _REPLY_LINK.search(header) if _IN_REPLY_TO in header else None
        out.append(
            PageComment(
                comment_id,
                False,
                depth,
                holders[depth - 1] if depth else None,
                int(link.group(1)) if link else None,
                text,
            )
        )
        holders.append(comment_id)
    return out


def comment_regions(raw: bytes) -> list[tuple[int, int, int]]:
    """``(comment id, start, end)`` of every comment's text in a Markdown post file:
    from the end of its header line (the one with its anchor, the author's name
    and link) to the next comment's anchor, or the Mentions list, or the end."""
    return [(c.id, *c.text) for c in page_comments(raw) if c.text is not None]
