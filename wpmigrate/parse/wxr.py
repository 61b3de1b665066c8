"""Streaming WXR reader: export bytes in, :class:`~wpmigrate.models.Post` records out.

One ``<item>`` is in memory at a time: lxml's pull parser builds it, the reader
turns it into a :class:`Post` with its :class:`Comment` list, and the element is
cleared and detached before the next one is read, so memory is bounded by the
largest post, not by the file.

The WordPress namespace is recognised from the tags themselves (any
``http(s)://wordpress.org/export/X.Y/``), so WXR 1.0, 1.1 and 1.2 read alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from lxml import etree

from ..errors import DataError
from ..models import (
    Author,
    Comment,
    Post,
    Site,
    gmt_from_local,
    iso_utc,
    normalise_status,
    normalise_type,
    plain_text,
)
from .repair import UNDECLARED_NAMESPACE, NeedsRepair, Repairs, normalise
from .seen import SeenKeys, SeenPosts
from .sources import Source, read_all

_UNDECLARED = "{" + UNDECLARED_NAMESPACE + "}"
_WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/\d+\.\d+/$")
_DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
_MYSQL_DATE = re.compile(
    r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]) (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d"
)
_ZERO_DATES = frozenset({"", "0000-00-00 00:00:00", "0000-00-00"})

#: Local names of the ``wp:`` children of an item the reader uses.
_ITEM_FIELDS = frozenset(
    {
        "post_id",
        "post_date",
        "post_date_gmt",
        "post_name",
        "status",
        "post_type",
        "post_parent",
        "post_password",
    }
)
_COMMENT_FIELDS = frozenset(
    {
        "comment_id",
        "comment_author",
        "comment_author_email",
        "comment_author_url",
        "comment_author_IP",
        "comment_date",
        "comment_date_gmt",
        "comment_content",
        "comment_approved",
        "comment_type",
        "comment_parent",
        "comment_user_id",
        "commentmeta",
        "comment",
    }
)
_META_FIELDS = frozenset({"meta_key", "meta_value"})
_META = "\0meta"  # the key meta travels under beside the fields (no field is named so)
_AUTHOR_FIELDS = frozenset({"author_id", "author_login", "author_email", "author_display_name"})
#: What comments outside any item are read against (post id 0 is never a real post's).
_NO_POST = Post(id=0, type="")
#: The largest comment read, in bytes of XML (its ``<wp:comment>`` element: text and
#: meta), unless ``--max-comment-size`` says otherwise. WordPress stores a comment's
#: text in a MySQL TEXT column (64 KB) and meta values in LONGTEXT; this is a
#: thousand times the first and far above any meta a plugin writes, and it keeps
#: a corrupt or hostile export (a .gz of 300 KB can hold a 300 MB comment, which
#: took 1.5 GB of memory) from taking gigabytes before it fails.
MAX_COMMENT_SIZE = 64 << 20


def format_size(size: int) -> str:
    """``67108864`` -> ``64 MiB`` (what ``--max-comment-size`` reads back)."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size >= 1 << shift and size % (1 << shift) == 0:
            return f"{size >> shift} {unit}"
    return f"{size:,} bytes"


def wp_local_name(tag: object) -> str | None:
    """The local name of a tag in a WordPress export namespace, else ``None``.

    >>> wp_local_name("{https://wordpress.org/export/1.2/}comment")
    'comment'
    >>> wp_local_name("{http://purl.org/dc/elements/1.1/}creator") is None
    True
    """
    if not isinstance(tag, str) or not tag.startswith("{"):
        return None
    namespace, _, local = tag[1:].partition("}")
    return local if _WP_NAMESPACE.match(namespace) else None


def _text(element: etree._Element) -> str:
    """An element's text: ``''`` for empty (or empty CDATA), never ``None``.

    A field holding elements (HTML written without CDATA) gives all its text.
    """
    if len(element):
        return "".join(str(text) for text in element.itertext())
    return element.text or ""


class _TagTable(dict[object, str | None]):
    """Memo of tag → the field it carries (or ``None``), built on first sight of a tag."""

    def __init__(self, wanted: frozenset[str], extra: dict[str, str] | None = None) -> None:
        super().__init__()
        self.wanted = wanted
        self.extra = extra or {}

    def __missing__(self, tag: object) -> str | None:
        local = wp_local_name(tag)
        if local in self.wanted:
            key: str | None = local
        else:
            key = self.extra.get(tag) if isinstance(tag, str) else None
        self[tag] = key
        return key


