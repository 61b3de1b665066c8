"""``wpmigrate verify``: audit an archive against the export it was made from.

A user runs it after a migration, before publishing: it re-reads the export,
decides what is public exactly as ``archive`` does (the same
:func:`~wpmigrate.conversation.moderation.moderate` and
:class:`~wpmigrate.conversation.moderation.Policy`),
reads back every file of the archive folder, and reports (:class:`Finding`):

=================  ==============================================================
``missing``        a public comment of the export that no post file holds
``duplicate``      a comment held twice (two files, or twice in one file)
``unexpected``     a comment in a file that is not public (dropped by moderation,
                   e.g. spam that got published) or not in the export at all; a
                   file for a post no reader saw (a draft, a menu item, …)
``private``        a commenter e-mail address or IP address of the export found
                   in any file outside the text of a public comment that holds
                   it (see below), or a JSON comment carrying a field that is
                   not on :mod:`wpmigrate.privacy`'s allow-list
                   (``author_email``, ``author_ip``, ``meta``, …)
``unreadable``     a post file that is not valid JSON, or Markdown without the
                   front matter ``archive`` writes; a file that cannot be read
``inconsistent``   the archive disagrees with itself: ``index.json``/``index.md``
                   against the files, a page's ``comment_ids`` against its
                   anchors, a staging folder left by an interrupted run
=================  ==============================================================

A commenter's e-mail or IP address found only inside the text of public
comments of that post whose stored text holds it (they typed it there, and
WordPress showed it) is a ``note``, not a finding: :attr:`VerifyReport.notes`.
Such a file is read a second time, whole, to place each occurrence in the text
of a comment (JSON: its ``content_html``; Markdown: below its header line, up to
the next anchor). Anywhere else the address is still a ``private`` finding.

Both archive formats are read: JSON post files (the ``comments`` forest) and
Markdown post files (the ``<a id="comment-N"></a>`` anchors readers see,
cross-checked with the front matter's ``comment_ids``). When a folder holds
both, each format must be complete on its own. ``index.json``/``index.md`` are
only cross-checked.

The private scan covers every byte of every file, hidden ones included:
e-mail addresses case-insensitively, on address boundaries (``bob@x.org`` is
not found in ``jim.bob@x.org``); IP addresses on number boundaries
(``192.0.2.1`` is not found in ``192.0.2.10`` or ``1.192.0.2.1``); Markdown
backslash escapes are ignored (``john\\_doe@x.org``). Loopback and unspecified
addresses (``127.0.0.1``, ``::1``, ``0.0.0.0``) identify nobody and are not
looked for. Comment meta has no reliable text form, so it is checked as a
field of JSON files; its values are mostly the same e-mail/IP, found by the scan.

Memory grows with the number of comments (the audit keeps their ids) but not
with the size of a file: files are read in chunks, and a JSON file is parsed
from a skeleton whose long strings are emptied while streaming.
"""

from __future__ import annotations

import codecs
import contextlib
import ipaddress
import json
import os
import re
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .conversation.moderation import NO_POST, Policy, is_listed, moderate, post_drop_reason
from .errors import InputError
from .privacy import PUBLIC_FIELDS, TREE_FIELDS
from .render.jsonl_reader import Group
from .write.publish import STAGING_PREFIX

#: Kinds of finding, in the order a report lists them.
KINDS = ("unreadable", "inconsistent", "private", "unexpected", "duplicate", "missing")
#: The keys a published JSON comment may carry: the one allow-list of
#: :mod:`wpmigrate.privacy` (anything else, ``author_email``, ``meta`` or a field
#: no one listed, is a ``private`` finding).
PUBLISHED_KEYS = frozenset(PUBLIC_FIELDS) | frozenset(TREE_FIELDS)
INDEX_FILES = ("index.json", "index.md")
FORMAT_NAMES = {"json": "JSON", "markdown": "Markdown"}
_EXTENSIONS = {".json": "json", ".md": "markdown"}
CHUNK = 1 << 20
#: Addresses that identify nobody (a plugin's import, a local test).
_ANONYMOUS_IPS = frozenset({"127.0.0.1", "0.0.0.0", "::1", "::"})

Key = tuple[int, int]


@dataclass(frozen=True)
class Finding:
    """One problem: its kind (see :data:`KINDS`), where, and what."""

    kind: str
    post_id: int | None
    comment_id: int | None
    file: str | None
    """Path relative to the archive folder (``/`` separators), ``None`` when no file is at fault."""
    detail: str
    line: int = 0
    """Line in ``file`` (1-based) when known, else 0."""

    def text(self) -> str:
        """One line: ``private: a.md:14: the e-mail address of … comment 7 (post 2)``."""
        parts = [self.kind]
        if self.file is not None:
            parts.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.comment_id is not None:
            parts.append(f"post {self.post_id}, comment {self.comment_id}")
        elif self.post_id is not None:
            parts.append(f"post {self.post_id}")
        return ": ".join([*parts, self.detail])

    def __str__(self) -> str:
        return self.text()


