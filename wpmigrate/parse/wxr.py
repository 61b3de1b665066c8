"""The XML walk: one WXR document's bytes in, :class:`~wpmigrate.models.Post` records out.

One ``<item>`` is in memory at a time: lxml's pull parser builds it, the reader
turns it into a :class:`Post` with its :class:`Comment` list, and the element is
cleared and detached before the next one is read, so memory is bounded by the
largest post, not by the file. The bytes come repaired from
:func:`~wpmigrate.parse.repair.normalise`; the fields' text is made into values
by :mod:`.fields`; a parse error is put into words by :mod:`.faults`. Several
documents read as one export are :mod:`.exports`' job.

The WordPress namespace is recognised from the tags themselves (any
``http(s)://wordpress.org/export/X.Y/``), so WXR 1.0, 1.1 and 1.2 read alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
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
from .dedupe import dedupe_within_post
from .faults import NeedsRepair, comment_too_large, lost_place, syntax_error
from .fields import Dates, IdPool, by_post_author, id_from_link, int_or_none, number_or_none
from .prolog import UNDECLARED_NAMESPACE
from .repair import normalise
from .repairs import Repairs

_UNDECLARED = "{" + UNDECLARED_NAMESPACE + "}"
_WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/\d+\.\d+/$")
_DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
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
    :class:`~wpmigrate.parse.faults.NeedsRepair` at the first defect instead."""
    skip: int = 0
    """Read but do not yield this many items (a second, repairing read)."""
    max_comment_size: int = MAX_COMMENT_SIZE
    """Stop with a :class:`DataError` at a comment larger than this (bytes of XML)."""
    site: Site | None = None
    authors: dict[str, Author] = field(default_factory=dict)
    posts_read: int = 0
    _dates: Dates = field(init=False)
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
        self._dates = Dates(self.repairs)
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
        if self._fed - start > self.max_comment_size:
            raise comment_too_large(self.source, line, self.max_comment_size, self.posts_read)

    def _fault(self, exc: etree.XMLSyntaxError, at_end: bool = False) -> Exception:
        """What a parse error means: a defect to repair on the fast path, else the end."""
        if not self.repair:
            return NeedsRepair(str(exc))
        return syntax_error(
            exc,
            self.source,
            self.posts_read,
            at_end=at_end,
            root_closed=self._root_closed,
            in_item=self._in_item,
        )

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
        return lost_place(self.source, cast(int, element.sourceline) or 0, self.posts_read)

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
                id=int_or_none(values.get("author_id", "")),
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

        post_id = int_or_none(values.get("post_id", ""))
        if not post_id:
            post_id = id_from_link(values.get("link", "")) or id_from_link(values.get("guid", ""))
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
            parent_id=int_or_none(values.get("post_parent", "")) or 0,
            gmt_offset=offset,
        )
        author = self.authors.get(post.author)
        post.author_name = author.display_name if author and author.display_name else post.author
        post.comments = self._read_comments(comment_elements, post, author)
        dedupe_within_post(post, self.synthetic_ids, self.repairs)
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

        comment_id = number_or_none(get("comment_id", ""))
        if not comment_id:
            comment_id = next(self.synthetic_ids)
            repairs["missing_comment_ids"] += 1
        raw = get("comment_parent", "")
        parent_id = number_or_none(raw)
        if parent_id is None:
            parent_id = 0
            if raw.strip():
                repairs["bad_parent_ids"] += 1
        raw = get("comment_user_id", "")
        user_id = number_or_none(raw)
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
            by_post_author(author, user_id, email),
        )


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