@dataclass(slots=True)
class _Dates:
    """Turns MySQL datetimes into ISO 8601, counting what had to be repaired.

    WordPress writes ``YYYY-MM-DD HH:MM:SS``: that form is converted by slicing
    (the hot path) once it is known to be a real date. Anything else is parsed
    as ISO 8601; a local time keeps its wall clock, a UTC time is converted to
    UTC; an impossible date becomes ``None`` and is counted.
    """

    repairs: Repairs

    def local(self, raw: str) -> tuple[str | None, datetime | None]:
        """ISO local time, and its datetime when parsing it was needed anyway."""
        value = raw.strip()
        if _MYSQL_DATE.fullmatch(value) and _real_day(value):
            return value[:10] + "T" + value[11:], None
        moment = self._parse(value, to_utc=False)
        return (None if moment is None else moment.isoformat(timespec="seconds")), moment

    def utc(self, raw: str) -> str | None:
        """ISO UTC time with ``Z``."""
        value = raw.strip()
        if _MYSQL_DATE.fullmatch(value) and _real_day(value):
            return value[:10] + "T" + value[11:] + "Z"
        return iso_utc(self._parse(value, to_utc=True))

    def moment(self, raw: str, to_utc: bool = False) -> datetime | None:
        """The datetime of a value :meth:`local` or :meth:`utc` already accepted."""
        value = raw.strip()
        if value in _ZERO_DATES:
            return None
        try:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None and to_utc:
                moment = moment - (moment.utcoffset() or timedelta())
        except (ValueError, OverflowError):
            return None
        return moment.replace(tzinfo=None)

    def _parse(self, value: str, to_utc: bool) -> datetime | None:
        if value in _ZERO_DATES:
            return None
        moment = self.moment(value, to_utc)
        if moment is None:
            self.repairs["bad_dates"] += 1
        return moment


def _real_day(value: str) -> bool:
    """Whether a ``YYYY-MM-DD …`` the pattern accepted names a real day (not 02-30)."""
    if value[8:10] <= "28":
        return True
    try:
        datetime.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


_ITEM_END = b"</item>"