@dataclass
class VerifyReport:
    """What :func:`verify` found. ``ok`` when there is no finding at all."""

    expected: int = 0
    """Public comments in the export (what the archive should hold, once per format)."""
    found: int = 0
    """Comments found in the post files (every format, every occurrence)."""
    read: int = 0
    """Comments read from the export, public or not."""
    files: int = 0
    """Post files read (index files not counted)."""
    formats: tuple[str, ...] = ()
    """Formats of the post files found: ``json``, ``markdown``."""
    findings: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    """What is worth knowing but no problem (kind ``note``): a commenter's own
    address in the text of a public comment, as WordPress showed it."""

    @property
    def ok(self) -> bool:
        """No finding: every public comment is there once, nothing else, nothing private."""
        return not self.findings

    def counts(self) -> Counter[str]:
        """Findings by kind."""
        return Counter(finding.kind for finding in self.findings)

    def lines(self) -> list[str]:
        """The report: one line per finding, then one per note (none when all is well)."""
        return [finding.text() for finding in [*self.findings, *self.notes]]

    def summary(self) -> str:
        """``verified 38 public comments: 38 found in 3 files; no problems``."""
        noun = "comment" if self.expected == 1 else "comments"
        files = "file" if self.files == 1 else "files"
        head = f"verified {self.expected} public {noun}: {self.found} found in {self.files} {files}"
        if len(self.formats) > 1:
            head += " (" + ", ".join(FORMAT_NAMES[fmt] for fmt in self.formats) + ")"
        if self.notes:
            count = len(self.notes)
            head += f" ({count} note{'s' if count != 1 else ''})"
        if self.ok:
            return f"{head}; no problems"
        counts = self.counts()
        by_kind = ", ".join(f"{kind} {counts[kind]}" for kind in KINDS if counts[kind])
        total = len(self.findings)
        return f"{head}; {total} problem{'s' if total != 1 else ''} ({by_kind})"


# --------------------------------------------------------------------------- the export


@dataclass
class _Export:
    """What the archive should hold, and the private values it must not."""

    public: Counter[Key] = field(default_factory=Counter)
    dropped: dict[Key, str] = field(default_factory=dict)
    read: int = 0
    emails: dict[bytes, Key] = field(default_factory=dict)
    """Lower-cased addresses the scanner's tokens can match, to the first comment using it."""
    odd_emails: dict[bytes, Key] = field(default_factory=dict)
    """Addresses no token can be (spaces, unusual characters): searched as substrings."""
    ipv4: dict[bytes, Key] = field(default_factory=dict)
    ipv6: dict[str, Key] = field(default_factory=dict)
    """Compressed form (``ipaddress``) to the first comment using it."""
    in_text: dict[tuple[str, Any], set[Key]] = field(default_factory=dict)
    """Every e-mail or IP token in the text of a public comment (``(table, value)``,
    as :func:`_tokens` gives it) -> the public comments whose text holds it:
    what their authors published, which WordPress showed."""
    hidden_posts: dict[int, str] = field(default_factory=dict)
    """Posts no reader saw (why: ``unpublished: draft post``, …); no file may hold them."""
    shown_posts: set[int] = field(default_factory=set)
    """Posts an archive may have a file for."""

    def add(self, summary: dict[str, Any], records: list[dict[str, Any]], policy: Policy) -> None:
        kept, dropped = moderate(records, summary, policy)
        self.read += len(records)
        self._add_post(summary, policy, bool(kept))
        for record in kept:
            key = (record["post_id"], record["id"])
            self.public[key] += 1
            content = record.get("content_html")
            if isinstance(content, str) and content:
                for _at, table, value in _tokens(_normalise(content.encode("utf-8", "replace"))):
                    self.in_text.setdefault((table, value), set()).add(key)
        for record in dropped:
            detail = f"{record['reason']}: {record['detail']}"
            self.dropped.setdefault((record["post_id"], record["id"]), detail)
        # Findings name a commenter by a comment of theirs: a public one if there
        # is one (a reader can look it up), else the first.
        for record in [*kept, *dropped]:
            key = (record["post_id"], record["id"])
            self._add_email(record.get("author_email"), key)
            self._add_ip(record.get("author_ip"), key)

    def _add_post(self, summary: dict[str, Any], policy: Policy, has_public: bool) -> None:
        post_id = summary.get("id")
        if not isinstance(post_id, int) or post_id == NO_POST:
            return
        verdict = post_drop_reason(summary, policy)
        if verdict is None and (has_public or is_listed(summary, policy)):
            self.shown_posts.add(post_id)  # items can share an id: one shown is enough
            self.hidden_posts.pop(post_id, None)
        elif post_id not in self.shown_posts:
            if verdict is None:
                kind = summary.get("type") or "post"
                verdict = ("not listed", f"a {kind} with no public comment")
            self.hidden_posts.setdefault(post_id, f"{verdict[0]}: {verdict[1]}")

    def _owner(self, table: dict[Any, Key], value: Any, key: Key) -> None:
        known = table.get(value)
        if known is None or (known not in self.public and key in self.public):
            table[value] = key

    def _add_email(self, value: object, key: Key) -> None:
        if not isinstance(value, str):
            return
        # bytes.lower(), as the scan lowers what it reads: ASCII only, on both sides.
        email = value.strip().encode("utf-8", "replace").lower()
        if b"@" not in email:
            return  # "none", "n/a": not an address, and a word every page has
        self._owner(self.emails if _EMAIL.fullmatch(email) else self.odd_emails, email, key)

    def _add_ip(self, value: object, key: Key) -> None:
        if not isinstance(value, str):
            return
        # A proxy may have stored "client, proxy": each part is someone's address.
        for part in re.split(r"[\s,]+", value.strip()):
            if not part or part in _ANONYMOUS_IPS:
                continue
            if _IPV4.fullmatch(part.encode("ascii", "replace")):
                self._owner(self.ipv4, part.encode("ascii"), key)
                continue
            try:
                address = ipaddress.ip_address(part)
            except ValueError:
                continue  # "unknown", garbage: nothing to look for
            if address.version == 6 and str(address) not in _ANONYMOUS_IPS:
                self._owner(self.ipv6, str(address), key)


