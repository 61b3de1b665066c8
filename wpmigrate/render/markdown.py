"""One post's public conversation as a Markdown file with YAML front matter.

Layout (see :func:`render_markdown`)::

    ---
    title: "Day 11: Confessions of a Complete Flake"
    date: "2010-11-12T03:07:12"
    ...
    comment_ids: [1020, 1022]
    ---

    ## Comments

    <a id="comment-1020"></a>**eagledove11** · November 12, 2010 at 4:12 am

    Well I think you're fabulous! …

    > <a id="comment-1022"></a>**[LaVonne Ellis](http://…/)** — post author · …
    >
    > I just love getting comments …

    ## Mentions

    - <a id="comment-1001"></a>[Topsy.com](http://…) · pingback · November 10, 2010

Replies are blockquotes nested under their parent, each comment its own quote
box, down to ``max_depth``; deeper ones sit at that depth, saying whom they
answer. Pingbacks and trackbacks are listed under "Mentions".

Safety: comment HTML goes through :func:`wpmigrate.render.html.comment_html`
(nh3) first, then html2text with every piece of text escaped by
:func:`escape_text` (:func:`html_to_markdown`), so nothing a commenter typed
can become Markdown syntax, raw HTML, a template tag (``{{ }}``, ``{% %}``), a
link or an image. The only raw HTML in the output is the
``<a id="comment-N"></a>`` anchors written here. Nothing here recurses per
reply level.

Speed (:func:`comment_markdown`): that is the definition; two shortcuts give
the same bytes sooner, and tests compare them with it. Plain-text comments
skip the HTML round trip (:func:`_plain_markdown`), and the sanitiser's output
is written by a one-pass writer that applies html2text's rules for its few
tags (:mod:`wpmigrate.render.sanitised_markdown`); html2text itself runs only
for HTML the sanitiser would not write.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from ..memo import MAX_CHARS, memo
from ..privacy import public_url
from .html import (
    autop_paragraphs,
    has_handler,
    has_script_scheme,
    read_comment,
    safe_url,
    tagged_html,
)
from .markdown_escape import SURROGATE, escape_text, link_destination, needs_escape, one_line
from .markdown_format import (
    COMMENT_COUNT,
    COMMENT_IDS,
    FENCE,
    IN_REPLY_TO,
    MENTIONS_HEADING,
    POST_ID,
    anchor,
    anchor_href,
)
from .sanitised_markdown import (
    MARK_KIND,
    NBSP_PLACEHOLDER,
    code_span,
    code_text,
    convert,
    escape_bang,
)

DEFAULT_MAX_DEPTH = 10
PING_TYPES = frozenset({"pingback", "trackback"})
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip

# YAML 1.1 readers take NEL, U+2028/9 for line breaks and refuse C1 controls and
# BOMs; "<", ">", "{" and the "=" / ":" of onclick= / javascript: are escaped too, so the
# bytes of a hostile title read as data, never as markup, to any tool or grep.
_YAML_ESCAPE = re.compile(
    r"[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff<>{]"
    r"|(?<=script)\s*:|(?<=\bon[a-z])[a-z]*\s*=",
    re.IGNORECASE,
)


# What _YAML_ESCAPE can match is one of these, or a ":" after "script" (a superset
# in two fast searches; not str.lower(): IGNORECASE also takes a long s, a dotless i).
_YAML_SPECIAL = re.compile(r"[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff<>{=]")
_YAML_SCRIPT = re.compile("script", re.IGNORECASE)


def _yaml_escape(match: re.Match[str]) -> str:
    text = match.group(0)
    return text[:-1] + f"\\u{ord(text[-1]):04x}"


def yaml_string(value: object) -> str:
    r"""A YAML double-quoted scalar (JSON string syntax, which YAML accepts).

    The value reads back unchanged; see :data:`_YAML_ESCAPE` for what is escaped.

    >>> print(yaml_string('Tom: "<b>" #1'))
    "Tom: \"\u003cb\u003e\" #1"
    """
    text = SURROGATE.sub("\ufffd", str(value))
    quoted = orjson.dumps(text).decode()  # json.dumps(text, ensure_ascii=False), sooner
    if _YAML_SPECIAL.search(quoted) is None and (
        ":" not in quoted or _YAML_SCRIPT.search(quoted) is None
    ):
        return quoted  # most titles and names: nothing to escape
    return _YAML_ESCAPE.sub(_yaml_escape, quoted)


def _yaml_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return yaml_string(value)


# --------------------------------------------------------------------------- HTML -> Markdown

_EMPTY_INLINE = re.compile(
    r"<(a|abbr|b|cite|code|del|em|i|q|s|strike|strong)(?:\s[^<>]*)?>\s*</\1>", re.IGNORECASE
)
_FENCE_START = re.compile(r"^((?:> ?)*)([`~]{3})")
_MARKS_ONLY = re.compile(r"^((?:> ?)*)[ \t]*([*_~`])(?:[ \t]*\2)+[ \t]*$")
_BLANK_RUNS = re.compile(r"\n{3,}")


def _converter_class() -> type:
    """html2text's converter with escaping done right (built lazily: keeps --help fast)."""
    import html2text

    class Converter(html2text.HTML2Text):
        """Escapes every piece of text (html2text leaves ``<``, entities and more raw)."""

        def __init__(self) -> None:
            super().__init__(bodywidth=0)
            self.unicode_snob = True  # keep “curly quotes” and — dashes as written
            self.use_automatic_links = True
            self.tag_callback = Converter._tag  # type: ignore[assignment]
            self._code: list[str] | None = None
            self._marks: dict[str, int] = {}
            self._text: list[str] = []

        # html2text hands text over in pieces, split at every reference ("&amp;"
        # is a piece of its own). Escaped one by one, a piece cannot see its
        # neighbours ("&" then "copy;" would make the entity &copy;), so text is
        # gathered up to the next tag and escaped once (see _flush).

        def handle_data(self, data: str, entity_char: bool = False) -> None:
            self._text.append(data)

        def handle_charref(self, name: str) -> None:
            self._text.append(self.charref(name))

        def handle_entityref(self, name: str) -> None:
            # (html2text's entityref() gives a placeholder for nbsp; _flush makes it.)
            self._text.append("\xa0" if name == "nbsp" else self.entityref(name))

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self._flush()
            super().handle_starttag(tag, attrs)

        def handle_endtag(self, tag: str) -> None:
            self._flush()
            super().handle_endtag(tag)

        def close(self) -> None:
            super().close()  # hands over the text HTMLParser held back
            self._flush()

        def _flush(self) -> None:
            if not self._text:
                return
            data = "".join(self._text)
            self._text.clear()
            if self._code is not None:
                self._code.append(data.replace("\xa0", " "))
                return
            href = self.maybe_automatic_link
            if href is not None and data == href and safe_url(href) == href:
                # html2text writes it as the autolink <href>; safe_url() == href means
                # it is http(s) with nothing to escape.
                super().handle_data(data, True)
                return
            # html2text's own placeholder survives its white-space collapsing and
            # becomes U+00A0 again at the end.
            text = escape_text(data).replace("\xa0", NBSP_PLACEHOLDER)
            # entity_char=True: skip html2text's partial escaping; ours is complete.
            super().handle_data(text, True)

        def _end_code(self) -> None:
            content = code_text(self._code or [])
            self._code = None
            span = code_span(content)
            if span is None:  # looks like markup: shown as escaped text instead
                self.handle_data(content)
            elif span:
                super().handle_data(span, True)

        def o(self, data: str, puredata: bool = False, force: bool | str = False) -> None:
            # A "!" of the text followed by a link's "[" would make an image
            # (![text](url)): escape that "!" when the link starts.
            if data.startswith("[") and self.outtextlist:
                self.outtextlist[-1] = escape_bang(self.outtextlist[-1])
            super().o(data, puredata, force)

        @staticmethod
        def _tag(self: Converter, tag: str, attrs: dict[str, str | None], start: bool) -> bool:
            if self._code is not None:
                if tag == "code" and not start:
                    self._end_code()
                elif tag == "br" and start:
                    self._code.append(" ")
                return True  # nothing inside code is markup
            if tag == "code":
                if start:
                    self._code = []
                return True
            kind = MARK_KIND.get(tag)
            if kind is not None:
                depth = self._marks.get(kind, 0)
                self._marks[kind] = depth + 1 if start else max(0, depth - 1)
                if (start and depth > 0) or (not start and depth > 1):
                    return True
            # Titles are tooltips: html2text would write them raw ("title", *[abbr]: …).
            attrs.pop("title", None)
            return False

    return Converter


