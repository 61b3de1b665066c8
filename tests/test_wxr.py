"""wpmigrate.parse.wxr: what the reader makes of each quirk fixture, field by field."""

from __future__ import annotations

import codecs
import html
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import CUSTOMER_LOVE, QUIRKS, Read, read_documents
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wpmigrate.errors import DataError
from wpmigrate.models import normalise_status, normalise_type

Reader = Callable[..., Read]


def quirk(name: str) -> Path:
    return QUIRKS / name


def post_ids(read: Read) -> list[int]:
    return [record["post_id"] for record in read.records]


# --- versions and namespaces ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "version", "url"),
    [
        (quirk("wxr-1.0.xml"), "1.0", "http://old-garden.example/"),
        (quirk("wxr-1.1.xml"), "1.1", "http://kitchen.example"),
        (quirk("https-namespace.xml"), "1.2", "https://quirks.example"),
        (CUSTOMER_LOVE, "1.2", "http://customer-love.example"),
    ],
)
def test_every_wxr_version_is_read(read_export: Reader, path: Path, version: str, url: str) -> None:
    read = read_export(path)
    assert read.error is None
    assert read.records
    [site] = read.reader.sites
    assert (site.wxr_version, site.url, site.source) == (version, url, path.name)


def test_wxr_1_0_has_no_author_table_so_the_login_is_the_post_author(read_export: Reader) -> None:
    read = read_export(quirk("wxr-1.0.xml"))
    assert read.reader.authors == {}
    greta, admin = read.records
    assert greta == {
        "id": 3,
        "post_id": 5,
        "parent_id": 0,
        "author_name": "Greta",
        "author_email": "greta@example.org",
        "author_url": "http://greta.example/",
        "author_ip": "192.0.2.10",
        "user_id": 0,
        "date": "2010-10-19T19:30:00",
        "date_gmt": "2010-10-19T17:30:00Z",
        "content_html": "How deep? The bag doesn&#039;t say.",
        "status": "approved",
        "type": "comment",
        "by_post_author": False,
        "meta": {},
        "post": {
            "id": 5,
            "title": "Planting tulips",
            "slug": "planting-tulips",
            "url": "http://old-garden.example/2010/10/19/planting-tulips/",
            "type": "post",
            "status": "publish",
            "protected": False,
            "author": "admin",
            "author_name": "admin",  # no author table: the login is all there is
            "date": "2010-10-19T18:00:00",
            "date_gmt": "2010-10-19T16:00:00Z",
        },
    }
    # The admin's own reply: user id 1 and the admin's address, but with no <wp:author>
    # there is nothing to match them against, and a name proves nothing.
    assert (admin["id"], admin["parent_id"], admin["user_id"]) == (4, 3, 1)
    assert admin["post"]["author"] == "admin"
    assert admin["by_post_author"] is False


def test_wxr_1_1_author_ids(read_export: Reader) -> None:
    read = read_export(quirk("wxr-1.1.xml"))
    assert {login: author.id for login, author in read.reader.authors.items()} == {
        "mira": 2,
        "tom": 3,
    }
    tom, mira = read.records
    assert (tom["id"], tom["user_id"], tom["by_post_author"]) == (31, 3, False)
    assert (mira["id"], mira["user_id"], mira["by_post_author"]) == (32, 2, True)
    assert mira["content_html"] == "Rye, then white.\nHalf and half after day four."
    assert mira["post"]["author"] == "mira"


def test_https_namespace_reads_authors_comments_and_meta(read_export: Reader) -> None:
    read = read_export(quirk("https-namespace.xml"))
    assert read.repairs == {}
    assert read.reader.authors["alice"].email == "alice@quirks.example"
    ben, alice = read.records
    assert (ben["id"], ben["by_post_author"], ben["author_url"]) == (
        120,
        False,
        "https://ben.example/",
    )
    assert (alice["id"], alice["parent_id"], alice["by_post_author"]) == (121, 120, True)
    assert alice["meta"] == {"_wxr_import_user": "1"}
    assert alice["post"]["url"] == "https://quirks.example/2024/01/12/secure-by-default/"


