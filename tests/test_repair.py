"""wpmigrate.parse.repair and its helpers: encoding detection, byte repairs, safe chunking,
the prolog checks."""

from __future__ import annotations

import codecs
import re

import pytest
from conftest import read_documents
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wpmigrate.errors import DataError
from wpmigrate.parse.encoding import detect_encoding, valid_utf8
from wpmigrate.parse.repair import _rechunk, _safe_cut, normalise
from wpmigrate.parse.repairs import REPAIR_MESSAGES, Repairs
from wpmigrate.parse.wxr import WxrReader

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WXR_HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>T</title><link>http://t.example</link>
<wp:wxr_version>1.2</wp:wxr_version>
"""


def wxr(content: str = "hello", title: str = "Post", padding: int = 0, after: str = "") -> str:
    """A one-comment export; ``content`` goes into CDATA as given, ``title`` outside CDATA."""
    pad = f"<description>{'p' * padding}</description>" if padding else ""
    return f"""{WXR_HEAD}{pad}<item><title>{title}</title><dc:creator>a</dc:creator>
<wp:post_id>1</wp:post_id><wp:post_date>2024-01-01 10:00:00</wp:post_date>
<wp:post_date_gmt>2024-01-01 09:00:00</wp:post_date_gmt>
<wp:comment><wp:comment_id>7</wp:comment_id><wp:comment_author><![CDATA[Ann]]></wp:comment_author>
<wp:comment_content><![CDATA[{content}]]></wp:comment_content>
<wp:comment_author_url>{after}</wp:comment_author_url>
<wp:comment_approved>1</wp:comment_approved></wp:comment>
</item></channel></rss>
"""


def normalised(data: bytes, encoding: str | None = None) -> tuple[bytes, Repairs]:
    repairs = Repairs()
    return b"".join(normalise([data], "t.xml", repairs, encoding)), repairs


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at the given offsets (taken modulo its length)."""
    points = sorted({cut % (len(data) + 1) for cut in cuts})
    pieces, start = [], 0
    for point in points:
        pieces.append(data[start:point])
        start = point
    pieces.append(data[start:])
    return pieces


#: Where cutting a stream is most likely to go wrong: around these markers.
MARKERS = (b"]]>", b"]]", b"]", b"&", b"<![CDATA[", b"<", b">", b";", b"\xc3", b"\xe2", b"\xf0")


def draw_cuts(
    data: st.DataObject, stream: bytes, markers: tuple[bytes, ...] = MARKERS
) -> list[int]:
    """Cut points for ``stream``: some anywhere, most just before, inside or after a marker."""
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=4), label="random cuts")
    spots = [
        match.start() + delta
        for marker in markers
        for match in re.finditer(re.escape(marker), stream)
        for delta in range(-1, len(marker) + 1)
    ]
    if spots:
        cuts += data.draw(st.lists(st.sampled_from(spots), max_size=12), label="marker cuts")
    return [cut for cut in cuts if 0 <= cut <= len(stream)]


# --- encoding detection ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "codec"),
    [
        (codecs.BOM_UTF8 + b"<?xml", "utf-8-sig"),
        (codecs.BOM_UTF16_LE + "<?xml".encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + "<?xml".encode("utf-16-be"), "utf-16"),
        (codecs.BOM_UTF32_LE + "<?xml".encode("utf-32-le"), "utf-32"),
        ("<?xml".encode("utf-16-le"), "utf-16-le"),
        ("<?xml".encode("utf-16-be"), "utf-16-be"),
        ("<?xml".encode("utf-32-le"), "utf-32-le"),
        ("<?xml".encode("utf-32-be"), "utf-32-be"),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?>', "iso8859-1"),
        (b"<?xml version='1.0' encoding='windows-1252'?>", "cp1252"),
        (b'  <?xml version="1.0" encoding="utf-8"?>', "utf-8"),
        (b'<?xml version="1.0"?>', "utf-8"),
        (b"<rss>", "utf-8"),
        # A declared 16-bit encoding the ASCII bytes themselves disprove.
        (b'<?xml version="1.0" encoding="UTF-16"?>', "utf-8"),
    ],
)
def test_detect_encoding(head: bytes, codec: str) -> None:
    repairs = Repairs()
    assert detect_encoding(head, repairs) == codec
    assert +repairs == Repairs()


