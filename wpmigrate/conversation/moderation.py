"""What readers saw: decide which comments are public, and account for every one that is not.

:func:`moderate` splits one post's comment records into those kept and those
dropped, each drop with a ``reason`` (and a ``detail``). Kept replies whose
parent was dropped are re-parented to their nearest kept ancestor, or dropped
with their subtree under ``drop_orphaned_replies``. :class:`Ledger` adds it up
across posts and checks that ``read = kept + dropped`` before anyone relies on it.

Reasons, in the order they are tested (the first that applies is recorded):

=================  ==========================================================
``spam``           status ``spam``
``trash``          status ``trash``
``post-trashed``   status ``post-trashed`` (its post was trashed)
``pending``        status ``pending`` (never approved)
``status``         any other status a plugin wrote
``private``        a private type: ``note``, ``order_note``, ``action_log``, …
``unknown-type``   a type that is neither public nor known private
``ping``           a pingback or trackback, under ``--no-pings``
``not-a-page``     its post is of a type WordPress never shows as a page
                   (``nav_menu_item``, Jetpack ``feedback``, ``revision``, …)
``unpublished``    its post is not published: the detail says how (``draft
                   post``, ``pending post``, ``private post``, ``scheduled
                   post``, ``trashed post``, or ``post status X``)
``protected``      its post has a password (``--include-protected`` keeps it)
``akismet``        Akismet said spam and the owner never said otherwise
``blocklist``      matches a ``--blocklist`` entry
``links``          has ``--max-links`` links or more
``parent-dropped`` its parent was dropped (``--drop-orphaned-replies``)
``no-post``        it sits outside any ``<item>`` (post 0): no page showed it
=================  ==========================================================
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from ..errors import IntegrityError

Record = dict[str, Any]

PUBLIC_TYPES = frozenset({"comment", "pingback", "trackback"})
PING_TYPES = frozenset({"pingback", "trackback"})
#: Types WordPress and WooCommerce use for things no reader sees.
PRIVATE_TYPES = frozenset({"note", "order_note", "action_log", "webhook_delivery"})
#: Post statuses whose comments readers saw (``inherit``: attachments, shown with their post).
PUBLISHED_POST_STATUSES = frozenset({"publish", "inherit", ""})
#: The ``unpublished`` detail of each status WordPress shows no reader.
UNPUBLISHED_DETAILS = {
    "draft": "draft post",
    "auto-draft": "draft post",
    "pending": "pending post (awaiting review)",
    "private": "private post",
    "future": "scheduled post (not yet published)",
    "trash": "trashed post",
}
#: Post types WordPress never shows as a page (see FORMATS.md): menus, contact-form
#: messages (Jetpack ``feedback``: the sender's name and e-mail), revisions,
#: reusable blocks, site settings. ``wp_template…`` types too (:func:`is_page_type`).
NON_PAGE_TYPES = frozenset(
    {
        "nav_menu_item",
        "feedback",
        "revision",
        "wp_block",
        "custom_css",
        "customize_changeset",
        "oembed_cache",
        "user_request",
        "wp_global_styles",
        "wp_navigation",
        "wp_font_family",
        "wp_font_face",
    }
)
#: What ``--all-posts`` adds when it has no public comment: posts and pages only
#: (attachments are media files, custom types are public only if a plugin says so).
LISTED_TYPES = frozenset({"post", "page"})
#: Statuses with their own drop reason; any other non-approved status is ``status``.
NAMED_STATUSES = ("spam", "trash", "post-trashed", "pending")

REASONS = (
    "spam",
    "trash",
    "post-trashed",
    "pending",
    "status",
    "private",
    "unknown-type",
    "ping",
    "not-a-page",
    "unpublished",
    "protected",
    "akismet",
    "blocklist",
    "links",
    "parent-dropped",
    "no-post",
)
#: The post id of comments found outside any item (no WordPress post has id 0).
NO_POST = 0

# WordPress's own link count (check_comment): an href or a bare // URL.
_LINK = re.compile(r"""(href\t*?=\t*?['"]?)?(https?:)?//""", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_AKISMET_EVENT = re.compile(r's:5:"event";s:\d+:"([^"]*)"')
_OWNER_APPROVED = frozenset({"report-ham", "status-approved"})