def test_rss_feed_without_the_wordpress_namespace_is_not_an_export(read_export: Reader) -> None:
    feed = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Just a feed</title><link>http://feed.example/</link>
<item><title>Hello</title><link>http://feed.example/?p=3</link></item>
</channel></rss>
"""
    read = read_export(feed)
    assert read.records == []
    assert isinstance(read.error, DataError)
    assert str(read.error).startswith("doc0.xml:3: not a WXR export: an RSS feed without")


def test_an_export_that_forgot_to_declare_wp_is_still_read(read_export: Reader) -> None:
    data = quirk("wxr-1.1.xml").read_bytes()
    data = data.replace(b'\txmlns:wp="http://wordpress.org/export/1.1/"\n', b"")
    read = read_export(data)
    assert read.error is None
    assert [record["id"] for record in read.records] == [31, 32]
    assert read.repairs["undeclared_prefixes"] > 0


# --- CDATA and text -----------------------------------------------------------------------------


def test_cdata_split_reads_back_intact(read_export: Reader) -> None:
    read = read_export(quirk("cdata-split.xml"))
    assert read.repairs == {}
    comments = read.by_id()
    assert comments[140]["content_html"] == "Try <code>a[b[0]]>1</code> instead."
    assert comments[141]["content_html"] == "Or just use a nested list: [[1, 2], [3]]"
    assert comments[142]["content_html"] == "Both work: ]]> and ]]> are just text."
    assert comments[142]["meta"] == {"snippet": "<![CDATA[ inner ]]>"}
    assert comments[140]["post"]["title"] == "Why x[y[0]]> 1 breaks my parser"


def wordpress_cdata(text: str) -> str:
    """What WordPress's wxr_cdata() writes."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def document_with_comment(content_xml: str, author_xml: str = "<![CDATA[Ann]]>") -> bytes:
    data = quirk("https-namespace.xml").read_text(encoding="utf-8")
    data = data.replace("<![CDATA[The padlock is green. Well done.]]>", content_xml)
    data = data.replace("<![CDATA[Ben]]>", author_xml)
    return data.encode("utf-8")


CDATA_TEXT = st.text(
    alphabet=st.sampled_from(list("]]>>[<!CDATA&; ab\u00e9\u2603\n")), min_size=1, max_size=40
).map(str.strip)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=CDATA_TEXT, author=CDATA_TEXT)
def test_any_text_in_wordpress_cdata_reads_back_intact(text: str, author: str) -> None:
    """Invariant: whatever a comment holds, ``]]>`` included, WordPress's CDATA split reads
    back as the original text, with nothing to repair."""
    read = read_documents([document_with_comment(wordpress_cdata(text), wordpress_cdata(author))])
    assert read.error is None
    assert read.repairs == {}
    record = read.by_id()[120]
    assert record["content_html"] == text
    assert record["author_name"] == html.unescape(author)  # names are stored HTML-escaped


def test_empty_cdata_and_empty_elements_are_empty_strings(read_export: Reader) -> None:
    read = read_export(quirk("empty-cdata.xml"))
    assert read.repairs == {}
    for record in read.records:
        for name in ("author_name", "author_email", "author_url", "author_ip", "content_html"):
            assert record[name] == "", (record["id"], name)
        assert record["type"] == "comment"
        assert record["meta"] == {"rating": ""}
    assert [record["id"] for record in read.records] == [160, 161]
    assert (read.records[0]["post"]["title"], read.records[0]["post"]["slug"]) == ("", "")