_CONVERTER: type | None = None


def _converter() -> Any:
    """A fresh converter (html2text's are single-use)."""
    global _CONVERTER
    if _CONVERTER is None:
        _CONVERTER = _converter_class()
    return _CONVERTER()


def _drop_empty_inline(html: str) -> str:
    # Empty inline elements would leave bare marks ("****" is a rule, "~~~~" a fence).
    previous = None
    while previous != html:
        previous, html = html, _EMPTY_INLINE.sub("", html)
    return html


def html_to_markdown(html: str) -> str:
    """Sanitised comment HTML (from :func:`comment_html`) as Markdown text."""
    if not html:
        return ""
    return _finish(_converter().handle(_drop_empty_inline(html)))


def comment_markdown(content: object) -> str:
    """A stored comment as Markdown: ``html_to_markdown(comment_html(content))``, sooner.

    Most comments are plain text (no tag, no URL). Theirs is made directly by
    :func:`_plain_markdown`, without sanitiser or html2text, in about a fifth of
    the time. The others are sanitised, and the sanitiser's output written by
    :func:`_sanitised_markdown` without html2text. tests/test_render_markdown.py
    and tests/test_corpus.py check both give the same text as the long way.
    """
    text, plain = read_comment(content)
    if plain is not None:
        return _plain_markdown(plain)
    return _sanitised_markdown(tagged_html(text)) if text else ""