@dataclass(frozen=True)
class Policy:
    """What counts as public. The defaults are what WordPress showed readers."""

    include_statuses: frozenset[str] = frozenset()
    """Statuses kept besides ``approved`` (``--include pending``)."""
    allow_types: frozenset[str] = frozenset()
    """Types kept besides comment, pingback, trackback (``--type review``)."""
    pings: bool = True
    """Keep pingbacks and trackbacks (``--no-pings`` sets False)."""
    akismet: bool = True
    """Drop comments Akismet judged spam unless the owner overruled it."""
    blocklist: tuple[str, ...] = ()
    """Disallowed keys, lower-cased (``--blocklist FILE``)."""
    max_links: int | None = None
    """Drop comments with this many links or more (``--max-links N``)."""
    drop_orphaned_replies: bool = False
    """Drop replies whose parent was dropped instead of re-parenting them."""
    include_protected: bool = False
    """Keep the comments of password-protected posts (``--include-protected``)."""


def load_blocklist(lines: Iterable[str]) -> tuple[str, ...]:
    """Parse WordPress's "Disallowed Comment Keys": one key per line, blanks ignored."""
    keys = (line.strip().lower() for line in lines)
    return tuple(dict.fromkeys(key for key in keys if key))


def _meta_values(meta: Mapping[str, Any], key: str) -> list[str]:
    value = meta.get(key)
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def akismet_says_spam(meta: Mapping[str, Any]) -> bool:
    """Akismet flagged it and the owner never overruled it.

    The owner's word wins: ``akismet_user_result`` false, or a history entry
    recording ``report-ham`` or ``status-approved``.
    """
    if "true" not in (value.strip().lower() for value in _meta_values(meta, "akismet_result")):
        return False
    if any(v.strip().lower() == "false" for v in _meta_values(meta, "akismet_user_result")):
        return False
    events = (
        event
        for entry in _meta_values(meta, "akismet_history")
        for event in _AKISMET_EVENT.findall(entry)
    )
    return not any(event in _OWNER_APPROVED for event in events)