def test_entities_outside_cdata_are_repaired_and_inside_kept(read_export: Reader) -> None:
    read = read_export(quirk("entities.xml"))
    assert read.repairs == {"html_entities": 7, "bare_ampersands": 1}
    renee, shop = read.records
    assert renee["post"]["title"] == "Alice's \u00abwinter\u00bb\u00a0garden\u2026 Tom & Jerry"
    assert renee["author_name"] == "Ren\u00e9e \u00abR\u00bb O'Hara"
    assert renee["author_url"] == "http://renee.example/?lang=fr&page=2"
    assert renee["content_html"] == "<p>&laquo;Magnifique&raquo; &mdash; it&#039;s like mine.</p>"
    assert shop["author_name"] == "Tom & Jerry's Nursery"
    assert shop["author_url"] == "http://nursery.example/?utm_source=blog&utm_medium=comment"
    assert shop["content_html"] == "We stock hellebores & snowdrops."


def test_author_url_without_cdata(read_export: Reader) -> None:
    """customer-love's pingback 1001 writes its URL without CDATA, ``&`` as ``&amp;``."""
    pingback = read_export(CUSTOMER_LOVE).by_id()[1001]
    assert pingback["author_url"] == (
        "http://topsy.com/trackback?utm_source=pingback&utm_campaign=L2"
        "&url=http://customer-love.example/2010/11/10/day-10-cynical-about-customer-love/"
    )
    assert pingback["author_email"] == ""


def test_control_characters_are_removed_and_counted(read_export: Reader) -> None:
    read = read_export(quirk("control-chars.xml"))
    assert read.repairs == {"control_chars": 5, "bad_char_refs": 2}
    zoe, yan = read.records
    assert zoe["author_name"] == "Zoe"
    assert zoe["content_html"] == "Copied from Word: the end.\tTab kept. Oddchar."
    assert zoe["post"]["title"] == "Bell and half\ufffdmoon"
    assert yan["content_html"] == "In HTML, &#1; is not allowed either."


def test_undeclared_prefixes_are_declared_and_counted(read_export: Reader) -> None:
    read = read_export(quirk("undeclared-prefix.xml"))
    assert read.error is None
    assert read.repairs == {"undeclared_prefixes": 2}
    assert [record["id"] for record in read.records] == [190]


# --- encodings -----------------------------------------------------------------------------------


def test_invalid_utf8_is_replaced_and_counted(read_export: Reader) -> None:
    read = read_export(quirk("invalid-utf8.xml"))
    assert read.repairs == {"invalid_bytes": 4}
    [record] = read.records
    assert record["author_name"] == "Jos\ufffd"
    assert record["content_html"] == "caf\ufffd au lait, cr\ufffdme br\u00fbl\u00e9e, 5 \ufffd only"


def utf16_variants() -> dict[str, bytes]:
    """The UTF-16 fixture in every byte order, with and without BOM, and as UTF-8."""
    text = quirk("utf16le-nobom.xml").read_bytes().decode("utf-16-le")
    utf8 = text.replace('encoding="UTF-16"', 'encoding="UTF-8"').encode("utf-8")
    return {
        "utf16-bom.xml": quirk("utf16-bom.xml").read_bytes(),
        "utf16le-nobom.xml": quirk("utf16le-nobom.xml").read_bytes(),
        "utf-16-be with BOM": codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        "utf-16-be without BOM": text.encode("utf-16-be"),
        "utf-8 with BOM": codecs.BOM_UTF8 + utf8,
    }


def test_utf16_fixtures_are_what_they_say() -> None:
    assert quirk("utf16-bom.xml").read_bytes()[:4] == b"\xff\xfe<\x00"
    assert quirk("utf16le-nobom.xml").read_bytes()[:4] == b"<\x00?\x00"


@pytest.mark.parametrize("variant", sorted(utf16_variants()))
def test_utf16_and_boms_decode_right(read_export: Reader, variant: str) -> None:
    read = read_export(utf16_variants()[variant])
    assert read.error is None
    assert read.repairs == {}
    [record] = read.records
    assert record["author_name"] == "Zo\u00eb"
    assert record["content_html"] == "Gr\u00fc\u00dfe aus K\u00f6ln \u2603 \U0001f600"
    assert record["post"]["title"] == "Gr\u00fc\u00dfe"


