"""Comment HTML as WordPress showed it, made safe to publish as-is.

WordPress stores a comment as text with a little HTML and prints it through
``comment_text``'s filters: :func:`make_clickable` turns bare URLs into links
and :func:`wpautop` applies the paragraph rules (a blank line starts a
paragraph, a single newline is a line break). :func:`comment_html` does the
same and then sanitises the result with nh3 down to what WordPress lets
commenters write (``$allowedtags``) plus the ``<p>``/``<br>`` that wpautop
itself produces, so a template can print it without escaping.

Policy (:func:`comment_html`):

* Tags: ``a`` (href, title), ``abbr`` (title), ``b``, ``blockquote`` (cite),
  ``cite``, ``code``, ``del`` (datetime), ``em``, ``i``, ``q`` (cite), ``s``,
  ``strike``, ``strong``, and ``p``, ``br``. Any other tag is removed and its
  text kept; ``script``/``style`` go with their content.
* Links: only ``http``, ``https`` and ``mailto`` hrefs (relative ones too are
  dropped: they pointed at the old site); every link gets ``rel="nofollow ugc"``.
  ``cite`` attributes: ``http``/``https`` only.
* Quotes nest at most :data:`MAX_QUOTE_DEPTH` deep: the tags of deeper
  ``<blockquote>`` elements are dropped, their text kept at the deepest level (in
  Markdown every line of a quote repeats its whole ``> > >`` chain, so without
  a cap one comment of 3,000 nested quotes around 3,000 paragraphs made 17 MB).
  No other allowed tag has a prefix that repeats per line: lists, tables and
  headings are not allowed (their text is kept, flat).
* Belt and braces for people who grep published files: text that merely reads
  like an attack (``javascript:``, ``onclick=``) is written with a character
  reference (``javascript&#58;``), which displays the same.

Everything here is a pure function of its input, safe to call from worker processes.
"""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Callable
from urllib.parse import quote

import nh3

from ..memo import MAX_CHARS, memo

#: WordPress's ``$allowedtags`` (what commenters may write) and their attributes.
COMMENT_TAGS: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "abbr": frozenset({"title"}),
    "b": frozenset(),
    "blockquote": frozenset({"cite"}),
    "cite": frozenset(),
    "code": frozenset(),
    "del": frozenset({"datetime"}),
    "em": frozenset(),
    "i": frozenset(),
    "q": frozenset({"cite"}),
    "s": frozenset(),
    "strike": frozenset(),
    "strong": frozenset(),
}
#: wpautop's own output. Allowed because we produce it: without it the paragraph
#: rules (the look of every multi-paragraph comment) would be lost.
AUTOP_TAGS = frozenset({"p", "br"})
LINK_REL = "nofollow ugc"
HREF_SCHEMES = frozenset({"http", "https", "mailto"})
WEB_SCHEMES = frozenset({"http", "https"})

# Block-level tags, as wpautop lists them.
_BLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre"
    r"|form|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section"
    r"|article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)"
)
# `[^<>]*` rather than `[^>]*` inside tags: a run of "<p<p<p…" then fails fast at
# the next "<" instead of rescanning to the end of the text from every candidate.
_BLOCK_OPEN = re.compile(r"(<" + _BLOCKS + r"[\s/>])", re.IGNORECASE)
_BLOCK_CLOSE = re.compile(r"(</" + _BLOCKS + r">)", re.IGNORECASE)
_HR = re.compile(r"(<hr\s*/?>)", re.IGNORECASE)
_DOUBLE_BR = re.compile(r"<br\s*/?>\s*<br\s*/?>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^<>]*>")
_PARAGRAPH_SPLIT = re.compile(r"\n[ \t]*\n")
_EMPTY_P = re.compile(r"<p>\s*</p>")
_P_IN_DIV = re.compile(r"<p>([^<]+)</(div|address|form)>", re.IGNORECASE)
_P_AROUND_BLOCK = re.compile(r"<p>\s*(</?" + _BLOCKS + r"[^<>]*>)\s*</p>", re.IGNORECASE)
_P_AROUND_LI = re.compile(r"<p>(<li[^<>]*>.*?)</p>", re.IGNORECASE)
_P_BLOCKQUOTE = re.compile(r"<p><blockquote([^<>]*)>", re.IGNORECASE)
_P_BEFORE_BLOCK = re.compile(r"<p>\s*(</?" + _BLOCKS + r"[^<>]*>)", re.IGNORECASE)
_P_AFTER_BLOCK = re.compile(r"(</?" + _BLOCKS + r"[^<>]*>)\s*</p>", re.IGNORECASE)
_BR_VARIANTS = re.compile(r"<br\s*/?>", re.IGNORECASE)
_NEWLINE_NOT_AFTER_BR = re.compile(r"(?<!<br />)\n")
_BR_AFTER_BLOCK = re.compile(r"(</?" + _BLOCKS + r"[^<>]*>)\s*<br />", re.IGNORECASE)
_BR_BEFORE_BLOCK = re.compile(
    r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^<>]*>)", re.IGNORECASE
)
_PRE = re.compile(r"<pre[\s>].*?</pre>", re.IGNORECASE | re.DOTALL)
# For the shortcut: tag names (of lower-cased text), the block names among them,
# and the <br /> rules when <p> is the only block tag.
_TAG_NAMES = re.compile(r"</?([a-z][a-z0-9]*)")
_BLOCK_NAMES = frozenset(_BLOCKS[3:-1].replace("h[1-6]", "h1|h2|h3|h4|h5|h6").split("|"))
_TAG_WITH_NEWLINE = re.compile(r"<[^<>]*\n")
_BR_AFTER_P = re.compile(r"(</?p>)\s*<br />")
_BR_BEFORE_P = re.compile(r"<br />(\s*</?p>)")
_PRE_PLACEHOLDER = re.compile(r"<pre wp-pre-tag-(\d+)></pre>")