def test_unknown_declared_encoding_reads_as_utf8_and_is_counted() -> None:
    repairs = Repairs()
    assert detect_encoding(b'<?xml version="1.0" encoding="klingon-8"?>', repairs) == "utf-8"
    assert repairs["unknown_encoding"] == 1


def test_bom_wins_over_declaration() -> None:
    """The BOM settles the encoding before the declaration is even read."""
    text = '<?xml version="1.0" encoding="ISO-8859-1"?>'
    assert detect_encoding(codecs.BOM_UTF8 + text.encode(), Repairs()) == "utf-8-sig"


# --- invalid bytes --------------------------------------------------------------------


def test_valid_utf8_counts_only_replacements_it_made() -> None:
    """A U+FFFD already in the text is content, not a repair."""
    repairs = Repairs()
    chunk = "real \ufffd here, ".encode() + b"bad \xff and \xe2\x82 cut"
    fixed = valid_utf8(chunk, repairs)
    assert fixed.decode("utf-8") == "real \ufffd here, bad \ufffd and \ufffd cut"
    assert repairs["invalid_bytes"] == 2


def test_valid_utf8_returns_valid_chunk_unchanged() -> None:
    repairs = Repairs()
    chunk = "caf\u00e9 \u2603".encode()
    assert valid_utf8(chunk, repairs) is chunk
    assert repairs["invalid_bytes"] == 0