def test_utf16_read_in_small_chunks(read_export: Reader) -> None:
    whole = read_export(quirk("utf16-bom.xml"))
    assert read_export(quirk("utf16-bom.xml"), chunk=7).records == whole.records


def test_latin1_declared_decodes_right(read_export: Reader) -> None:
    read = read_export(quirk("latin1-declared.xml"))
    assert read.repairs == {}
    [record] = read.records
    assert record["post"]["title"] == "Caf\u00e9 cr\u00e8me"
    assert record["author_name"] == "Ren\u00e9e"
    assert record["content_html"] == "Tr\u00e8s bien, merci ! \u00c7a pousse."


def test_latin1_declared_as_utf8_is_replaced_unless_told(read_export: Reader) -> None:
    as_declared = read_export(quirk("latin1-as-utf8.xml"))
    assert as_declared.repairs == {"invalid_bytes": 5}
    [record] = as_declared.records
    assert record["content_html"] == "Caf\ufffd \ufffdquoted\ufffd it\ufffds"
    assert record["post"]["title"] == "Caf\ufffd"

    told = read_export(quirk("latin1-as-utf8.xml"), encoding="cp1252")
    assert told.repairs == {}
    [record] = told.records
    assert record["content_html"] == "Caf\u00e9 \u201cquoted\u201d it\u2019s"
    assert record["post"]["title"] == "Caf\u00e9"


def test_cp1252_declared_decodes_right(read_export: Reader) -> None:
    """A file that says windows-1252 is read as such: 0x93 0x94 0x92 are curly quotes."""
    data = quirk("latin1-as-utf8.xml").read_bytes()
    data = data.replace(b'encoding="UTF-8"', b'encoding="windows-1252"', 1)
    read = read_export(data)
    assert read.repairs == {}
    [record] = read.records
    assert record["content_html"] == "Caf\u00e9 \u201cquoted\u201d it\u2019s"


# --- statuses, types, dates, meta -----------------------------------------------------------------


def test_statuses_and_types(read_export: Reader) -> None:
    read = read_export(quirk("statuses-types.xml"))
    assert read.repairs == {}
    assert {r["id"]: (r["status"], r["type"]) for r in read.records} == {
        230: ("approved", "comment"),
        231: ("pending", "comment"),
        232: ("spam", "comment"),
        233: ("trash", "comment"),
        234: ("post-trashed", "comment"),
        235: ("flagged", "comment"),
        236: ("approved", "pingback"),
        237: ("approved", "trackback"),
        238: ("approved", "note"),
        240: ("approved", "order_note"),
        250: ("approved", "review"),
    }
    comments = read.by_id()
    assert (comments[240]["post"]["type"], comments[240]["post"]["status"]) == (
        "shop_order",
        "wc-completed",
    )
    assert comments[240]["post"]["title"] == "Order \u2013 January 23, 2024 @ 11:30 AM"


def test_meta_key_given_several_times_is_a_list(read_export: Reader) -> None:
    comments = read_export(quirk("statuses-types.xml")).by_id()
    spam = comments[232]["meta"]
    assert spam["akismet_result"] == "true"
    history = spam["akismet_history"]
    assert isinstance(history, list)
    assert [re.findall(r'"(check-spam|report-spam)"', value) for value in history] == [
        ["check-spam"],
        ["report-spam"],
        ["check-spam"],
    ]
    assert comments[233]["meta"] == {
        "_wp_trash_meta_status": "1",
        "_wp_trash_meta_time": "1706003700",
    }
    assert comments[250]["meta"] == {"rating": "5", "verified": "1"}


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("1", "approved"),
        ("0", "pending"),
        ("spam", "spam"),
        ("trash", "trash"),
        ("post-trashed", "post-trashed"),
        (" 1 ", "approved"),
        ("SPAM", "spam"),
        ("my-plugin-status", "my-plugin-status"),
    ],
)
def test_normalise_status(raw: str, name: str) -> None:
    assert normalise_status(raw) == name