# --------------------------------------------------------------------------- private scan

_LOCAL = rb"[a-z0-9.!#$%&'*+/=?^_`|~\-\x80-\xff]"
_LABEL = rb"[a-z0-9\x80-\xff](?:[a-z0-9\-\x80-\xff]*[a-z0-9\x80-\xff])?"
# Each token pattern starts with a character class, which lets the regex engine
# skip to candidates in C; the boundary check comes right after the first
# character, as a lookbehind over it and the one before (possessive runs: no
# backtracking on long runs of letters or digits).
#: An e-mail address on its boundaries.
_EMAIL = re.compile(
    _LOCAL + rb"(?<!" + _LOCAL + _LOCAL + rb")" + _LOCAL + rb"*+@" + _LABEL
    + rb"(?:\." + _LABEL + rb")*"
)
#: An IPv4 address, not part of a longer number (``192.0.2.10``, ``1.192.0.2.1``).
_IPV4 = re.compile(rb"[0-9](?<![0-9.][0-9])[0-9]{0,2}(?:\.[0-9]{1,3}){3}(?![0-9]|\.[0-9])")
#: A run that may be an IPv6 address (checked with ``ipaddress``).
_IPV6 = re.compile(rb"[0-9a-f:.](?<![0-9a-z:.%][0-9a-f:.])[0-9a-f:.]{2,}+(?![0-9a-z:.%])")
#: Chunks are cut after a byte no token holds (see _SEPARATORS), so no token is
#: split; with none in a chunk's last 64 KB, this many bytes are carried over instead.
_WIDEST_TOKEN = 512


def _normalise(data: bytes) -> bytes:
    """What the scan reads: case-insensitive, blind to Markdown's backslash escapes
    (``john\\_doe@…``)."""
    return data.lower().replace(b"\\", b"")


def _tokens(
    buf: bytes, end: int | None = None, tables: tuple[bool, bool, bool] = (True, True, True)
) -> Iterator[tuple[int, str, Any]]:
    """``(position, table, value)`` of every e-mail and IP address token in ``buf[:end]``
    (normalised), ``table`` naming the :class:`_Export` table it is looked up in
    (``emails``, ``ipv4``, ``ipv6``); ``tables`` says which kinds to look for."""
    end = len(buf) if end is None else end
    emails, ipv4, ipv6 = tables
    if emails and b"@" in buf:
        for match in _EMAIL.finditer(buf, 0, end):
            yield match.start(), "emails", match.group()
    if ipv4:
        for match in _IPV4.finditer(buf, 0, end):
            yield match.start(), "ipv4", match.group()
    if ipv6 and b":" in buf:
        for match in _IPV6.finditer(buf, 0, end):
            token = match.group()
            if token.count(b":") < 2:
                continue
            try:
                address = str(ipaddress.ip_address(token.decode("ascii")))
            except ValueError:
                continue
            yield match.start(), "ipv6", address


