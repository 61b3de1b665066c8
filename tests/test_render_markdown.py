"""Markdown rendering: layout, escaping, nesting, and what common renderers make of it."""

from __future__ import annotations

import html
import json
import re
import time
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from wpmigrate.conversation.thread import thread
from wpmigrate.render.html import comment_html
from wpmigrate.render.markdown import (
    _drop_empty_inline,
    _sanitised_markdown,
    comment_markdown,
    format_date,
    html_to_markdown,
    render_markdown,
    yaml_string,
)
from wpmigrate.render.markdown_escape import _escape_all, escape_text
from wpmigrate.render.sanitised_markdown import KNOWN_TAGS, convert, escape_bang

ANCHOR = re.compile(r'<a id="comment-(\d+)"></a>')
ANCHOR_OPEN = re.compile(r'<a id="comment-(\d+)">')  # markdown-it splits off the </a>


def comment(cid: int, parent: int = 0, body: str = "Hello.", **fields: Any) -> dict[str, Any]:
    """A comment record with the fields the pipeline gives."""
    record = {
        "id": cid,
        "post_id": 1,
        "parent_id": parent,
        "author_name": f"Name {cid}",
        "author_email": f"person{cid}@example.org",
        "author_url": "",
        "author_ip": "192.0.2.1",
        "user_id": 0,
        "date": f"2010-11-12T{(cid // 60) % 24:02d}:{cid % 60:02d}:00",
        "date_gmt": f"2010-11-12T{(cid // 60) % 24:02d}:{cid % 60:02d}:00Z",
        "content_html": body,
        "status": "approved",
        "type": "comment",
        "by_post_author": False,
        "meta": {},
    }
    record.update(fields)
    return record


def record_of(comments: list[dict[str, Any]], **post: Any) -> dict[str, Any]:
    """A thread record as Conversations yields it."""
    summary = {"id": 1, "title": "A post", "slug": "a-post", "url": "http://blog.example/a/",
               "type": "post", "status": "publish", "author": "admin",
               "date": "2010-11-12T03:07:12", "date_gmt": "2010-11-12T11:07:12Z", **post}
    return {"post": summary, "comments": thread(comments), "stats": {}}


def parser(preset: str = "commonmark") -> MarkdownIt:
    """markdown-it with raw HTML on (our anchors are HTML): "commonmark", or "default"
    (GFM-like: tables, strikethrough)."""
    return MarkdownIt(preset, {"html": True})


def body_of(markdown: str) -> str:
    """The document without its front matter."""
    assert markdown.startswith("---\n")
    return markdown.split("\n---\n", 1)[1]


def anchor_depths(markdown: str, preset: str = "commonmark") -> dict[int, int]:
    """Comment id -> blockquote nesting where its anchor is, as markdown-it parses it."""
    depth = 0
    found: dict[int, int] = {}
    for token in parser(preset).parse(body_of(markdown)):
        if token.type == "blockquote_open":
            depth += 1
        elif token.type == "blockquote_close":
            depth -= 1
        elif token.type == "inline":
            for child in token.children or []:
                match = (
                    ANCHOR_OPEN.fullmatch(child.content) if child.type == "html_inline" else None
                )
                if match:
                    assert int(match.group(1)) not in found, "anchor twice"
                    found[int(match.group(1))] = depth
    return found


