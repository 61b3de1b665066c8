"""Typed records read from a WXR export.

The reader (:mod:`wpmigrate.parse.wxr`) turns XML into these; everything downstream
(threading, moderation, rendering) works on them or on their dict form
(:func:`comment_record`), which is also the JSON Lines schema of ``extract``.

Normalisation happens here, apart from the XML walking, so it can be tested on
plain strings: statuses become names, the pre-5.5 empty comment type becomes
``comment``, MySQL datetimes become ISO 8601.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .privacy import public_url

#: ``wp:comment_approved`` values and the names wpmigrate uses for them.
#: Anything else (a plugin's own status) is kept verbatim.
STATUS_NAMES = {
    "1": "approved",
    "approve": "approved",
    "approved": "approved",
    "0": "pending",
    "hold": "pending",
    "unapproved": "pending",
    "pending": "pending",
    "spam": "spam",
    "trash": "trash",
    "post-trashed": "post-trashed",
}

#: ``wp:comment_type`` values that mean an ordinary comment: empty before
#: WordPress 5.5, ``comment`` since.
PLAIN_COMMENT_TYPES = frozenset({"", "comment"})



def normalise_status(raw: str) -> str:
    """Map a ``wp:comment_approved`` value to its name.

    >>> normalise_status("1"), normalise_status("0"), normalise_status("spam")
    ('approved', 'pending', 'spam')
    >>> normalise_status("my-plugin-status")
    'my-plugin-status'
    >>> normalise_status("")
    'pending'
    """
    value = raw.strip()
    if not value:
        # Fix: an empty <wp:comment_approved> (a damaged or hand-edited export)
        # became status "", which no reader of the records expects and the
        # summary printed as a nameless count. WordPress shows such a comment to
        # no one and lists it nowhere: the closest status is "pending", hidden
        # by default and kept by --include pending for the owner to judge.
        return "pending"
    return STATUS_NAMES.get(value.lower(), value)


def normalise_type(raw: str) -> str:
    """Map a ``wp:comment_type`` value to its name (``''`` becomes ``comment``).

    >>> normalise_type(""), normalise_type("pingback")
    ('comment', 'pingback')
    """
    value = raw.strip()
    return "comment" if value.lower() in PLAIN_COMMENT_TYPES else value


def iso_local(moment: datetime | None) -> str | None:
    """ISO 8601 without offset: WXR local times carry no time zone."""
    return None if moment is None else moment.isoformat(timespec="seconds")


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 with the ``Z`` suffix for a naive UTC datetime."""
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"


def gmt_from_local(local: datetime | None, offset: timedelta | None) -> datetime | None:
    """Derive a UTC time from a local one and the post's offset (local - UTC)."""
    if local is None or offset is None:
        return None
    try:
        return local - offset
    except OverflowError:
        # Fix: a local time near year 1 or 9999 with an offset taken from a post
        # whose dates are far apart (a damaged export) left datetime's range and
        # the read crashed. No real UTC time is there to derive: unknown.
        return None


def plain_text(raw: str) -> str:
    """Text WordPress stores HTML-escaped (names, titles) as the reader saw it.

    WordPress escapes ``comment_author`` and post titles on save and prints them
    as HTML, so ``Tom &amp; Jerry`` was read as ``Tom & Jerry``.
    """
    value = raw.strip()
    return html.unescape(value) if "&" in value else value


@dataclass(slots=True)
class Site:
    """The ``<channel>`` header of an export."""

    title: str = ""
    """Site title (``<title>``), entities decoded."""
    url: str = ""
    """``wp:base_blog_url``, else ``wp:base_site_url``, else ``<link>``."""
    wxr_version: str = ""
    """``wp:wxr_version`` as written (``1.0``, ``1.1``, ``1.2``), ``''`` if absent."""
    source: str = ""
    """Name of the export file (or zip member) it came from."""


@dataclass(slots=True)
class Author:
    """A ``<wp:author>`` entry (WXR 1.1+), or a login seen in ``dc:creator`` (1.0)."""

    login: str
    """``wp:author_login``: what ``dc:creator`` refers to."""
    id: int | None = None
    """``wp:author_id``: the user id comments carry in ``wp:comment_user_id``."""
    email: str = ""
    """``wp:author_email``."""
    display_name: str = ""
    """``wp:author_display_name``."""