_WHAT = {"emails": "e-mail address", "odd_emails": "e-mail address", "ipv4": "IP address",
         "ipv6": "IP address"}  # fmt: skip


class _PrivateScan:
    """Finds the export's e-mail and IP addresses in one file, chunk by chunk."""

    def __init__(self, export: _Export) -> None:
        self.export = export
        self.hits: dict[tuple[str, Key], int] = {}
        """(what, whose) -> first line."""
        self.values: dict[tuple[str, Key], set[tuple[str, Any]]] = {}
        """(what, whose) -> the values found (``(table, value)``)."""
        self._carry = b""
        self._line = 1

    def feed(self, chunk: bytes, final: bool = False) -> None:
        buf = self._carry + _normalise(chunk)
        end = len(buf)
        if not final:
            cut = _last_separator(buf)
            end = cut + 1 if cut >= 0 else max(0, len(buf) - _WIDEST_TOKEN)
        self._scan(buf, end)
        self._line += buf.count(b"\n", 0, end)
        self._carry = buf[end:]

    def _scan(self, buf: bytes, end: int) -> None:
        export = self.export
        matches: list[tuple[int, str, Key, tuple[str, Any]]] = []
        tables = (bool(export.emails), bool(export.ipv4), bool(export.ipv6))
        for at, table, value in _tokens(buf, end, tables):
            key = getattr(export, table).get(value)
            if key is not None:
                matches.append((at, _WHAT[table], key, (table, value)))
        if export.odd_emails and b"@" in buf:
            for email, key in export.odd_emails.items():
                at = buf.find(email, 0, end)
                if at >= 0 and at + len(email) <= end:
                    matches.append((at, "e-mail address", key, ("odd_emails", email)))
        position, line = 0, self._line
        for at, what, key, value in sorted(matches):
            line += buf.count(b"\n", position, at)
            position = at
            self.hits.setdefault((what, key), line)
            self.values.setdefault((what, key), set()).add(value)


_SEPARATORS = tuple(bytes([byte]) for byte in b" \n\t\r\x0b\x0c<>\"()[]{},;")


def _last_separator(buf: bytes) -> int:
    """Index of the last separator byte in the last 64 KB of ``buf``, else -1."""
    start = max(0, len(buf) - (1 << 16))
    return max(buf.rfind(separator, start) for separator in _SEPARATORS)


# --------------------------------------------------------------------------- JSON files

#: Structure, and short strings without escapes, taken as they are in one step
#: (a string with an escape goes through :class:`_JsonSkeleton`'s string loop,
#: which measures it the same way: bytes of JSON text).
_BULK = re.compile(rb'(?:[^"]++|"[^"\\\x00-\x1f]{0,256}+")*+')
#: The body of a string from where the scan stands to its end (or the chunk's end).
_BODY = re.compile(rb'(?:[^"\\\x00-\x1f]++|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*+')
_KEEP = 256


class _InvalidJson(ValueError):
    """The bytes are not JSON; the message says where."""


class _JsonSkeleton:
    """Streams JSON bytes into a *skeleton*: the same document with every string
    longer than 256 bytes (of JSON text, escapes as written) emptied. Line
    numbers are kept (a JSON string holds no raw line break), so ``json.loads``
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
                line = self._line + data.count(b"\n", 0, end)
                raise _InvalidJson(f"line {line}: a control character or bad escape in a string")
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
            raise _InvalidJson(f"line {self._line}: the file ends inside a string")

    def _take(self, data: bytes, start: int, end: int) -> None:
        if self._long:
            return
        if len(self._body) + end - start > _KEEP:
            self._long = True
            self._body.clear()
        else:
            self._body += data[start:end]

    def load(self) -> Any:
        """The skeleton as Python values; :class:`_InvalidJson` if it is not JSON."""
        try:
            return json.loads(b"".join(self.parts))
        except RecursionError:
            raise _InvalidJson("nested too deeply to read") from None
        except ValueError as exc:
            where = f"line {exc.lineno}: " if isinstance(exc, json.JSONDecodeError) else ""
            message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise _InvalidJson(f"{where}{message}") from None


@dataclass
class _PostFile:
    """What one post file says: its post, the comment ids it shows, its own claims."""

    path: str
    fmt: str
    post_id: int | None = None
    ids: list[int] = field(default_factory=list)
    private_keys: Counter[str] = field(default_factory=Counter)
    first_private: int | None = None
    listed_ids: list[int] | None = None
    """Markdown: the front matter's ``comment_ids``."""
    claimed_count: int | None = None
    """Markdown: the front matter's ``comment_count``."""
    problem: str | None = None
    """Why it could not be read (an ``unreadable`` finding)."""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _json_post(document: Any, post: _PostFile) -> None:
    """Fill ``post`` from a parsed JSON post file (``{"post", "comments", "stats"}``)."""
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("post"), dict)
        or not isinstance(document.get("comments"), list)
    ):
        post.problem = "not a wpmigrate archive post file (no \"post\" and \"comments\")"
        return
    post_id = document["post"].get("id")
    if not _is_int(post_id):
        post.problem = "the post has no integer id"
        return
    post.post_id = post_id
    stack = list(reversed(document["comments"]))
    while stack:
        node = stack.pop()
        if not isinstance(node, dict) or not _is_int(node.get("id")):
            post.problem = "a comment without an integer id"
            continue
        post.ids.append(node["id"])
        present = [key for key in node if key not in PUBLISHED_KEYS]
        if present:
            post.private_keys.update(present)
            if post.first_private is None:
                post.first_private = node["id"]
        replies = node.get("replies") or []
        if not isinstance(replies, list):
            post.problem = f"comment {node['id']}: \"replies\" is not a list"
            continue
        stack.extend(reversed(replies))


