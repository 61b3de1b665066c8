"""The sanitiser's HTML as Markdown in one pass: html2text's text, without html2text.

:func:`wpmigrate.render.markdown.html_to_markdown` defines a comment's Markdown:
html2text's converter, set up for wpmigrate (no wrapping, inline links,
Unicode kept) and with every piece of text escaped. Most of its time goes to
machinery that comment HTML never needs (HTML parsing, Google Docs styles,
tables, lists, images, reference links), so :func:`convert` writes the same
text in one pass for what the sanitiser writes: fifteen tags, double-quoted
attributes, five kinds of character reference. One regex splits the HTML into
tags and text (and nothing else, or it is not that language); :class:`_Writer` then
applies the rules html2text applies to those tags (listed on the class).
Anything else gets None and goes the long way. Tests compare the two on
generated and real comments, byte for byte.
"""

from __future__ import annotations

import html as html_module
import re
import string

from .html import safe_url
from .markdown_escape import CONTROL, escape_text

# ------------------------------------------------------ shared with html2text's route

#: Code whose text looks like markup or a template tag: shown as escaped text,
#: not as a code span (a code span shows its text raw).
CODE_UNSAFE = re.compile(
    r"<[A-Za-z/!?]|\{[{%]|[%}]\}|(?:java|vb|live)script\s*:|\bon[a-z]+\s*=", re.IGNORECASE
)
#: Kinds of inline marks: a tag nested in one of its own kind adds nothing but
#: would write "~~~~" (a code fence at a line start) or "****" (a rule).
MARK_KIND = {
    "b": "strong", "strong": "strong", "em": "em", "i": "em",
    "del": "strike", "s": "strike", "strike": "strike",
}  # fmt: skip
#: What html2text writes where a no-break space goes: it survives the white-space
#: collapsing (which would eat U+00A0) and becomes U+00A0 at the end.
NBSP_PLACEHOLDER = "&nbsp_place_holder;"


def code_text(parts: list[str]) -> str:
    """The text gathered inside a ``<code>`` element, on one line."""
    return " ".join("".join(parts).split("\n"))


def code_span(content: str) -> str | None:
    """A ``<code>`` element's text (:func:`code_text`) as a Markdown code span.

    "" for code with nothing to show; None when the text looks like markup
    (:data:`CODE_UNSAFE`): the caller shows it as escaped text instead.
    """
    if not content.strip():
        return ""
    if CODE_UNSAFE.search(content) or CONTROL.search(content):
        return None
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if content[0] in "` " or content[-1] in "` " else ""
    return f"{fence}{pad}{content}{pad}{fence}"


def escape_bang(text: str) -> str:
    """``text`` with a "!" at its end escaped, unless a backslash escapes it already.

    For text a link's ``[`` follows: ``![text](url)`` would be an image.
    """
    if not text.endswith("!"):
        return text
    backslashes = len(text) - 1 - len(text[:-1].rstrip("\\"))
    # An odd number escape the "!"; an even number escape each other.
    return text if backslashes % 2 else text[:-1] + "\\!"


# --------------------------------------------------------------------------- the language

# What the sanitiser writes: lower-case tags with double-quoted attributes, no
# comments, and text; the only references are nh3's (&amp; &lt; &gt; &quot;
# &nbsp;) and _defuse_text's (&#58; &#61;).
_REFERENCE = r"&(?:amp|lt|gt|quot|nbsp|#58|#61);"
_TAG = rf'<(/?)([a-z][a-z0-9]*)((?:\s+[a-z][a-z0-9-]*="(?:[^"<&]++|{_REFERENCE})*+")*+)\s*/?>'
_TEXT = rf"((?:[^<&]++|{_REFERENCE})++)"
#: One tag (groups: "/" if it ends an element, name, attributes) or one run of text.
SANITISED_TOKEN = re.compile(f"{_TAG}|{_TEXT}")
ATTRIBUTE = re.compile(r'([a-z][a-z0-9-]*)="([^"]*)"')

#: The sanitiser's tags: all the writer knows.
KNOWN_TAGS = frozenset(
    {"a", "abbr", "b", "blockquote", "br", "cite", "code", "del", "em", "i", "p", "q", "s",
     "strike", "strong"}
)  # fmt: skip


def convert(html: str) -> str | None:
    """Sanitised comment HTML as html2text's converter writes it, before tidying.

    None when ``html`` is not in the sanitiser's language or holds another tag:
    then only html2text itself knows the answer.
    """
    writer = _Writer()
    unescape, gather, tag = html_module.unescape, writer.pending.append, writer.tag
    # findall() skips what no token matches: only a "<" that opens no tag or an
    # "&" that is no reference. Counting both is the check that nothing was
    # skipped (a fullmatch of the whole text would cost another pass).
    opens, references = html.count("<"), html.count("&")
    for slash, name, attributes, text in SANITISED_TOKEN.findall(html):
        if text:
            if "&" in text:
                references -= text.count("&")
                text = unescape(text)
            gather(text)
            continue
        opens -= 1
        if name not in KNOWN_TAGS:
            return None
        if "&" in attributes:
            references -= attributes.count("&")
        if name == "a" and not slash:
            href = None
            for key, value in ATTRIBUTE.findall(attributes):
                if key == "href":  # the last one counts, as in a dict of attributes
                    href = unescape(value)
            tag(name, True, href)
        else:
            tag(name, not slash)
    if opens or references:
        return None  # not the sanitiser's language after all
    return writer.finish()


