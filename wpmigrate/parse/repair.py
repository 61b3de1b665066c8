"""Repair, as bytes stream by, the defects WordPress is known to write, and nothing else.

The XML parser is strict, and should be: lxml's recover mode closes a cut-off
``<item>`` and hands back a half-read comment. Instead :func:`normalise` takes
an export's bytes to UTF-8 (:mod:`.encoding`), judges its head (:mod:`.prolog`),
and fixes the specific defects real exports carry before the parser sees them,
counting every fix in a :class:`~wpmigrate.parse.repairs.Repairs`:

* characters XML 1.0 forbids (control bytes such as U+0001 or U+001C pasted into
  a comment) and character references to them or to lone surrogates;
* HTML entities XML does not define (``&laquo;``, ``&nbsp;``) and bare ``&``
  outside CDATA;
* a ``]]>`` inside CDATA that old WordPress did not split;
* namespace prefixes first used after the head without a declaration.

The byte-level scanner here knows at every byte whether it is inside CDATA,
in one pass. Everything else is left to the parser to reject with its line and
column, which this module keeps intact: no repair adds or removes a line break.
"""

from __future__ import annotations

import bisect
import html.entities
import re
from collections.abc import Iterable, Iterator

from .encoding import CONTROL_BYTES, codec_for, strip_bom, transcode, valid_utf8
from .faults import NeedsRepair
from .prolog import (
    DECLARED_PREFIX,
    MEANINGFUL,
    NAME,
    UNDECLARED_NAMESPACE,
    USED_PREFIX,
    handled_prefixes,
    read_head,
)
from .repairs import Repairs

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


# --- references and characters -----------------------------------------------------

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
    that claims to be UTF-8). Raises :class:`~wpmigrate.errors.DataError` for what
    cannot be WXR.

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
    codec = codec_for(head, encoding, repairs)
    raw: Iterable[bytes] = _chain(head, stream)
    if codec == "utf-8-sig":
        raw = strip_bom(raw)
        codec = "utf-8"
    utf8: Iterable[bytes]
    if not repair:
        if codec != "utf-8":
            raise NeedsRepair(codec)
        utf8 = raw
    elif codec == "utf-8":
        utf8 = (valid_utf8(piece, repairs) for piece in _rechunk(raw, chunk_size))
    else:
        utf8 = _rechunk(transcode(raw, codec, repairs), chunk_size)
    yield from _repair_xml(utf8, source, repairs, repair)


def _chain(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if head:
        yield head
    yield from rest


def _repair_xml(
    chunks: Iterable[bytes], source: str, repairs: Repairs, repair: bool = True
) -> Iterator[bytes]:
    stream = iter(chunks)
    head = read_head(stream, source)
    injected = head.counted
    if not repair:
        tail = b""
        for chunk in _chain(head.data, stream):
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
    # that uses them instead (see _Scanner.declare_late).
    handled = handled_prefixes(head.data)
    scanner = _Scanner(repairs, protect=head.tag_end)
    first = True
    for chunk in _chain(head.data, stream):
        # Per-chunk work stays in C: translate() and find() are an order of
        # magnitude faster than a regex over every byte.
        cleaned = chunk.translate(None, CONTROL_BYTES)
        if len(cleaned) != len(chunk):
            repairs["control_chars"] += len(chunk) - len(cleaned)
            chunk = cleaned
        if not first:
            if b"xmlns:" in chunk:
                handled.update(DECLARED_PREFIX.findall(chunk))
            for prefix in set(USED_PREFIX.findall(chunk)) - handled:
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


_OWNER = re.compile(rb"<(" + NAME + rb"(?::" + NAME + rb")?)(?:\s[^<>]*)?>\s*\Z")
_SECTION = rb"<!\[CDATA\[[^\]]*(?:\](?!\]>)[^\]]*)*\]\]>"
#: An element whose whole content is CDATA (split sections too), closed by its own end tag.
_CANONICAL = re.compile(
    rb"<(" + NAME + rb"(?::" + NAME + rb")?)(?:\s[^<>]*)?>\s*(?:" + _SECTION + rb")+\s*</\1>"
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
        self.late[prefix] = MEANINGFUL.get(prefix, UNDECLARED_NAMESPACE.encode())
        self._late_tag = re.compile(b"<(" + b"|".join(map(re.escape, self.late)) + b"):" + NAME)

    def feed(self, chunk: bytes) -> bytes:
        """The repaired bytes of ``chunk``; a few may be held back until the next one."""
        data = self.held + chunk if self.held else chunk
        self.held = b""
        if self._late_tag is not None:
            # wp:/dc: elements are counted as the head's injection counts them: CDATA too.
            self.repairs["undeclared_prefixes"] += sum(
                1 for m in self._late_tag.finditer(data) if m.group(1) in MEANINGFUL
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