# --------------------------------------------------------------------------- Markdown files

_ANCHOR = re.compile(rb'<a id="comment-(-?[0-9]{1,24})"></a>')
_ANCHOR_ROOM = 64  # longer than any anchor
_FRONT_KEYS = (b"post_id:", b"comment_ids:", b"comment_count:", b"post_count:")
_LONG_LINE = 1 << 16


class _MarkdownScan:
    """Reads a Markdown file written by ``archive``: front matter, then anchors."""

    def __init__(self) -> None:
        self.front: dict[bytes, bytes] = {}
        self.anchors: list[int] = []
        self.problem: str | None = None
        self._state = "start"
        self._line = bytearray()
        self._skipping = False
        self._carry = b""

    def feed(self, chunk: bytes, final: bool = False) -> None:
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
                "the front matter never ends (no closing ---)"
                if self._state == "front"
                else "no front matter (a wpmigrate archive page starts with ---)"
            )

    def _add_to_line(self, piece: bytes) -> None:
        if self._skipping:
            return
        self._line += piece
        if len(self._line) > _LONG_LINE and not self._line.startswith(b"comment_ids:"):
            del self._line[64:]  # a long title: only its key matters
            self._skipping = True

    def _end_line(self) -> None:
        line = bytes(self._line).rstrip(b"\r")
        self._line.clear()
        self._skipping = False
        if self._state == "start":
            if line != b"---":
                self.problem = "no front matter (a wpmigrate archive page starts with ---)"
                self._state = "done"
            else:
                self._state = "front"
            return
        if line == b"---":
            self._state = "body"
            return
        for key in _FRONT_KEYS:
            if line.startswith(key):
                self.front.setdefault(key, line[len(key) :].strip())

    def _scan_body(self, data: bytes, final: bool) -> None:
        buf = self._carry + data
        cut = len(buf) if final else max(0, len(buf) - _ANCHOR_ROOM)
        for match in _ANCHOR.finditer(buf):
            if match.start() >= cut:
                break
            self.anchors.append(int(match.group(1)))
        self._carry = buf[cut:]

    def fill(self, post: _PostFile) -> None:
        """Copy what was read into ``post``."""
        if self.problem:
            post.problem = self.problem
            return
        raw_id = self.front.get(b"post_id:", b"")
        if not re.fullmatch(rb"-?[0-9]+", raw_id):
            post.problem = "no post_id in the front matter"
            return
        post.post_id = int(raw_id)
        post.ids = self.anchors
        listed = self.front.get(b"comment_ids:")
        if listed is not None:
            post.listed_ids = [int(value) for value in re.findall(rb"-?[0-9]+", listed)]
        count = self.front.get(b"comment_count:", b"")
        if re.fullmatch(rb"[0-9]+", count):
            post.claimed_count = int(count)


# --------------------------------------------------------------------------- published text


def _counts(buf: bytes, export: _Export) -> Counter[tuple[str, Any]]:
    """How often each of the export's private values occurs in ``buf`` (normalised)."""
    found: Counter[tuple[str, Any]] = Counter()
    for _at, table, value in _tokens(buf):
        if value in getattr(export, table):
            found[(table, value)] += 1
    for email in export.odd_emails:
        if email in buf:
            found[("odd_emails", email)] += buf.count(email)
    return found


#: A JSON token of a valid document (strings unrolled: no backtracking on long ones).
_JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]:,]|-?[0-9][0-9.eE+-]*')


def _json_regions(raw: bytes) -> list[tuple[int, int, int]]:
    """``(comment id, start, end)`` of every ``content_html`` string of a JSON post file:
    the text of the comment whose object holds it (as ``archive`` writes them)."""
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


_MENTIONS = b"\n## Mentions\n"


