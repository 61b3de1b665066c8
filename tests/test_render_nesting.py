"""Deep nesting inside one comment: capped, so output grows linearly with input (issue 13).

Markdown repeats a quote's whole ``> > >`` chain on every line it holds, so
before the cap one comment of 3,000 nested quotes around 3,000 paragraphs
(100 KB) made a 17 MB file. Every word must survive the cap, in order, and
both Markdown routes (the one-pass writer and html2text) must still agree.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wpmigrate.render.html import MAX_QUOTE_DEPTH, cap_quotes, comment_html
from wpmigrate.render.markdown import (
    _sanitised_markdown,
    comment_markdown,
    html_to_markdown,
    render_markdown,
)

WORD = re.compile(r"w\d+")
#: Bytes of Markdown per byte of comment, at most. The costliest input is a
#: paragraph of one letter ("x\n\n", 3 bytes) inside the deepest quote: a
#: paragraph break, written as two lines of MAX_QUOTE_DEPTH ">" and a space.
RATIO = (2 * (MAX_QUOTE_DEPTH + 2) + 1) // 3 + 1
#: What a short comment may cost beyond that (a few marks around little text).
SLACK = 64
#: Bytes of sanitised HTML per byte of comment, at most: wpautop's <p>, every
#: link's rel="nofollow ugc", and html5ever reopening the formatting elements
#: still open at each new paragraph (a bounded number of them: measured 4.8 at most).
HTML_RATIO = 6


def quote_depth(html: str) -> int:
    """The deepest blockquote nesting in sanitised HTML."""
    depth = deepest = 0
    for slash in re.findall(r"<(/?)blockquote[\s>]", html):
        depth += -1 if slash else 1
        deepest = max(deepest, depth)
    return deepest


def nested(kind: str, depth: int, width: int) -> str:
    """A comment nesting ``kind`` ``depth`` deep, with ``width`` paragraphs of words."""
    words = iter(range(10**9))

    def paragraphs() -> str:
        return "".join(f"w{next(words)}\n\n" for _ in range(width))

    if kind == "around":  # every quote open, then all the text, then every close
        return "<blockquote>" * depth + paragraphs() + "</blockquote>" * depth
    if kind == "staircase":  # text at every level, each level inside the last
        return "".join(f"<blockquote>{paragraphs()}" for _ in range(depth))
    if kind == "closing":  # text between the closing tags too
        opened = "".join(f"<blockquote>{paragraphs()}" for _ in range(depth))
        return opened + "".join(f"</blockquote>{paragraphs()}" for _ in range(depth))
    if kind == "cited":
        return '<blockquote cite="http://q.example/a>b">' * depth + paragraphs()
    if kind == "lists":
        return "".join(f"<ul><li>{paragraphs()}<ol><li>" for _ in range(depth))
    if kind == "inline":  # quotes, emphasis, links: each kind nested in the others
        tags = ["<q>", "<em>", "<strong>", '<a href="http://x.example/">', "<code>", "<del>"]
        return "".join(f"{tags[level % len(tags)]}{paragraphs()}" for level in range(depth))
    if kind == "mixed":  # quotes inside lists inside quotes, with breaks
        return "".join(
            f"<blockquote><ul><li>w{next(words)}<br>{paragraphs()}" for _ in range(depth)
        )
    raise ValueError(kind)


KINDS = ["around", "staircase", "closing", "cited", "lists", "inline", "mixed"]


def test_the_issue_case_stays_linear() -> None:
    # Issue 13: 3,000 nested quotes around 3,000 paragraphs made 17 MB of Markdown.
    source = nested("around", 3000, 3000)
    markdown = comment_markdown(source)
    assert len(markdown) <= RATIO * len(source)
    assert WORD.findall(markdown) == [f"w{n}" for n in range(3000)]
    html = comment_html(source)
    assert quote_depth(html) == MAX_QUOTE_DEPTH
    assert max(len(line) - len(line.lstrip(">")) for line in markdown.split("\n")) == (
        MAX_QUOTE_DEPTH
    )


def test_the_archive_file_stays_linear() -> None:
    # The whole Markdown file (front matter, headers, the reply's own quote box).
    source = nested("staircase", 2000, 2)
    comments = [
        {"id": 1, "parent_id": 0, "author_name": "A", "content_html": "Top.", "replies": []},
        {"id": 2, "parent_id": 1, "author_name": "B", "content_html": source, "replies": []},
    ]
    comments[0]["replies"] = [comments.pop()]
    record = {"post": {"id": 1, "title": "T"}, "comments": comments}
    markdown = render_markdown(record)
    assert len(markdown) <= RATIO * len(source) + 4 * SLACK
    assert WORD.findall(markdown) == [f"w{n}" for n in range(4000)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(KINDS),
    st.integers(min_value=0, max_value=120),
    st.integers(min_value=1, max_value=12),
)
def test_output_is_linear_in_the_input_for_any_nesting(kind: str, depth: int, width: int) -> None:
    source = nested(kind, depth, width)
    html = comment_html(source)
    markdown = comment_markdown(source)
    assert quote_depth(html) <= MAX_QUOTE_DEPTH
    assert len(html) <= HTML_RATIO * len(source) + SLACK
    assert len(markdown) <= RATIO * len(source) + SLACK
    # Nothing deleted: every word, in order, in the HTML and in the Markdown.
    expected = WORD.findall(source)
    assert WORD.findall(html) == expected
    assert WORD.findall(markdown) == expected
    # Both Markdown routes still give the same bytes.
    assert _sanitised_markdown(html) == html_to_markdown(html) == markdown


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["<blockquote>", "</blockquote>", "<p>", "</p>", "w1", "\n", "<br>"]),
        max_size=40,
    ).map("".join),
    st.integers(min_value=0, max_value=4),
)
def test_quotes_within_the_cap_are_left_alone(pieces: str, limit: int) -> None:
    html = comment_html(pieces)
    capped = cap_quotes(html, limit)
    assert quote_depth(capped) <= limit
    assert capped.replace("\n", "") == html.replace("\n", "") or quote_depth(html) > limit
    if quote_depth(html) <= limit:
        assert capped == html
    # Only quote tags change, each to a newline.
    assert re.sub(r"</?blockquote>", "", html).replace("\n", "") == re.sub(
        r"</?blockquote>", "", capped
    ).replace("\n", "")