def _sanitised_markdown(html: str) -> str:
    """:func:`html_to_markdown` for the sanitiser's output, in one pass (see
    :mod:`wpmigrate.render.sanitised_markdown`); anything else takes the long way."""
    if not html:
        return ""
    html = _drop_empty_inline(html)
    markdown = convert(html)
    return html_to_markdown(html) if markdown is None else _finish(markdown)


# html2text's white-space rule for text: a run of white space becomes one space,
# but for the no-break space, which it keeps (and newlines: lines are split here).
_COLLAPSIBLE = re.compile(r"[^\S\n\xa0]+")
_NEEDS_COLLAPSE = re.compile(r"[^\S \n\xa0]|  ")


def _plain_markdown(text: str) -> str:
    """What the converter writes for a plain-text comment, without its HTML round trip.

    wpautop's paragraphs; each line escaped as the converter escapes text, with
    html2text's white-space rule and no space at a line's ends; lines joined by
    the hard break html2text writes for ``<br>``. Most steps are skipped after a
    search says they would change nothing.
    """
    paragraphs = []
    tidy = False
    for part in autop_paragraphs(text):
        if needs_escape(part):
            # Line by line, like the converter's text between two <br>.
            part = "\n".join(escape_text(line) for line in part.split("\n"))
        if _NEEDS_COLLAPSE.search(part):
            part = _COLLAPSIBLE.sub(" ", part)
        lines = [line.strip(" ") for line in part.split("\n")]
        # A line of white space only gets _tidy's rules (a paragraph break, or
        # no hard break after a line of no-break spaces).
        tidy = tidy or not all(line.strip() for line in lines)
        paragraphs.append("  \n".join(lines))
    markdown = "\n\n".join(paragraphs)
    return _finish(markdown) if tidy else _defuse_across(markdown)


def _finish(text: str) -> str:
    text = _defuse_across(_tidy(text))
    return text if text.strip() else ""  # only no-break spaces: nothing to show


# escape_text() defuses "javascript:" and "onclick=" within one piece of text;
# this finds them across pieces ("javascript" in a link, ":" after it) and
# lines. Links' URLs are matched first and left alone: they passed safe_url()
# (no "javascript:" left), a backslash in an autolink would be literal, and
# Python-Markdown (Pelican) does not take "\=" in a link's destination for "=".
_ATTACK_ACROSS = re.compile(
    r"<https?://[^<>\s]*>|\]\((?:[^()\\\s]|\\.)*\)"
    r"|(?:java|vb|live)script\s*:|\bon[a-z]+\s*=",
    re.IGNORECASE,
)