def test_transcoding_counts_bad_sequences_across_chunks() -> None:
    """A lone UTF-16 surrogate is replaced and counted however the stream is cut."""
    doc = wxr(content="before @ after", padding=3000).encode("utf-16-le")
    lone = "\ud800".encode("utf-16-le", "surrogatepass")
    doc = doc.replace("@".encode("utf-16-le"), lone)
    whole, repairs = normalised(doc)
    assert repairs["invalid_bytes"] == 1
    assert "before \ufffd after".encode() in whole
    for cut in range(1, 40):
        pieces = [doc[: len(doc) // 2 + cut], doc[len(doc) // 2 + cut :]]
        again = Repairs()
        assert b"".join(normalise(pieces, "t.xml", again, chunk_size=64)) == whole
        assert again["invalid_bytes"] == 1


# --- references and characters ----------------------------------------------------------


def repaired_title(text: bytes) -> tuple[bytes, Repairs]:
    """``text`` as the repair leaves it in a post title (outside CDATA)."""
    document = wxr().encode().replace(b"<title>Post</title>", b"<title>" + text + b"</title>")
    fixed, repairs = normalised(document)
    found = re.search(rb"<item><title>(.*?)</title>", fixed, re.S)
    assert found is not None
    return found.group(1), repairs


@pytest.mark.parametrize(
    ("text", "fixed", "kind"),
    [
        (b"&laquo;x&raquo;", b"&#171;x&#187;", "html_entities"),
        (b"a&nbsp;b", b"a&#160;b", "html_entities"),
        (b"wait&hellip;", b"wait&#8230;", "html_entities"),
        (b"&#1;", b"", "bad_char_refs"),
        (b"&#x1;&#0;", b"", "bad_char_refs"),
        (b"&#xD800;", b"&#xFFFD;", "bad_char_refs"),
        (b"&#55296;", b"&#xFFFD;", "bad_char_refs"),
        (b"&#xFFFE;&#65535;", b"&#xFFFD;&#xFFFD;", "bad_char_refs"),
        (b"&#x110000;", b"&#xFFFD;", "bad_char_refs"),
        (b"?a=1&b=2", b"?a=1&amp;b=2", "bare_ampersands"),
        (b"Tom & Jerry", b"Tom &amp; Jerry", "bare_ampersands"),
        (b"&bogus;", b"&amp;bogus;", "bare_ampersands"),
    ],
)
def test_references_xml_rejects_are_repaired(text: bytes, fixed: bytes, kind: str) -> None:
    out, repairs = repaired_title(text)
    assert out == fixed
    assert set(+repairs) == {kind}


@pytest.mark.parametrize(
    "text",
    [
        b"&amp;&lt;&gt;&quot;&apos;",
        b"&#039;&#39;&#x27;",
        b"&#9;&#10;&#13;&#32;",
        b"&#x1F600;&#128512;&#0000065;",
        b"<![CDATA[&laquo; & &#1;]]>",
        b"<![CDATA[ a ]]]]><![CDATA[> & b ]]>",
    ],
)
def test_references_xml_accepts_are_left_alone(text: bytes) -> None:
    assert repaired_title(text) == (text, Repairs())


def test_cdata_is_tracked_across_chunks() -> None:
    """A ``&`` in a CDATA section that spans chunks stays; the one after it is escaped."""
    data = wxr(content="x & y " + "z" * 300, after="?a=1&b=2", padding=5000).encode()
    pieces = [data[: data.index(b"z" * 10)], data[data.index(b"z" * 10) :]]
    repairs = Repairs()
    fixed = b"".join(normalise(pieces, "t.xml", repairs, chunk_size=64))
    assert b"<![CDATA[x & y " in fixed
    assert b"?a=1&amp;b=2" in fixed
    assert repairs == Repairs(bare_ampersands=1)


def _allowed_in_xml(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _expected_ref(code: int) -> str:
    if _allowed_in_xml(code):
        return chr(code)
    return "" if code < 0x20 else "\ufffd"


@FAST
@given(
    code=st.one_of(
        st.integers(0, 0x40),
        st.integers(0xD700, 0xE100),
        st.integers(0xFFF0, 0x10010),
        st.integers(0x10FFF0, 0x110010),
        st.integers(0, 0x10FFFF),
    ),
    hexadecimal=st.booleans(),
    zeros=st.integers(0, 3),
)
def test_any_character_reference_is_read_or_repaired(
    code: int, hexadecimal: bool, zeros: int
) -> None:
    """Invariant: a numeric reference outside CDATA never breaks the parse; it reads as its
    character when XML allows that character, as nothing (C0 control) or U+FFFD otherwise."""
    ref = f"&#x{'0' * zeros}{code:X};" if hexadecimal else f"&#{'0' * zeros}{code};"
    read = read_documents([wxr(title=f"x{ref}y").encode()])
    assert read.error is None
    assert read.records[0]["post"]["title"] == f"x{_expected_ref(code)}y"
    assert read.repairs.get("bad_char_refs", 0) == (0 if _allowed_in_xml(code) else 1)


CONTROL = [chr(c) for c in (*range(0x0, 0x9), 0xB, 0xC, *range(0xE, 0x20), 0xFFFE, 0xFFFF)]
TEXT = st.text(
    alphabet=st.sampled_from(list("abc XYZ.,!?&<>'\"\u00e9\u2603\U0001f600\t\n")), max_size=60
)


@FAST
@given(text=TEXT, inserts=st.lists(st.tuples(st.integers(0), st.sampled_from(CONTROL))))
def test_control_characters_are_removed_and_counted(
    text: str, inserts: list[tuple[int, str]]
) -> None:
    """Invariant: control characters anywhere in a comment's content are removed, the rest
    of the text is intact, and the count of repairs equals the number removed."""
    dirty = text
    for position, char in inserts:
        at = position % (len(dirty) + 1)
        dirty = dirty[:at] + char + dirty[at:]
    read = read_documents([wxr(content=dirty).encode()])
    assert read.error is None
    assert read.records[0]["content_html"] == text.strip()
    assert read.repairs.get("control_chars", 0) == len(inserts)


@pytest.mark.parametrize(
    ("encoding", "raw"),
    [
        ("utf-8", "a\ufffeb\uffffc".encode()),  # valid UTF-8 otherwise
        ("utf-8", b"a\xef\xbf\xbe\x80b\xef\xbf\xbfc"),  # beside a stray continuation byte
        ("utf-16-le", "a\ufffeb\uffffc".encode("utf-16-le")),  # found after transcoding
    ],
)
def test_noncharacters_are_removed_on_every_decoding_route(encoding: str, raw: bytes) -> None:
    """U+FFFE and U+FFFF are removed and counted whether the chunk is valid UTF-8, has
    bytes to replace, or comes out of another codec."""
    document = wxr(content="@").encode(encoding).replace("@".encode(encoding), raw)
    read = read_documents([document], encoding=None if encoding == "utf-8" else encoding)
    assert read.error is None
    content = read.records[0]["content_html"]
    assert content in ("abc", "a\ufffdbc")
    assert read.repairs.get("control_chars", 0) == 2
    assert read.repairs.get("invalid_bytes", 0) == content.count("\ufffd")


# --- chunking ----------------------------------------------------------------------------


def test_safe_cut_after_last_tag() -> None:
    assert _safe_cut(b"<a>text</a>more text") == len(b"<a>text</a>")


def test_safe_cut_in_long_text_stops_before_a_reference() -> None:
    buf = b"x" * 100 + b"&lauq"
    assert _safe_cut(buf) == 100


def test_safe_cut_keeps_utf8_characters_whole() -> None:
    buf = b"x" * 100 + "\u2603".encode()[:2]
    assert _safe_cut(buf) == 100
    assert _safe_cut(b"x" * 100 + "\u00e9".encode()) in (100, 102)


def test_safe_cut_never_splits_a_cdata_end() -> None:
    """Regression: a text ending in ``]]`` whose ``>`` had not arrived was cut as
    ``…]`` | ``]>``, and the end of the CDATA section went unnoticed."""
    buf = b"<![CDATA[" + b"x" * 80 + b"]]"
    cut = _safe_cut(buf)
    assert buf[cut:] == b"]]"


UNITS = st.sampled_from(
    [
        b"a", b" ", b"]", b"]]>", b">", b"<", b"&", b";", b"&amp;", b"&laquo;", b"x" * 70,
        "\u00e9".encode(), "\u20ac".encode(), "\U0001f600".encode(),
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units=st.lists(UNITS, max_size=80), size=st.integers(1, 128), draw=st.data())
def test_rechunk_keeps_the_stream_and_cuts_only_at_safe_places(
    units: list[bytes], size: int, draw: st.DataObject
) -> None:
    """Invariant: re-cutting never changes the bytes, never yields an empty piece, and never
    cuts inside a UTF-8 character, a ``]]>`` or a short reference such as ``&laquo;``."""
    data = b"".join(units)
    pieces = list(_rechunk(split(data, draw_cuts(draw, data)), size))
    assert b"".join(pieces) == data
    assert all(pieces)
    offset = 0
    bad_spans = [m.span() for m in re.finditer(rb"\]\]>|&[a-z]{1,8};", data)]
    for piece in pieces[:-1]:
        offset += len(piece)
        assert not any(start < offset < end for start, end in bad_spans), (data, offset)
        assert (data[offset] & 0xC0) != 0x80, "cut inside a UTF-8 character"


TRICKY = st.sampled_from(
    ["a", "]", "]]>", "&", "&laquo;", "&amp;", "\u00e9", "\x01", "x" * 70, "<b>", "&#1;"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content=st.lists(TRICKY, max_size=25),
    after=st.lists(TRICKY, max_size=10),
    size=st.integers(1, 200),
    draw=st.data(),
)
def test_normalise_does_not_depend_on_how_the_input_is_cut(
    content: list[str], after: list[str], size: int, draw: st.DataObject
) -> None:
    # The CDATA section often ends in a long plain run (no marker in the last 64 bytes).
    content += ["x" * 70] if draw.draw(st.booleans(), label="long run") else []
    """Invariant: the repaired bytes and the repair counts are the same whether the export
    arrives in one piece or in any pieces, re-cut at any size (past the 4 KB head)."""
    text = "".join(content).replace("]]>", "]]]]><![CDATA[>")
    tail = "".join(after).replace("<b>", "&lt;b>").replace("]]>", "]]&gt;")
    data = wxr(content=text, after=tail, padding=5000).encode()
    whole, repairs = normalised(data)
    again = Repairs()
    cuts = draw_cuts(draw, data, (b"]]>", b"<![CDATA[", b"&"))
    pieces = b"".join(normalise(split(data, cuts), "t.xml", again, chunk_size=size))
    assert pieces == whole
    assert +again == +repairs


# --- prolog --------------------------------------------------------------------------------


def data_error(data: bytes) -> DataError:
    with pytest.raises(DataError) as caught:
        normalised(data)
    return caught.value


@pytest.mark.parametrize(
    ("data", "message", "where"),
    [
        (b"", "t.xml: empty file: no XML in it", None),
        (b"  \n\t\n", "t.xml: empty file: no XML in it", None),
        (codecs.BOM_UTF8, "t.xml: empty file: no XML in it", None),
        (b"hello, world", "not an XML document (it starts with 'hello, world')", (1, 1)),
        (b"<!DOCTYPE html>\n<html><body></body></html>", "this is an HTML page", (1, 1)),
        (b"<html lang='en'><head>", "not a WXR export: an HTML page", (1, 1)),
        (
            b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
            "not a WXR export: an Atom feed",
            (2, 1),
        ),
        (b"<rdf:RDF xmlns:rdf='x'>", "an RSS 1.0 (RDF) feed", (1, 1)),
        (b"<?xml version='1.0'?><urlset>", "root element <urlset>", (1, 22)),
        (b"<?xml version='1.0'?>\n<!-- c -->\n<!-- d", "ends before its first element", None),
    ],
)
def test_what_is_not_wxr_is_named(
    data: bytes, message: str, where: tuple[int, int] | None
) -> None:
    error = data_error(data)
    assert message in str(error)
    assert "\n" not in str(error)
    if where is not None:
        assert (error.line, error.column) == where
        assert str(error).startswith(f"t.xml:{where[0]}:{where[1]}: ")


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/evil.dtd">',
        "<!doctype rss>",
        '<!DOCTYPE rss [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
    ],
)
def test_doctype_is_refused_before_anything_is_parsed(doctype: str) -> None:
    body = wxr().split("\n", 1)[1]  # without its XML declaration
    data = f'<?xml version="1.0"?>\n<!-- header -->\n{doctype}\n{body}'.encode()
    error = data_error(data)
    assert str(error).startswith("t.xml:3:1: refused: a DOCTYPE declaration")


def test_no_root_in_the_first_4_mb() -> None:
    data = b"<?xml version='1.0'?>\n<!--" + b"x" * (4 << 20)
    assert "no root element in the first 4 MB" in str(data_error(data))


# --- namespaces --------------------------------------------------------------------------


def _reader_repairs(data: bytes) -> Repairs:
    """The repairs a full read counts (undeclared prefixes are counted by the reader)."""
    repairs = Repairs()
    list(WxrReader("t.xml", repairs).posts([data]))
    return repairs


def test_undeclared_known_prefix_is_declared_and_counted() -> None:
    data = wxr().replace("<title>T</title>", '<title>T</title><atom:link href="x"/>').encode()
    fixed, _ = normalised(data)
    assert b'xmlns:atom="urn:wpmigrate:undeclared"' in fixed
    assert _reader_repairs(data) == Repairs(undeclared_prefixes=1)


def test_undeclared_unknown_prefix_gets_a_placeholder_namespace() -> None:
    data = wxr().replace("<title>T</title>", "<title>T</title><foo:a/><foo:b>x</foo:b>").encode()
    fixed, _ = normalised(data)
    assert b'xmlns:foo="urn:wpmigrate:undeclared"' in fixed
    assert _reader_repairs(data) == Repairs(undeclared_prefixes=2)


def test_declaring_unused_known_prefixes_is_not_a_repair() -> None:
    fixed, repairs = normalised(wxr().encode())
    assert b'xmlns:atom="urn:wpmigrate:undeclared"' in fixed  # harmless, and not counted
    assert +repairs == Repairs()
    assert +_reader_repairs(wxr().encode()) == Repairs()


def test_wp_prefix_is_declared_only_when_used() -> None:
    """Regression: ``wp`` was declared on every document, so any RSS feed passed as WXR."""
    feed = b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>x</title></channel></rss>'
    fixed, _ = normalised(feed)
    assert b"xmlns:wp=" not in fixed
    forgot = wxr().replace(' xmlns:wp="http://wordpress.org/export/1.2/"', "").encode()
    fixed, repairs = normalised(forgot)
    assert b'xmlns:wp="http://wordpress.org/export/1.2/"' in fixed
    assert repairs["undeclared_prefixes"] > 0


def test_repairs_do_not_move_line_numbers() -> None:
    """Every repair keeps line breaks, so a later parse error points at the right line."""
    data = wxr(content="a\x01\x02b", title="&laquo;x&raquo; & &#1;").encode()
    fixed, repairs = normalised(data)
    assert fixed.count(b"\n") == data.count(b"\n")
    assert repairs == Repairs(control_chars=2, html_entities=2, bare_ampersands=1, bad_char_refs=1)


# --- the summary -------------------------------------------------------------------------------


def test_repair_lines_most_frequent_first() -> None:
    repairs = Repairs(control_chars=2, invalid_bytes=5, html_entities=0)
    assert repairs.lines() == [
        f"5 {REPAIR_MESSAGES['invalid_bytes']}",
        f"2 {REPAIR_MESSAGES['control_chars']}",
    ]
    assert Repairs().lines() == []