@pytest.mark.parametrize(
    ("raw", "name"),
    [("", "comment"), (" ", "comment"), ("comment", "comment"), ("pingback", "pingback"),
     ("trackback", "trackback"), ("note", "note"), ("order_note", "order_note")],
)
def test_normalise_type(raw: str, name: str) -> None:
    assert normalise_type(raw) == name


def test_zero_missing_and_bad_dates(read_export: Reader) -> None:
    read = read_export(quirk("zero-dates.xml"))
    assert read.error is None
    assert read.repairs == {"derived_gmt_dates": 4, "bad_dates": 1}
    dates = {r["id"]: (r["date"], r["date_gmt"]) for r in read.records}
    assert dates == {
        200: ("2024-01-20T10:00:00", "2024-01-20T09:00:00Z"),  # zero GMT: local - 1 h
        201: ("2024-01-20T23:30:00", "2024-01-20T22:30:00Z"),  # no GMT element at all
        202: (None, None),  # nothing but zero dates
        203: ("2024-01-21T00:15:00", "2024-01-20T23:15:00Z"),  # garbage GMT: counted, derived
        210: ("2023-07-01T15:30:00", "2023-07-01T13:30:00Z"),  # July post: local - 2 h
        220: ("2024-01-21T09:30:00", None),  # the draft's offset is unknown
    }
    draft = read.by_id()[220]["post"]
    assert (draft["date"], draft["date_gmt"], draft["status"]) == (
        "2024-01-21T09:00:00",
        None,
        "draft",
    )


def test_customer_love_dates_are_local_plus_eight_hours(read_export: Reader) -> None:
    read = read_export(CUSTOMER_LOVE)
    assert read.repairs == {}
    stamps = [(r["date"], r["date_gmt"]) for r in read.records]
    stamps += [(r["post"]["date"], r["post"]["date_gmt"]) for r in read.records]
    for local, utc in stamps:
        assert utc.endswith("Z")
        shift = datetime.fromisoformat(utc.removesuffix("Z")) - datetime.fromisoformat(local)
        assert shift == timedelta(hours=8), (local, utc)


# --- who wrote it ---------------------------------------------------------------------------------


def test_by_post_author_needs_evidence(read_export: Reader) -> None:
    read = read_export(quirk("author-flags.xml"))
    assert {r["id"]: r["by_post_author"] for r in read.records} == {
        260: False,  # a reader
        261: True,  # Alice logged in: her user id
        262: True,  # Alice logged out: her e-mail, other case, spaces
        263: False,  # Bob, a registered author, but not this post's
        264: False,  # a stranger typing Alice's display name
        265: False,  # a WordPress.com global user id that matches no author
        266: True,  # a global id too, but Alice's e-mail
        270: False,  # Alice logged in, on Bob's post
        271: True,  # Bob logged out, on his own post
        280: False,  # the post's creator is not in the author table
    }
    assert read.by_id()[262]["author_email"] == "Alice@Quirks.EXAMPLE"


def test_customer_love_post_authors(read_export: Reader) -> None:
    read = read_export(CUSTOMER_LOVE)
    assert len(read.records) == 45
    flagged = {r["id"] for r in read.records if r["by_post_author"]}
    assert flagged == {
        1003, 1005, 1007, 1009, 1011,  # Patty K on her post 101
        1012, 1014, 1016, 1019,  # Susan on 108 (1019 logged out, e-mail only)
        1022, 1024, 1026, 1028, 1032, 1034, 1037, 1039, 1042, 1044,  # LaVonne on 115
    }
    comments = read.by_id()
    assert (comments[1015]["author_name"], comments[1015]["post_id"]) == ("Patty K", 108)
    assert (comments[1019]["user_id"], comments[1019]["author_email"]) == (
        0,
        "Susan@Customer-Love.example",
    )
    assert comments[1043]["status"] == "approved"
    assert comments[1043]["meta"]["akismet_result"] == "true"