def _markdown_regions(raw: bytes) -> list[tuple[int, int, int]]:
    """``(comment id, start, end)`` of every comment's text in a Markdown post file:
    from the end of its header line (the one with its anchor, the author's name
    and link) to the next comment's anchor, or the Mentions list, or the end."""
    anchors = [(int(m.group(1)), m.start(), m.end()) for m in _ANCHOR.finditer(raw)]
    mentions = raw.find(_MENTIONS)
    stop = len(raw) if mentions < 0 else mentions
    regions = []
    for index, (comment_id, _start, end) in enumerate(anchors):
        header_end = raw.find(b"\n", end)
        if header_end < 0 or header_end >= stop:
            continue
        following = anchors[index + 1][1] if index + 1 < len(anchors) else stop
        regions.append((comment_id, header_end, min(following, stop)))
    return regions


# --------------------------------------------------------------------------- the audit


def _walk(root: str) -> Iterator[tuple[str, str, bool]]:
    """``(relative POSIX path, absolute path, is a symlink)`` of every file, sorted."""
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]):
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            yield relative, path, os.path.islink(path)


class NotRegular(OSError):
    """An archive entry that is not a regular file (a FIFO, a device, a socket)."""


def _chunks(path: str) -> Iterator[bytes]:
    # O_NONBLOCK: opening a FIFO for reading would wait for a writer forever.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular("not a regular file (not read)")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    with open(fd, "rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                return
            yield chunk


