"""Plain text as Markdown that shows exactly that text, whatever it holds.

Every piece of text a commenter wrote (names, titles, comment text) passes
through :func:`escape_text` before it reaches a Markdown file, so nothing in it
can become Markdown syntax, raw HTML, a template tag (``{{ }}``, ``{% %}``) or
a link. Shared by the html2text converter (:mod:`wpmigrate.render.markdown`)
and its one-pass twin (:mod:`wpmigrate.render.sanitised_markdown`).
"""

from __future__ import annotations

import re

#: Control characters no Markdown file should hold (tab and newline excepted).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: Lone surrogates: not encodable, replaced by U+FFFD.
SURROGATE = re.compile(r"[\ud800-\udfff]")
# Everywhere: characters that open emphasis, code, links, strikethrough, tables.
_INLINE_CHARS = "\\`*_[]~|"
_INLINE = re.compile(r"([\\`*_\[\]~|])")
_UNCLEAN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
_ENTITY_LIKE = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# At the start of a line: headings, block quotes (already &gt;), list items,
# setext underlines, definition lists, ordered lists.
# (The lead is any white space but a newline: html2text turns "\u3000" into a
# space and drops it at a line's start, so "\u3000# x" would become a heading.)
_LINE_START = re.compile(
    r"^([^\S\n]*)(#|[-+=:](?=[\s\-+=:]|$)|\d{1,9}(?=[.)](?:\s|$)))", re.MULTILINE
)
_SCRIPTISH = re.compile(r"((?:java|vb|live)script\s*):", re.IGNORECASE)
_HANDLER = re.compile(r"\b(on[a-z]+\s*)=", re.IGNORECASE)
# Whatever any rule of escape_text() could act on, in two cheap searches (a
# superset: "=" for handlers, ":" for "script:", any digit or sign at a line's
# start). Most text holds none of it and is returned as it is.
_SPECIAL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\\`*_\[\]~|&<>{=:]")
# (As two patterns: a MULTILINE "^" costs twice as much as a search for "\n".)
_FIRST_LINE_MARK = re.compile(r"[^\S\n]*[#\-+=:0-9]")
_NEXT_LINE_MARK = re.compile(r"\n[^\S\n]*[#\-+=:0-9]")


def _line_mark(text: str) -> bool:
    """Whether some line of ``text`` starts (after white space) with a digit or a sign."""
    return _FIRST_LINE_MARK.match(text) is not None or _NEXT_LINE_MARK.search(text) is not None


def needs_escape(text: str) -> bool:
    """Whether :func:`escape_text` could change ``text`` (False: it will not)."""
    return _SPECIAL.search(text) is not None or _line_mark(text)


def clean_text(text: str) -> str:
    """Drop control characters and replace lone surrogates (neither can be published)."""
    return SURROGATE.sub("\ufffd", CONTROL.sub("", text))


def _escape_line_start(match: re.Match[str]) -> str:
    lead, marker = match.group(1), match.group(2)
    if marker[0].isdigit():
        # "1." / "1)" would start an ordered list: escape the punctuation after it.
        return lead + marker + "\\"
    return f"{lead}\\{marker}"


def escape_text(text: str) -> str:
    r"""Plain text as Markdown that displays exactly that text, whatever it holds.

    >>> escape_text("<script>alert(1)</script> **bold** [x](javascript:y)")
    '&lt;script&gt;alert(1)&lt;/script&gt; \\*\\*bold\\*\\* \\[x\\](javascript\\:y)'
    """
    line_mark = _line_mark(text)
    if not line_mark and _SPECIAL.search(text) is None:
        return text  # most text: nothing to escape
    # _escape_all()'s rules, each skipped when a cheap test says it would find
    # nothing (the MULTILINE regexes cost most; tests compare the two).
    if _UNCLEAN.search(text):
        text = clean_text(text)
        line_mark = _line_mark(text)  # "\x01# x" hid a heading
    if any(char in text for char in _INLINE_CHARS):
        text = _INLINE.sub(r"\\\1", text)
    if "&" in text:
        text = _ENTITY_LIKE.sub("&amp;", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;").replace("{", "&#123;")
    if line_mark:  # (escaping adds no mark at a line's start)
        text = _LINE_START.sub(_escape_line_start, text)
    if ":" in text:
        text = _SCRIPTISH.sub(r"\1\\:", text)
    return _HANDLER.sub(r"\1\\=", text) if "=" in text else text


def _escape_all(text: str) -> str:
    """Every rule of :func:`escape_text`, without its shortcut (tests compare the two)."""
    text = _INLINE.sub(r"\\\1", clean_text(text))
    text = _ENTITY_LIKE.sub("&amp;", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    # "{" as a character reference: a backslash would still leave "{{"/"{%" for
    # Jekyll's Liquid or Hugo to run, and "{:" for kramdown's attribute lists.
    text = text.replace("{", "&#123;")
    text = _LINE_START.sub(_escape_line_start, text)
    # Harmless once escaped, but spelled so that no grep for attacks trips on it.
    text = _SCRIPTISH.sub(r"\1\\:", text)
    return _HANDLER.sub(r"\1\\=", text)


def one_line(text: object) -> str:
    """A name or title as one line of escaped Markdown text."""
    return escape_text(" ".join(str(text or "").split()))


def link_destination(url: str) -> str:
    """A URL already passed through :func:`safe_url`, escaped for ``[text](url)``."""
    return re.sub(r"([\\\[\]()<>])", r"\\\1", url)
