"""One post's public conversation as a JSON file: the ``thread`` record, made publishable.

The shape is ``thread``'s (``{"post", "comments", "stats"}``, replies nested in
``replies``) with three differences, so a static site template can use the
file as it is:

* comment fields go through :func:`wpmigrate.privacy.public_fields`: no e-mail,
  IP or meta unless ``keep_private``; an ``avatar`` hash pair instead;
* ``content_html`` is the comment as WordPress displayed it (paragraph rules
  applied) and sanitised to the tags WordPress lets commenters use
  (:func:`wpmigrate.render.html.comment_html`): print it without escaping;
* ``author_url`` and the post's ``url`` are kept only when they pass
  :func:`wpmigrate.privacy.public_url` (an http(s) URL, else ``""``), so they
  can be put in an ``href``; the post object holds only
  :data:`wpmigrate.privacy.PUBLIC_POST_FIELDS`. Names and titles stay plain
  text: escape them.

Output is pretty-printed (indent 2), UTF-8, with a trailing newline and keys in
a fixed order, so the same export always gives the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import orjson

from ..conversation.thread import DEFAULT_MAX_DEPTH, flatten, thread
from ..privacy import public_forest, public_post, public_url
from .html import comment_html

_SURROGATE = re.compile(r"[\ud800-\udfff]")


def dumps(value: Any) -> bytes:
    """Pretty JSON as UTF-8 bytes with a trailing newline.

    A lone surrogate (possible in JSON read from stdin) cannot be written as
    UTF-8; it is kept as its ``\\uXXXX`` escape, which is still valid JSON.
    """
    try:
        # orjson's indented output is the stdlib's indent=2, ensure_ascii=False
        # output byte for byte, at a fraction of the cost.
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # a lone surrogate: orjson refuses what UTF-8 cannot hold
        text = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
        text = _SURROGATE.sub(lambda match: f"\\u{ord(match.group(0)):04x}", text)
        return text.encode("utf-8")


def _deeper_than(forest: list[Mapping[str, Any]], limit: int) -> bool:
    """Whether any reply sits more than ``limit`` levels down (iterative; tolerates
    hand-made nodes without ``replies``)."""
    stack = [(node, 0) for node in forest]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((reply, depth + 1) for reply in node.get("replies") or ())
    return False


def archive_record(record: Mapping[str, Any], keep_private: bool = False) -> dict[str, Any]:
    """The publishable form of a thread record (see the module docstring)."""
    forest = list(record.get("comments") or [])
    if _deeper_than(forest, DEFAULT_MAX_DEPTH):
        # Deeper nesting than thread's default breaks JSON readers (and the
        # encoder's recursion); re-nest the way ``thread`` does.
        forest = thread(flatten(forest), DEFAULT_MAX_DEPTH)
    comments = public_forest(forest, keep_private)
    stack = list(comments)
    while stack:
        node = stack.pop()
        if "content_html" in node:
            node["content_html"] = comment_html(node["content_html"])
        if "author_url" in node:
            node["author_url"] = public_url(node["author_url"])
        stack.extend(node["replies"])
    given: Mapping[str, Any] = record.get("post") or {}
    post = dict(given) if keep_private else public_post(given)
    if "url" in post:
        post["url"] = public_url(post["url"])
    return {
        "post": post,
        "comments": comments,
        "stats": dict(record.get("stats") or {}),
    }


def render_json(record: Mapping[str, Any], keep_private: bool = False) -> bytes:
    """A thread record as the bytes of its JSON archive file."""
    return dumps(archive_record(record, keep_private))