# --------------------------------------------------------------------------- the writer

_ABSOLUTE_URL = re.compile(r"^[a-zA-Z+]+://")
# After an emphasis ends, text starting with one of these gets a space first.
_SPACED_AFTER_MARK = re.compile(r"[^][(){}\s.!?]")
_LINK_CHARS = re.compile(r"([\\\[\]\(\)])")
_MARKS = {"em": "_", "strong": "**", "strike": "~~"}


class _Writer:
    """html2text's output rules for the sanitiser's tags, with wpmigrate's escaping.

    The rules, as html2text applies them with wpmigrate's settings:

    * Output is written by :meth:`write` (markup) and :meth:`text`. ``breaks`` newlines are owed
      before the next output (two after ``<p>``, ``</p>``, ``<blockquote>``,
      ``</blockquote>``), each followed by one ``>`` per open quote and a
      space; a ``space`` is owed when text started with white space, and
      dropped after a newline. At the start and just after a quote opens
      (``fresh``), both debts are forgiven.
    * Text has each run of white space collapsed to one space, and is
      escaped by :func:`escape_text` once per run between two tags (a no-break
      space travels as :data:`NBSP_PLACEHOLDER`).
    * ``<br>`` writes two spaces and a newline, plus ``> `` inside a quote.
    * Emphasis (``_``), strong (``**``) and strike (``~~``) marks: the opening
      mark gets a space before it when it would stick to a word (for ``_``) or
      to the same mark character; the text after an opening mark is stripped;
      text right after the first text inside a mark, starting with a letter,
      gets a space unless the last tag was ``<a>`` or ``<code>`` (html2text's
      rule, kept for the same bytes). A mark nested in its own kind is dropped.
    * ``<q>`` writes ``"`` on both sides. ``<abbr>`` and ``<cite>`` write nothing.
    * ``<a href>``: ``[text](url)``, or ``<url>`` when the text is the URL itself
      and it is absolute; ``[`` is written only once something else is, so an
      empty link writes ``[](url)``. ``<p>`` inside a link breaks nothing.
    * ``<code>``: its text, with ``<br>`` as a space, becomes one code span
      (:func:`code_span`); any tag inside it is ignored.
    * A ``!`` right before a link's ``[`` is escaped (``\\![``): ``![`` opens an image.
    """

    __slots__ = (
        "after_stress", "autolink", "breaks", "code", "ends_line", "fresh", "last_tag",
        "last_text", "link_empty", "links", "marks", "parts", "pending", "quotes", "space",
        "stressed",
    )  # fmt: skip

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.ends_line = False  # the last part written ends with a newline
        self.breaks = 0
        self.space = False
        self.fresh = True
        self.quotes = 0  # open <blockquote>s (html2text does not stop at zero)
        self.links: list[str | None] = []  # hrefs of open <a>s (None: no link)
        self.autolink: str | None = None  # an open link whose text may be its URL
        self.link_empty = False
        self.stressed = False  # an opening mark was just written
        self.after_stress = False
        self.last_text = ""  # the last text written (for the mark-spacing rules)
        self.last_tag = ""
        self.code: list[str] | None = None  # text of an open <code>
        self.marks: dict[str, int] = {}  # open marks by kind
        self.pending: list[str] = []  # text since the last tag, unescaped

    def write(self, data: str, force: bool | str = False) -> None:
        """Write markup ``data`` after the breaks and space owed (``force``: even if empty)."""
        parts = self.parts
        if data[:1] == "[" and parts:
            parts[-1] = escape_bang(parts[-1])
        if not data and not force:
            return
        if self.fresh or self.breaks or self.space or force:
            self._settle(data, force)
        if data:
            parts.append(data)
            self.ends_line = data[-1] == "\n"

    def _settle(self, data: str, force: bool | str) -> None:
        # What is owed before ``data``: nothing at the start or right after a
        # quote opens; else the breaks (with the quote marks), then the space.
        if self.fresh:
            self.space = False
            self.breaks = 0
            self.fresh = False
        if force == "end":
            self.breaks = 0
            self._emit("\n")
            self.space = False
        if self.breaks:
            prefix = ">" * self.quotes
            if self.quotes and not (force and data[:1] == ">"):
                prefix += " "
            self._emit(("\n" + prefix) * self.breaks)
            self.space = False
            self.breaks = 0
        if self.space:
            if not self.ends_line:
                self._emit(" ")
            self.space = False

    def _emit(self, text: str) -> None:
        self.parts.append(text)
        self.ends_line = text[-1] == "\n"

    def text(self, data: str) -> None:
        """Write a run of text, already escaped (or an autolink's raw URL)."""
        if not data:
            return
        if self.stressed:
            data = data.strip()
            self.stressed = False
            self.after_stress = True
        elif self.after_stress:
            if _SPACED_AFTER_MARK.match(data[0]) and self.last_tag not in ("a", "code"):
                data = " " + data
            self.after_stress = False
        if self.autolink is not None:
            if data == self.autolink and _ABSOLUTE_URL.match(data):
                self.write(f"<{data}>")
                self.link_empty = False
                return
            self._open_link()
        self.last_text = data
        # As write() does, but each run of white space is one space, and a
        # leading one is owed rather than written.
        if data[:1] == "[" and self.parts:
            self.parts[-1] = escape_bang(self.parts[-1])
        words = data.split()  # (str.split()'s white space is exactly regex \s)
        if data[:1].isspace():
            self.space = True
        if not words:
            return
        data = " ".join(words) + " " if data[-1].isspace() else " ".join(words)
        if self.fresh or self.breaks or self.space:
            self._settle(data, False)
        self.parts.append(data)
        self.ends_line = data[-1] == "\n"

    def _open_link(self) -> None:
        self.write("[")
        self.autolink = None
        self.link_empty = False

    def flush(self) -> None:
        """Write the text gathered since the last tag, escaped once as a whole."""
        if not self.pending:
            return
        pending = self.pending
        data = pending[0] if len(pending) == 1 else "".join(pending)
        pending.clear()
        if self.code is not None:
            self.code.append(data.replace("\xa0", " "))
            return
        if data == "\n" and not (self.stressed or self.after_stress) and self.autolink is None:
            # The newline after a </p> or <br> (a third of all text): what
            # text() would do with it, sooner.
            self.last_text = data
            self.space = True
            return
        href = self.autolink
        if href is not None and data == href and safe_url(href) == href:
            self.text(data)  # written as <href>: http(s) with nothing to escape
            return
        self.text(escape_text(data).replace("\xa0", NBSP_PLACEHOLDER))

    def tag(self, name: str, start: bool, href: str | None = None) -> None:
        """Apply a start (``start``) or end tag; ``href`` is an ``<a>``'s link."""
        if self.pending:
            self.flush()
        self.last_tag = name
        if name == "p":  # the commonest tag: a paragraph break, but inside code or a link
            if self.code is None and not self.links:
                self.breaks = 2
            return
        if self.code is not None:
            if name == "code" and not start:
                self._end_code()
            elif name == "br" and start:
                self.code.append(" ")
            return
        if name == "code":
            if start:
                self.code = []
            return
        kind = MARK_KIND.get(name)
        if kind is not None:
            depth = self.marks.get(kind, 0)
            self.marks[kind] = depth + 1 if start else max(0, depth - 1)
            if (start and depth > 0) or (not start and depth > 1):
                return
        if start and self.autolink is not None:
            self._open_link()  # a tag inside the link: its text is not the bare URL
        if name == "br":
            if start:
                self.write("  \n> " if self.quotes > 0 else "  \n")
        elif name == "blockquote":
            if start:
                self.breaks = 2
                self.write("> ", force=True)
                self.fresh = True
                self.quotes += 1
            else:
                self.quotes -= 1
                self.breaks = 2
        elif kind is not None:
            self._mark(kind, start)
        elif name == "q":
            self.write('"')
        elif name == "a":
            self._link(start, href)

    def _mark(self, kind: str, start: bool) -> None:
        mark = _MARKS[kind]
        if start and self.last_text:
            last = self.last_text[-1]
            if kind == "em":  # "_" right after a word would not open emphasis
                sticks = last not in string.whitespace and last not in string.punctuation
            else:  # "**" after "*", "~~" after "~" would read as another mark
                sticks = last == mark[0]
            if sticks:
                mark = " " + mark
                self.last_text += " "
        self.write(mark)
        if start:
            self.stressed = True

    def _link(self, start: bool, href: str | None) -> None:
        if start:
            if href is not None and not href.startswith("#"):
                self.links.append(href)
                self.autolink = href
                self.link_empty = True
            else:
                self.links.append(None)
            return
        if not self.links:
            return
        opened = self.links.pop()
        if self.autolink and not self.link_empty:
            self.autolink = None  # written as <url> already
        elif opened is not None:
            if self.link_empty:
                self.write("[")
                self.link_empty = False
                self.autolink = None
            self.breaks = 0
            self.write("](" + _LINK_CHARS.sub(r"\\\1", opened) + ")")

    def _end_code(self) -> None:
        content = code_text(self.code or [])
        self.code = None
        span = code_span(content)
        if span is None:
            self.pending.append(content)
        elif span:
            self.text(span)

    def finish(self) -> str:
        """The Markdown written, with no-break spaces in place."""
        self.flush()
        if self.breaks == 0:
            self.breaks = 1
        self.write("", force="end")
        return "".join(self.parts).replace(NBSP_PLACEHOLDER, "\xa0")