def _item_pieces(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The stream cut right after each ``</item>``: one item's end per piece, at its end.

    A feed that succeeds has then finished exactly the items whose end tags it
    held, and a feed that fails holds no complete item: whatever the parser
    does at a fault, no half-read item is taken for a whole one.
    """
    tail = b""
    for chunk in chunks:
        if tail:
            chunk = tail + chunk
            tail = b""
        start = 0
        while (at := chunk.find(_ITEM_END, start)) != -1:
            end = at + len(_ITEM_END)
            yield chunk[start:end]
            start = end
        rest = chunk[start:] if start else chunk
        # Hold back a "</it" the next chunk may finish.
        keep = next(
            (n for n in range(min(len(rest), len(_ITEM_END) - 1), 0, -1)
             if _ITEM_END.startswith(rest[-n:])),
            0,
        )
        if keep:
            tail = rest[-keep:]
            rest = rest[:-keep]
        if rest:
            yield rest
    if tail:
        yield tail


#: libxml2 error codes, by what they mean here (lxml's ErrorTypes has the numbers).
_ERROR_TEXT = {
    etree.ErrorTypes.ERR_CDATA_NOT_FINISHED: "CDATA section not finished",
    etree.ErrorTypes.ERR_TAG_NAME_MISMATCH: "opening and ending tag mismatch",
    etree.ErrorTypes.ERR_TAG_NOT_FINISHED: "premature end of data in a tag",
    etree.ErrorTypes.ERR_DOCUMENT_END: "extra content at the end of the document",
    etree.ErrorTypes.ERR_UNDECLARED_ENTITY: "undeclared entity",
    etree.ErrorTypes.ERR_NAME_REQUIRED: "a name was expected",
    etree.ErrorTypes.ERR_GT_REQUIRED: "'>' was expected",
    etree.ErrorTypes.ERR_LT_IN_ATTRIBUTE: "'<' in an attribute value",
    etree.ErrorTypes.ERR_INVALID_CHAR: "a character not allowed in XML",
    etree.ErrorTypes.ERR_MISPLACED_CDATA_END: "']]>' outside a CDATA section",
}


def _libxml2_message(exc: etree.XMLSyntaxError) -> str:
    """What went wrong, in one line that quotes no comment text.

    libxml2's own first line is used (it names the tags involved), behind a
    wording of ours for the error codes that matter: its text has changed
    between versions (2.14 lost some messages), its code has not.
    """
    code: int = exc.code  # type: ignore[attr-defined]  # lxml's ParseError.code; stubs lag
    ours = _ERROR_TEXT.get(code)
    # libxml2 appends a quote of the text to some messages ("CData section not
    # finished\n<the comment so far>"): the error must stay one line, and must
    # not echo comment text.
    theirs = re.sub(r",? line \d+, column \d+.*$", "", (exc.msg or "").strip().split("\n", 1)[0])
    if ours is None:
        return theirs or f"libxml2 error {code}"
    detail = theirs.partition(":")[2].strip() if ":" in theirs else ""
    return f"{ours}: {detail}" if detail else ours


class _RefuseAll(etree.Resolver):
    """Resolves every external entity or DTD to nothing: no file or URL is opened."""

    # lxml calls resolve(url, pubid, context); lxml-stubs know an older signature.
    def resolve(  # type: ignore[override]
        self, url: str | None, pubid: str | None, context: object
    ) -> object:
        return self.resolve_string("", context)  # type: ignore[call-arg]


def _release(item: etree._Element) -> None:
    """Free a read item and everything before it in its parent."""
    item.clear(keep_tail=False)  # type: ignore[call-arg]  # lxml-stubs lag behind
    parent = item.getparent()
    if parent is not None:
        while item.getprevious() is not None:
            del parent[0]


def _since_last_item(item: etree._Element) -> list[etree._Element]:
    """The siblings between the previous item (released, so at most one) and ``item``."""
    found = []
    previous = item.getprevious()
    while previous is not None and previous.tag != "item":
        found.append(previous)
        previous = previous.getprevious()
    return found[::-1]


def _after_last_item(channel: etree._Element) -> list[etree._Element]:
    """The children of ``channel`` after its last item (all of them if it has none)."""
    found = []
    for child in reversed(channel):
        if child.tag == "item":
            break
        found.append(child)
    return found[::-1]


class IdPool:
    """Negative ids for items and comments that have none: -1, -2, …

    Shared by every reader of one run (ids stay unique across files) and
    rewindable, so a document read a second time gets the same ids.
    """

    def __init__(self) -> None:
        self.next_id = -1

    def __iter__(self) -> IdPool:
        return self

    def __next__(self) -> int:
        value = self.next_id
        self.next_id -= 1
        return value


@dataclass
class WxrReader:
    """Reads one export document. Create one per source; iterate :meth:`posts`.

    After iteration, :attr:`site` and :attr:`authors` describe the export.
    """

    source: str
    repairs: Repairs = field(default_factory=Repairs)
    synthetic_ids: Iterator[int] = field(default_factory=IdPool)
    encoding: str | None = None
    """Overrides the encoding the document declares."""
    repair: bool = True
    """Repair known defects; ``False`` is the fast path, which raises
    :class:`~wpmigrate.parse.repair.NeedsRepair` at the first defect instead."""
    skip: int = 0
    """Read but do not yield this many items (a second, repairing read)."""
    max_comment_size: int = MAX_COMMENT_SIZE
    """Stop with a :class:`DataError` at a comment larger than this (bytes of XML)."""
    site: Site | None = None
    authors: dict[str, Author] = field(default_factory=dict)
    posts_read: int = 0
    _dates: _Dates = field(init=False)
    _item_tags: _TagTable = field(init=False)
    _comment_tags: _TagTable = field(init=False)
    _meta_tags: _TagTable = field(init=False)
    _author_tags: _TagTable = field(init=False)
    _channels: int = 0
    _depth: int = 0
    """How many ``<item>`` elements are open (more than one: nested items)."""
    _in_item: bool = False
    _nested: list[etree._Element] = field(default_factory=list)
    """``wp:comment`` elements found inside the comment being read."""
    _root_closed: bool = False
    _fed: int = 0
    """Bytes given to the parser so far."""
    _comment_at: tuple[int, int] | None = None
    """``(_fed, line)`` when the open ``<wp:comment>`` started, if one is open."""
    _comments_open: int = 0

    def __post_init__(self) -> None:
        self._dates = _Dates(self.repairs)
        item_extra = {"title": "title", "link": "link", "guid": "guid", _DC_CREATOR: "creator"}
        self._item_tags = _TagTable(_ITEM_FIELDS | {"comment"}, item_extra)
        self._comment_tags = _TagTable(_COMMENT_FIELDS)
        self._meta_tags = _TagTable(_META_FIELDS)
        self._author_tags = _TagTable(_AUTHOR_FIELDS)

    # --- driving the parser -------------------------------------------------------

    def posts(self, chunks: Iterable[bytes]) -> Iterator[Post]:
        """Yield every item of the export, each with its comments, in file order.

        Raises :class:`DataError` on XML that is not well-formed after repair,
        after yielding every item completed before the fault.
        """
        parser = etree.XMLPullParser(
            events=("start", "end"),
            # ("{*}comment": its start and end events bound the comment's size.)
            tag=("rss", "channel", "item", "{*}author", "{*}comment", _UNDECLARED + "*"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=True,  # a 50 MB comment is a text node over libxml2's 10 MB default
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
            encoding="utf-8",  # repair.normalise has re-encoded whatever the file was
        )
        # Defence in depth behind repair's DOCTYPE refusal: libxml2 still opens an
        # external parameter entity (%pe;) with resolve_entities=False.
        parser.resolvers.add(_RefuseAll())
        stream = normalise(chunks, self.source, self.repairs, self.encoding, repair=self.repair)
        for piece in _item_pieces(stream):
            try:
                parser.feed(piece)
            except etree.XMLSyntaxError as exc:
                # Whatever libxml2 reports after a fault (some versions close the
                # open elements, so a half-read item looks complete) is not taken:
                # every item a successful feed finished was yielded already.
                raise self._fault(exc) from None
            self._fed += len(piece)
            yield from self._drain(parser)
            if self._comment_at is not None:
                self._check_comment_size()
        try:
            parser.close()
        except etree.XMLSyntaxError as exc:
            raise self._fault(exc, at_end=True) from None
        yield from self._drain(parser)
        if self.site is None:
            raise DataError("not a WXR export: no <channel> element", self.source)

    def _check_comment_size(self) -> None:
        """Stop before an oversized comment takes the memory its text would.

        The parser (which knows CDATA from markup) says where a comment starts and
        ends; what was fed in between is counted here, between two feeds, so the
        comment's text never grows more than one piece past the limit.
        """
        assert self._comment_at is not None
        start, line = self._comment_at
        if self._fed - start <= self.max_comment_size:
            return
        read = self.posts_read
        raise DataError(
            f"a comment larger than {format_size(self.max_comment_size)} starts here "
            f"(raise the limit with --max-comment-size); "
            f"{read} {'post was' if read == 1 else 'posts were'} read before it",
            self.source,
            line,
        )

    def _fault(self, exc: etree.XMLSyntaxError, at_end: bool = False) -> Exception:
        """What a parse error means: a defect to repair on the fast path, else the end."""
        if not self.repair:
            return NeedsRepair(str(exc))
        return self._syntax_error(exc, at_end)

    def _drain(self, parser: etree.XMLPullParser) -> Iterator[Post]:
        for event, found in parser.read_events():
            element = cast(etree._Element, found)  # no "start-ns" events were asked for
            tag = element.tag
            if event == "start" and element.getparent() is None and tag != "rss":
                # libxml2 (2.14) can stop at some errors without raising and take
                # what follows as a new document: nothing after that is the export.
                raise self._lost_place(element)
            if tag[-8:] == "}comment":  # any namespace's: only a size is taken from it
                # Counted from the outermost: a <x:comment/> inside one must not
                # restart the count of the text around it.
                if event == "start":
                    self._comments_open += 1
                    if self._comment_at is None:
                        self._comment_at = (self._fed, cast(int, element.sourceline) or 0)
                else:
                    self._comments_open -= 1
                    if self._comments_open <= 0:
                        self._comments_open = 0
                        self._comment_at = None
            elif tag == "item":
                if event == "start":
                    self._depth += 1
                    if self._depth == 1:
                        self._in_item = True
                        if self.site is None:
                            self._read_site(element.getparent())
                        # Whatever precedes the item is complete now: comments
                        # among it come out in file order, before the item.
                        strays = self._strays(_since_last_item(element))
                        if strays:
                            yield from self._counted(self._detached(strays))
                    continue
                self._depth -= 1
                post = self._read_post(element)
                if self._depth:
                    # An <item> inside an item: read as a post of its own (the
                    # WordPress Importer ignores it), and taken out of the outer
                    # item without touching the outer item's own fields.
                    self.repairs["nested_items"] += 1
                    parent = element.getparent()
                    if parent is not None:
                        parent.remove(element)
                else:
                    self._in_item = False
                    _release(element)
                yield from self._counted(post)
            elif tag == "channel":
                if event == "start":
                    self._channels += 1
                    if self._channels > 1:
                        self.repairs["extra_channels"] += 1
                    self._check_namespace(element)
                else:
                    if self.site is None:
                        self._read_site(element)
                    strays = self._strays(_after_last_item(element))
                    if strays:
                        yield from self._counted(self._detached(strays))
            elif tag == "rss":
                self._root_closed = event == "end"
                if event == "end":  # a comment even outside the channel is accounted for
                    outside = [child for child in element if child.tag != "channel"]
                    strays = self._strays(outside)
                    if strays:
                        yield from self._counted(self._detached(strays))
            elif tag.startswith(_UNDECLARED):
                if event == "end":
                    self.repairs["undeclared_prefixes"] += 1
            elif event == "end" and not self._in_item:
                # a channel-level <wp:author>; an RSS <author> inside an item is not one
                self._read_author(element)

    def _counted(self, post: Post) -> Iterator[Post]:
        """Yield ``post`` unless it is among the first :attr:`skip` (already yielded)."""
        self.posts_read += 1
        if self.posts_read > self.skip:
            yield post

    def _strays(self, elements: Iterable[etree._Element]) -> list[Comment]:
        """The ``wp:comment`` elements among channel children: comments outside any item."""
        found = (element for element in elements if wp_local_name(element.tag) == "comment")
        return self._read_comments(found, _NO_POST, None)

    def _detached(self, comments: list[Comment]) -> Post:
        """The comments found outside any item, as the post with id 0 (no post has it).

        WordPress's importer skips them; here they are read, and the moderation
        drops them as ``no-post``: every comment of the file is accounted for.
        """
        self.repairs["comments_outside_items"] += len(comments)
        return Post(id=0, type="", comments=comments)

    def _lost_place(self, element: etree._Element) -> Exception:
        """The parser gave an element outside the document: a fault it did not report."""
        if not self.repair:
            return NeedsRepair("the parser restarted")
        read = self.posts_read
        return DataError(
            f"malformed XML: the parser stopped here without saying why; "
            f"{read} {'post was' if read == 1 else 'posts were'} read before it",
            self.source,
            cast(int, element.sourceline) or 0,
        )

    def _check_namespace(self, element: etree._Element) -> None:
        namespaces = (element.nsmap or {}).values()
        if not any(uri and _WP_NAMESPACE.match(uri) for uri in namespaces):
            line = cast(int, element.sourceline) or 0
            raise DataError(
                "not a WXR export: an RSS feed without WordPress export data "
                "(no wordpress.org/export namespace); export from Tools > Export",
                self.source,
                line,
            )

    def _syntax_error(self, exc: etree.XMLSyntaxError, at_end: bool = False) -> DataError:
        """A parse error as one line: where, what, and how much was read before it.

        The classification rests on what the reader knows, not on libxml2's
        wording (which changes between versions): an error raised only when the
        input ended, with ``<rss>`` still open, is a truncated file.
        """
        line, column = exc.position if exc.position else (0, 0)
        read = self.posts_read
        posts = f"{read} complete {'post' if read == 1 else 'posts'}"
        if at_end and not self._root_closed:
            where = "inside an item" if self._in_item else "before the end of the channel"
            return DataError(
                f"malformed XML: the export is truncated: it ends {where}; "
                f"{read} {'post was' if read == 1 else 'posts were'} read before the cut",
                self.source,
                line,
                column,
            )
        message = _libxml2_message(exc)
        if self._in_item:
            message += (
                f" (inside the item after {posts}: that item and everything after it "
                "were not read)"
            )
        return DataError(f"malformed XML: {message}", self.source, line, column)

    # --- channel header -------------------------------------------------------------

    def _read_site(self, channel: etree._Element | None) -> None:
        site = Site(source=self.source)
        if channel is not None:
            link = base_site = base_blog = ""
            for child in channel:
                tag = child.tag
                if tag == "title":
                    site.title = plain_text(_text(child))
                elif tag == "link":
                    link = _text(child).strip()
                else:
                    local = wp_local_name(tag)
                    if local == "wxr_version":
                        site.wxr_version = _text(child).strip()
                    elif local == "base_site_url":
                        base_site = _text(child).strip()
                    elif local == "base_blog_url":
                        base_blog = _text(child).strip()
            site.url = base_blog or base_site or link
        self.site = site

    def _read_author(self, element: etree._Element) -> None:
        if wp_local_name(element.tag) != "author":
            return
        values = {}
        for child in element:
            key = self._author_tags[child.tag]
            if key:
                values[key] = _text(child).strip()
        login = values.get("author_login", "")
        if login:
            self.authors[login] = Author(
                login=login,
                id=_int_or_none(values.get("author_id", "")),
                email=values.get("author_email", ""),
                display_name=plain_text(values.get("author_display_name", "")),
            )
        # Cleared but left in place: the channel's title and link before it are
        # read when the first item starts, and released with everything else then.
        element.clear(keep_tail=False)  # type: ignore[call-arg]  # lxml-stubs lag behind

    # --- items and comments -------------------------------------------------------

    def _read_post(self, item: etree._Element) -> Post:
        values: dict[str, str] = {}
        comment_elements = []
        tags = self._item_tags
        for child in item:
            key = tags[child.tag]
            if key is None:
                continue
            if key == "comment":
                comment_elements.append(child)
            elif key == "guid":
                if child.get("isPermaLink", "true").strip().lower() != "false":
                    values["guid"] = _text(child).strip()
            elif key not in values:  # the first of a repeated field wins, as in WordPress
                values[key] = _text(child)

        post_id = _int_or_none(values.get("post_id", ""))
        if not post_id:
            post_id = _id_from_link(values.get("link", "")) or _id_from_link(values.get("guid", ""))
            if post_id:
                self.repairs["post_ids_from_links"] += 1
            else:
                post_id = next(self.synthetic_ids)
                self.repairs["missing_post_ids"] += 1
        dates = self._dates
        date, local = dates.local(values.get("post_date", ""))
        date_gmt = dates.utc(values.get("post_date_gmt", ""))
        offset = None
        if date is not None and date_gmt is not None:
            # Only a post knows the site's offset (local - UTC) at the time:
            # comments without a GMT date borrow it.
            local = local or dates.moment(values["post_date"])
            utc = dates.moment(values["post_date_gmt"], to_utc=True)
            if local is not None and utc is not None:
                offset = local - utc
        post = Post(
            id=post_id,
            title=plain_text(values.get("title", "")),
            slug=values.get("post_name", "").strip(),
            url=(values.get("link", "") or values.get("guid", "")).strip(),
            type=values.get("post_type", "").strip() or "post",
            status=values.get("status", "").strip(),
            protected=bool(values.get("post_password", "").strip()),
            author=plain_text(values.get("creator", "")),
            date=date,
            date_gmt=date_gmt,
            parent_id=_int_or_none(values.get("post_parent", "")) or 0,
            gmt_offset=offset,
        )
        author = self.authors.get(post.author)
        post.author_name = author.display_name if author and author.display_name else post.author
        post.comments = self._read_comments(comment_elements, post, author)
        _dedupe_within_post(post, self.synthetic_ids, self.repairs)
        return post

    def _read_comments(
        self, elements: Iterable[etree._Element], post: Post, author: Author | None
    ) -> list[Comment]:
        """The comments of ``elements`` in file order, each followed by any nested in it."""
        comments = []
        for element in elements:
            comments.append(self._read_comment(element, post, author))
            while self._nested:
                self.repairs["nested_comments"] += 1
                comments.append(self._read_comment(self._nested.pop(0), post, author))
        return comments

    def _fields_by_name(self, element: etree._Element) -> dict[str, Any]:
        """The fields of a comment in any order, first of a repeated field winning."""
        values: dict[str, Any] = {}
        meta: dict[str, str | list[str]] = {}
        tags = self._comment_tags
        for child in element:
            key = tags[child.tag]
            if key is None or key in values:
                continue
            if key == "commentmeta":
                _add_meta(meta, child, self._meta_tags)
            elif key == "comment":
                # A comment inside a comment (hand-edited exports): read as a
                # comment of the same post, never dropped unseen.
                self._nested.append(child)
            elif len(child):
                values[key] = _text(child)
            else:
                values[key] = child.text or ""
        values[_META] = meta
        return values

    def _read_comment(self, element: etree._Element, post: Post, author: Author | None) -> Comment:
        # The hot path: every comment of the export passes here, so lookups are
        # bound to locals. (Reading WordPress's fixed field order by position
        # was tried: list(element) and the checks cost more than they save.)
        values = self._fields_by_name(element)
        meta = values.pop(_META)
        get = values.get
        repairs = self.repairs

        comment_id = _number(get("comment_id", ""))
        if not comment_id:
            comment_id = next(self.synthetic_ids)
            repairs["missing_comment_ids"] += 1
        raw = get("comment_parent", "")
        parent_id = _number(raw)
        if parent_id is None:
            parent_id = 0
            if raw.strip():
                repairs["bad_parent_ids"] += 1
        raw = get("comment_user_id", "")
        user_id = _number(raw)
        if user_id is None:
            user_id = 0
            if raw.strip():
                repairs["bad_user_ids"] += 1

        dates = self._dates
        date, local = dates.local(get("comment_date", ""))
        date_gmt = dates.utc(get("comment_date_gmt", ""))
        if date_gmt is None and date is not None and post.gmt_offset is not None:
            moment = local or dates.moment(values["comment_date"])
            date_gmt = iso_utc(gmt_from_local(moment, post.gmt_offset))
            repairs["derived_gmt_dates"] += 1

        email = get("comment_author_email", "").strip()
        return Comment(
            comment_id,
            post.id,
            parent_id,
            plain_text(get("comment_author", "")),
            email,
            get("comment_author_url", "").strip(),
            get("comment_author_IP", "").strip(),
            user_id,
            date,
            date_gmt,
            get("comment_content", "").strip(),
            normalise_status(get("comment_approved", "1")),
            normalise_type(get("comment_type", "")),
            meta,
            _by_post_author(author, user_id, email),
        )


def _by_post_author(author: Author | None, user_id: int, email: str) -> bool:
    """The post author wrote it: same user id, or failing that the same e-mail.

    A name proves nothing (anyone can type one), and a user id only counts when
    the export's author table gives the post author that id.
    """
    if author is None:
        return False
    if user_id and author.id is not None and user_id == author.id:
        return True
    own = author.email.strip().lower()
    return bool(own) and email.lower() == own


def _add_meta(meta: dict[str, str | list[str]], element: etree._Element, tags: _TagTable) -> None:
    key = value = ""
    for child in element:
        field_name = tags[child.tag]
        text = (child.text or "") if not len(child) else _text(child)
        if field_name == "meta_key":
            key = text.strip()
        elif field_name == "meta_value":
            value = text
    if key:
        _put_meta(meta, key, value)


def _put_meta(meta: dict[str, str | list[str]], key: str, value: str) -> None:
    """Add a meta value; a key given several times maps to a list."""
    if not key:
        return
    present = meta.get(key)
    if present is None:
        meta[key] = value
    elif isinstance(present, list):
        present.append(value)
    else:
        meta[key] = [present, value]


def _dedupe_within_post(post: Post, synthetic_ids: Iterator[int], repairs: Repairs) -> None:
    """Drop exact repeats of a comment in one item; renumber different comments sharing an id."""
    seen: dict[int, Comment] = {}
    kept = []
    for comment in post.comments:
        first = seen.get(comment.id)
        if first is None:
            seen[comment.id] = comment
        elif first == comment:
            repairs["duplicate_comments"] += 1
            continue
        else:
            comment.id = next(synthetic_ids)
            repairs["renumbered_comments"] += 1
        kept.append(comment)
    post.comments = kept


_MAX_ID = 1 << 64
_WORD = (1 << 64) - 1
_ID_IN_LINK = re.compile(r"[?&](?:p|page_id|attachment_id)=(\d+)(?:&|#|$)")


def _id_from_link(link: str) -> int | None:
    """The post id in a default WordPress permalink (``/?p=42``), else ``None``."""
    found = _ID_IN_LINK.search(link.strip())
    return (_int_or_none(found.group(1)) or None) if found else None


def _number(raw: str) -> int | None:
    """:func:`_int_or_none`, with the common case (a few digits, no spaces) first."""
    if raw.isdigit() and raw.isascii() and len(raw) < 19:
        return int(raw)
    return _int_or_none(raw)


def _int_or_none(raw: str) -> int | None:
    """A non-negative ASCII integer (WordPress ids, parents, user ids), else ``None``."""
    value = raw.strip()
    # Past 20 digits it is no id (2**64 has 20): do not even make it an int.
    if not (value.isascii() and value.isdigit()) or len(value) > 20:
        return None
    number = int(value)
    # WordPress ids are BIGINT UNSIGNED: a bigger "id" is not one (and would not
    # fit the JSON encoder or the (post, comment) dedupe keys).
    return number if number < _MAX_ID else None


@dataclass
class ExportReader:
    """Reads several sources as one export: comments deduplicated by (post id, comment id).

    Iterate :meth:`posts`; afterwards :attr:`sites`, :attr:`authors` and
    :attr:`repairs` describe everything read.
    """

    repairs: Repairs = field(default_factory=Repairs)
    encoding: str | None = None
    max_comment_size: int = MAX_COMMENT_SIZE
    """The largest comment read (see :data:`MAX_COMMENT_SIZE`)."""
    sites: list[Site] = field(default_factory=list)
    authors: dict[str, Author] = field(default_factory=dict)
    items_read: int = 0
    """Items read (before deduplication) in the documents finished so far."""
    _synthetic_ids: IdPool = field(default_factory=IdPool)
    deduper: Deduper = field(init=False)

    def __post_init__(self) -> None:
        self.deduper = Deduper(self.repairs)

    def posts(self, sources: Iterable[Source]) -> Iterator[Post]:
        """Yield the posts of every source in order, each comment once."""
        for source in sources:
            reopen = (lambda source=source: read_all(source)) if source.reopenable else None
            yield from self.posts_from(read_all(source), source.name, reopen)

    def posts_from(
        self,
        chunks: Iterable[bytes],
        name: str,
        reopen: Callable[[], Iterable[bytes]] | None = None,
        skip: int = 0,
    ) -> Iterator[Post]:
        """Yield the posts of one export given as byte chunks (``name`` is for messages).

        With ``reopen`` (a way to read the document again) a clean export takes
        the fast path: bytes go straight to the parser. At the first defect the
        document is read again from the start with repairs, and the posts
        already yielded are skipped: the result is the same as a repairing read,
        at the parser's own speed for exports that need no repair.
        ``skip`` items at the start are read but not yielded (another reader
        yielded them already).
        """
        if reopen is not None and self.encoding is None:
            repairs_before = Repairs(self.repairs)
            ids_before = self._synthetic_ids.next_id
            fast = WxrReader(
                name,
                self.repairs,
                self._synthetic_ids,
                repair=False,
                skip=skip,
                max_comment_size=self.max_comment_size,
            )
            try:
                yield from self._read(fast, chunks)
                return
            except (NeedsRepair, DataError):
                # Start again as a repairing read would: same counts, same ids,
                # and the same error if the document is beyond repair.
                skip = max(skip, fast.posts_read)
                self.repairs.clear()
                self.repairs.update(repairs_before)
                self._synthetic_ids.next_id = ids_before
                chunks = reopen()
        reader = WxrReader(
            name,
            self.repairs,
            self._synthetic_ids,
            self.encoding,
            skip=skip,
            max_comment_size=self.max_comment_size,
        )
        yield from self._read(reader, chunks)

    def _read(self, reader: WxrReader, chunks: Iterable[bytes]) -> Iterator[Post]:
        try:
            for post in reader.posts(chunks):
                if self._dedupe(post):
                    yield post
        except BaseException as exc:
            will_retry = not reader.repair and isinstance(exc, (NeedsRepair, DataError))
            if not will_retry:  # else the repairing read records what this one saw
                self._record(reader)
            raise
        self._record(reader)

    def _record(self, reader: WxrReader) -> None:
        self.items_read += reader.posts_read
        if reader.site is not None:
            self.sites.append(reader.site)
        self.authors.update(reader.authors)

    def _dedupe(self, post: Post) -> bool:
        """Remove comments already read; whether the post is still worth yielding."""
        fresh = self.deduper.fresh(
            post.id, tuple(post.summary().values()), [c.id for c in post.comments]
        )
        if fresh is None:
            return False
        if not all(fresh):
            post.comments = [c for c, new in zip(post.comments, fresh, strict=True) if new]
        return True


@dataclass
class Deduper:
    """Remembers what was read, so each comment is output once across items and files.

    An item that repeats a post already read (same id and header) with no new
    comment is skipped; different items sharing an id (real exports have them)
    are all kept. Comments are keyed by (post id, comment id).
    """

    repairs: Repairs
    _seen_comments: SeenKeys = field(default_factory=SeenKeys)
    _seen_posts: SeenPosts = field(default_factory=SeenPosts)

    def fresh(
        self, post_id: int, header: tuple[Any, ...], comment_ids: list[int]
    ) -> list[bool] | None:
        """For each comment, whether it is new; ``None`` if the whole item is a repeat."""
        fingerprint = hash(header)
        repeated_post = self._seen_posts.swap(post_id, fingerprint) == fingerprint & _WORD
        flags = self._seen_comments.add_many(post_id, comment_ids)
        repeats = flags.count(False)
        if repeats:
            self.repairs["duplicate_comments"] += repeats
        if repeated_post and not any(flags):
            self.repairs["duplicate_posts"] += 1
            return None
        return flags