class _Audit:
    def __init__(self, export: _Export, root: str, allow_private: bool) -> None:
        self.export = export
        self.root = root
        self.allow_private = allow_private
        self.findings: list[Finding] = []
        self.posts: list[_PostFile] = []
        self.index_json: Any = None
        self.index_md: _MarkdownScan | None = None

    def add(self, kind: str, detail: str, file: str | None = None,
            key: tuple[int | None, int | None] = (None, None), line: int = 0) -> None:
        self.findings.append(Finding(kind, key[0], key[1], file, detail, line))

    def read_files(self) -> None:
        for name in sorted(os.listdir(self.root)):
            if name.startswith(STAGING_PREFIX) and os.path.isdir(os.path.join(self.root, name)):
                self.add("inconsistent", "left by an interrupted archive run: remove it", name)
        for relative, path, is_link in _walk(self.root):
            if is_link:
                self.add("unreadable", "a symbolic link (not followed)", relative)
                continue
            # Hidden files are not pages, but they are scanned for private data.
            hidden = any(part.startswith(".") for part in relative.split("/"))
            fmt = None if hidden else _EXTENSIONS.get(os.path.splitext(relative)[1])
            self._read(relative, path, fmt)

    def _read(self, relative: str, path: str, fmt: str | None) -> None:
        scan = _PrivateScan(self.export)
        decoder = codecs.getincrementaldecoder("utf-8")()
        is_index = relative in INDEX_FILES
        post = _PostFile(relative, fmt or "")
        skeleton = _JsonSkeleton() if fmt == "json" else None
        markdown = _MarkdownScan() if fmt == "markdown" else None
        try:
            for chunk in _chunks(path):
                scan.feed(chunk)
                if fmt is None:
                    continue
                try:
                    decoder.decode(chunk)
                    if skeleton is not None:
                        skeleton.feed(chunk)
                    if markdown is not None:
                        markdown.feed(chunk)
                except (UnicodeDecodeError, _InvalidJson) as exc:
                    post.problem = _problem(exc)
                    fmt = None  # keep scanning for private data, stop parsing
            scan.feed(b"", final=True)
            if fmt is not None:
                decoder.decode(b"", final=True)
                if skeleton is not None:
                    skeleton.feed(b"", final=True)
                    document = skeleton.load()
                    if is_index:
                        self.index_json = document
                    else:
                        _json_post(document, post)
                if markdown is not None:
                    markdown.feed(b"", final=True)
                    if is_index:
                        self.index_md = markdown
                    else:
                        markdown.fill(post)
        except NotRegular as exc:
            self.add("unreadable", str(exc), relative)
            return
        except OSError as exc:
            self.add("unreadable", f"cannot read: {exc.strerror or exc}", relative)
            return
        except (UnicodeDecodeError, _InvalidJson) as exc:
            post.problem = _problem(exc)
        self._private(relative, path, fmt if post.problem is None else None, post.post_id, scan)
        if post.problem is not None:
            kind = "inconsistent" if is_index else "unreadable"
            self.add(kind, post.problem, relative)
        elif post.fmt and not is_index:
            self.posts.append(post)

    def _private(
        self, relative: str, path: str, fmt: str | None, post_id: int | None, scan: _PrivateScan
    ) -> None:
        if self.allow_private:
            return
        published = self._published(path, fmt, post_id, scan)
        for (what, key), line in scan.hits.items():  # in the order they appear in the file
            whose = f"the {what} of the author of comment {key[1]} (post {key[0]})"
            where = published.get((what, key))
            if where:
                shown = ", ".join(str(comment_id) for comment_id in where)
                self.add(
                    "note",
                    f"{whose} appears in the text of public comment"
                    f"{'s' if len(where) > 1 else ''} {shown}, as written by "
                    f"{'their authors' if len(where) > 1 else 'its author'}",
                    relative,
                    line=line,
                )
                continue
            self.add("private", whose, relative, line=line)

    def _published(
        self, path: str, fmt: str | None, post_id: int | None, scan: _PrivateScan
    ) -> dict[tuple[str, Key], list[int]]:
        """The hits that are only what commenters published: ``(what, whose)`` -> the
        public comments (of this file's post) whose text shows the value.

        A hit qualifies when every value behind it is in the export's text of a
        public comment of this post, and every occurrence of it in the file lies
        inside the text of such a comment: anywhere else (a field, a title, the
        text of a comment that did not hold it) it is a leak. Rare, so the file
        is read again, whole, only then.
        """
        export = self.export
        if fmt is None or post_id is None or not export.in_text:
            return {}
        wanted = {
            hit: values
            for hit, values in scan.values.items()
            if all(
                any(key[0] == post_id for key in export.in_text.get(value, ()))
                for value in values
            )
        }
        if not wanted:
            return {}
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except OSError:
            return {}
        regions = _json_regions(raw) if fmt == "json" else _markdown_regions(raw)
        totals = _counts(_normalise(raw), export)
        inside: dict[tuple[str, Any], Counter[int]] = {}
        for comment_id, start, end in regions:
            for value, count in _counts(_normalise(raw[start:end]), export).items():
                inside.setdefault(value, Counter())[comment_id] += count
        out: dict[tuple[str, Key], list[int]] = {}
        for hit, values in wanted.items():
            shown: set[int] = set()
            for value in values:
                allowed = {key[1] for key in export.in_text[value] if key[0] == post_id}
                counted = inside.get(value, Counter())
                if sum(counted[cid] for cid in allowed) != totals.get(value, 0):
                    break
                shown.update(cid for cid in allowed if counted[cid])
            else:
                if shown:
                    out[hit] = sorted(shown)
        return out

    def check(self) -> tuple[int, tuple[str, ...]]:
        """Compare the post files with the export; return (found, formats)."""
        formats = tuple(sorted({post.fmt for post in self.posts}))
        if not formats:
            index_format = (
                self.index_json.get("format") if isinstance(self.index_json, dict) else None
            )
            formats = (index_format,) if index_format in FORMAT_NAMES else ("any",)
        found_total = 0
        for fmt in formats:
            found: dict[Key, list[str]] = {}
            for post in self.posts:
                if post.fmt != fmt:
                    continue
                assert post.post_id is not None
                self._check_post(post)
                for comment_id in post.ids:
                    found.setdefault((post.post_id, comment_id), []).append(post.path)
                found_total += len(post.ids)
            self._compare(found, fmt)
        self._check_indexes()
        return found_total, tuple(fmt for fmt in formats if fmt in FORMAT_NAMES)

    def _check_post(self, post: _PostFile) -> None:
        why = self.export.hidden_posts.get(post.post_id) if post.post_id is not None else None
        if why is not None:
            self.add("unexpected", f"a file for a post no reader saw ({why})", post.path,
                     (post.post_id, None))
        if post.private_keys and not self.allow_private:
            fields = ", ".join(sorted(post.private_keys))
            count = max(post.private_keys.values())
            self.add(
                "private",
                f"fields an archive does not publish ({fields}) on {count} "
                f"comment{'s' if count != 1 else ''}",
                post.path,
                (post.post_id, post.first_private),
            )
        if post.listed_ids is not None and set(post.listed_ids) != set(post.ids):
            extra = sorted(set(post.listed_ids) - set(post.ids))
            lacking = sorted(set(post.ids) - set(post.listed_ids))
            said = []
            if extra:
                said.append(f"comment_ids lists {_some(extra)} without an anchor")
            if lacking:
                said.append(f"anchors {_some(lacking)} are not in comment_ids")
            self.add("inconsistent", "; ".join(said), post.path, (post.post_id, None))
        if post.claimed_count is not None and post.claimed_count != len(post.ids):
            self.add(
                "inconsistent",
                f"comment_count says {post.claimed_count}, the page shows {len(post.ids)}",
                post.path,
                (post.post_id, None),
            )

    def _compare(self, found: dict[Key, list[str]], fmt: str) -> None:
        export = self.export
        where = "in no file" if fmt == "any" else f"in no {FORMAT_NAMES[fmt]} file"
        for key, paths in found.items():
            expected = export.public.get(key, 0)
            if expected == 0:
                why = export.dropped.get(key)
                detail = f"not public ({why})" if why else "not in the export"
                for path in dict.fromkeys(paths):
                    self.add("unexpected", detail, path, key)
            if len(paths) > max(expected, 1):
                unique = list(dict.fromkeys(paths))
                detail = (
                    f"{len(paths)} times in {unique[0]}"
                    if len(unique) == 1
                    else f"in {len(unique)} files: {', '.join(unique)}"
                )
                self.add("duplicate", detail, None, key)
        for key in export.public:
            if key not in found:
                self.add("missing", f"public in the export, {where}", None, key)

    def _check_indexes(self) -> None:
        index = self.index_json
        if index is None:
            if not any(f.file == "index.json" for f in self.findings):
                self.add("inconsistent", "missing (every archive has one)", "index.json")
            return
        if not isinstance(index, dict) or not isinstance(index.get("posts"), list):
            self.add("inconsistent", "not an archive index (no \"posts\" list)", "index.json")
            return
        fmt = index.get("format")
        files = {post.path: post for post in self.posts if post.fmt == fmt}
        listed: set[str] = set()
        for entry in index["posts"]:
            path = entry.get("file") if isinstance(entry, dict) else None
            if not isinstance(path, str):
                self.add("inconsistent", "an entry without a \"file\"", "index.json")
                continue
            listed.add(path)
            post = files.get(path)
            if post is None:
                self.add("inconsistent", f"lists {path}, which is not in the archive",
                         "index.json")
            elif entry.get("comment_count") != len(post.ids):
                self.add(
                    "inconsistent",
                    f"says {path} has {entry.get('comment_count')} comments; it has "
                    f"{len(post.ids)}",
                    "index.json",
                    (post.post_id, None),
                )
        for path in sorted(set(files) - listed):
            self.add("inconsistent", f"does not list {path}", "index.json")
        if fmt == "markdown" and self.index_md is None:
            if not any(f.file == "index.md" for f in self.findings):
                self.add("inconsistent", "missing (a Markdown archive has one)", "index.md")
        elif fmt == "markdown" and self.index_md is not None:
            counts = self.index_md.front
            shown = sum(len(post.ids) for post in files.values())
            for key, value in ((b"post_count:", len(files)), (b"comment_count:", shown)):
                if counts.get(key) != str(value).encode():
                    name = key.decode().rstrip(":")
                    said = counts.get(key, b"nothing").decode("utf-8", "replace")
                    self.add("inconsistent", f"{name} says {said}, the files hold {value}",
                             "index.md")


