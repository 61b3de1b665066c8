"""The document's head: what its prolog and root tag say it is, and the namespaces it lacks.

Before the parser sees a byte, the head is judged: an empty file, a DOCTYPE
(WordPress never writes one; attackers do), an HTML page, an Atom feed or any
root but ``<rss>`` each end the read with a message saying what the input is.
Namespace prefixes the head uses without declaring them are declared on
``<rss>``: ``wp`` and ``dc`` with their real namespaces, any other with
:data:`UNDECLARED_NAMESPACE`, whose elements the reader counts and ignores.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import DataError
from .encoding import without_forbidden

#: An XML name as WordPress exports use them (prefix or local part), in bytes.
NAME = rb"[A-Za-z_][\w.-]*"
_START_TAG = re.compile(
    rb"<(" + NAME + rb"(?::" + NAME + rb")?)"
    rb"((?:\s+[^\s=>/]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*/?>"
)
#: A namespace prefix being declared (``xmlns:foo=``), and one being used (``<foo:bar``).
DECLARED_PREFIX = re.compile(rb"\bxmlns:(" + NAME + rb")\s*=")
USED_PREFIX = re.compile(rb"</?(" + NAME + rb"):" + NAME)

#: Namespaces WordPress and feed plugins use, declared when an export forgets one.
KNOWN_NAMESPACES = {
    b"wp": b"http://wordpress.org/export/1.2/",
    b"excerpt": b"http://wordpress.org/export/1.2/excerpt/",
    b"content": b"http://purl.org/rss/1.0/modules/content/",
    b"wfw": b"http://wellformedweb.org/CommentAPI/",
    b"dc": b"http://purl.org/dc/elements/1.1/",
    b"atom": b"http://www.w3.org/2005/Atom",
    b"sy": b"http://purl.org/rss/1.0/modules/syndication/",
    b"slash": b"http://purl.org/rss/1.0/modules/slash/",
    b"georss": b"http://www.georss.org/georss",
    b"geo": b"http://www.w3.org/2003/01/geo/wgs84_pos#",
    b"media": b"http://search.yahoo.com/mrss/",
    b"itunes": b"http://www.itunes.com/dtds/podcast-1.0.dtd",
}
_MAX_PROLOG = 4 << 20


def _line_of(buf: bytes, offset: int) -> int:
    return buf.count(b"\n", 0, offset) + 1


def _column_of(buf: bytes, offset: int) -> int:
    return offset - (buf.rfind(b"\n", 0, offset) + 1) + 1


def _describe_root(name: str, attrs: bytes) -> str:
    """What a document with this root element probably is, for the error message."""
    local = name.rsplit(":", 1)[-1].lower()
    if local == "html":
        return "an HTML page"
    if local == "feed" and b"2005/Atom" in attrs:
        return "an Atom feed"
    if local == "rdf":
        return "an RSS 1.0 (RDF) feed"
    return f"an XML document with root element <{name}>"


class _NeedMore(DataError):
    """The prolog is not complete yet: read more before judging."""


class _Prolog:
    """What the bytes before and at the root element say about the document."""

    def __init__(self, head: bytes, source: str) -> None:
        self.source = source
        pos = 0
        size = len(head)
        while True:
            while pos < size and head[pos] in b" \t\r\n":
                pos += 1
            if head.startswith(b"<?", pos):
                end = head.find(b"?>", pos)
                if end == -1:
                    self._incomplete(head, pos)
                pos = end + 2
            elif head.startswith(b"<!--", pos):
                end = head.find(b"-->", pos)
                if end == -1:
                    self._incomplete(head, pos)
                pos = end + 3
            elif head[pos : pos + 9].upper() == b"<!DOCTYPE":
                if head[pos + 9 : pos + 14].strip().lower().startswith(b"html"):
                    self._fail(head, pos, "not a WXR export: this is an HTML page")
                self._fail(
                    head,
                    pos,
                    "refused: a DOCTYPE declaration (WordPress never writes one; "
                    "it can define entities that read local files or expand without bound)",
                )
            else:
                break
        if pos >= size:
            if not head.strip():
                raise DataError("empty file: no XML in it", source)
            self._incomplete(head, pos)
        tag = _START_TAG.match(head, pos)
        if not tag:
            if head[pos : pos + 1] != b"<":
                # cut by characters, not bytes: the same text however it was decoded
                snippet = head[pos : pos + 80].decode("utf-8", "replace")[:20]
                self._fail(head, pos, f"not an XML document (it starts with {snippet!r})")
            self._incomplete(head, pos)
        assert tag is not None
        self.root = tag.group(1).decode("utf-8", "replace")
        self.root_attrs = tag.group(2)
        self.tag_end = tag.end(2)
        if self.root != "rss":
            self._fail(
                head, pos, f"not a WXR export: {_describe_root(self.root, self.root_attrs)}"
            )

    def _fail(self, head: bytes, offset: int, message: str) -> None:
        raise DataError(message, self.source, _line_of(head, offset), _column_of(head, offset))

    def _incomplete(self, head: bytes, offset: int) -> None:
        if len(head) >= _MAX_PROLOG:
            self._fail(head, offset, "no root element in the first 4 MB: not a WXR export")
        raise _NeedMore(
            "the file ends before its first element: not a WXR export",
            self.source,
            _line_of(head, offset),
            _column_of(head, offset),
        )


#: The namespace given to prefixes an export uses without declaring them. The
#: reader counts elements in it (they are the repairs) and otherwise ignores them.
UNDECLARED_NAMESPACE = "urn:wpmigrate:undeclared"
#: Prefixes whose real namespace the reader needs: these are declared with it.
MEANINGFUL = {b"wp": KNOWN_NAMESPACES[b"wp"], b"dc": KNOWN_NAMESPACES[b"dc"]}


def _inject_namespaces(head: bytes, prolog: _Prolog) -> tuple[bytes, re.Pattern[bytes] | None]:
    """Declare on ``<rss>`` the prefixes it lacks: known ones, and unknown ones the head uses.

    ``wp`` and ``dc`` get their real namespaces (the reader reads those
    elements); every other missing prefix gets :data:`UNDECLARED_NAMESPACE`,
    whose elements the reader counts. Returns the patched head and a pattern
    counting start tags of the real-namespace ones, or ``None``: declaring a
    prefix nobody uses is not a repair, using an undeclared one is.
    """
    declared = set(DECLARED_PREFIX.findall(prolog.root_attrs))
    used = set(USED_PREFIX.findall(without_forbidden(head))) - {b"xml", b"xmlns"}
    # Fix: declaring ``wp`` on a document that never uses it made any plain RSS
    # feed pass the reader's "is this WXR?" check (the namespace is what
    # identifies an export), so a feed read as an export with no comments.
    # ``wp`` and ``dc`` are declared only when the head uses them.
    known = (set(KNOWN_NAMESPACES) - set(MEANINGFUL)) | (used & set(MEANINGFUL))
    missing = sorted((used | known) - declared)
    if not missing:
        return head, None
    declarations = b"".join(
        b' xmlns:%s="%s"' % (prefix, MEANINGFUL.get(prefix, UNDECLARED_NAMESPACE.encode()))
        for prefix in missing
    )
    patched = head[: prolog.tag_end] + declarations + head[prolog.tag_end :]
    meaningful = [prefix for prefix in missing if prefix in MEANINGFUL]
    if not meaningful:
        return patched, None
    return patched, re.compile(b"<(?:" + b"|".join(meaningful) + b"):")


@dataclass(frozen=True, slots=True)
class Head:
    """The first bytes of a document, through its root tag, as the parser is to get them."""

    data: bytes
    """The bytes read to judge the prolog, with the missing namespaces declared on ``<rss>``."""
    tag_end: int
    """Where the root tag's attributes end: the repairs leave everything before alone."""
    counted: re.Pattern[bytes] | None
    """Start tags of the ``wp``/``dc`` prefixes declared here: each is a repair."""


def read_head(stream: Iterator[bytes], source: str) -> Head:
    """Read ``stream`` until the root tag is complete, judge the prolog, patch the namespaces.

    Raises :class:`DataError` for what cannot be WXR (see :class:`_Prolog`);
    the rest of ``stream`` is left unread.
    """
    head = b""
    prolog = None
    for chunk in stream:
        head += chunk
        try:
            prolog = _Prolog(head, source)
            break
        except _NeedMore:
            continue
    if prolog is None:
        _Prolog(head, source)  # at the end of the input: raises what is wrong with it
    assert prolog is not None
    patched, counted = _inject_namespaces(head, prolog)
    return Head(patched, prolog.tag_end, counted)


def handled_prefixes(head: bytes) -> set[bytes]:
    """The prefixes no element after ``head`` needs declared: declared, used or known there.

    A prefix the head uses was declared on ``<rss>`` by :func:`read_head`.
    """
    return (
        set(DECLARED_PREFIX.findall(head))
        | set(USED_PREFIX.findall(without_forbidden(head)))
        | (set(KNOWN_NAMESPACES) - set(MEANINGFUL))
        | {b"xml", b"xmlns"}
    )
