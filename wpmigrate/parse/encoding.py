"""Which encoding a document is in, and its bytes as valid UTF-8 holding only XML characters.

The encoding comes from a byte order mark, the pattern of NUL bytes of a
16- or 32-bit encoding without one, the XML declaration, or ``--encoding``;
whatever it is, the parser is given UTF-8. Bytes invalid in the encoding become
U+FFFD, and U+FFFE and U+FFFF (which XML forbids) are removed, each counted in
the run's :class:`~wpmigrate.parse.repairs.Repairs`.
"""

from __future__ import annotations

import codecs
import re
import threading
from collections.abc import Iterable, Iterator

from ..errors import DataError
from .repairs import Repairs

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


def codec_for(head: bytes, encoding: str | None, repairs: Repairs) -> str:
    """The codec to read a document in: ``encoding`` if given (``--encoding``), else detected.

    ``head`` is the document's first bytes. ``utf-8-sig`` means UTF-8 behind a
    BOM (see :func:`strip_bom`). Raises :class:`DataError` for an ``encoding``
    no XML document can be written in.
    """
    if encoding is not None and usable_codec(encoding) is None:
        raise DataError(f"cannot read an export as {encoding!r}: not a text encoding for XML")
    return forced_encoding(encoding, head) if encoding else detect_encoding(head, repairs)


def strip_bom(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The stream without the UTF-8 BOM it starts with (the codec ``utf-8-sig`` reads)."""
    first = True
    for chunk in chunks:
        if first:
            chunk = chunk.removeprefix(codecs.BOM_UTF8)
            first = False
        yield chunk


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


def transcode(chunks: Iterable[bytes], codec: str, repairs: Repairs) -> Iterator[bytes]:
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


def valid_utf8(chunk: bytes, repairs: Repairs) -> bytes:
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
        chunk, removed = NONCHARACTERS.subn(b"", chunk)
        repairs["control_chars"] += removed
    return chunk


def _without_noncharacters(text: str, repairs: Repairs) -> str:
    """``text`` without U+FFFE and U+FFFF (counted as control characters)."""
    if "\ufffe" in text or "\uffff" in text:
        before = len(text)
        text = text.replace("\ufffe", "").replace("\uffff", "")
        repairs["control_chars"] += before - len(text)
    return text


# --- the characters XML forbids -------------------------------------------------------

#: C0 controls XML 1.0 forbids (all but tab, newline, carriage return).
CONTROL_BYTES = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20))
#: U+FFFE and U+FFFF, forbidden too, in UTF-8.
NONCHARACTERS = re.compile(b"\xef\xbf[\xbe\xbf]")


def without_forbidden(text: bytes) -> bytes:
    """``text`` without the characters the repairs remove (control bytes, U+FFFE, U+FFFF).

    Fix: prefixes were looked for before those were removed, so ``<w\x01p:x>``
    hid a prefix that the parser then saw as ``<wp:x>``, undeclared.
    """
    return NONCHARACTERS.sub(b"", text.translate(None, CONTROL_BYTES))