def blocklist_match(record: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    """The first disallowed key found, as WordPress matches it: a case-insensitive
    substring of the name, e-mail, URL, IP or content (with or without its tags).

    "First" is in the order of ``keys`` (the file's order): when several keys
    match, the one nearest the top of the list is reported, in the first field
    (name, e-mail, URL, IP, content, content without tags) that holds it:
    ``"'viagra' in content"``. The time it takes does not grow with the number
    of keys (see :class:`KeyMatcher`).
    """
    if not keys:
        return None
    content = str(record.get("content_html", ""))
    fields = [
        ("name", str(record.get("author_name", ""))),
        ("email", str(record.get("author_email", ""))),
        ("url", str(record.get("author_url", ""))),
        ("ip", str(record.get("author_ip", ""))),
        ("content", content),
    ]
    if "<" in content:  # without a tag the text without tags is the same text
        fields.append(("content", _TAG.sub("", content)))
    lowered = [(where, text.lower()) for where, text in fields]
    key = _matcher(keys).first([text for _, text in lowered])
    if key is None:
        return None
    where = next(where for where, text in lowered if key in text)
    return f"{key!r} in {where}"


class KeyMatcher:
    """Every key of a blocklist in one Aho-Corasick automaton (pyahocorasick).

    One pass over a text finds every occurrence of every key, overlapping ones
    included, in time linear in the text (plus the matches), whatever the
    number of keys: checking each key in turn made ``thread`` 13 times slower
    with 10,000 keys, and real lists have 40,000. A single regex alternation
    does not do: Python's ``re`` tries the alternatives one by one at every
    position, and a prefix-tree regex takes seconds to compile (measurements
    in docs/benchmarks.md).
    """

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = keys
        self._empty: int | None = None  # "" is in every text (only the API can pass it)
        self._newline = False
        automaton = ahocorasick.Automaton()
        for index, key in enumerate(keys):
            if not key:
                if self._empty is None:
                    self._empty = index
            elif key not in automaton:  # a repeated key: its first place counts
                automaton.add_word(key, index)
                self._newline = self._newline or "\n" in key
        if len(automaton):
            automaton.make_automaton()
            self._automaton: Any = automaton
        else:
            self._automaton = None

    def first(self, texts: list[str]) -> str | None:
        """The key earliest in the list that is a substring of one of ``texts``."""
        best = self._empty
        if self._automaton is None or best == 0:
            return None if best is None else self.keys[best]
        # One scan of the texts joined: no key holds a newline (load_blocklist
        # splits at them), so no match can span two texts.
        for text in texts if self._newline else ("\n".join(texts),):
            for _end, index in self._automaton.iter(text):
                if best is None or index < best:
                    best = index
        return None if best is None else self.keys[best]


_matchers: list[KeyMatcher] = []


def _matcher(keys: tuple[str, ...]) -> KeyMatcher:
    """The matcher of ``keys``, built once per process.

    Found by identity first (one policy, one tuple, every comment), then by
    equality: each worker process unpickles its own copy of the policy.
    """
    for matcher in _matchers:
        if matcher.keys is keys:
            return matcher
    for matcher in _matchers:
        if matcher.keys == keys:
            matcher.keys = keys
            return matcher
    matcher = KeyMatcher(keys)
    _matchers[:] = [matcher, *_matchers[:3]]  # a few policies at a time (tests)
    return matcher


def count_links(content: str) -> int:
    """Links in a comment, counted as WordPress counts them for moderation."""
    return len(_LINK.findall(content))


def is_page_type(post_type: str) -> bool:
    """Whether WordPress can show a post of this type as a page (:data:`NON_PAGE_TYPES`)."""
    return post_type not in NON_PAGE_TYPES and not post_type.startswith("wp_template")


PostInfo = str | Mapping[str, Any]
"""A post summary (:meth:`wpmigrate.models.Post.summary`), or only its status."""


def post_drop_reason(post: PostInfo, policy: Policy) -> tuple[str, str] | None:
    """Why no reader saw this post (nor its comments), as ``(reason, detail)``; ``None``
    if WordPress showed it. A bare status stands for a post of type ``post``."""
    if isinstance(post, str):
        post = {"status": post}
    kind = str(post.get("type") or "post")
    if not is_page_type(kind):
        return "not-a-page", f"post type {kind}"
    status = str(post.get("status") or "")
    if status not in PUBLISHED_POST_STATUSES:
        return "unpublished", UNPUBLISHED_DETAILS.get(status, f"post status {status}")
    if post.get("protected") is True and not policy.include_protected:
        return "protected", "password-protected post"
    return None


def is_listed(post: Mapping[str, Any], policy: Policy) -> bool:
    """Whether ``--all-posts`` writes this post when it has no public comment."""
    listed_type = str(post.get("type") or "post") in LISTED_TYPES
    return listed_type and post_drop_reason(post, policy) is None


def drop_reason(
    record: Mapping[str, Any], post: PostInfo, policy: Policy
) -> tuple[str, str] | None:
    """Why a comment is not public, as ``(reason, detail)``; ``None`` if it is.

    ``post`` is the summary of its post, or only the post's status.
    """
    return _drop_reason(record, post_drop_reason(post, policy), policy)


def _drop_reason(
    record: Mapping[str, Any], post_verdict: tuple[str, str] | None, policy: Policy
) -> tuple[str, str] | None:
    status = record.get("status", "")
    if status != "approved" and status not in policy.include_statuses:
        reason = status if status in NAMED_STATUSES else "status"
        return reason, f"status {status}"
    kind = record.get("type", "comment")
    if kind not in PUBLIC_TYPES and kind not in policy.allow_types:
        return ("private" if kind in PRIVATE_TYPES else "unknown-type"), f"type {kind}"
    if kind in PING_TYPES and not policy.pings:
        return "ping", f"type {kind}"
    if post_verdict is not None:
        return post_verdict
    meta = record.get("meta") or {}
    if policy.akismet and akismet_says_spam(meta):
        return "akismet", "akismet_result true, not overruled by the owner"
    found = blocklist_match(record, policy.blocklist)
    if found:
        return "blocklist", found
    if policy.max_links is not None:
        links = count_links(str(record.get("content_html", "")))
        if links >= policy.max_links:
            return "links", f"{links} links (limit {policy.max_links})"
    return None


def _dropped(record: Record, reason: str, detail: str) -> Record:
    return {**record, "reason": reason, "detail": detail}


def moderate(
    records: list[Record], post: PostInfo, policy: Policy
) -> tuple[list[Record], list[Record]]:
    """Split one post's records into ``(kept, dropped)``; dropped ones carry ``reason``/``detail``.

    ``post`` is the post's summary (its type, status and ``protected`` decide
    whether readers saw it), or only its status.

    Kept replies whose parent was dropped get ``parent_id`` = their nearest kept
    ancestor (0 if none) and ``reparented_from`` = the original parent, or, with
    ``policy.drop_orphaned_replies``, are dropped as ``parent-dropped``.
    Kept records are copies; the input is not modified.
    """
    if records and records[0].get("post_id") == NO_POST:
        return [], [_dropped(r, "no-post", "outside any <item> in the export") for r in records]
    by_id: dict[int, Record] = {}
    for record in records:
        by_id.setdefault(record["id"], record)
    post_verdict = post_drop_reason(post, policy)
    verdicts = {id(record): _drop_reason(record, post_verdict, policy) for record in records}
    dropped_ids = {record["id"] for record in records if verdicts[id(record)] is not None} - {
        record["id"] for record in records if verdicts[id(record)] is None
    }

    kept: list[Record] = []
    dropped: list[Record] = []
    for record in records:
        verdict = verdicts[id(record)]
        if verdict is not None:
            dropped.append(_dropped(record, *verdict))
            continue
        parent_id = record["parent_id"]
        if parent_id not in dropped_ids:
            kept.append(dict(record))
            continue
        if policy.drop_orphaned_replies:
            dropped.append(_dropped(record, "parent-dropped", f"under dropped comment {parent_id}"))
            continue
        kept.append(
            {
                **record,
                "parent_id": _nearest_kept(parent_id, by_id, dropped_ids),
                "reparented_from": parent_id,
            }
        )

    if policy.drop_orphaned_replies:
        kept, more = _drop_descendants_of_dropped(kept, dropped)
        dropped.extend(more)
    return kept, dropped


def _nearest_kept(parent_id: int, by_id: dict[int, Record], dropped_ids: set[int]) -> int:
    """Walk up from a dropped parent to the first kept ancestor (0: none, or a loop)."""
    seen: set[int] = set()
    current = parent_id
    while current in dropped_ids and current not in seen:
        seen.add(current)
        current = by_id[current]["parent_id"]
    if current in seen:
        return 0
    return current


def _drop_descendants_of_dropped(
    kept: list[Record], dropped: list[Record]
) -> tuple[list[Record], list[Record]]:
    """Under ``drop_orphaned_replies``: a kept comment below a dropped reply goes too."""
    gone = {record["id"] for record in dropped}
    # Name the comment whose drop started it, not a reply dropped because of it.
    cause: dict[int, int] = {
        record["id"]: record["parent_id"]
        for record in dropped
        if record["reason"] == "parent-dropped"
    }
    kept_ids = {record["id"] for record in kept}
    parent_of = {record["id"]: record["parent_id"] for record in kept}
    doomed: dict[int, int] = {}
    for record in kept:
        seen: set[int] = set()
        current: int = record["parent_id"]
        while current in kept_ids and current not in seen and current not in doomed:
            seen.add(current)
            current = parent_of[current]
        if current in gone:
            doomed[record["id"]] = cause.get(current, current)
        elif current in doomed:
            doomed[record["id"]] = doomed[current]
    more = [
        _dropped(record, "parent-dropped", f"under dropped comment {doomed[record['id']]}")
        for record in kept
        if record["id"] in doomed
    ]
    return [record for record in kept if record["id"] not in doomed], more


@dataclass
class Ledger:
    """Every comment read, accounted for: kept, or dropped with a reason."""

    read: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)

    def add(self, records: list[Record], kept: list[Record], dropped: list[Record]) -> None:
        """Record one post's outcome, checking nothing was lost or duplicated."""
        given = Counter(id(record) for record in records)
        if len(kept) + len(dropped) != len(records) or len(given) != len(records):
            raise IntegrityError(
                f"moderation lost track of comments: {len(records)} read, "
                f"{len(kept)} kept + {len(dropped)} dropped"
            )
        ids_in = Counter(record["id"] for record in records)
        ids_out = Counter(record["id"] for record in kept) + Counter(
            record["id"] for record in dropped
        )
        if ids_in != ids_out:
            raise IntegrityError("moderation output does not hold the comments it was given")
        self.read += len(records)
        self.kept += len(kept)
        self.dropped.update(record["reason"] for record in dropped)

    def merge(self, other: Ledger) -> None:
        """Add another (already checked) ledger's counts to this one."""
        self.read += other.read
        self.kept += other.kept
        self.dropped.update(other.dropped)

    @property
    def dropped_total(self) -> int:
        """Comments dropped, all reasons."""
        return sum(self.dropped.values())

    def check(self) -> None:
        """Raise :class:`IntegrityError` unless read = kept + dropped."""
        if self.read != self.kept + self.dropped_total:
            raise IntegrityError(
                f"{self.read} read != {self.kept} kept + {self.dropped_total} dropped"
            )

    def line(self) -> str:
        """``45 read = 38 kept + 7 dropped (spam 3, pending 2, trash 1, private 1)``."""
        reasons = ", ".join(
            f"{reason} {self.dropped[reason]}"
            for reason in sorted(self.dropped, key=lambda r: (-self.dropped[r], r))
        )
        text = f"{self.read} read = {self.kept} kept + {self.dropped_total} dropped"
        return f"{text} ({reasons})" if reasons else text
