"""The comment HTML policy: WordPress's paragraph rules, links, and the nh3 sanitiser."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wpmigrate.render.html import (
    AUTOP_TAGS,
    COMMENT_TAGS,
    comment_html,
    make_clickable,
    safe_url,
    wpautop,
)

# ---------------------------------------------------------------- wpautop


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("one line", "<p>one line</p>"),
        ("Hi El,\nYes!", "<p>Hi El,<br />\nYes!</p>"),
        ("a\n\nb", "<p>a</p>\n<p>b</p>"),
        ("a\n\n\n\n  \nb", "<p>a</p>\n<p>b</p>"),
        ("a\r\nb\r\n\r\nc", "<p>a<br />\nb</p>\n<p>c</p>"),
        ("a  \nb\t\n", "<p>a<br />\nb</p>"),
        ("<blockquote>q</blockquote>\n\nreply", "<blockquote><p>q</p></blockquote>\n<p>reply</p>"),
        ("<p>already</p><p>two</p>", "<p>already</p>\n<p>two</p>"),
        ('<a\nhref="http://x">y</a>', '<p><a href="http://x">y</a></p>'),
        ("a<br><br>b", "<p>a</p>\n<p>b</p>"),
        ("", ""),
        ("  \n\n ", ""),
    ],
)
def test_wpautop(text: str, expected: str) -> None:
    assert wpautop(text) == expected


def test_wpautop_keeps_pre_out_of_paragraphs() -> None:
    html = wpautop("x\n<pre>a\n\nb</pre>\ny")
    assert "<pre>a<br />\n<br />\nb</pre>" in html
    assert html.startswith("<p>x</p>") and html.endswith("<p>y</p>")


def test_lavonne_reply_keeps_its_line_breaks_and_signature_paragraph() -> None:
    stored = (
        "I just love getting comments and tweets from you because you always make me\n"
        "feel warm and fuzzy. Thank you, dear heart!\n\n~LaVonne"
    )
    assert comment_html(stored) == (
        "<p>I just love getting comments and tweets from you because you always make me<br>\n"
        "feel warm and fuzzy. Thank you, dear heart!</p>\n<p>~LaVonne</p>"
    )


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \n\t<>/p&;br")), max_size=200))
def test_wpautop_never_fails_and_keeps_the_words(text: str) -> None:
    out = wpautop(text)
    assert out.count("a") >= text.count("a") - text.count("<")  # words survive


def test_wpautop_is_fast_on_pathological_input() -> None:
    import time

    start = time.perf_counter()
    wpautop(" " * 60_000 + "x")
    wpautop("<p" * 20_000)
    wpautop("\n" * 60_000)
    assert time.perf_counter() - start < 2


# ---------------------------------------------------------------- links


def test_make_clickable_links_bare_urls_like_wordpress() -> None:
    html = make_clickable("see http://a.example/x. and (https://b.example/y) or www.c.example")
    assert '<a href="http://a.example/x" rel="nofollow">http://a.example/x</a>.' in html
    assert '(<a href="https://b.example/y" rel="nofollow">https://b.example/y</a>)' in html
    assert '<a href="http://www.c.example" rel="nofollow">www.c.example</a>' in html


def test_make_clickable_leaves_links_and_code_alone() -> None:
    html = '<a href="http://x.example/">http://x.example/</a> <code>http://y.example/</code>'
    assert make_clickable(html) == html


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://example.com/", "http://example.com/"),
        ("  HTTPS://example.com/a b  ", "https://example.com/a%20b"),
        ("http://example.com/?q=<x>\"'", "http://example.com/?q=%3Cx%3E%22'"),
        ("http://example.com/(x)", "http://example.com/%28x%29"),
        ("http://example.com/?u=javascript:1", "http://example.com/?u=javascript%3A1"),
        ("http://ex.example/é", "http://ex.example/%C3%A9"),
        ("javascript:alert(1)", None),
        ("java\tscript:alert(1)", None),
        (" JaVaScRiPt:alert(1)", None),
        ("data:text/html,x", None),
        ("/relative", None),
        ("//protocol-relative.example", None),
        ("mailto:a@example.com", None),
        ("http:no-slashes", None),
        ("http://", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


# ---------------------------------------------------------------- sanitiser


def test_allowed_tags_survive_with_their_attributes() -> None:
    html = comment_html(
        '<a href="http://x.example/" title="T">a</a> <abbr title="HTML">H</abbr> <b>b</b> '
        '<blockquote cite="http://q.example/">bq</blockquote> <cite>c</cite> <code>c</code> '
        '<del datetime="2010-01-01">d</del> <em>e</em> <i>i</i> <q cite="http://q.example/">q</q> '
        "<s>s</s> <strike>st</strike> <strong>st</strong>"
    )
    for tag in COMMENT_TAGS:
        assert f"<{tag}" in html
    assert '<a href="http://x.example/" title="T" rel="nofollow ugc">a</a>' in html


def test_links_get_nofollow_ugc_and_only_safe_schemes() -> None:
    html = comment_html(
        '<a href="javascript:alert(1)">j</a> <a href="/wp-admin/">r</a> '
        '<a href="mailto:me@example.com">m</a> <a href="https://ok.example/">ok</a> '
        '<a href="&#106;avascript:alert(1)">e</a> <a href="vbscript:x">v</a>'
    )
    assert "javascript" not in html and "vbscript" not in html and "/wp-admin/" not in html
    assert '<a href="mailto:me@example.com" rel="nofollow ugc">m</a>' in html
    assert '<a href="https://ok.example/" rel="nofollow ugc">ok</a>' in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=http://x.example/x.js></SCRIPT>",
        "<iframe src=http://x.example/></iframe>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        '<a href="http://x.example/" onclick="alert(1)" style="x">a</a>',
        "<b onmouseover=alert(1)>b</b>",
        "<style>body{display:none}</style>",
        "<object data=x></object><embed src=x>",
        '<form action="http://x"><input name=q></form>',
        "<!-- <script>alert(1)</script> -->",
        "<<script>script>alert(1)<</script>/script>",
        '<a title="x onclick=alert(1)" href="http://x.example/">t</a>',
        "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
        "type javascript:alert(1) or onerror=alert(1)",
    ],
)
def test_hostile_markup_is_neutralised(hostile: str) -> None:
    html = comment_html(hostile)
    assert_publishable(html)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_publishable(html: str) -> None:
    """No script, frame, handler or javascript: URL; only the allowed tags and attributes."""
    lowered = html.lower()
    assert "<script" not in lowered and "<iframe" not in lowered
    assert "javascript:" not in lowered and "vbscript:" not in lowered
    assert not re.search(r"\bon[a-z]+\s*=", lowered)
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in COMMENT_TAGS or tag in AUTOP_TAGS, tag
        allowed = COMMENT_TAGS.get(tag, frozenset()) | ({"rel"} if tag == "a" else set())
        for name, value in attrs:
            assert name in allowed, (tag, name)
            if name in ("href", "cite"):
                assert re.match(r"(https?://|mailto:)", value or ""), value


HOSTILE_FRAGMENTS = [
    "<script>alert(1)</script>", "<iframe src=//x>", "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>', '<a href="java&#x09;script:alert(1)">x</a>',
    "<b onclick=alert(1)>", "</b>", "<p>", "</p>", "<blockquote>", "</blockquote>",
    "<code>", "</code>", "&lt;script&gt;", "&#106;avascript:", "javascript:", "onload=",
    "\n", "\n\n", "<", ">", "&", '"', "'", "<a href=\"http://ok.example/\">", "</a>",
    "<style>", "</style>", "<svg/onload=alert(1)>", "<!--", "-->", "<![CDATA[", "]]>",
    "http://bare.example/?a=1&b=2", "www.example.com", "<br>", "<pre>", "</pre>", "\x00",
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(st.sampled_from(HOSTILE_FRAGMENTS), st.text(max_size=8)), max_size=25).map(
        "".join
    )
)
def test_sanitised_html_is_always_publishable(body: str) -> None:
    assert_publishable(comment_html(body))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*"ab &\n\t .:/=\u00e9", "\n\n", " \n", "www."])))
def test_plain_text_fast_path_equals_the_full_paragraph_rules(pieces: list[str]) -> None:
    from wpmigrate.render.html import _autop_full, _autop_plain

    text = "".join(pieces)
    if text.strip():
        assert _autop_plain(text) == _autop_full(text)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "on",
                "On",
                "click",
                "\u017f",
                "=",
                " ",
                "\u00a0",
                "script",
                "java",
                "SCRIPT",
                ":",
                "x",
                '<a href="y">',
                "</a>",
                "\n",
                "onerror",
                "bonn",
            ]
        )
    )
)
def test_defusing_prechecks_never_miss_what_the_patterns_find(pieces: list[str]) -> None:
    from wpmigrate.render import html as module

    text = "".join(pieces)
    if module._SCRIPTISH_TEXT.search(text):
        assert module.has_script_scheme(text.lower())
    if module._HANDLER_TEXT.search(text):
        assert module.has_handler(text)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "a",
                " ",
                "\n",
                "\n\n",
                "<em>",
                "</em>",
                "<a href='x'>",
                "</a>",
                "<br>",
                "<br/>",
                "<br />",
                "<code>",
                "</code>",
                "<p>",
                "</p>",
                "<blockquote>",
                "</blockquote>",
                "<hr>",
                "<li>",
                "<ul>",
                "</ul>",
                "<div>",
                "</div>",
                "\t",
                "<a\nhref='y'>",
                "<pre>",
                "</pre>",
            ]
        )
    )
)
def test_block_rules_shortcut_changes_nothing(pieces: list[str]) -> None:
    from wpmigrate.render.html import _autop_full

    text = "".join(pieces)
    if text.strip():
        assert _autop_full(text) == _autop_full(text, shortcut=False)


@settings(max_examples=800, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                *"ab \n\t.:/=\"'",
                "\n\n",
                "\u00a0",
                "\u2028",
                "é",
                "😀",
                "javascript:",
                "onclick=",
                "  \n",
                "x\n\n\ny",
                "\x0b",
                "\x0c",
                "\u200b",
                "\ufeff",
                "*",
                "_",
                "\\",
            ]
        )
    )
)
def test_plain_text_shortcut_equals_the_full_sanitiser(pieces: list[str]) -> None:
    from wpmigrate.render.html import comment_html, make_clickable, sanitise, wpautop

    text = "".join(pieces)
    if text.strip():
        assert comment_html(text) == sanitise(wpautop(make_clickable(text)))


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.characters(blacklist_characters="<>&\r\x00", blacklist_categories=("Cs",)),
        max_size=80,
    )
)
def test_plain_text_shortcut_on_any_text(text: str) -> None:
    from wpmigrate.render.html import comment_html, make_clickable, sanitise, wpautop

    if text.strip():
        assert comment_html(text) == sanitise(wpautop(make_clickable(text)))


_ENTITY_PIECES = [
    "&amp;",
    "&#8230;",
    "&nbsp;",
    "&#10;",
    "&#9;",
    "&copy",
    "&copy;",
    "&lt;b&gt;",
    "&#x41;",
    "&bogus;",
    "AT&T",
    "&#0;",
    "&#x80;",
    "&#13;",
    "&",
    ";",
    "#",
    "x",
    " ",
    "\n",
    "\n\n",
    "é",
    "&#160;",
    "&#8233;",
    "&quot;",
    "&#x2028;",
    "&ensp;",
    "&zwnj;",
    "&#173;",
    "&#xFEFF;",
    "www",
    ".",
    ":",
    "//",
    "http",
    "&#55296;",
    "&#1114112;",
    "&lt",
    "&AMP;",
    "\t",
    "javascript&#58;",
    "on&#99;lick=",
    "&#x3c;script&#x3e;",
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_ENTITY_PIECES), max_size=12))
def test_plain_text_shortcut_with_references(pieces: list[str]) -> None:
    from wpmigrate.render.html import comment_html, make_clickable, sanitise, wpautop

    text = "".join(pieces)
    if text.strip():
        assert comment_html(text) == sanitise(wpautop(make_clickable(text)))


URL_PIECES = [
    "see ", "http://a.example/x", "www.b.example", "<a href=\"http://c.example/\">", "</a>",
    "<code>", "</code>", "<", ">", "a < b ", "x > y", "://", "www.", "<b title=\"a>b\">", "</b>",
    "<pre>", "</pre>", "\n", "<a\nhref='http://d.example'>", "WWW.E.EXAMPLE", "(", ")", ".",
]  # fmt: skip


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(URL_PIECES), max_size=12).map("".join))
def test_make_clickable_shortcut_changes_nothing(html: str) -> None:
    from wpmigrate.render.html import _link_urls

    assert make_clickable(html) == _link_urls(html)


@settings(max_examples=800, deadline=None)
@given(
    st.one_of(
        st.text(max_size=30),
        st.text(alphabet="aZ09/:?#[]@!$&'*+,;=%~-._ <>\"é\t()\x7f", max_size=20),
    )
)
def test_url_encoding_shortcut_changes_nothing(text: str) -> None:
    from urllib.parse import quote

    from wpmigrate.render import html as module

    expected = quote(module._CONTROL_OR_SPACE.sub(" ", text), safe=module._URL_SAFE,
                     errors="replace")
    assert module._percent_encode(text) == expected
