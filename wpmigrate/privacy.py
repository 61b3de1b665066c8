"""What an archive may say about commenters: privacy by default.

Commenters gave WordPress their e-mail address and (unknowingly) their IP on
the promise that neither is shown; Akismet's comment meta repeats both as
submitted. Published archives therefore keep only an allow-list of comment
fields (:data:`PUBLIC_FIELDS`), and instead of the e-mail carry its ``avatar``
hashes: MD5 and SHA-256 of the trimmed, lower-cased address, which is what
Gravatar and its peers (Libravatar, …) look pictures up by.

``keep_private=True`` (``--keep-private-fields``, for a private backup) keeps
every field, e-mail, IP and meta included, and still adds ``avatar``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from .memo import MAX_CHARS, memo

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
#: What WordPress keeps private: never in an archive unless ``keep_private``.
PRIVATE_FIELDS = ("author_email", "author_ip", "meta")
#: The tree keys :func:`wpmigrate.thread.thread` adds, written last (replies at the end).
TREE_FIELDS = ("depth", "orphan", "cycle", "replies")


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
