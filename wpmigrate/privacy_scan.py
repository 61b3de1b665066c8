"""Finding commenters' e-mail and IP addresses in published bytes.

:mod:`wpmigrate.privacy` says what may be published; this module looks for what
may not, in files already written: the e-mail and IP addresses of the export's
commenters, wherever they appear in a file (a field, a title, a comment's
text). :mod:`wpmigrate.verify` uses it on every file of an archive.

What counts as an occurrence:

* e-mail addresses case-insensitively, on address boundaries (``bob@x.org`` is
  not found in ``jim.bob@x.org``);
* IPv4 addresses on number boundaries (``192.0.2.1`` is not found in
  ``192.0.2.10`` or ``1.192.0.2.1``); IPv6 addresses in any spelling
  ``ipaddress`` reads as the same address;
* Markdown's backslash escapes are ignored (``john\\_doe@x.org``).

:data:`ANONYMOUS_IPS` (loopback, unspecified) identify nobody and are not looked for.

The values to look for come from a :class:`PrivateValues` (the tables of
:class:`wpmigrate.verify`'s expected contents): each value maps to the comment
whose author it belongs to, which is what a finding names.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any, Protocol

#: A comment, ``(post id, comment id)``: whose address a value is.
Key = tuple[int, int]

#: Addresses that identify nobody (a plugin's import, a local test).
ANONYMOUS_IPS = frozenset({"127.0.0.1", "0.0.0.0", "::1", "::"})

_LOCAL = rb"[a-z0-9.!#$%&'*+/=?^_`|~\-\x80-\xff]"
_LABEL = rb"[a-z0-9\x80-\xff](?:[a-z0-9\-\x80-\xff]*[a-z0-9\x80-\xff])?"
# Each token pattern starts with a character class, which lets the regex engine
# skip to candidates in C; the boundary check comes right after the first
# character, as a lookbehind over it and the one before (possessive runs: no
# backtracking on long runs of letters or digits).
#: An e-mail address on its boundaries.
EMAIL = re.compile(
    _LOCAL + rb"(?<!" + _LOCAL + _LOCAL + rb")" + _LOCAL + rb"*+@" + _LABEL
    + rb"(?:\." + _LABEL + rb")*"
)
#: An IPv4 address, not part of a longer number (``192.0.2.10``, ``1.192.0.2.1``).
IPV4 = re.compile(rb"[0-9](?<![0-9.][0-9])[0-9]{0,2}(?:\.[0-9]{1,3}){3}(?![0-9]|\.[0-9])")
#: A run that may be an IPv6 address (checked with ``ipaddress``).
_IPV6 = re.compile(rb"[0-9a-f:.](?<![0-9a-z:.%][0-9a-f:.])[0-9a-f:.]{2,}+(?![0-9a-z:.%])")
#: Chunks are cut after a byte no token holds (see _SEPARATORS), so no token is
#: split; with none in a chunk's last 64 KB, this many bytes are carried over instead.
_WIDEST_TOKEN = 512

#: What a finding calls a value of each table.
WHAT = {"emails": "e-mail address", "odd_emails": "e-mail address", "ipv4": "IP address",
        "ipv6": "IP address"}  # fmt: skip


class PrivateValues(Protocol):
    """The values to look for, each to the comment whose author it belongs to."""

    emails: dict[bytes, Key]
    """Lower-cased addresses :func:`tokens` can give."""
    odd_emails: dict[bytes, Key]
    """Addresses no token can be (spaces, unusual characters): searched as substrings."""
    ipv4: dict[bytes, Key]
    ipv6: dict[str, Key]
    """Compressed form (``ipaddress``)."""


def normalise(data: bytes) -> bytes:
    """What the scan reads: case-insensitive, blind to Markdown's backslash escapes
    (``john\\_doe@…``)."""
    return data.lower().replace(b"\\", b"")


def tokens(
    buf: bytes, end: int | None = None, tables: tuple[bool, bool, bool] = (True, True, True)
) -> Iterator[tuple[int, str, Any]]:
    """``(position, table, value)`` of every e-mail and IP address token in ``buf[:end]``
    (normalised), ``table`` naming the :class:`PrivateValues` table it is looked up in
    (``emails``, ``ipv4``, ``ipv6``); ``tables`` says which kinds to look for."""
    end = len(buf) if end is None else end
    emails, ipv4, ipv6 = tables
    if emails and b"@" in buf:
        for match in EMAIL.finditer(buf, 0, end):
            yield match.start(), "emails", match.group()
    if ipv4:
        for match in IPV4.finditer(buf, 0, end):
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


class PrivateScan:
    """Finds the private values in one file, fed chunk by chunk (memory does not
    grow with the file: no token is longer than what is carried to the next chunk)."""

    def __init__(self, values: PrivateValues) -> None:
        self.values = values
        self.hits: dict[tuple[str, Key], int] = {}
        """(what, whose) -> first line, in the order they appear in the file."""
        self.found: dict[tuple[str, Key], set[tuple[str, Any]]] = {}
        """(what, whose) -> the values found (``(table, value)``)."""
        self._carry = b""
        self._line = 1

    def feed(self, chunk: bytes, final: bool = False) -> None:
        """Scan ``chunk``, the next bytes of the file; ``final`` after the last one."""
        buf = self._carry + normalise(chunk)
        end = len(buf)
        if not final:
            cut = _last_separator(buf)
            end = cut + 1 if cut >= 0 else max(0, len(buf) - _WIDEST_TOKEN)
        self._scan(buf, end)
        self._line += buf.count(b"\n", 0, end)
        self._carry = buf[end:]

    def _scan(self, buf: bytes, end: int) -> None:
        values = self.values
        matches: list[tuple[int, str, Key, tuple[str, Any]]] = []
        tables = (bool(values.emails), bool(values.ipv4), bool(values.ipv6))
        for at, table, value in tokens(buf, end, tables):
            key = getattr(values, table).get(value)
            if key is not None:
                matches.append((at, WHAT[table], key, (table, value)))
        if values.odd_emails and b"@" in buf:
            for email, key in values.odd_emails.items():
                at = buf.find(email, 0, end)
                if at >= 0 and at + len(email) <= end:
                    matches.append((at, "e-mail address", key, ("odd_emails", email)))
        position, line = 0, self._line
        for at, what, key, value in sorted(matches):
            line += buf.count(b"\n", position, at)
            position = at
            self.hits.setdefault((what, key), line)
            self.found.setdefault((what, key), set()).add(value)


_SEPARATORS = tuple(bytes([byte]) for byte in b" \n\t\r\x0b\x0c<>\"()[]{},;")


def _last_separator(buf: bytes) -> int:
    """Index of the last separator byte in the last 64 KB of ``buf``, else -1."""
    start = max(0, len(buf) - (1 << 16))
    return max(buf.rfind(separator, start) for separator in _SEPARATORS)


def value_counts(buf: bytes, values: PrivateValues) -> Counter[tuple[str, Any]]:
    """How often each private value (``(table, value)``) occurs in ``buf`` (normalised)."""
    found: Counter[tuple[str, Any]] = Counter()
    for _at, table, value in tokens(buf):
        if value in getattr(values, table):
            found[(table, value)] += 1
    for email in values.odd_emails:
        if email in buf:
            found[("odd_emails", email)] += buf.count(email)
    return found