def _trim_lines(text: str) -> str:
    # wpautop's `\s*\n` done line by line: the regex would rescan long runs of
    # spaces quadratically, and comments are untrusted input.
    if " \n" not in text and "\t\n" not in text and not text.endswith((" ", "\t")):
        return text
    return "\n".join(line.rstrip(" \t") for line in text.split("\n"))


def wpautop(text: str) -> str:
    """WordPress's paragraph rules: blank line → ``<p>``, single newline → ``<br />``.

    A port of ``wpautop($text, $br = true)`` for comment-sized HTML: blocks such
    as ``<blockquote>`` are not wrapped in ``<p>``, newlines inside tags are left
    alone, and no ``<br />`` is put next to a block tag.

    >>> wpautop("Hi El,\\nYes!\\n\\n~LaVonne")
    '<p>Hi El,<br />\\nYes!</p>\\n<p>~LaVonne</p>'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return ""
    if "<" not in text:
        return _autop_plain(text)
    return _autop_full(text)


def _autop_full(text: str, shortcut: bool = True) -> str:
    """wpautop's rules in full, for text with tags (``\r`` already normalised).

    Most tagged comments hold inline tags only (links, emphasis). Then every rule
    about block tags is a no-op but for the ``<p>`` this function adds itself,
    and ``shortcut`` skips them (a property test checks it changes nothing).
    """
    # Like WordPress, keep <pre> out of the paragraph rules. Its tag does not
    # survive sanitising, so its lines are kept as line breaks instead.
    pres: list[str] = []
    lowered = text.lower()
    if "<pre" in lowered:

        def hold(match: re.Match[str]) -> str:
            pres.append(match.group(0).replace("\n", "<br />\n"))
            return f"<pre wp-pre-tag-{len(pres) - 1}></pre>"

        text = _PRE.sub(hold, text)
        lowered = text.lower()
    has_br = "<br" in lowered
    blocks = not shortcut or not _BLOCK_NAMES.isdisjoint(_TAG_NAMES.findall(lowered))
    if not (blocks or has_br or pres):
        # Inline tags and no <br>: no rule about tags can add or remove a break,
        # so the plain-text rules give the same paragraphs (a property test checks).
        return _autop_plain(_unbreak_tags(text))
    text = _DOUBLE_BR.sub("\n\n", text + "\n") if has_br else text + "\n"
    if blocks:
        text = _BLOCK_OPEN.sub(r"\n\n\1", text)
        text = _BLOCK_CLOSE.sub(r"\1\n\n", text)
        text = _HR.sub(r"\1\n\n", text)
    text = _trim_lines(_unbreak_tags(text))
    paragraphs = [part.strip("\n") for part in _PARAGRAPH_SPLIT.split(text)]
    text = "".join(f"<p>{part}</p>\n" for part in paragraphs if part.strip())
    text = _EMPTY_P.sub("", text)
    if blocks:
        text = _P_IN_DIV.sub(r"<p>\1</p></\2>", text)
        text = _P_AROUND_BLOCK.sub(r"\1", text)
        text = _P_AROUND_LI.sub(r"\1", text)
        text = _P_BLOCKQUOTE.sub(r"<blockquote\1><p>", text)
        text = text.replace("</blockquote></p>", "</p></blockquote>")
        text = _P_BEFORE_BLOCK.sub(r"\1", text)
        text = _P_AFTER_BLOCK.sub(r"\1", text)
    if has_br:
        text = _BR_VARIANTS.sub("<br />", text)
    if blocks:
        text = _NEWLINE_NOT_AFTER_BR.sub("<br />\n", text)
        text = _BR_AFTER_BLOCK.sub(r"\1", text)
        text = _BR_BEFORE_BLOCK.sub(r"\1", text)
    else:  # the only block tags are the <p> and </p> added above
        # A <br /> for every newline not after one, as two replaces (the regex
        # substitutes through a Python call per newline): two <br /> in a row
        # can only come from the first replace, as _DOUBLE_BR took the others.
        text = text.replace("\n", "<br />\n")
        if has_br:
            text = text.replace("<br /><br />\n", "<br />\n")
        # The regex's common case as a plain replace: substituting through the
        # template costs a Python call per match.
        text = _BR_AFTER_P.sub(r"\1", text.replace("</p><br />", "</p>"))
        text = _BR_BEFORE_P.sub(r"\1", text)
    # The last paragraph's newline was turned into a <br /> before </p>: undo it,
    # and drop the <br /> that the final "\n" of the text got.
    text = text.replace("<br />\n</p>", "</p>")
    text = text.removesuffix("<br />\n")
    if pres:
        text = _PRE_PLACEHOLDER.sub(lambda match: pres[int(match.group(1))], text)
    return text.strip()


def autop_paragraphs(text: str) -> list[str]:
    """The paragraphs :func:`wpautop` makes of text without a single tag, newlines kept."""
    parts = (part.strip("\n") for part in _PARAGRAPH_SPLIT.split(_trim_lines(text + "\n")))
    return [part for part in parts if part.strip()]


def _unbreak_tags(text: str) -> str:
    """A newline inside a tag (``<a\nhref=…>``) is not a line break: a space instead."""
    if not _TAG_WITH_NEWLINE.search(text):  # (a callback per tag otherwise, for nothing)
        return text
    return _ANY_TAG.sub(lambda tag: tag.group(0).replace("\n", " "), text)


def _autop_plain(text: str) -> str:
    """:func:`wpautop` for text without a single tag (most comments), without its regexes.

    Without tags, every tag rule is a no-op: what is left is trimming lines,
    splitting paragraphs at blank lines and turning the remaining newlines into
    ``<br />`` (tests/test_render_html.py checks it against the full rules).
    """
    return "\n".join(
        "<p>" + part.replace("\n", "<br />\n") + "</p>" for part in autop_paragraphs(text)
    )


# --------------------------------------------------------------------------- links

_URL_IN_TEXT = re.compile(
    r"(?<![\w/.@=\"'&;:#%-])((?:https?://|www\.)[^\s<>\"'`{}|\\^\[\]]+)", re.IGNORECASE
)
_TAG_NAME = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
# Inside these, text is not linked (WordPress's make_clickable skips the same).
_NO_LINKS = frozenset({"a", "code", "pre", "script", "style", "textarea"})


def _trim_url(url: str) -> tuple[str, str]:
    """Split trailing punctuation (and an unbalanced ``)``) off a URL found in text."""
    rest = ""
    while url:
        last = url[-1]
        if last in ".,;:!?" or (last == ")" and url.count("(") < url.count(")")):
            url, rest = url[:-1], last + rest
        else:
            break
    return url, rest


def _link(match: re.Match[str]) -> str:
    url, rest = _trim_url(match.group(1))
    if len(url) <= len("www.") or url.lower() in ("http://", "https://"):
        return match.group(0)
    href = url if "://" in url else "http://" + url
    return f'<a href="{href}" rel="nofollow">{url}</a>{rest}'


def make_clickable(html: str) -> str:
    """Turn bare ``http(s)://`` and ``www.`` URLs in text into links, as WordPress does.

    Text inside ``<a>``, ``<code>`` and ``<pre>`` is left alone. The input may be
    hostile: the result is sanitised afterwards, never trusted on its own.
    """
    if not _url_in_text(html):
        return html
    return _link_urls(html)


def _url_in_text(html: str) -> bool:
    """Whether a ``://`` or ``www.`` stands outside every tag (most links of tagged
    comments are in an ``href`` only). Tags are what :data:`_ANY_TAG` matches."""
    lowered = html.lower()
    for needle in ("://", "www."):
        at = lowered.find(needle)
        while at != -1:
            opened = html.rfind("<", 0, at) > html.rfind(">", 0, at)
            closes = html.find(">", at)
            in_tag = opened and closes != -1 and html.find("<", at, closes) == -1
            if not in_tag:
                return True
            at = lowered.find(needle, at + 1)
    return False


def _link_urls(html: str) -> str:
    """:func:`make_clickable` without its shortcut."""
    out: list[str] = []
    skipping = 0
    position = 0
    for tag in _ANY_TAG.finditer(html):
        text = html[position : tag.start()]
        out.append(_URL_IN_TEXT.sub(_link, text) if not skipping else text)
        out.append(tag.group(0))
        position = tag.end()
        name = _TAG_NAME.match(tag.group(0))
        if name and name.group(2).lower() in _NO_LINKS:
            skipping = max(0, skipping - 1) if name.group(1) else skipping + 1
    text = html[position:]
    out.append(_URL_IN_TEXT.sub(_link, text) if not skipping else text)
    return "".join(out)


# Characters that do not belong raw in a published URL. Percent-encoding them
# keeps links working and leaves no quote, space or angle bracket to break out of
# an attribute or a Markdown link.
_URL_SAFE = "/:?#[]@!$&'*+,;=%~-._"
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")
_SCRIPTISH_SCHEME = re.compile(r"(javascript|vbscript|livescript)(:)", re.IGNORECASE)
# What quote() leaves alone with safe=_URL_SAFE: ASCII letters, digits, "_.-~" and those.
_URL_AS_IS = re.compile(r"[A-Za-z0-9_.\-~" + re.escape(_URL_SAFE) + r"]*")


def safe_url(url: object, schemes: frozenset[str] = WEB_SCHEMES) -> str | None:
    """``url`` normalised for publishing if its scheme is one of ``schemes``, else ``None``.

    Relative URLs are refused (they pointed at the old site). Spaces, quotes,
    angle brackets, parentheses and non-ASCII characters are percent-encoded, and a
    ``javascript:`` inside an http URL's query becomes ``javascript%3A``.

    >>> safe_url("http://example.com/a b")
    'http://example.com/a%20b'
    >>> safe_url("javascript:alert(1)") is None
    True
    """
    if not isinstance(url, str):
        return None
    # The same URLs come back again and again (a commenter's site, a linked post).
    return (_remembered_url if len(url) <= MAX_CHARS else _safe_url)(url, schemes)


def _safe_url(url: str, schemes: frozenset[str]) -> str | None:
    # Browsers ignore surrounding blanks and tabs or newlines anywhere in a URL
    # ("java\tscript:"), so judge the scheme the way they would read it.
    compact = url.strip("\x00\x20\t\n\r\f\v").replace("\t", "").replace("\n", "")
    compact = compact.replace("\r", "")
    match = _SCHEME.match(compact)
    if not match or match.group(1).lower() not in schemes:
        return None
    scheme = match.group(1).lower()
    rest = compact[match.end() :]
    if scheme in WEB_SCHEMES and not rest.startswith("//"):
        return None
    if len(rest.strip("/")) == 0:
        return None
    encoded = _SCRIPTISH_SCHEME.sub(r"\1%3A", _percent_encode(rest))
    return f"{scheme}:{encoded}"


_remembered_url = memo(_safe_url)


def _percent_encode(text: str) -> str:
    """Percent-encode what does not belong raw in a published URL (see _URL_SAFE)."""
    if _URL_AS_IS.fullmatch(text):  # quote() would change nothing (most URLs)
        return text
    return quote(_CONTROL_OR_SPACE.sub(" ", text), safe=_URL_SAFE, errors="replace")


# --------------------------------------------------------------------------- sanitiser

_SCRIPTISH_TEXT = re.compile(r"(javascript|vbscript|livescript)\s*:", re.IGNORECASE)
_HANDLER_TEXT = re.compile(r"\b(on[a-z]+)(\s*)=", re.IGNORECASE)
_SUSPICIOUS_ATTRIBUTE = re.compile(
    r"(javascript|vbscript|livescript)\s*:|\bon[a-z]+\s*=|[<>]", re.IGNORECASE
)
# nh3 escapes "<" in text and quotes attribute values with '"' (escaping '"'), so
# this splits its output into tags and text exactly.
# (Written "unrolled": the same language as <(?:[^>"]|"[^"]*")*>, without an
# alternation per character.)
_SANITISED_TAG = re.compile(r'<[^>"]*(?:"[^"]*"[^>"]*)*>')


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href":
        return safe_url(value, HREF_SCHEMES)
    if attribute == "cite":
        return safe_url(value, WEB_SCHEMES)
    if _SUSPICIOUS_ATTRIBUTE.search(value):
        # A title or datetime has no business holding these; a harmless value
        # never does, and dropping a tooltip loses nothing a reader needs.
        return None
    return value


#: An exception raised in :func:`_attribute_filter` while nh3 runs, to raise after it.
_filter_failed: list[BaseException] = []


def _guarded_attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    # nh3 calls this from Rust: an exception raised here is printed ("Exception
    # ignored in: ('a', 'href', …)") and lost, the attribute dropped. Ctrl-C or
    # SIGTERM landing here (their handler raises where the program is) would be
    # lost so, the run going on to the end with that post's links gone. It is
    # kept and raised when nh3 returns (the attribute is dropped meanwhile).
    try:
        return _attribute_filter(tag, attribute, value)
    except BaseException as exc:
        _filter_failed.append(exc)
        return None


def _checked(clean: Callable[[str], str]) -> Callable[[str], str]:
    def run(html: str) -> str:
        _filter_failed.clear()
        result = clean(html)
        if _filter_failed:
            failed = _filter_failed[0]
            _filter_failed.clear()
            raise failed
        return result

    return run


def _make_cleaner() -> Callable[[str], str]:
    options = {
        "tags": set(COMMENT_TAGS) | set(AUTOP_TAGS),
        # Gone with their content: never shown to readers (an iframe's content is
        # raw text that would otherwise come out as escaped markup).
        "clean_content_tags": {"script", "style", "iframe", "noscript", "noembed", "noframes",
                               "template"},
        "attributes": {tag: set(names) for tag, names in COMMENT_TAGS.items() if names},
        "attribute_filter": _guarded_attribute_filter,
        "url_schemes": set(HREF_SCHEMES),
        "link_rel": LINK_REL,
        "strip_comments": True,
    }
    if hasattr(nh3, "Cleaner"):  # nh3 >= 0.3: build the rules once
        return _checked(nh3.Cleaner(**options).clean)  # type: ignore[arg-type]
    return _checked(lambda html: nh3.clean(html, **options))  # type: ignore[arg-type]


_clean = _make_cleaner()


def _defuse_text(html: str) -> str:
    """Write ``javascript:`` and ``onclick=`` in text with character references.

    Applied to the sanitised HTML as a whole: no tag or attribute name can match
    after nh3 (``on…`` attributes are gone), and inside an attribute value the
    references decode back to the same characters, so links keep working.
    """
    if ":" in html and has_script_scheme(html.lower()):
        html = _SCRIPTISH_TEXT.sub(lambda m: m.group(0)[:-1] + "&#58;", html)
    if "=" in html and has_handler(html):
        html = _HANDLER_TEXT.sub(r"\1\2&#61;", html)
    return html


def has_script_scheme(lowered: str) -> bool:
    """Whether some ``script`` is followed by ``:`` (a superset of what _SCRIPTISH_TEXT finds)."""
    at = lowered.find("script")
    while at != -1:
        after = at + len("script")
        while after < len(lowered) and lowered[after].isspace():
            after += 1
        if lowered.startswith(":", after):
            return True
        at = lowered.find("script", after)
    return False


def has_handler(html: str) -> bool:
    """Whether some ``=`` follows a word starting with ``on`` (what _HANDLER_TEXT finds).

    Looking back from each ``=`` is much cheaper than the regex, which tries
    every ``on`` of the text (on, one, long, month…). It may say yes where the
    regex then finds nothing (a word like "Bonn="), never the reverse.
    """
    at = html.find("=")
    while at != -1:
        end = at
        while end > 0 and html[end - 1].isspace():
            end -= 1
        start = end
        # isalpha() over-approximates [a-z] (case-insensitively it also takes
        # U+017F, long s, and the Kelvin sign): a superset is what a pre-check needs.
        while start > 0 and html[start - 1].isalpha():
            start -= 1
        if end - start > 2 and html[start : start + 2].lower() == "on":
            return True
        at = html.find("=", at + 1)
    return False


_SURROGATE = re.compile(r"[\ud800-\udfff]")
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>\n?")

#: Deepest ``<blockquote>`` nesting kept in a comment (WordPress's own deepest
#: reply thread is 10; a comment quoting a quote of a quote rarely goes past 3).
#: What each Markdown line costs grows with it: see :func:`cap_quotes`.
MAX_QUOTE_DEPTH = 16
# The sanitiser's blockquote tags: its only attribute (cite) passed safe_url,
# which percent-encodes ">", and "<" in text is escaped, so this finds exactly them.
_QUOTE_TAG = re.compile(r"<(/?)blockquote(?:\s[^>]*)?>")


def cap_quotes(html: str, limit: int = MAX_QUOTE_DEPTH) -> str:
    """Sanitised HTML with quotes nested at most ``limit`` deep, every word kept.

    The tags of the quotes below ``limit`` are replaced with a newline (white
    space: the words on either side stay apart, as the quote's paragraph break
    kept them), so their content sits in the deepest quote allowed, in order.
    Markdown writes a quote's ``>`` chain on every line it holds: capped, the
    output of any comment is at most a constant times its size.

    >>> cap_quotes("<blockquote><blockquote><p>deep</p></blockquote></blockquote>", 1)
    '<blockquote>\\n<p>deep</p>\\n</blockquote>'
    """
    if html.count("<blockquote") <= limit:  # (most comments: none at all)
        return html
    depth = 0

    def one(match: re.Match[str]) -> str:
        nonlocal depth
        if match.group(1):  # an end tag: the sanitiser's output is balanced
            depth -= 1
            return match.group(0) if depth < limit else "\n"
        depth += 1
        return match.group(0) if depth <= limit else "\n"

    return _QUOTE_TAG.sub(one, html)


def sanitise(html: str) -> str:
    """Sanitise HTML to the comment policy (see the module docstring), without wpautop."""
    # A paragraph that held only a removed tag (<img>, <iframe>) would be an empty gap.
    return cap_quotes(_EMPTY_PARAGRAPH.sub("", _defuse_text(_clean(html))).strip())


_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?")


def plain_text(content: str) -> str | None:
    """The text of a comment that is plain text, its references decoded; else ``None``.

    Plain: no tag, no URL for make_clickable, and no reference that decodes to
    white space or a control character (those would change the paragraph rules).
    """
    if "<" in content or ">" in content or "\r" in content or "\x00" in content:
        return None
    if "://" in content or "www." in content.lower():
        return None
    if "&" not in content:
        return content
    for reference in _REFERENCE.findall(content):
        decoded = html_module.unescape(reference)
        if decoded != reference and any(ch.isspace() or not ch.isprintable() for ch in decoded):
            return None
    decoded = html_module.unescape(content)
    if "://" in decoded or "www." in decoded.lower():
        return None
    return decoded


def _escape_text(text: str) -> str:
    """``&``, ``<`` and ``>`` as the sanitiser writes them (the paragraph rules
    see no-break spaces as spaces, so those are written after them)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def read_comment(content: object) -> tuple[str, str | None]:
    """A stored comment made ready for the rules: ``(text, plain)``.

    ``text`` is ``""`` when there is nothing to show, with lone surrogates
    replaced otherwise (possible in JSON input; nh3 needs valid Unicode);
    ``plain`` is :func:`plain_text` of it, ``None`` when it needs the HTML rules.
    """
    if not isinstance(content, str) or not content.strip():
        return "", None
    if not content.isascii() and _SURROGATE.search(content):
        content = _SURROGATE.sub("\ufffd", content)
    return content, plain_text(content)


def tagged_html(text: str) -> str:
    """:func:`comment_html` of a comment that is not plain text (see :func:`read_comment`)."""
    return sanitise(wpautop(make_clickable(text)))


def comment_html(content: object) -> str:
    """A stored comment as publishable HTML: links made, paragraphs applied, sanitised.

    >>> comment_html('Hi<script>alert(1)</script>\\n<a href="javascript:x" onclick="y">z</a>')
    '<p>Hi<br>\\n<a rel="nofollow ugc">z</a></p>'
    """
    text, plain = read_comment(content)
    if plain is not None:
        # Plain text (most comments): wpautop adds the only tags, and the
        # sanitiser would only decode the references, then escape &, <, > and
        # the no-break space and write "<br />" as "<br>" (property tests check
        # this against the full path).
        html = wpautop(_escape_text(plain)).replace("<br />", "<br>").replace("\xa0", "&nbsp;")
        return _defuse_text(html)
    return tagged_html(text) if text else ""
