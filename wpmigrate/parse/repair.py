"""Settle the encoding and repair the defects WordPress is known to write, as bytes stream by.

The XML parser is strict, and should be: lxml's recover mode closes a cut-off
``<item>`` and hands back a half-read comment. Instead this module fixes the
specific defects real exports carry, before the parser sees them, and counts
every fix in a :class:`Repairs`:

* bytes that are not valid in the document's encoding (replaced with U+FFFD);
* characters XML 1.0 forbids (control bytes such as U+0001 or U+001C pasted into
  a comment, U+FFFE, U+FFFF) and character references to them or to lone
  surrogates;
* HTML entities XML does not define (``&laquo;``, ``&nbsp;``) and bare ``&``
  outside CDATA;
* namespace prefixes used but never declared (``atom:link`` without ``xmlns:atom``).

It also refuses what no WordPress export contains and attackers use: a DOCTYPE
(entity expansion, external entities), and reports early what the input is when
it is not WXR at all (an HTML page, an Atom feed).

Everything else is left to the parser to reject with its line and column, which
this module keeps intact: no repair adds or removes a line break.
"""

from __future__ import annotations

import bisect
import codecs
import html.entities
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator

from ..errors import DataError

#: Messages for the summary, by repair kind.
REPAIR_MESSAGES = {
    "invalid_bytes": "byte sequences invalid in the file's encoding replaced with U+FFFD",
    "control_chars": "characters forbidden in XML (control bytes) removed",
    "bad_char_refs": "character references to forbidden characters replaced",
    "html_entities": "HTML entities unknown to XML converted to characters",
    "bare_ampersands": "unescaped '&' escaped",
    "undeclared_prefixes": "elements with an undeclared namespace prefix read",
    "unknown_encoding": "files with an unknown declared encoding read as UTF-8",
    "missing_post_ids": "items without a numeric post id given a negative id",
    "post_ids_from_links": "items without a post id identified by their ?p= link",
    "missing_comment_ids": "comments without a numeric id given a negative id",
    "bad_parent_ids": "comments with a non-numeric parent treated as top level",
    "bad_user_ids": "comments with a non-numeric user id treated as logged out",
    "bad_dates": "unreadable dates set to null",
    "derived_gmt_dates": "missing GMT dates derived from the post's time offset",
    "duplicate_comments": "duplicate comments skipped",
    "duplicate_posts": "items repeating a post already read, with nothing new, skipped",
    "renumbered_comments": "comments sharing an id with a different comment given a negative id",
    "extra_channels": "extra <channel> elements read as part of the export",
    "nested_items": "<item> elements nested in an item read as posts of their own",
    "nested_comments": "comments nested in a comment read as comments of the post",
    "comments_outside_items": "comments outside any <item> read (as post 0: no-post)",
    "raw_cdata_ends": "']]>' inside CDATA (an old WordPress's inline scripts) kept as text",
}


class Repairs(Counter[str]):
    """Counts of repaired defects by kind (keys of :data:`REPAIR_MESSAGES`)."""

    def lines(self) -> list[str]:
        """One human-readable line per kind of repair made, most frequent first."""
        return [
            f"{count} {REPAIR_MESSAGES.get(kind, kind)}"
            for kind, count in self.most_common()
            if count
        ]