def _some(ids: list[int]) -> str:
    shown = ", ".join(str(value) for value in ids[:5])
    return shown + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")


def _problem(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return f"not valid JSON ({exc})"


def _order(finding: Finding) -> tuple[Any, ...]:
    return (
        KINDS.index(finding.kind) if finding.kind in KINDS else len(KINDS),
        finding.file or "",
        finding.line,
        finding.post_id if finding.post_id is not None else 0,
        finding.comment_id if finding.comment_id is not None else 0,
    )


def verify(
    groups: Iterable[Group],
    archive_dir: str,
    policy: Policy | None = None,
    allow_private: bool = False,
) -> VerifyReport:
    """Audit ``archive_dir`` against the export read as ``groups``.

    ``groups`` is what :meth:`wpmigrate.pipeline.ReadSession.groups` yields;
    ``policy`` must be the one the archive was made with (the ``archive``
    command's moderation options), so verify and archive agree on what is
    public. ``allow_private`` is for archives made with ``--keep-private-fields``.
    Raises :class:`InputError` when ``archive_dir`` is not a folder, and lets
    the reader's errors (:class:`~wpmigrate.errors.DataError`) through.
    """
    if not os.path.isdir(archive_dir):
        what = "not a folder" if os.path.exists(archive_dir) else "no such folder"
        raise InputError(f"{archive_dir}: {what}")
    policy = policy or Policy()
    export = _Export()
    for summary, records in groups:
        export.add(summary, records, policy)
    audit = _Audit(export, archive_dir, allow_private)
    audit.read_files()
    found, formats = audit.check()
    return VerifyReport(
        expected=sum(export.public.values()),
        found=found,
        read=export.read,
        files=len(audit.posts),
        formats=formats,
        findings=sorted((f for f in audit.findings if f.kind != "note"), key=_order),
        notes=sorted((f for f in audit.findings if f.kind == "note"), key=_order),
    )


__all__ = ["KINDS", "Finding", "VerifyReport", "verify"]
