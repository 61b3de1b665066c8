"""What may be published: the one definition of private and public in wpmigrate.

Commenters gave WordPress their e-mail address and (unknowingly) their IP on
the promise that neither is shown; Akismet's comment meta repeats both as
submitted (``akismet_as_submitted``: a serialised PHP array holding
``comment_author_email``, ``user_ip``, ``REMOTE_ADDR``, the user agent), and
plugins add more meta no one can list. So nothing here names what is private:
every list is an **allow-list** of what may leave, and anything not on it
(a field a future reader adds, a meta key a plugin invents) stays out.

* :data:`PUBLIC_FIELDS`: the comment fields an archive publishes. Instead of
  the e-mail an archive carries its ``avatar`` hashes: MD5 and SHA-256 of the
  trimmed, lower-cased address, which is what Gravatar and its peers
  (Libravatar, …) look pictures up by.
* :data:`PUBLIC_POST_FIELDS`: the post summary fields that may be published.
* :data:`PUBLIC_META`: the comment meta keys ``--redact`` keeps, each only in
  the shape WordPress writes it (:func:`public_meta`). Archives carry no meta.
* :func:`redact`: a record as ``--redact`` writes it (the same allow-lists,
  plus the fields a stream needs: the post, a drop's reason, the tree).
* :func:`public_url`: the one URL check every URL written passes.

:mod:`wpmigrate.verify` checks archives against the same lists.
``keep_private=True`` (``--keep-private-fields``, for a private backup) keeps
every field, e-mail, IP and meta included, and still adds ``avatar``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .memo import MAX_CHARS, memo
from .render.html import safe_url

Node = dict[str, Any]

#: Comment fields an archive publishes, in the order they are written.
PUBLIC_FIELDS = (
    "id",
    "post_id",
    "parent_id",
    "author_name",
    "author_url",
    "user_id",
    "date",
    "date_gmt",
    "content_html",
    "status",
    "type",
    "by_post_author",
    "reparented_from",
    "avatar",
)
#: The fields of a record that hold what WordPress kept private; named only so
#: ``keep_private`` can place them (nothing is left out because it is listed here).
PRIVATE_FIELDS = ("author_email", "author_ip", "meta")
#: The tree keys :func:`wpmigrate.conversation.thread.thread` adds, written last
#: (replies at the end).
TREE_FIELDS = ("depth", "orphan", "cycle", "replies")
#: What a stream record carries besides a comment's fields: its post's summary
#: and, in ``--rejects``, why it was dropped.
STREAM_FIELDS = ("post", "reason", "detail")
#: Post summary fields that may be published (:meth:`wpmigrate.models.Post.summary`).
#: ``protected`` says a password guards the post; the password itself is never read.
PUBLIC_POST_FIELDS = (
    "id",
    "title",
    "slug",
    "url",
    "type",
    "status",
    "protected",
    "author",
    "author_name",
    "date",
    "date_gmt",
)

_FLAG = re.compile(r"(?:true|false)")
_AKISMET_EVENT = re.compile(r's:5:"event";s:\d+:"([a-z0-9-]{1,40})"')


def _flag(value: str) -> str | None:
    return value if _FLAG.fullmatch(value.strip().lower()) else None


def _akismet_event(value: str) -> str | None:
    # An entry also holds a message and the moderator's login: only the event
    # (what moderation reads: report-ham, status-approved, check-spam, …) is kept,
    # re-serialised, so no free text of the entry goes out.
    found = _AKISMET_EVENT.search(value)
    if found is None:
        return None
    event = found.group(1)
    return f'a:1:{{s:5:"event";s:{len(event)}:"{event}";}}'


def _digit(value: str) -> str | None:
    return value if re.fullmatch(r"[0-5]", value.strip()) else None


#: Comment meta ``--redact`` keeps: key -> the value as published (``None``:
#: not in that key's shape, left out). Akismet's verdicts, so a redacted stream
#: is moderated as the export was (``extract --redact | thread``); WooCommerce's
#: star rating and "verified owner" flag, which the product page showed.
#: ``akismet_as_submitted``, ``akismet_user`` (the commenter's login) and every
#: other key are left out.
PUBLIC_META: dict[str, Callable[[str], str | None]] = {
    "akismet_result": _flag,
    "akismet_user_result": _flag,
    "akismet_history": _akismet_event,
    "rating": _digit,
    "verified": lambda value: value if value.strip() in ("0", "1") else None,
}


def public_meta(meta: object) -> dict[str, str | list[str]]:
    """The comment meta that may leave under ``--redact`` (see :data:`PUBLIC_META`).

    >>> public_meta({"akismet_result": "true", "akismet_as_submitted": "a:64:{…}"})
    {'akismet_result': 'true'}
    """
    if not isinstance(meta, Mapping):
        return {}
    out: dict[str, str | list[str]] = {}
    for key, shape in PUBLIC_META.items():
        value = meta.get(key)
        values = value if isinstance(value, list) else [value]
        kept = [
            shaped
            for item in values
            if isinstance(item, str) and (shaped := shape(item)) is not None
        ]
        if kept:
            out[key] = kept if isinstance(value, list) else kept[0]
    return out


def public_url(url: object) -> str:
    """``url`` as it may be written (http or https, normalised), else ``""``.

    The one URL check: post links, commenter sites, front matter and indexes
    all pass here, so a ``javascript:`` link is never written.

    >>> public_url("javascript:alert(1)"), public_url("http://example.com/a b")
    ('', 'http://example.com/a%20b')
    """
    return safe_url(url) or ""


def public_post(post: Mapping[str, Any]) -> Node:
    """A post summary with only :data:`PUBLIC_POST_FIELDS` (its URL checked)."""
    out = {name: post[name] for name in PUBLIC_POST_FIELDS if name in post}
    if "url" in out:
        out["url"] = public_url(out["url"])
    return out


def redact(record: Mapping[str, Any]) -> Node:
    """A record as ``--redact`` writes it: allow-listed fields only, in their order.

    Comment fields of :data:`PUBLIC_FIELDS`, the meta of :func:`public_meta`,
    the post's :func:`public_post`, and a stream's :data:`STREAM_FIELDS` and
    :data:`TREE_FIELDS` (replies redacted too, iteratively); ``author_url``
    through :func:`public_url`. E-mail, IP, every other meta key and any field
    not listed are left out.
    """
    top = _redact_one(record)
    stack = [top]
    while stack:
        node = stack.pop()
        replies = node.get("replies")
        if isinstance(replies, list):
            node["replies"] = [
                _redact_one(reply) if isinstance(reply, Mapping) else reply for reply in replies
            ]
            stack.extend(reply for reply in node["replies"] if isinstance(reply, dict))
    return top


_REDACTED_KEYS = frozenset(PUBLIC_FIELDS) | frozenset(TREE_FIELDS) | frozenset(STREAM_FIELDS)


def _redact_one(record: Mapping[str, Any]) -> Node:
    out: Node = {}
    for key, value in record.items():
        if key == "meta":
            out["meta"] = public_meta(value)
        elif key == "post" and isinstance(value, Mapping):
            out["post"] = public_post(value)
        elif key == "author_url":
            out[key] = public_url(value)
        elif key in _REDACTED_KEYS:
            out[key] = value
    return out


def avatar(email: object) -> dict[str, str] | None:
    """``{"md5", "sha256"}`` of the trimmed, lower-cased e-mail; ``None`` without one.

    >>> avatar(" Susan@Example.org ") == avatar("susan@example.org")
    True
    >>> avatar("") is None
    True
    """
    if not isinstance(email, str):
        return None
    normalised = email.strip().lower()
    if not normalised:
        return None
    # People comment again and again: their digests are remembered.
    digests = _remembered_digests if len(normalised) <= MAX_CHARS else _digests
    md5, sha256 = digests(normalised)
    return {"md5": md5, "sha256": sha256}


def _digests(normalised: str) -> tuple[str, str]:
    data = normalised.encode("utf-8", "surrogatepass")
    return hashlib.md5(data, usedforsecurity=False).hexdigest(), hashlib.sha256(data).hexdigest()


_remembered_digests = memo(_digests)


def public_fields(record: Mapping[str, Any], keep_private: bool = False) -> Node:
    """One comment's fields for an archive (without ``replies``), in a fixed order.

    By default only :data:`PUBLIC_FIELDS` (unknown fields too are left out: a
    future reader might add the commenter's user agent). With ``keep_private``
    everything is kept, the private fields after ``author_url``/``by_post_author``
    and any other field after those, sorted.
    """
    out: Node = {}
    for name in PUBLIC_FIELDS:
        if name == "avatar":
            out["avatar"] = avatar(record.get("author_email"))
        elif name in record:
            out[name] = record[name]
        if keep_private and name == "author_url":
            for private in ("author_email", "author_ip"):
                if private in record:
                    out[private] = record[private]
        if keep_private and name == "by_post_author" and "meta" in record:
            out["meta"] = record["meta"]
    if keep_private:
        known = set(PUBLIC_FIELDS) | set(PRIVATE_FIELDS) | set(TREE_FIELDS) | {"post"}
        for name in sorted(key for key in record if key not in known):
            out[name] = record[name]
    for name in TREE_FIELDS[:-1]:
        if name in record:
            out[name] = record[name]
    return out


def public_forest(
    forest: Iterable[Mapping[str, Any]], keep_private: bool = False
) -> list[Node]:
    """A copy of a reply forest with :func:`public_fields` applied to every node.

    Iterative, so a reply chain of any depth is copied without recursion.
    """
    top: list[Node] = []
    stack: list[tuple[Mapping[str, Any], list[Node]]] = [
        (node, top) for node in reversed(list(forest))
    ]
    while stack:
        node, container = stack.pop()
        copy = public_fields(node, keep_private)
        copy["replies"] = []
        container.append(copy)
        replies = node.get("replies") or []
        stack.extend((reply, copy["replies"]) for reply in reversed(replies))
    return top