class _Rendered(HTMLParser):
    """Tags and attributes of rendered HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


RENDERED_TAGS = {"h2", "p", "blockquote", "strong", "em", "a", "code", "br", "ul", "li", "s",
                 "del", "hr"}


def assert_safe_markdown(markdown: str) -> None:
    """Neither the Markdown bytes nor its rendering hold anything executable."""
    lowered = markdown.lower()
    for needle in ("<script", "<iframe", "<img", "<svg", "<style", "javascript:", "vbscript:"):
        assert needle not in lowered, needle
    # "onload=" may be in a link's URL (a query string), never in text.
    text = re.sub(r"<https?://[^<>\s]*>|\]\((?:[^()\\\s]|\\.)*\)", "", lowered)
    assert not re.search(r"\bon[a-z]+\s*=", text)
    assert not re.search(r"\{\{|\{%", markdown), "template tag"
    # Raw HTML: only our anchors.
    for tag in re.findall(r"<[a-zA-Z/][^>]*>", markdown):
        allowed = ANCHOR_OPEN.fullmatch(tag) or tag == "</a>"
        assert allowed or re.fullmatch(r"<https?://[^>\s]+>", tag), tag
    for preset in ("commonmark", "default"):
        rendered = _Rendered()
        rendered.feed(parser(preset).render(body_of(markdown)))
        for tag, attrs in rendered.tags:
            assert tag in RENDERED_TAGS, tag
            for name, value in attrs.items():
                assert name in ("href", "id"), (tag, name)
                if name == "href":
                    assert re.match(r"(https?://|mailto:|#comment-\d+$)", value or ""), value


# ---------------------------------------------------------------- escaping


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "**bold**",
        "[x](javascript:alert(1))",
        "_under_ `code` ~~strike~~ | pipe",
        "# not a heading",
        "> not a quote",
        "- not a list",
        "+ nor this",
        "1. nor this",
        "2) nor this",
        "=====",
        "AT&T; &amp; &copy; &#42;",
        "{{ site.secret }} {% include x %}",
        "\\*backslash\\",
        "![img](http://x.example/i.png)",
        "<http://autolink.example/>",
        "[ref]: http://x.example/",
        "Tom & Jerry’s “café” — 日本語 🎉",  # noqa: RUF001
    ],
)
@pytest.mark.parametrize("preset", ["commonmark", "default"])
def test_escaped_text_renders_as_itself(text: str, preset: str) -> None:
    rendered = parser(preset).render(escape_text(text)).strip()
    assert rendered.startswith("<p>") and rendered.endswith("</p>")
    assert html.unescape(rendered[3:-4]) == text


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60))
def test_any_one_line_text_renders_as_itself(text: str) -> None:
    text = " ".join(text.split())
    if not text:
        return
    rendered = parser().render(escape_text(text)).strip()
    assert rendered.startswith("<p>") and rendered.endswith("</p>"), rendered
    assert html.unescape(rendered[3:-4]) == text


@pytest.mark.parametrize(
    "title",
    ['Tom: "quoted" # not a comment', "it's\nmultiline", "---", "\u2028odd\x85", "{x: 1}"],
)
def test_front_matter_strings_are_json_quoted(title: str) -> None:
    markdown = render_markdown(record_of([comment(1)], title=title))
    line = next(line for line in markdown.split("\n") if line.startswith("title: "))
    assert json.loads(line.removeprefix("title: ")) == title
    assert markdown.split("\n").index("---", 1) > 0  # front matter still closes
    assert "\u2028" not in yaml_string(title) and "\x85" not in yaml_string(title)


def test_yaml_front_matter_parses_if_pyyaml_is_there() -> None:
    yaml = pytest.importorskip("yaml")
    title = 'a: b # c "d" \'e\'\n- f'
    markdown = render_markdown(record_of([comment(1), comment(2, 1)], title=title))
    meta = yaml.safe_load(markdown.split("---\n")[1])
    assert meta["title"] == title and meta["comment_ids"] == [1, 2]


# ---------------------------------------------------------------- bodies


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("a\nb\n\nc", "a  \nb\n\nc"),
        ("<b>bold</b> and <em>em</em>", "**bold** and _em_"),
        ("<code>x &lt; y &amp;&amp; z</code>", "`x < y && z`"),
        ("<code>a`b</code>", "``a`b``"),
        ("<code>{{ site.secret }}</code>", "&#123;&#123; site.secret }}"),
        ("<code>&lt;script&gt;</code>", "&lt;script&gt;"),
        ('<a href="http://x.example/">x</a>', "[x](http://x.example/)"),
        ("see http://x.example/a_b", "see <http://x.example/a_b>"),
        ("<blockquote>quoted</blockquote>\n\nreply", "> quoted\n\nreply"),
        ("<del><s>x</s></del>", "~~x~~"),
        ("<b></b><del> </del>text", "text"),
        ("&nbsp;", ""),
        # "javascript:" and "onclick=" split across pieces of text or lines are
        # defused too; the URLs of links are left as they are.
        ("javascript\n:x", "javascript  \n\\:x"),
        ("onclick\n\n=x", "onclick\n\n\\=x"),
        ("www.example.com&lt;script&gt;javascript:[x]",
         "www.example.com&lt;script&gt;javascript\\:\\[x\\]"),
        ("see http://x.example/?onload=1", "see <http://x.example/?onload=1>"),
        ('<a href="http://x.example/?onload=1">go</a>', "[go](http://x.example/?onload=1)"),
        # "!" right before a link would make it an image, even after a backslash.
        ('a!<a href="http://x.example/">y</a>', "a\\![y](http://x.example/)"),
        ('a\\!<a href="http://x.example/">y</a>', "a\\\\\\![y](http://x.example/)"),
    ],
)
def test_bodies(stored: str, expected: str) -> None:
    assert html_to_markdown(comment_html(stored)) == expected
    assert comment_markdown(stored) == expected


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        # A reference split from the text after it must not join it into another.
        ("&amp;copy; and &amp;amp;", "&amp;copy; and &amp;amp;"),
        ("<b>x</b> &amp;lt;b&amp;gt;", "<strong>x</strong> &amp;lt;b&amp;gt;"),
        # White space html2text drops at a line's start does not hide a marker.
        ("\u3000# not a heading", "# not a heading"),
        ("a\n\u2003- not a list", "a<br />\n- not a list"),
        ("<em>x</em>\n\u3000\u30001. not a list", "<em>x</em><br />\n1. not a list"),
    ],
)
def test_text_displays_as_written(stored: str, shown: str) -> None:
    rendered = parser().render(comment_markdown(stored)).strip()
    assert rendered == f"<p>{shown}</p>"


PLAIN_PIECES = [
    *"ab \t.:=*_`~|[]\\{}#-+>!()\u00e9", "\n", "\n\n", " \n", "\xa0", "\u3000", "\u2028",
    "\u0085", "\x1c", "\x0b", "1.", "2)", "&amp;", "&lt;", "&gt;", "&nbsp;", "&copy;", "&#58;",
    "&#10;", "&bogus;", "javascript:", "onclick=", "script :", "{{", "{%", "\ud800", "\U0001f600",
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(PLAIN_PIECES), max_size=14).map("".join))
def test_plain_comments_skip_html2text_with_the_same_result(text: str) -> None:
    # comment_markdown() writes plain text without the HTML round trip: same bytes.
    assert comment_markdown(text) == html_to_markdown(comment_html(text))


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_any_text_converts_the_same_either_way(text: str) -> None:
    assert comment_markdown(text) == html_to_markdown(comment_html(text))


@settings(max_examples=1000, deadline=None)
@given(
    st.one_of(
        st.text(max_size=40),
        st.text(alphabet="ab \t\n\xa0\u3000\u2028#-+=:1.)", max_size=12),
        st.lists(st.sampled_from(PLAIN_PIECES)).map("".join),
    )
)
@example("\u3000# x")
def test_escape_shortcut_changes_nothing(text: str) -> None:
    # escape_text() returns text untouched when no rule could apply.
    assert escape_text(text) == _escape_all(text)


def test_date_format() -> None:
    assert format_date("2010-11-12T09:10:00") == "November 12, 2010 at 9:10 am"
    assert format_date("2010-11-12T00:05:00Z") == "November 12, 2010 at 12:05 am UTC"
    assert format_date("2010-11-12T12:00:00") == "November 12, 2010 at 12:00 pm"
    assert format_date("garbage") == "" and format_date(None) == ""


# ---------------------------------------------------------------- layout


def test_replies_nest_as_quote_boxes_and_siblings_get_their_own() -> None:
    markdown = render_markdown(
        record_of([comment(1), comment(2, 1), comment(3, 2), comment(4, 1), comment(5)])
    )
    assert anchor_depths(markdown) == {1: 0, 2: 1, 3: 2, 4: 1, 5: 0}
    # 2 and 4 are siblings: two separate blockquotes inside no other.
    tokens = parser().parse(body_of(markdown))
    top_level_quotes = [t for t in tokens if t.type == "blockquote_open" and t.level == 0]
    assert len(top_level_quotes) == 2


def test_author_replies_are_marked_and_urls_linked_only_when_http() -> None:
    markdown = render_markdown(
        record_of(
            [
                comment(1, author_url="javascript:alert(1)"),
                comment(2, 1, by_post_author=True, author_url="http://blog.example/"),
            ]
        )
    )
    assert "**Name 1** ·" in markdown
    assert "**[Name 2](http://blog.example/)** — post author ·" in markdown
    assert_safe_markdown(markdown)


def test_deep_replies_stop_at_max_depth_and_say_whom_they_answer() -> None:
    chain = [comment(1)] + [comment(i, i - 1) for i in range(2, 16)]
    markdown = render_markdown(record_of(chain), max_depth=10)
    depths = anchor_depths(markdown)
    assert [depths[i] for i in range(1, 16)] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10, 10]
    # 11 is at depth 10, nested under 10 as usual; 12-15 are shown beside their parent.
    assert "in reply to [Name 10]" not in markdown
    assert [f"in reply to [Name {i}](#comment-{i})" in markdown for i in range(11, 15)] == [
        True
    ] * 4
    assert markdown.count("in reply to") == 4
    flat = render_markdown(record_of(chain), max_depth=0)
    assert set(anchor_depths(flat).values()) == {0}
    assert flat.count("in reply to") == 14


def test_a_chain_ten_thousand_deep_renders() -> None:
    chain = [comment(1, body="x")] + [comment(i, i - 1, body="x") for i in range(2, 10_001)]
    start = time.perf_counter()
    for tree_depth in (128, 20_000):
        record = {"post": {"id": 1, "title": "t"},
                  "comments": thread(chain, tree_depth), "stats": {}}
        markdown = render_markdown(record)
        assert len(ANCHOR.findall(markdown)) == 10_000
        assert max(len(line) - len(line.lstrip("> ")) for line in markdown.split("\n")) <= 20
    assert time.perf_counter() - start < 20


def test_pings_are_listed_under_mentions() -> None:
    markdown = render_markdown(
        record_of(
            [
                comment(1, type="pingback", author_name="Other blog » Post",
                        author_url="http://other.example/post/"),
                comment(2),
                comment(3, type="trackback", author_name="No link", author_url="ftp://x"),
            ]
        )
    )
    body = body_of(markdown)
    assert body.index("## Comments") < body.index("## Mentions")
    assert ('- <a id="comment-1"></a>[Other blog » Post](http://other.example/post/) · '
            "pingback · November 12, 2010") in body
    assert '- <a id="comment-3"></a>No link · trackback' in body
    assert anchor_depths(markdown) == {1: 0, 2: 0, 3: 0}


def test_a_ping_with_replies_stays_in_the_conversation() -> None:
    markdown = render_markdown(record_of([comment(1, type="pingback"), comment(2, 1)]))
    assert "## Mentions" not in markdown
    assert anchor_depths(markdown) == {1: 0, 2: 1}


def test_front_matter_fields() -> None:
    markdown = render_markdown(record_of([comment(5), comment(3, 5), comment(9)], id=77))
    head = markdown.split("\n---\n", 1)[0].split("\n")[1:]
    assert head == [
        'title: "A post"',
        'date: "2010-11-12T03:07:12"',
        'url: "http://blog.example/a/"',
        "post_id: 77",
        'author: "admin"',
        "comment_count: 3",
        "comment_ids: [3, 5, 9]",
    ]


def test_no_private_field_reaches_markdown() -> None:
    markdown = render_markdown(record_of([comment(1), comment(2, 1)]))
    assert "@example.org" not in markdown and "192.0.2.1" not in markdown


# ---------------------------------------------------------------- hostile input

HOSTILE = [
    "<script>alert(1)</script>", "<iframe src=//x.example/>", "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>', "<b onclick=alert(1)>", "</b>", "<p>", "</p>",
    "<blockquote>", "</blockquote>", "<code>", "</code>", "&lt;script&gt;", "javascript:",
    "onload=", "\n", "\n\n", "<", ">", "&", "> ", "# ", "- ", "1. ", "```", "~~~", "***",
    "[x](javascript:alert(1))", "{{ x }}", "{% x %}", "<del>", "</del>", "<em>", "</em>",
    "`", "\\", "|", "<a href=\"http://ok.example/\">", "</a>", "<br>", "    ", "\t",
    "www.example.com", "&#106;avascript:", "<svg/onload=alert(1)>", "=====", "<style>", "!",
]  # fmt: skip
hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6)), max_size=12
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(hostile_text, hostile_text, st.integers(min_value=0, max_value=8), hostile_text),
        min_size=1,
        max_size=8,
    ),
    st.integers(min_value=0, max_value=3),
)
def test_hostile_comments_render_safely_and_keep_the_structure(
    rows: list[tuple[str, str, int, str]], max_depth: int
) -> None:
    comments = []
    for index, (name, body, parent, url) in enumerate(rows, start=1):
        comments.append(
            comment(index, parent if parent < index else 0, body, author_name=name,
                    author_url=url)
        )
    record = record_of(comments, title=rows[0][0])
    markdown = render_markdown(record, max_depth=max_depth)
    assert_safe_markdown(markdown)
    expected: dict[int, int] = {}
    stack = [(node, 0) for node in record["comments"]]
    while stack:
        node, depth = stack.pop()
        expected[node["id"]] = min(depth, max_depth)
        stack.extend((reply, depth + 1) for reply in node["replies"])
    for preset in ("commonmark", "default"):
        assert anchor_depths(markdown, preset) == expected


TAGGED_PIECES = [
    *HOSTILE, "&amp;", "&nbsp;", "&copy;", "&amp;copy;", "&#58;", "<q cite=\"http://q.example/\">",
    "</q>", "<abbr title=\"t &amp; u\">", "</abbr>", "<cite>", "</cite>", "<strong>", "</strong>",
    '<a href="http://x.example/?a=1&amp;b=2">', '<a href="mailto:me@x.example">', "<p>", "\xa0",
    "http://bare.example/a_b", "<i>", "</i>", "<b>", "<s>", "</s>", "<br/>", "<BR>", "<!-- c -->",
]  # fmt: skip


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(TAGGED_PIECES), st.text(max_size=4)), max_size=16))
def test_sanitised_html_converts_the_same_without_htmlparser(pieces: list[str]) -> None:
    # The regex tokeniser gives html2text the same tags and text as its parser.
    html = comment_html("".join(pieces))
    assert not html or convert(_drop_empty_inline(html)) is not None
    assert _sanitised_markdown(html) == html_to_markdown(html)
    assert comment_markdown("".join(pieces)) == html_to_markdown(html)


@pytest.mark.parametrize(
    "html",
    ["<p>1 < 2</p>", "<P>Upper</P>", "<b x='1'>single</b>", "a &ampx <i>b", "x <",
     "<ul><li>a tag outside the sanitiser's set</li></ul>"],
)
def test_html_the_sanitiser_would_not_write_takes_the_long_way(html: str) -> None:
    assert convert(_drop_empty_inline(html)) is None
    assert _sanitised_markdown(html) == html_to_markdown(html)


# Tokens of the sanitiser's language, in any order and nesting (balanced or not):
# the one-pass writer must follow html2text's rules in every state they reach.
SANITISED_PIECES = [
    *(f"<{name}>" for name in sorted(KNOWN_TAGS)), *(f"</{name}>" for name in sorted(KNOWN_TAGS)),
    '<a href="http://x.example/">', '<a href="http://x.example/?a=1&amp;b=(2)">',
    '<a href="mailto:me@x.example">', '<a href="#top">', '<a rel="nofollow ugc">',
    '<a href="http://x.example/" rel="nofollow ugc">', '<abbr title="t &amp; u">', "<br />",
    "http://x.example/", "x", "word", " ", "  ", "\n", "\n\n", "\t", "\xa0", "&nbsp;", "&amp;",
    "&lt;", "&gt;", "&quot;", "&#58;", "&#61;", "!", "*", "~", "_", ".", "(", "[", "`", "``",
    "# ", "- ", "1. ", "> ", "javascript", ":", "onclick", "=", "{{", "\u3000", "\u2028", "é",
]  # fmt: skip


DENSE_PIECES = [
    '<a href="http://x.example/">', "</a>", "<code>", "</code>", "<blockquote>", "</blockquote>",
    "<em>", "</em>", "<br>", "<p>", "</p>", '<a href="">', "&nbsp;", " x", "!", "\\",
]


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.lists(st.sampled_from(SANITISED_PIECES), max_size=20),
        # Fewer kinds of token, so that rarer states (a quote closing inside a
        # link, a link inside code) come up often.
        st.lists(st.sampled_from(SANITISED_PIECES[:4] + DENSE_PIECES), max_size=12),
    ).map("".join)
)
@example('<a href="http://x.example/">x</blockquote>y</a>')
@example('<a href="http://x.example/">x</blockquote></a>')
@example('<a href="">x</a>')
@example("<code>&nbsp;x</code>")
def test_the_one_pass_writer_matches_html2text(html: str) -> None:
    assert convert(_drop_empty_inline(html)) is not None  # the one pass, not the long way
    assert _sanitised_markdown(html) == html_to_markdown(html)


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [*SANITISED_PIECES[:40], "<", "&", "&amp", "&bogus;", "<p", "p>", '<a href="x&y">',
             '<a href="x">', "<a href='x'>", "<b x>", "<1>", "< p>", "<span>", "</span>", '"', "="]
        ),
        max_size=10,
    ).map("".join)
)
def test_the_writer_takes_exactly_the_sanitisers_language(html: str) -> None:
    # convert() counts "<" and "&" instead of matching the whole text once more.
    from wpmigrate.render import sanitised_markdown as module

    whole = re.fullmatch(f"(?:{module._TAG}|{module._TEXT})*+", html)
    names = re.findall(r"<(?:/?)([a-z][a-z0-9]*)", html) if whole else []
    expected = whole is not None and set(names) <= KNOWN_TAGS
    assert (convert(html) is not None) == expected


@pytest.mark.parametrize(
    ("text", "escaped"),
    [("a!", "a\\!"), ("a\\!", "a\\!"), ("a\\\\!", "a\\\\\\!"), ("!", "\\!"), ("a", "a"), ("", "")],
)
def test_a_bang_before_a_link_is_escaped_once(text: str, escaped: str) -> None:
    assert escape_bang(text) == escaped


@settings(max_examples=1000, deadline=None)
@given(
    st.one_of(
        st.text(max_size=30),
        st.text(alphabet="aoOnN cript:=Sscr\u2028\x85\x7f\ufeff<>{\"\\é\t\n", max_size=20),
    )
)
@example("\u017fcr\u0131pt:")  # long s, dotless i: "script" to an IGNORECASE regex
def test_yaml_string_shortcut_changes_nothing(text: str) -> None:
    from wpmigrate.render import markdown as module

    quoted = json.dumps(module.SURROGATE.sub("\ufffd", text), ensure_ascii=False)
    assert yaml_string(text) == module._YAML_ESCAPE.sub(module._yaml_escape, quoted)