def _defuse_across(markdown: str) -> str:
    """Markdown with a backslash before the ":" of "javascript:" and the "=" of
    "onclick=" wherever escaping piece by piece left them together."""
    # Two cheap pre-checks (the regex tries every position): most comments pass.
    handler = "=" in markdown and has_handler(markdown)
    if not handler and not (":" in markdown and has_script_scheme(markdown.lower())):
        return markdown
    return _ATTACK_ACROSS.sub(_defuse_one, markdown)


def _defuse_one(match: re.Match[str]) -> str:
    found = match.group(0)
    return found if found[0] in "<]" else f"{found[:-1]}\\{found[-1]}"


_BREAK_AT_END = re.compile(r"  (\n\n|\n?$)")
_MARK_CHARS = frozenset("*_~`")


def _tidy(text: str) -> str:
    """Markdown lines trimmed, bare marks and fences defused, paragraphs made even."""
    lines = []
    for raw in text.split("\n"):
        hard_break = raw.endswith("  ") and raw.strip() != ""
        line = raw.strip(" \t")
        # Both rules need a mark after the quote marks (a cheap superset first).
        if line.lstrip(" \t>")[:1] in _MARK_CHARS:
            if _MARKS_ONLY.match(line):
                continue  # only emphasis marks left: a thematic break, not content
            fence = _FENCE_START.match(line)
            if fence:
                line = f"{fence.group(1)}\\{line[len(fence.group(1)) :]}"
        lines.append(line + "  " if hard_break else line)
    return _tidy_paragraphs("\n".join(lines))


def _tidy_paragraphs(text: str) -> str:
    if "\n\n\n" in text:
        text = _BLANK_RUNS.sub("\n\n", text)
    text = text.strip("\n")
    # A hard break needs a next line in the same paragraph; elsewhere drop it.
    if "  \n\n" in text or text.endswith("  "):
        text = _BREAK_AT_END.sub(r"\1", text)
    return text


# --------------------------------------------------------------------------- dates


def format_date(value: object) -> str:
    """``2010-11-12T09:10:00`` → ``November 12, 2010 at 9:10 am`` (WordPress's default)."""
    if not isinstance(value, str):
        return ""
    gmt = value.endswith("Z")
    try:
        moment = datetime.fromisoformat(value.removesuffix("Z"))
    except ValueError:
        return ""
    hour = moment.hour % 12 or 12
    half = "am" if moment.hour < 12 else "pm"
    text = f"{_MONTHS[moment.month - 1]} {moment.day}, {moment.year} at {hour}:{moment.minute:02d}"
    return f"{text} {half}" + (" UTC" if gmt else "")


def format_day(value: object) -> str:
    """``2010-11-12T09:10:00`` → ``November 12, 2010``."""
    full = format_date(value)
    return full.split(" at ", 1)[0]


def _when(node: Mapping[str, Any]) -> str:
    return format_date(node.get("date")) or format_date(node.get("date_gmt"))


# --------------------------------------------------------------------------- document


def _anchor(comment_id: object) -> str:
    return anchor(int(comment_id)) if isinstance(comment_id, int) else ""


def _name(node: Mapping[str, Any]) -> str:
    return one_line(node.get("author_name")) or "Anonymous"


def _linked_name(node: Mapping[str, Any]) -> str:
    name, url = node.get("author_name"), node.get("author_url")
    if isinstance(name, str) and isinstance(url, str) and len(name) + len(url) <= MAX_CHARS:
        return _remembered_linked_name(name, url)  # the same people comment again and again
    return _write_linked_name(name, url)


def _write_linked_name(name: object, url: object) -> str:
    href = safe_url(url)
    shown = one_line(name) or "Anonymous"
    return f"[{shown}]({link_destination(href)})" if href else shown


_remembered_linked_name = memo(_write_linked_name)


def _is_ping(node: Mapping[str, Any]) -> bool:
    return node.get("type") in PING_TYPES


def _quote(depth: int, line: str) -> str:
    return "> " * depth + line if line else ("> " * depth).rstrip()