@dataclass(slots=True)
class Post:
    """An ``<item>``: a post, page, attachment or any other post type."""

    id: int
    """``wp:post_id`` (negative if the export had none: see the repair counts)."""
    title: str = ""
    """``<title>``, entities decoded."""
    slug: str = ""
    """``wp:post_name``."""
    url: str = ""
    """``<link>``, else the ``<guid>`` when it is a permalink."""
    type: str = "post"
    """``wp:post_type``."""
    status: str = ""
    """``wp:status`` (``publish``, ``draft``, ``inherit``, …)."""
    protected: bool = False
    """``wp:post_password`` is not empty: WordPress hid the comments until the
    reader gave the password. The password itself is never kept."""
    author: str = ""
    """Login from ``dc:creator``."""
    author_name: str = ""
    """The author's display name (``wp:author_display_name``), else the login."""
    date: str | None = None
    """``wp:post_date`` in ISO 8601, local time."""
    date_gmt: str | None = None
    """``wp:post_date_gmt`` in ISO 8601 UTC, ``None`` when unknown."""
    parent_id: int = 0
    """``wp:post_parent`` (attachments point at the post they belong to)."""
    gmt_offset: timedelta | None = None
    """``post_date - post_date_gmt``: the site's offset when the post was written."""
    comments: list[Comment] = field(default_factory=list)
    """The comments of this item, in file order."""

    def summary(self) -> dict[str, Any]:
        """The ``post`` object embedded in every comment record."""
        return {
            "id": self.id,
            "title": self.title,
            "slug": self.slug,
            # The one URL check (a <link> of javascript:… is never written).
            "url": public_url(self.url),
            "type": self.type,
            "status": self.status,
            "protected": self.protected,
            "author": self.author,
            "author_name": self.author_name,
            "date": self.date,
            "date_gmt": self.date_gmt,
        }


@dataclass(slots=True)
class Comment:
    """A ``<wp:comment>``: all twelve ``wp:comment_*`` fields plus its metadata."""

    id: int
    """``wp:comment_id``."""
    post_id: int
    """The ``wp:post_id`` of the item it sits in."""
    parent_id: int = 0
    """``wp:comment_parent``; 0 for a top-level comment."""
    author_name: str = ""
    """``wp:comment_author``, entities decoded."""
    author_email: str = ""
    """``wp:comment_author_email``."""
    author_url: str = ""
    """``wp:comment_author_url``."""
    author_ip: str = ""
    """``wp:comment_author_IP``."""
    user_id: int = 0
    """``wp:comment_user_id``: 0 when written while logged out."""
    date: str | None = None
    """``wp:comment_date`` in ISO 8601, local time."""
    date_gmt: str | None = None
    """``wp:comment_date_gmt`` in ISO 8601 UTC (derived from the post's offset if absent)."""
    content_html: str = ""
    """``wp:comment_content`` as stored: HTML with WordPress's paragraph rules."""
    status: str = "approved"
    """Normalised ``wp:comment_approved``: approved, pending, spam, trash, post-trashed, …"""
    type: str = "comment"
    """Normalised ``wp:comment_type``: comment, pingback, trackback, note, …"""
    meta: dict[str, str | list[str]] = field(default_factory=dict)
    """``wp:commentmeta``: key → value; a key given several times maps to a list."""
    by_post_author: bool = False
    """Written by the post's author (matched by user id or e-mail, never by name)."""


def comment_record(comment: Comment, post: dict[str, Any], embed: bool = True) -> dict[str, Any]:
    """The JSON form of a comment (the ``extract`` record), with its post's summary.

    ``post`` is :meth:`Post.summary`, computed once per post and shared by all
    its comments (``embed=False`` leaves it out). The schema is
    ``wpmigrate/schema/comment.schema.json``.
    """
    record = {
        "id": comment.id,
        "post_id": comment.post_id,
        "parent_id": comment.parent_id,
        "author_name": comment.author_name,
        "author_email": comment.author_email,
        "author_url": comment.author_url,
        "author_ip": comment.author_ip,
        "user_id": comment.user_id,
        "date": comment.date,
        "date_gmt": comment.date_gmt,
        "content_html": comment.content_html,
        "status": comment.status,
        "type": comment.type,
        "by_post_author": comment.by_post_author,
        "meta": comment.meta,
        "post": post,
    }
    if not embed:
        del record["post"]
    return record