def test_customer_love_statuses(read_export: Reader) -> None:
    read = read_export(CUSTOMER_LOVE)
    not_approved = {r["id"]: r["status"] for r in read.records if r["status"] != "approved"}
    assert not_approved == {
        1021: "spam",
        1041: "spam",
        1017: "spam",
        1030: "trash",
        1045: "pending",
        1036: "pending",
    }
    types = {r["id"]: r["type"] for r in read.records if r["type"] != "comment"}
    assert types == {1001: "pingback", 1012: "note", 1017: "trackback"}
    assert [post_ids(read).count(post) for post in (101, 108, 115)] == [12, 8, 25]


# --- ids ------------------------------------------------------------------------------------------


def minimal(items: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>T</title><link>http://t.example</link>
{items}
</channel></rss>
""".encode()


def test_missing_and_bad_ids(read_export: Reader) -> None:
    read = read_export(
        minimal(
            """<item><title>A</title><link>http://t.example/?p=12</link><wp:post_id></wp:post_id>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_parent>x</wp:comment_parent>
<wp:comment_user_id>-3</wp:comment_user_id></wp:comment>
<wp:comment><wp:comment_id></wp:comment_id></wp:comment></item>
<item><title>B</title><link>http://t.example/b/</link>
<wp:comment><wp:comment_id>1</wp:comment_id></wp:comment></item>"""
        )
    )
    assert read.error is None
    assert [(r["post_id"], r["id"], r["parent_id"], r["user_id"]) for r in read.records] == [
        (12, 1, 0, 0),
        (12, -1, 0, 0),
        (-2, 1, 0, 0),
    ]
    assert read.repairs == {
        "post_ids_from_links": 1,
        "missing_post_ids": 1,
        "missing_comment_ids": 1,
        "bad_parent_ids": 1,
        "bad_user_ids": 1,
    }


def test_a_different_comment_sharing_an_id_is_renumbered(read_export: Reader) -> None:
    read = read_export(
        minimal(
            """<item><wp:post_id>3</wp:post_id>
<wp:comment><wp:comment_id>5</wp:comment_id><wp:comment_content>one</wp:comment_content></wp:comment>
<wp:comment><wp:comment_id>5</wp:comment_id><wp:comment_content>one</wp:comment_content></wp:comment>
<wp:comment><wp:comment_id>5</wp:comment_id><wp:comment_content>two</wp:comment_content></wp:comment>
</item>"""
        )
    )
    assert [(r["id"], r["content_html"]) for r in read.records] == [(5, "one"), (-1, "two")]
    assert read.repairs == {"duplicate_comments": 1, "renumbered_comments": 1}


def test_duplicates_are_read_once(read_export: Reader) -> None:
    read = read_export(quirk("duplicates.xml"))
    assert [(r["post_id"], r["id"]) for r in read.records] == [
        (40, 400),
        (40, 401),
        (41, 410),
        (41, 411),
        (40, 402),
    ]
    assert read.repairs == {"duplicate_comments": 3, "duplicate_posts": 1}


def test_duplicates_split_over_two_files_read_as_one(read_export: Reader) -> None:
    parts = sorted((QUIRKS / "duplicates-split").glob("part-*.xml"))
    assert [part.name for part in parts] == ["part-1.xml", "part-2.xml"]
    together = read_export(*parts)
    assert together.records == read_export(quirk("duplicates.xml")).records
    assert together.repairs == {"duplicate_comments": 3, "duplicate_posts": 1}
    assert [site.source for site in together.reader.sites] == ["part-1.xml", "part-2.xml"]


def test_the_same_comment_id_on_different_posts_is_not_a_duplicate(read_export: Reader) -> None:
    items = """<item><wp:post_id>1</wp:post_id><wp:comment><wp:comment_id>9</wp:comment_id>
</wp:comment></item><item><wp:post_id>2</wp:post_id><wp:comment><wp:comment_id>9</wp:comment_id>
</wp:comment></item>"""
    read = read_export(minimal(items), minimal(items))
    assert [(r["post_id"], r["id"]) for r in read.records] == [(1, 9), (2, 9)]
    assert read.repairs == {"duplicate_comments": 2, "duplicate_posts": 2}


# --- truncation and malformed input ---------------------------------------------------------------


def test_truncated_export_yields_complete_items_then_fails(read_export: Reader) -> None:
    data = quirk("truncated.xml").read_bytes()
    read = read_export(data)
    assert [r["id"] for r in read.records] == [2901, 2902]
    assert isinstance(read.error, DataError)
    last_line = data.rsplit(b"\n", 1)[1]
    assert (read.error.line, read.error.column) == (data.count(b"\n") + 1, len(last_line) + 1)
    assert str(read.error) == (
        f"doc0.xml:{read.error.line}:{read.error.column}: malformed XML: the export is "
        "truncated: it ends inside an item; 1 post was read before the cut"
    )
    assert "never gets" not in str(read.error)  # no comment text in the message


def item_ends(data: bytes) -> list[int]:
    return [match.end() for match in re.finditer(rb"</item>", data)]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fraction=st.floats(0, 1))
def test_cut_anywhere_yields_exactly_the_items_completed_before_the_cut(fraction: float) -> None:
    """Invariant: an export cut at any byte after <channel> yields the comments of exactly
    the items whose </item> came before the cut, never part of an item, and fails with a
    one-line 'truncated' error unless the cut only removed what follows </rss>."""
    data = quirk("statuses-types.xml").read_bytes()
    start = data.index(b"<channel>")
    cut = start + round(fraction * (len(data) - start))
    full = read_documents([data]).records
    per_item = [[r for r in full if r["post_id"] == post] for post in (23, 24, 25)]
    complete = sum(1 for end in item_ends(data) if end <= cut)
    read = read_documents([data[:cut]])
    assert read.records == [r for records in per_item[:complete] for r in records]
    if cut >= data.index(b"</rss>") + len(b"</rss>"):
        assert read.error is None
    else:
        assert isinstance(read.error, DataError)
        assert "truncated" in str(read.error)
        assert "\n" not in str(read.error)
        assert read.error.line >= 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            minimal("<item><wp:post_id>1</wp:post_id></itme>"),
            "doc0.xml:5:40: malformed XML: opening and ending tag mismatch: ",
        ),
        (
            minimal("<item><title>a ]]> b</title></item>"),
            "doc0.xml:5:16: malformed XML: ']]>' outside a CDATA section",
        ),
    ],
)
def test_malformed_xml_is_an_error_with_its_place(
    read_export: Reader, data: bytes, message: str
) -> None:
    read = read_export(data)
    assert isinstance(read.error, DataError)
    assert str(read.error).startswith(message)


# --- security ------------------------------------------------------------------------------------


def xxe_document(secret: Path) -> bytes:
    data = quirk("doctype-xxe.xml").read_bytes()
    assert b"file:///etc/passwd" in data
    return data.replace(b"file:///etc/passwd", secret.resolve().as_uri().encode())


def test_doctype_is_refused_and_nothing_leaks(read_export: Reader, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a9\n", encoding="utf-8")
    read = read_export(xxe_document(secret))
    assert read.records == []
    assert isinstance(read.error, DataError)
    assert str(read.error).startswith("doc0.xml:7:1: refused: a DOCTYPE declaration")
    assert "TOP-SECRET" not in str(read.error)


def test_parser_itself_expands_no_entity(
    read_export: Reader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: even with the DOCTYPE check bypassed, the parser neither reads the
    file nor expands the entity."""
    import wpmigrate.parse.wxr

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a9\n", encoding="utf-8")

    def no_repair(chunks: object, *args: object, **kwargs: object) -> object:
        return iter(chunks)  # type: ignore[call-overload]

    monkeypatch.setattr(wpmigrate.parse.wxr, "normalise", no_repair)
    read = read_export(xxe_document(secret))
    assert read.error is None
    [record] = read.records
    assert record["content_html"] == "Leaked: &secret;"
    assert "TOP-SECRET" not in repr(read.records)