def walk(forest: list[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], int, Any]]:
    """Every node in display order as ``(node, depth in the tree, parent node id)``."""
    out: list[tuple[Mapping[str, Any], int, Any]] = []
    stack: list[tuple[Mapping[str, Any], int, Any]] = [(n, 0, None) for n in reversed(forest)]
    while stack:
        node, depth, parent = stack.pop()
        out.append((node, depth, parent))
        replies = node.get("replies") or []
        stack.extend((reply, depth + 1, node.get("id")) for reply in reversed(replies))
    return out


def front_matter(fields: list[tuple[str, Any]]) -> str:
    """YAML front matter: every string quoted, so no title can break it."""
    lines = [FENCE]
    for key, value in fields:
        if isinstance(value, list):
            lines.append(f"{key}: [{', '.join(_yaml_scalar(item) for item in value)}]")
        else:
            lines.append(f"{key}: {_yaml_scalar(value)}")
    lines.append(FENCE)
    return "\n".join(lines) + "\n"


def render_markdown(record: Mapping[str, Any], max_depth: int = DEFAULT_MAX_DEPTH) -> str:
    """A thread record (``{"post", "comments", "stats"}``) as a Markdown document.

    ``max_depth`` is the deepest blockquote nesting; replies below it are shown
    at that depth with "in reply to NAME". Pure: the same record gives the same text.
    """
    post: Mapping[str, Any] = record.get("post") or {}
    forest = list(record.get("comments") or [])
    nodes = walk(forest)
    names = {n.get("id"): n for n, _, _ in nodes}
    ids = sorted(key for key in names if isinstance(key, int))  # every comment's id
    head = front_matter(
        [
            ("title", str(post.get("title") or "")),
            ("date", post.get("date")),
            ("url", public_url(post.get("url"))),
            (POST_ID, post.get("id")),
            ("author", str(post.get("author_name") or post.get("author") or "")),
            (COMMENT_COUNT, len(nodes)),
            (COMMENT_IDS, ids),
        ]
    )
    out: list[str] = []
    mentions: list[Mapping[str, Any]] = []
    previous: int | None = None
    for node, depth, parent in nodes:
        if _is_ping(node) and not node.get("replies"):
            mentions.append(node)
            continue
        shown = min(depth, max_depth)
        if previous is None:
            out.extend(["", "## Comments", ""])
        else:
            # Stay inside the parent's box for its first reply; close a box
            # before its sibling, so every comment is a quote box of its own.
            separator = previous if shown > previous else shown - 1
            out.append(_quote(max(separator, 0), ""))
        previous = shown
        lines = _comment_lines(node, depth, parent, max_depth, names)
        if shown:
            prefix = "> " * shown
            out.extend(prefix + line if line else prefix[:-1] for line in lines)
        else:
            out.extend(lines)
    if mentions:
        out.extend(["", MENTIONS_HEADING, ""])
        out.extend(_mention_line(node) for node in mentions)
    return head + "\n".join(out) + ("\n" if out else "")


def _comment_lines(
    node: Mapping[str, Any],
    depth: int,
    parent: Any,
    max_depth: int,
    names: Mapping[Any, Mapping[str, Any]],
) -> list[str]:
    header = _anchor(node.get("id")) + f"**{_linked_name(node)}**"
    if _is_ping(node):
        header += f" · {node.get('type')}"
    if node.get("by_post_author"):
        header += " — post author"
    when = _when(node)
    if when:
        header += f" · {when}"
    parent_id = node.get("parent_id")
    answered = names.get(parent_id) if parent_id else None
    if answered is not None and (parent_id != parent or depth > max_depth):
        # Not shown under its parent (nested too deep, or a broken thread): say whom.
        target = anchor_href(parent_id) if isinstance(parent_id, int) else ""
        who = _name(answered)
        header += f"{IN_REPLY_TO}[{who}]({target})" if target else f"{IN_REPLY_TO}{who}"
    lines = [header]
    if not _is_ping(node):
        body = comment_markdown(node.get("content_html"))
        if body:
            lines.append("")
            lines.extend(body.split("\n"))
    return lines


def _mention_line(node: Mapping[str, Any]) -> str:
    parts = [f"- {_anchor(node.get('id'))}{_linked_name(node)}", str(node.get("type"))]
    day = format_day(node.get("date")) or format_day(node.get("date_gmt"))
    if day:
        parts.append(day)
    return " · ".join(parts)
