"""Each archive format's reader against its writer: a post rendered by the real
writers (``render_markdown``, ``render_json``) and read back by the readers
``verify`` uses (``render/markdown_reader``, ``render/json_archive_reader``)
gives back its post, its comments' ids, their nesting, anchors and counts.

And verify's JSON skeleton held to the libraries it stands in for (orjson,
ijson when installed): see docs/benchmarks.md, "verify's JSON reader".
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
from typing import Any

import orjson
import pytest
from conftest import GOLDEN, shortened, skeleton_fed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wpmigrate.conversation.thread import thread
from wpmigrate.privacy import PUBLIC_FIELDS, TREE_FIELDS
from wpmigrate.render.json_archive import dumps, render_json
from wpmigrate.render.json_archive_reader import (
    InvalidJson,
    content_regions,
    load_skeleton,
    read_post,
)
from wpmigrate.render.markdown import render_markdown
from wpmigrate.render.markdown_format import ANCHOR_NAME
from wpmigrate.render.markdown_reader import page_comments, read_page

PING_TYPES = ("pingback", "trackback")


# ---------------------------------------------------------------- generated conversations


@st.composite
def conversations(draw: st.DrawFn) -> dict[str, Any]:
    """A thread record of one post: unique ids, replies to earlier comments (no
    cycles), some to comments not in the post (orphans), pingbacks among them."""
    count = draw(st.integers(0, 24))
    ids = draw(st.lists(st.integers(1, 10**6), min_size=count, max_size=count, unique=True))
    records = []
    for index, comment_id in enumerate(ids):
        parent = draw(
            st.sampled_from([0, *ids[:index]]) | st.just(10**7 + index)  # an orphan's parent
            if draw(st.booleans())
            else st.just(0 if index == 0 else ids[index - 1])  # a reply chain, to go deep
        )
        records.append(
            {
                "id": comment_id,
                "post_id": 7,
                "parent_id": parent,
                "author_name": draw(st.sampled_from(["Ann", "Bob [x](#comment-1)", "", "Zoë"])),
                "author_url": draw(st.sampled_from(["", "http://example.com/"])),
                "date": None,
                "date_gmt": f"2010-11-{1 + index % 28:02d}T10:{index % 60:02d}:00Z",
                "content_html": draw(
                    st.sampled_from(["Hello", "<p>Two</p><p>paragraphs</p>", "", "a\n\nb"])
                ),
                "status": "approved",
                "type": draw(st.sampled_from(["comment", "comment", "comment", *PING_TYPES])),
                "by_post_author": draw(st.booleans()),
            }
        )
    post = {"id": 7, "title": "A post", "date": "2010-11-01T09:00:00", "url": ""}
    return {"post": post, "comments": thread(records), "stats": {}}


def display(forest: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[int]]]:
    """Every node depth first, with the ids of its ancestors (the root first)."""
    out = []
    stack = [(node, []) for node in reversed(forest)]
    while stack:
        node, ancestors = stack.pop()
        out.append((node, ancestors))
        stack.extend((reply, [*ancestors, node["id"]]) for reply in reversed(node["replies"]))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=conversations(), max_depth=st.integers(1, 4))
def test_a_markdown_page_reads_back(record: dict[str, Any], max_depth: int) -> None:
    raw = render_markdown(record, max_depth).encode()
    nodes = display(record["comments"])
    ids = [node["id"] for node, _ in nodes]

    page = read_page(raw)
    assert page.post_id == 7
    assert page.listed_ids == sorted(ids) and sorted(page.ids) == sorted(ids)
    assert page.claimed_count == len(ids)

    # Comments in display order, then the mentions: pings without replies.
    mention = [n["type"] in PING_TYPES and not n["replies"] for n, _ in nodes]
    read = page_comments(raw)
    expected_order = [i for i, m in zip(ids, mention, strict=True) if not m] + [
        i for i, m in zip(ids, mention, strict=True) if m
    ]
    assert [c.id for c in read] == page.ids == expected_order
    by_id = {c.id: c for c in read}
    for (node, ancestors), is_mention in zip(nodes, mention, strict=True):
        shown = by_id[node["id"]]
        assert shown.mention == is_mention
        if is_mention:
            continue
        depth = len(ancestors)
        assert shown.depth == min(depth, max_depth)
        assert shown.shown_under == (ancestors[shown.depth - 1] if shown.depth else None)
        # Deeper than the page nests: the header names the comment it answers.
        assert shown.reply_to == (ancestors[-1] if depth > max_depth else None)
    # Every link to a comment is to an anchor of the page (an escaped bracket ends no link).
    link = rf"(?<!\\)\]\(#{ANCHOR_NAME}(-?[0-9]+)\)".encode()
    targets = {int(t) for t in re.findall(link, raw)}
    assert targets <= set(ids)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=conversations())
def test_a_json_post_file_reads_back(record: dict[str, Any]) -> None:
    raw = render_json(record)
    post = read_post(load_skeleton(raw))
    assert post.problem is None and post.post_id == 7
    nodes = display(record["comments"])
    assert [(c.id, c.parent) for c in post.comments] == [
        (node["id"], ancestors[-1] if ancestors else None) for node, ancestors in nodes
    ]
    allowed = set(PUBLIC_FIELDS) | set(TREE_FIELDS)
    assert all(set(c.keys) <= allowed and "replies" in c.keys for c in post.comments)

    # Each content_html region is that comment's content_html, as the library reads it.
    document = orjson.loads(raw)
    contents = {node["id"]: node["content_html"] for node, _ in display(document["comments"])}
    regions = content_regions(raw)
    assert sorted(comment_id for comment_id, _, _ in regions) == sorted(contents)
    for comment_id, start, end in regions:
        assert orjson.loads(raw[start:end]) == contents[comment_id]


@pytest.mark.parametrize(
    "name",
    ["day-10-cynical-about-customer-love", "day-11-confessions-of-a-complete-flake",
     "secret-destinations"],
)  # fmt: skip
def test_the_golden_archives_read_the_same_in_both_formats(name: str) -> None:
    page_raw = (GOLDEN / "archive" / "markdown" / f"{name}.md").read_bytes()
    post = read_post(load_skeleton((GOLDEN / "archive" / "json" / f"{name}.json").read_bytes()))
    page = read_page(page_raw)
    assert page.post_id == post.post_id
    assert sorted(page.ids) == page.listed_ids == sorted(c.id for c in post.comments)
    parents = {c.id: c.parent for c in post.comments}
    for comment in page_comments(page_raw):
        if not comment.mention:
            # The golden pages nest down to 10 levels: every parent is the box around.
            assert (comment.reply_to or comment.shown_under) == parents[comment.id]


# ---------------------------------------------------------------- the skeleton and the libraries


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=300)
    | st.text(alphabet='"\\\n\t\x01é😀a', max_size=400),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(alphabet="abc", max_size=3), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values, size=st.integers(1, 64))
def test_the_skeleton_reads_what_orjson_reads(value: Any, size: int) -> None:
    data = dumps(value)  # the archive's own writer
    assert skeleton_fed(data, size) == shortened(orjson.loads(data))


@pytest.mark.skipif(importlib.util.find_spec("ijson") is None, reason="ijson not installed")
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values, size=st.integers(1, 64))
def test_the_skeleton_reads_what_ijson_reads(value: Any, size: int) -> None:
    import ijson

    data = dumps(value)
    assert skeleton_fed(data, size) == shortened(next(ijson.items(data, "")))


def test_what_the_skeleton_reads_and_orjson_does_not() -> None:
    """Reasons it stays (docs/benchmarks.md): the archive's writer keeps a lone
    surrogate as its escape (JSON read from stdin may hold one), which orjson
    refuses; and the standard library's JSON, which the skeleton follows, takes
    NaN (orjson refuses it) and keeps a long integer an int (orjson makes a float
    of it, and a comment id that is no int is a fault)."""
    surrogate = dumps({"id": 1, "author_name": "\ud800"})
    for data in (surrogate, b"[NaN]"):
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(data)
    assert load_skeleton(surrogate) == {"id": 1, "author_name": "\ud800"}
    assert math.isnan(load_skeleton(b"[NaN]")[0])
    long_id = b'{"id": 123456789012345678901234}'
    assert load_skeleton(long_id) == {"id": 123456789012345678901234}
    assert isinstance(orjson.loads(long_id)["id"], float)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=st.lists(st.text(alphabet="ab", max_size=8), min_size=1, max_size=8),
    pick=st.integers(0, 100),
    bad=st.sampled_from(["\x01", "\n", "\\q", "\\u12x"]),
    size=st.integers(1, 1 << 20),
)
def test_a_bad_string_is_reported_on_its_line(
    value: list[str], pick: int, bad: str, size: int
) -> None:
    """The line of a control character or a bad escape is the one json.loads gives."""
    lines = json.dumps(value, indent=2).split("\n")
    at = 1 + pick % len(value)  # a line holding a string
    lines[at] = lines[at].replace('"', '"' + bad, 1)
    data = "\n".join(lines).encode()
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(data)
    with pytest.raises(InvalidJson, match=rf"^line {expected.value.lineno}: "):
        skeleton_fed(data, size)