# --- encoding -----------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Without a BOM, a 16- or 32-bit encoding shows in the first characters: ``<``
#: (after any white space) and the ASCII character after it, each beside NUL
#: bytes. Fix: only ``<?`` was known (XML 1.0, appendix F), so an export without
#: a declaration, starting ``<rss`` or ``<!--`` in UTF-16, was read as UTF-8.
_BOMLESS = (
    (re.compile(rb"(?:[\t\n\r ]\x00\x00\x00)*<\x00\x00\x00"), "utf-32-le"),
    (re.compile(rb"(?:\x00\x00\x00[\t\n\r ])*\x00\x00\x00<"), "utf-32-be"),
    (re.compile(rb"(?:[\t\n\r ]\x00)*<\x00[!-~]\x00"), "utf-16-le"),
    (re.compile(rb"(?:\x00[\t\n\r ])*\x00<\x00[!-~]"), "utf-16-be"),
)
#: For a codec named with ``--encoding``: a BOM it would read as text (U+FEFF),
#: and the codec that reads it as a BOM instead.
_READS_BOM = {
    "utf-8": (codecs.BOM_UTF8, "utf-8-sig"),
    "utf-16-le": (codecs.BOM_UTF16_LE, "utf-16"),
    "utf-16-be": (codecs.BOM_UTF16_BE, "utf-16"),
    "utf-32-le": (codecs.BOM_UTF32_LE, "utf-32"),
    "utf-32-be": (codecs.BOM_UTF32_BE, "utf-32"),
}
_DECLARED = re.compile(rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


#: Text codecs Python has that no XML document is written in, and that break the
#: transcoding: they yield lone surrogates (UTF-7, the escape codecs) or refuse a
#: replacing error handler (idna, punycode, undefined).
_NOT_FOR_XML = frozenset(
    {"utf-7", "unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"}
)


def usable_codec(name: str) -> str | None:
    """Python's name for an encoding a document can be read in, else ``None``.

    Fix (found by fuzzing): ``encoding="UTF7"`` (or ``base64``, ``rot13``, ``zlib``:
    codecs.lookup knows bytes-to-bytes and str-to-str transforms too) was taken
    as the document's encoding, and decoding crashed (UnicodeEncodeError on a
    lone surrogate, TypeError, AssertionError). Such a name is unknown here.
    """
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_FOR_XML:
        return None
    return info.name


def detect_encoding(head: bytes, repairs: Repairs) -> str:
    """The codec for a document from its first bytes: BOM, then XML declaration.

    Returns a Python codec name; ``utf-8`` unless something says otherwise.
    """
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    for pattern, codec in _BOMLESS:
        if pattern.match(head):
            return codec
    declared = _DECLARED.match(head)
    if not declared:
        return "utf-8"
    name = declared.group(1).decode("ascii")
    usable = usable_codec(name)
    if usable is None:
        repairs["unknown_encoding"] += 1
        return "utf-8"
    codec = usable
    # A declared 16/32-bit encoding without the byte pattern to match is a lie
    # the first bytes already disproved: they are ASCII-compatible.
    if codec.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return "utf-8" if codec == "utf-8" else codec


def forced_encoding(name: str, head: bytes) -> str:
    """The codec to read a document in that the user says is in ``name`` (``--encoding``).

    Fix: Python's ``utf-16`` and ``utf-32`` cannot decode a stream piece by
    piece without a BOM (they raise: exit 70). Without one, the byte order is
    that of the first characters, else little-endian (what Python's one-shot
    ``utf-16`` decoding assumes on the machines exports come from). A BOM that
    fits the codec named is read as a BOM, not as a U+FEFF before ``<?xml``.
    """
    codec = usable_codec(name) or name
    if codec in ("utf-16", "utf-32"):
        if any(head.startswith(bom) for bom, found in _BOMS if found == codec):
            return codec
        for pattern, bomless in _BOMLESS:
            if bomless.startswith(codec) and pattern.match(head):
                return bomless
        return f"{codec}-le"
    bom, reading = _READS_BOM.get(codec, (b"", codec))
    return reading if bom and head.startswith(bom) else codec


class _CountingReplace:
    """A codec error handler that replaces like ``replace`` and counts what it replaced."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, error: UnicodeError) -> tuple[str, int]:
        assert isinstance(error, UnicodeDecodeError)
        self.count += 1
        return "\ufffd", error.end


_counting_replace = threading.local()


def _dispatch_replace(error: UnicodeError) -> tuple[str, int]:
    handler: _CountingReplace = _counting_replace.handler
    return handler(error)


codecs.register_error("wpmigrate-replace", _dispatch_replace)


def _transcode(chunks: Iterable[bytes], codec: str, repairs: Repairs) -> Iterator[bytes]:
    """Decode from ``codec`` (replacing and counting bad bytes), re-encode as UTF-8."""
    handler = _CountingReplace()
    decoder = codecs.getincrementaldecoder(codec)(errors="wpmigrate-replace")
    for final, chunk in _with_final(chunks):
        # Codec error handlers are global by name; the handler that counts for
        # this stream is found through a thread-local, set around each call.
        _counting_replace.handler = handler
        text = decoder.decode(chunk, final=final)
        if text:
            yield _without_noncharacters(text, repairs).encode("utf-8")
    repairs["invalid_bytes"] += handler.count


def _with_final(chunks: Iterable[bytes]) -> Iterator[tuple[bool, bytes]]:
    """Pair each chunk with whether it is the last (an empty last one if there is none)."""
    previous: bytes | None = None
    for chunk in chunks:
        if previous is not None:
            yield False, previous
        previous = chunk
    yield True, previous or b""


def _valid_utf8(chunk: bytes, repairs: Repairs) -> bytes:
    """``chunk`` if it is valid UTF-8, else with each bad sequence as U+FFFD (counted).

    U+FFFE and U+FFFF, which XML forbids, are removed (counted as control characters).
    """
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        text = chunk.decode("utf-8", errors="replace")
        repairs["invalid_bytes"] += text.count("\ufffd") - chunk.count(b"\xef\xbf\xbd")
        return _without_noncharacters(text, repairs).encode("utf-8")
    # Looked for here, in the bytes as read, rather than after the replacement:
    # a run of U+FFFD (EF BF BD) makes a search for EF BF BE several times slower.
    if b"\xef\xbf\xbe" in chunk or b"\xef\xbf\xbf" in chunk:
        chunk, removed = _NONCHARACTERS.subn(b"", chunk)
        repairs["control_chars"] += removed
    return chunk


def _without_noncharacters(text: str, repairs: Repairs) -> str:
    """``text`` without U+FFFE and U+FFFF (counted as control characters)."""
    if "\ufffe" in text or "\uffff" in text:
        before = len(text)
        text = text.replace("\ufffe", "").replace("\uffff", "")
        repairs["control_chars"] += before - len(text)
    return text


# --- chunking -----------------------------------------------------------------


def _safe_cut(buf: bytes | bytearray) -> int:
    """Where to split ``buf`` so no tag, reference, CDATA marker or character is cut.

    Just after the last ``>`` is always safe; a long text without one is cut
    before the last ``&``, ``<`` or ``]`` of its final bytes and on a UTF-8
    character boundary.
    """
    cut = buf.rfind(b">") + 1
    if cut:
        return cut
    cut = len(buf)
    window = max(0, cut - 64)
    for mark in (b"&", b"<", b"]"):
        pos = buf.rfind(mark, window)
        if pos != -1:
            cut = min(cut, pos)
    # A ``]]>`` whose ``>`` has not arrived yet needs at most its two ``]`` kept
    # together with what follows. (Walking back over the whole run of ``]``, as
    # once here, made a long run of them quadratic.)
    for _ in range(2):
        if cut > 0 and buf[cut - 1] == 0x5D:
            cut -= 1
    # A UTF-8 character is at most four bytes: look back at most three for the
    # lead byte of an unfinished one (stray continuation bytes are cut anywhere).
    for back in range(1, min(cut, 4) + 1):
        byte = buf[cut - back]
        if byte < 0x80:
            break
        if byte >= 0xC0:
            length = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            if length > back:
                cut -= back
            break
    return cut


def _rechunk(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """Re-cut a byte stream at safe places into pieces of roughly ``size`` bytes."""
    buf = bytearray()
    for chunk in chunks:
        buf += chunk
        if len(buf) < size:
            continue
        cut = _safe_cut(buf)
        if cut == 0:
            continue
        yield bytes(buf[:cut])
        del buf[:cut]
    if buf:
        yield bytes(buf)


# --- the prolog -----------------------------------------------------------------

_NAME = rb"[A-Za-z_][\w.-]*"
_START_TAG = re.compile(
    rb"<(" + _NAME + rb"(?::" + _NAME + rb")?)"
    rb"((?:\s+[^\s=>/]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*/?>"
)
_DECLARED_PREFIX = re.compile(rb"\bxmlns:(" + _NAME + rb")\s*=")
_USED_PREFIX = re.compile(rb"</?(" + _NAME + rb"):" + _NAME)

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
_MEANINGFUL = {b"wp": KNOWN_NAMESPACES[b"wp"], b"dc": KNOWN_NAMESPACES[b"dc"]}


def _inject_namespaces(head: bytes, prolog: _Prolog) -> tuple[bytes, re.Pattern[bytes] | None]:
    """Declare on ``<rss>`` the prefixes it lacks: known ones, and unknown ones the head uses.

    ``wp`` and ``dc`` get their real namespaces (the reader reads those
    elements); every other missing prefix gets :data:`UNDECLARED_NAMESPACE`,
    whose elements the reader counts. Returns the patched head and a pattern
    counting start tags of the real-namespace ones, or ``None``: declaring a
    prefix nobody uses is not a repair, using an undeclared one is.
    """
    declared = set(_DECLARED_PREFIX.findall(prolog.root_attrs))
    used = set(_USED_PREFIX.findall(_without_forbidden(head))) - {b"xml", b"xmlns"}
    # Fix: declaring ``wp`` on a document that never uses it made any plain RSS
    # feed pass the reader's "is this WXR?" check (the namespace is what
    # identifies an export), so a feed read as an export with no comments.
    # ``wp`` and ``dc`` are declared only when the head uses them.
    known = (set(KNOWN_NAMESPACES) - set(_MEANINGFUL)) | (used & set(_MEANINGFUL))
    missing = sorted((used | known) - declared)
    if not missing:
        return head, None
    declarations = b"".join(
        b' xmlns:%s="%s"' % (prefix, _MEANINGFUL.get(prefix, UNDECLARED_NAMESPACE.encode()))
        for prefix in missing
    )
    patched = head[: prolog.tag_end] + declarations + head[prolog.tag_end :]
    meaningful = [prefix for prefix in missing if prefix in _MEANINGFUL]
    if not meaningful:
        return patched, None
    return patched, re.compile(b"<(?:" + b"|".join(meaningful) + b"):")


# --- references and characters -----------------------------------------------------

#: C0 controls XML 1.0 forbids (all but tab, newline, carriage return).
_CONTROL_BYTES = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20))
#: U+FFFE and U+FFFF, forbidden too, in UTF-8.
_NONCHARACTERS = re.compile(b"\xef\xbf[\xbe\xbf]")
_BAD_DECIMAL = (
    rb"0*(?:[0-8]|1[124-9]|2[0-9]|3[01]"
    rb"|5529[6-9]|55[3-9][0-9][0-9]|56[0-9]{3}|57[0-2][0-9][0-9]|573[0-3][0-9]|5734[0-3]"
    rb"|6553[45]|111[4-9][0-9]{3}|11[2-9][0-9]{4}|1[2-9][0-9]{5}|[2-9][0-9]{6}|[0-9]{8,})"
)
_BAD_HEX = (
    rb"[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF]"
    rb"|[1-9a-fA-F][0-9a-fA-F]{5}|[0-9a-fA-F]{7,})"
)
#: A reference the parser would reject: an undefined entity, a bare ``&``, or a
#: character reference to a forbidden code point. Deliberately a superset for
#: the biggest values (checked exactly in :func:`_fix_reference`).
_SUSPECT = re.compile(
    rb"&(?!(?:amp|lt|gt|quot|apos);)[A-Za-z][A-Za-z0-9]{0,31};"
    rb"|&#(?:" + _BAD_DECIMAL + rb"|" + _BAD_HEX + rb");"
    rb"|&(?![A-Za-z][A-Za-z0-9]{0,31};|#[0-9]+;|#[xX][0-9a-fA-F]+;)"
)
#: A bare ``&`` that cannot start any reference: escaped without looking further.
_PLAIN_BARE = re.compile(rb"&(?=[^A-Za-z#])")
_CDATA_OPEN = b"<![CDATA["
_CDATA_CLOSE = b"]]>"


def _without_forbidden(text: bytes) -> bytes:
    """``text`` without the characters the repairs remove (control bytes, U+FFFE, U+FFFF).

    Fix: prefixes were looked for before those were removed, so ``<w\x01p:x>``
    hid a prefix that the parser then saw as ``<wp:x>``, undeclared.
    """
    return _NONCHARACTERS.sub(b"", text.translate(None, _CONTROL_BYTES))


def _is_xml_char(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _fix_reference(match: re.Match[bytes], repairs: Repairs) -> bytes:
    ref = match.group(0)
    if ref.startswith(b"&#"):
        digits = ref[2:-1]
        hexadecimal = digits[:1] in (b"x", b"X")
        # Fix: int() refuses a decimal of more than 4300 digits (ValueError, a crash
        # on "&#" plus 5000 digits). No code point needs more than 7 significant
        # digits, so a longer number is out of range whatever its value.
        significant = (digits[1:] if hexadecimal else digits).lstrip(b"0")
        if len(significant) > 8:
            code = 0x110000  # beyond Unicode: replaced below like any bad reference
        else:
            code = int(significant or b"0", 16 if hexadecimal else 10)
        if _is_xml_char(code):
            return ref  # a large but valid code point the superset pattern caught
        repairs["bad_char_refs"] += 1
        return b"" if code < 0x20 else b"&#xFFFD;"
    if ref.endswith(b";"):
        name = ref[1:-1].decode("ascii")
        text = html.entities.html5.get(name + ";")
        if text is not None:
            repairs["html_entities"] += 1
            return b"".join(b"&#%d;" % ord(char) for char in text)
        repairs["bare_ampersands"] += 1
        return b"&amp;" + ref[1:]
    repairs["bare_ampersands"] += 1
    return b"&amp;"


# --- the pipeline ---------------------------------------------------------------


class NeedsRepair(Exception):
    """The fast path cannot read this document as it is: read it again with repairs."""


#: A ``]]>`` followed by neither an end tag nor a split section's ``<![CDATA[``.
_ODD_CDATA_END = re.compile(rb"\]\]>(?!<(?:/|!\[CDATA\[))")
_CDATA_CHECK_TAIL = len(_CDATA_CLOSE) + len(_CDATA_OPEN)


def _check_cdata_ends(window: bytes) -> None:
    """Raise :class:`NeedsRepair` at a ``]]>`` that can only be CDATA text.

    Old WordPress's unsplit ``]]>`` usually breaks the parse, but not always:
    ``<![CDATA[a ]]> b <![CDATA[c]]>`` is well-formed and would lose both markers
    from the text. Such a ``]]>`` is never followed by ``</`` or ``<![CDATA[``
    (a split section), so the fast path leaves it to the repairing read. A match
    in the last bytes, whose next bytes have not arrived, is looked at again
    with the next chunk.
    """
    if _CDATA_CLOSE not in window:
        return
    limit = len(window) - _CDATA_CHECK_TAIL
    for match in _ODD_CDATA_END.finditer(window):
        if match.start() <= limit:
            raise NeedsRepair("']]>' inside CDATA")


def normalise(
    chunks: Iterable[bytes],
    source: str,
    repairs: Repairs,
    encoding: str | None = None,
    chunk_size: int = 1 << 18,
    repair: bool = True,
) -> Iterator[bytes]:
    """Turn a raw export byte stream into well-formed-where-repairable UTF-8 XML.

    ``encoding`` overrides the one the document declares (for a Latin-1 export
    that claims to be UTF-8). Raises :class:`DataError` for what cannot be WXR.

    With ``repair=False`` (the fast path) only the document's head is checked
    and patched; the rest passes through untouched, for a parser that will
    fail on any defect. A document that is not UTF-8 raises
    :class:`NeedsRepair` before anything is yielded.
    """
    stream = iter(chunks)
    head = b""
    for chunk in stream:
        head += chunk
        if len(head) >= 4096:
            break
    if encoding is not None and usable_codec(encoding) is None:
        raise DataError(f"cannot read an export as {encoding!r}: not a text encoding for XML")
    codec = forced_encoding(encoding, head) if encoding else detect_encoding(head, repairs)
    raw: Iterable[bytes] = _chain(head, stream)
    if codec == "utf-8-sig":
        raw = _strip_bom(raw)
        codec = "utf-8"
    utf8: Iterable[bytes]
    if not repair:
        if codec != "utf-8":
            raise NeedsRepair(codec)
        utf8 = raw
    elif codec == "utf-8":
        utf8 = (_valid_utf8(piece, repairs) for piece in _rechunk(raw, chunk_size))
    else:
        utf8 = _rechunk(_transcode(raw, codec, repairs), chunk_size)
    yield from _repair_xml(utf8, source, repairs, repair)


def _chain(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if head:
        yield head
    yield from rest


def _strip_bom(chunks: Iterable[bytes]) -> Iterator[bytes]:
    first = True
    for chunk in chunks:
        if first:
            chunk = chunk.removeprefix(codecs.BOM_UTF8)
            first = False
        yield chunk


def _repair_xml(
    chunks: Iterable[bytes], source: str, repairs: Repairs, repair: bool = True
) -> Iterator[bytes]:
    stream = iter(chunks)
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
    head, injected = _inject_namespaces(head, prolog)
    if not repair:
        tail = b""
        for chunk in _chain(head, stream):
            if injected is not None:
                repairs["undeclared_prefixes"] += len(injected.findall(chunk))
            _check_cdata_ends(tail + chunk)
            tail = chunk[-_CDATA_CHECK_TAIL:]
            yield chunk
        return
    # Fix: only prefixes the head uses are declared on <rss>, so an undeclared
    # prefix first used after it (past the first 256 KB of a large export) made
    # the whole read fail with "Namespace prefix … not defined", where the same
    # defect earlier in the file is repaired. Those get declared on each element
    # that uses them instead (see _declare_late).
    handled = (
        set(_DECLARED_PREFIX.findall(head))
        | set(_USED_PREFIX.findall(_without_forbidden(head)))
        | (set(KNOWN_NAMESPACES) - set(_MEANINGFUL))
        | {b"xml", b"xmlns"}
    )
    scanner = _Scanner(repairs, protect=prolog.tag_end)
    first = True
    for chunk in _chain(head, stream):
        # Per-chunk work stays in C: translate() and find() are an order of
        # magnitude faster than a regex over every byte.
        cleaned = chunk.translate(None, _CONTROL_BYTES)
        if len(cleaned) != len(chunk):
            repairs["control_chars"] += len(chunk) - len(cleaned)
            chunk = cleaned
        if not first:
            if b"xmlns:" in chunk:
                handled.update(_DECLARED_PREFIX.findall(chunk))
            for prefix in set(_USED_PREFIX.findall(chunk)) - handled:
                handled.add(prefix)
                scanner.declare_late(prefix)
        if injected is not None:
            repairs["undeclared_prefixes"] += len(injected.findall(chunk))
        first = False
        out = scanner.feed(chunk)
        if out:
            yield out
    rest = scanner.finish()
    if rest:
        yield rest


_OWNER = re.compile(rb"<(" + _NAME + rb"(?::" + _NAME + rb")?)(?:\s[^<>]*)?>\s*\Z")
_SECTION = rb"<!\[CDATA\[[^\]]*(?:\](?!\]>)[^\]]*)*\]\]>"
#: An element whose whole content is CDATA (split sections too), closed by its own end tag.
_CANONICAL = re.compile(
    rb"<(" + _NAME + rb"(?::" + _NAME + rb")?)(?:\s[^<>]*)?>\s*(?:" + _SECTION + rb")+\s*</\1>"
)
_CDATA_OPEN_AT = re.compile(re.escape(_CDATA_OPEN))
#: The start of a reference that the next chunk may finish.
_PARTIAL_REFERENCE = re.compile(rb"&(?:#[xX]?[0-9a-fA-F]{0,9}|[A-Za-z][A-Za-z0-9]{0,31})?")
_CDATA_CLOSE_AT = re.compile(re.escape(_CDATA_CLOSE))
#: How far past a ``]]>`` the scanner looks for the owner's end tag (whitespace between).
_LOOKAHEAD = 1024
_CDATA_SPLIT = b"]]]]><![CDATA[>"
_SPACE = b" \t\r\n"


class _Scanner:
    """Repairs a UTF-8 stream piece by piece, knowing at every byte whether it is in CDATA.

    One pass, in linear time: the text between CDATA sections gets its
    references repaired and late namespace prefixes declared; the text inside
    is left alone, except for a ``]]>`` that does not end the section.

    Old WordPress (up to 3.x) wrapped post content in CDATA without splitting
    an inner ``]]>`` (``<script>// <![CDATA[ … // ]]></script>``). As the
    WordPress Importer's regex parser does, a section opened right after a
    start tag ends only at the ``]]>`` its element's end tag follows (or the
    ``<![CDATA[`` of a split section): an earlier one is text, written as
    ``]]]]><![CDATA[>`` (what newer WordPress writes) and counted.
    """

    def __init__(self, repairs: Repairs, protect: int = 0) -> None:
        self.repairs = repairs
        self.protect = protect
        """Bytes at the start of the stream that are never repaired (prolog, root tag)."""
        self.in_cdata = False
        self.owner: bytes | None = None
        """The element whose start tag the open CDATA section follows, if it does."""
        self.keep_owner = False
        """The last section ended right before a ``<![CDATA[``: the same element goes on."""
        self.held = b""
        self.recent = b""
        """The last bytes outside CDATA, where the next section's owner tag is."""
        self.late: dict[bytes, bytes] = {}
        self._late_tag: re.Pattern[bytes] | None = None

    def declare_late(self, prefix: bytes) -> None:
        """Declare ``prefix`` on every start tag outside CDATA that uses it from now on."""
        self.late[prefix] = _MEANINGFUL.get(prefix, UNDECLARED_NAMESPACE.encode())
        self._late_tag = re.compile(b"<(" + b"|".join(map(re.escape, self.late)) + b"):" + _NAME)

    def feed(self, chunk: bytes) -> bytes:
        """The repaired bytes of ``chunk``; a few may be held back until the next one."""
        data = self.held + chunk if self.held else chunk
        self.held = b""
        if self._late_tag is not None:
            # wp:/dc: elements are counted as the head's injection counts them: CDATA too.
            self.repairs["undeclared_prefixes"] += sum(
                1 for m in self._late_tag.finditer(data) if m.group(1) in _MEANINGFUL
            )
        return self._scan(data, len(data) - _undecided_tail(data))

    def _scan(self, data: bytes, cut: int) -> bytes:
        """Repair ``data[:cut]`` (what follows is held back), by the quicker route that fits."""
        body = data if cut == len(data) else data[:cut]
        if self._all_sections_canonical(body):
            out = self._regular(body, cut)
        else:
            out = self._precise(body)
        self.held += data[cut:]
        self.protect = max(0, self.protect - len(data) + len(self.held))
        return out

    def _all_sections_canonical(self, body: bytes) -> bool:
        """Whether every ``]]>`` of ``body`` ends its section by the walk's rule, seen in C.

        True when each section is an element's whole content, closed right before
        that element's end tag (``<x><![CDATA[…]]></x>``, split sections too), or
        ends in the next chunk; then the quick route repairs ``body`` exactly as
        the section-by-section walk would.
        """
        if _CDATA_CLOSE not in body:
            return True
        rest = body
        if self.in_cdata:
            # The section open since the last chunk ends at its first ]]>: by
            # the walk's rule only right before its own element's end tag.
            close = body.find(_CDATA_CLOSE) + len(_CDATA_CLOSE)
            if self.owner is not None:
                tag = b"</" + self.owner + b">"
                if not body.startswith(tag, _skip_space(body, close)):
                    return False
            rest = body[close:]
        # What the canonical elements leave (each marked by a NUL, which the
        # repairs have removed from the text) must hold no ]]>, and no section
        # opening before one of them: that element would be its text.
        left = _CANONICAL.sub(b"\0", rest)
        if _CDATA_CLOSE in left:
            return False
        opened = left.find(_CDATA_OPEN)
        return opened == -1 or left.find(b"\0", opened) == -1

    def _regular(self, data: bytes, cut: int) -> bytes:
        """``data[:cut]``, where every ``]]>`` ends its section: repaired without a walk.

        Most chunks are so (WordPress writes ``]]></wp:…>``): their CDATA state at
        the end comes from the last markers, and only the suspect references
        and late prefixes are placed inside or outside CDATA, by bisection.
        """
        has_amp = data.find(b"&", self.protect, cut) != -1
        late = self._late_tag
        opens: list[int] = []
        closes: list[int] = []
        ranges: list[tuple[int, int]] = []
        pos = self.protect
        while has_amp or late is not None:
            # One look per stretch of text: the first match in it decides whether
            # the stretch is inside or outside CDATA; the search goes on past it.
            if has_amp:
                # memchr to the next '&' first: the pattern has no literal prefix to skip by.
                amp = data.find(b"&", pos, cut)
                has_amp = amp != -1
            found = [
                match.start()
                for match in (
                    _SUSPECT.search(data, amp, cut) if has_amp else None,
                    late.search(data, pos, cut) if late is not None else None,
                )
                if match is not None
            ]
            if not found:
                break
            at = min(found)
            if not opens and not closes:
                opens = [m.start() for m in _CDATA_OPEN_AT.finditer(data, 0, cut)]
                closes = [m.end() for m in _CDATA_CLOSE_AT.finditer(data, 0, cut)]
            outside = self._outside_range(at, opens, closes, cut)
            if outside is None:
                following = bisect.bisect_right(closes, at)
                end = closes[following] if following < len(closes) else cut
            else:
                ranges.append(outside)
                end = outside[1]
            pos = max(end, at + 1)
        out: list[bytes] = []
        pos = 0
        for start, end in ranges:
            out.append(data[pos:start])
            out.append(self._outside(data, start, end))
            pos = end
        out.append(data[pos:cut] if pos or cut < len(data) else data)
        # The state at ``cut``: the last ]]> ended a section; one opened after it is open.
        last_close = data.rfind(_CDATA_CLOSE, 0, cut)
        begin = 0 if last_close == -1 else last_close + len(_CDATA_CLOSE)
        first_open = data.find(_CDATA_OPEN, begin, cut)
        if last_close == -1 and self.in_cdata:
            pass  # still inside the section the last chunk left open: an <![CDATA[ is its text
        elif first_open != -1:
            self.owner = _owner_before(self.recent, data, first_open)
            self.in_cdata = True
        elif last_close != -1:
            self.in_cdata = False
        self.keep_owner = False
        if not self.in_cdata:
            self.recent = (self.recent + data[begin:cut])[-512:]
        return b"".join(out)

    def _outside_range(
        self, at: int, opens: list[int], closes: list[int], cut: int
    ) -> tuple[int, int] | None:
        """The stretch outside CDATA around position ``at``, or ``None`` if it is inside."""
        closed = bisect.bisect_right(closes, at)
        begin = closes[closed - 1] if closed else 0
        first = bisect.bisect_left(opens, begin)
        open_before = first < len(opens) and opens[first] < at
        if open_before or (not closed and self.in_cdata):
            return None
        end = opens[first] if first < len(opens) else cut
        return max(begin, 0), end

    def _precise(self, data: bytes) -> bytes:
        """``data`` walked section by section, each ``]]>`` judged by its owner's end tag."""
        out: list[bytes] = []
        pos = 0
        size = len(data)
        while pos < size:
            if not self.in_cdata:
                at = data.find(_CDATA_OPEN, pos)
                if at == -1:
                    end = size - _partial_suffix(data, pos, _CDATA_OPEN)
                    out.append(self._outside(data, pos, end))
                    self.held = data[end:]
                    break
                out.append(self._outside(data, pos, at))
                if not (self.keep_owner and at == pos):
                    self.owner = _owner_before(self.recent, b"", 0)
                self.keep_owner = False
                self.in_cdata = True
                pos = at + len(_CDATA_OPEN)
                out.append(_CDATA_OPEN)
                continue
            at = data.find(_CDATA_CLOSE, pos)
            if at == -1:
                end = size - _partial_suffix(data, pos, _CDATA_CLOSE)
                out.append(data[pos:end])
                self.held = data[end:]
                break
            after = at + len(_CDATA_CLOSE)
            verdict = self._ends_section(data, after)
            if verdict is None:  # what decides it has not arrived yet
                out.append(data[pos:at])
                self.held = data[at:]
                break
            if verdict:
                out.append(data[pos:after])
                self.in_cdata = False
                self.recent = b""
            else:
                out.append(data[pos:at])
                out.append(_CDATA_SPLIT)
                self.repairs["raw_cdata_ends"] += 1
            pos = after
        return b"".join(out)

    def finish(self) -> bytes:
        """What is still held back at the end of the stream, judged as it stands."""
        held, self.held = self.held, b""
        if not held:
            return b""
        out = self._scan(held, len(held))
        rest, self.held = self.held, b""  # a ]]> whose next bytes never came: as it is
        return out + rest

    def _ends_section(self, data: bytes, after: int) -> bool | None:
        """Whether the ``]]>`` ending at ``after`` ends its section (``None``: unknown yet)."""
        if self.owner is None:
            return True  # the section is not an element's whole content: the first ]]> ends it
        pos = after
        limit = min(len(data), after + _LOOKAHEAD)
        while pos < limit and data[pos] in _SPACE:
            pos += 1
        if pos - after >= _LOOKAHEAD:
            return True  # past all reason: take it as the end, as XML does
        closing = b"</" + self.owner
        window = data[pos : pos + max(len(_CDATA_OPEN), len(closing) + 1)]
        if window.startswith(_CDATA_OPEN):
            self.keep_owner = pos == after
            return True
        if window.startswith(closing) and len(window) > len(closing):
            return window[len(closing)] in b">" + _SPACE
        if pos + len(window) == len(data) and (
            _CDATA_OPEN.startswith(window) or closing.startswith(window) or window == closing
        ):
            return None  # the data ran out where the next bytes decide
        return False

    def _outside(self, data: bytes, start: int, end: int) -> bytes:
        """The text ``data[start:end]`` outside CDATA, repaired."""
        if start >= end:
            return b""
        segment = data[start:end]
        protected = b""
        if self.protect > start:
            cut = min(self.protect - start, len(segment))
            protected, segment = segment[:cut], segment[cut:]
        if b"&" in segment and _SUSPECT.search(segment):
            # The common defect, "tom & jerry", in one C-level pass; the rest one by one.
            spaced = segment.count(b"& ")
            if spaced:
                segment = segment.replace(b"& ", b"&amp; ")
            segment, bare = _PLAIN_BARE.subn(b"&amp;", segment)
            self.repairs["bare_ampersands"] += spaced + bare
            # Most segments now hold only "&amp;": two counts in C say so, where
            # the pattern would be tried at each of them.
            maybe = segment.count(b"&") != segment.count(b"&amp;")
            rest = _SUSPECT.search(segment) if maybe else None
            if rest is not None:
                at = rest.start()
                fixed = _SUSPECT.sub(lambda m: _fix_reference(m, self.repairs), segment[at:])
                segment = segment[:at] + fixed
        if self._late_tag is not None:
            segment = self._late_tag.sub(
                lambda m: m.group(0) + b' xmlns:%s="%s"' % (m.group(1), self.late[m.group(1)]),
                segment,
            )
        self.recent = (self.recent + protected + segment)[-512:]
        return protected + segment


def _skip_space(data: bytes, pos: int) -> int:
    """The first position from ``pos`` that is not XML white space."""
    while pos < len(data) and data[pos] in _SPACE:
        pos += 1
    return pos


def _owner_before(recent: bytes, data: bytes, at: int) -> bytes | None:
    """The element whose start tag ends right before ``data[at]`` (``recent`` precedes data)."""
    window = data[max(0, at - 512) : at]
    if at < 512:
        window = recent[-512:] + window
    begin = window.rfind(b"<")
    found = _OWNER.match(window, begin) if begin != -1 else None
    return found.group(1) if found else None


def _undecided_tail(data: bytes) -> int:
    """How many final bytes of ``data`` wait for the next chunk to be judged.

    A ``]]>`` whose next bytes have not arrived, or the start of a marker.
    """
    close = data.rfind(_CDATA_CLOSE, max(0, len(data) - _CDATA_CHECK_TAIL))
    if close != -1:
        return len(data) - close
    held = max(_partial_suffix(data, 0, _CDATA_OPEN), _partial_suffix(data, 0, _CDATA_CLOSE))
    amp = data.rfind(b"&", max(0, len(data) - 40))
    if amp != -1 and _PARTIAL_REFERENCE.fullmatch(data, amp):
        held = max(held, len(data) - amp)
    return held


def _partial_suffix(data: bytes, start: int, marker: bytes) -> int:
    """How many of ``data``'s last bytes (from ``start``) begin ``marker``: hold them back."""
    for n in range(min(len(marker) - 1, len(data) - start), 0, -1):
        if marker.startswith(data[-n:]):
            return n
    return 0
