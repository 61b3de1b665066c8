# ruff: noqa: RUF001
"""Synthetic, seeded, deterministic WordPress WXR exports (10 KB to 1 GB and more).

Used by the benchmarks (wall time and peak memory of wpmigrate against a bare lxml
parse) and by property tests that check the reader gets every comment with its
fields intact. Standard library only: it must not depend on the parser it tests.

The export is streamed: one ``<item>`` is built in memory as a list of strings,
joined, encoded and written in one call, then dropped. Memory stays flat however
large the file; only a window of cheap post "skeletons" (publication time and
comment times, used to number comments in date order site-wide) is kept ahead.

Usage::

    python benchmarks/wxrgen.py --size 200MB --seed 1 -o out.xml \\
        [--wxr-version 1.2] [--https-ns] [--truth truth.jsonl]

Re-deriving the truth without writing the file
----------------------------------------------
``posts(cfg)`` yields exactly the posts ``write_wxr(cfg, out)`` writes, in the same
order, with the same ids and fields. ``posts`` does not know the byte budget, so it
is endless unless ``cfg.max_posts`` is set; cut it where the writer stopped::

    stats = write_wxr(cfg, out)
    truth = list(itertools.islice(posts(cfg), stats.posts))

or fix the count up front: ``GenConfig(max_posts=N, target_bytes=10**12)`` makes
both stop after ``N`` items. (``stats.posts`` counts every ``<item>``, including
attachments, pages and menu items.)

What the truth means
--------------------
``GenComment`` / ``GenPost`` hold what a correct reader should report:

* ``author_name`` and ``title`` are decoded text. WordPress stores them
  HTML-escaped (``Tom &amp; Jerry``, ``It&#8217;s``); the file holds that stored
  form (inside CDATA for names, XML-escaped for titles), so a reader must XML-parse
  and then HTML-unescape (``wpmigrate.models.plain_text``).
* every other field (e-mail, URL, IP, dates, content, status, type, meta) is the
  string exactly as written, after XML parsing: an e-mail may carry odd case or
  surrounding spaces, a GMT date may be ``0000-00-00 00:00:00``.
* ``by_post_author`` is True iff the file lets a reader tell: ``user_id != 0``
  and equal to the id of the post's author in the ``<wp:author>`` table, or the
  comment e-mail, trimmed and lower-cased, equals the post author's e-mail
  (trimmed, lower-cased, non-empty). WXR 1.0 has no author table, so it is False
  for every comment of a 1.0 file.

Markup follows the WordPress version that writes each WXR version: ``1.2`` uses the
WordPress >= 4.x style (CDATA around e-mails, IPs, dates, status, type; comment
meta exported); ``1.0`` and ``1.1`` use the older style (those fields as plain
escaped text, no ``<wp:commentmeta>``, no ``<wp:post_modified>``).
``GenConfig.markup`` overrides this. The plain comment type is ``''`` before
WordPress 5.5 and ``'comment'`` after; by default a 1.2 file uses ``'comment'`` and
1.0/1.1 files ``''``; ``plain_type="mixed"`` gives a half-migrated site.

Comment ids are unique and increase with the comment's UTC time across the whole
site (with gaps, like deleted spam), whatever post they belong to.
"""

from __future__ import annotations

import argparse
import bisect
import heapq
import html
import itertools
import json
import math
import random
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import BinaryIO, TextIO
from urllib.parse import quote

__all__ = [
    "PLUGIN_TYPE",
    "RAW_STATUSES",
    "RAW_TYPES",
    "ZERO_DATE",
    "GenAuthor",
    "GenComment",
    "GenConfig",
    "GenPost",
    "GenStats",
    "authors",
    "cdata",
    "main",
    "normalise_status",
    "normalise_type",
    "parse_size",
    "php_serialize",
    "posts",
    "truth_record",
    "write_wxr",
]

ZERO_DATE = "0000-00-00 00:00:00"
#: ``wp:comment_approved`` values the generator writes.
RAW_STATUSES = ("1", "0", "spam", "trash", "post-trashed")
#: The unknown plugin comment type (the Webmention plugin's).
PLUGIN_TYPE = "webmention"
#: ``wp:comment_type`` values the generator writes.
RAW_TYPES = ("", "comment", "pingback", "trackback", "note", "order_note", PLUGIN_TYPE)


# --------------------------------------------------------------------------- records


@dataclass
class GenComment:
    """The truth about one comment, as wpmigrate should read it (see module doc)."""

    id: int
    post_id: int
    parent_id: int
    author_name: str
    author_email: str
    author_url: str
    author_ip: str
    user_id: int
    date: str
    """``YYYY-MM-DD HH:MM:SS`` local time, as written."""
    date_gmt: str
    """As written; ``0000-00-00 00:00:00`` for a few."""
    content_html: str
    approved_raw: str
    """``wp:comment_approved`` as written: 1, 0, spam, trash, post-trashed."""
    type_raw: str
    """``wp:comment_type`` as written (see ``RAW_TYPES``)."""
    meta: list[tuple[str, str]]
    """``wp:commentmeta`` in file order; a key may repeat."""
    by_post_author: bool


@dataclass
class GenPost:
    """The truth about one ``<item>`` (post, page, attachment, menu item, order)."""

    id: int
    title: str
    slug: str
    url: str
    post_type: str
    status: str
    author_login: str
    date: str
    date_gmt: str
    comments: list[GenComment]
    """In file order (not always id order: a few replies precede their parent)."""
    parent_id: int = 0
    """``wp:post_parent`` (attachments point at their post)."""


@dataclass
class GenAuthor:
    """A site user that writes posts (listed as ``<wp:author>`` in WXR 1.1+)."""

    id: int
    login: str
    email: str
    display_name: str
    """Decoded text; the file holds it HTML-escaped inside CDATA."""


@dataclass
class GenConfig:
    """What to generate. Everything is a pure function of these fields.

    ``target_bytes`` and ``max_posts`` also shape the site (how the timeline is
    spread, the comment cap), so two targets give two different sites; the truth
    for one config never depends on where the writer stops.
    """

    seed: int = 0
    target_bytes: int = 1_000_000
    """Stop adding items once the written size reaches this."""
    wxr_version: str = "1.2"
    """``1.0`` (no ``wp:author`` block), ``1.1`` or ``1.2``."""
    https_namespace: bool = False
    """Write ``https://wordpress.org/export/...`` namespace URIs."""
    max_comments_per_post: int = 400
    """Cap; scaled down for small targets (``target_bytes // 4000``, at least 2)."""
    max_posts: int | None = None
    """Stop after this many items too (and ``posts()`` ends there)."""
    markup: str = "auto"
    """``auto`` (legacy for 1.0/1.1, modern for 1.2), ``legacy`` or ``modern``."""
    plain_type: str = "auto"
    """Plain comment type: ``auto``, ``''``, ``comment`` or ``mixed`` (per post)."""
    spam_fraction: float = 0.12
    """Share of top-level comments that are spam."""


@dataclass
class GenStats:
    """What ``write_wxr`` wrote."""

    posts: int = 0
    """Number of ``<item>`` elements (use with ``itertools.islice(posts(cfg), ...)``)."""
    comments: int = 0
    bytes: int = 0
    seconds: float = 0.0
    max_item_bytes: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    """Raw ``wp:comment_approved`` value → count."""
    by_type: dict[str, int] = field(default_factory=dict)
    """Raw ``wp:comment_type`` value → count."""
    by_post_type: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- helpers


def cdata(text: str) -> str:
    """Wrap text in CDATA the way WordPress's ``wxr_cdata`` does (``]]>`` split in two)."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _esc(text: str) -> str:
    """Escape text for an XML text node or a double-quoted attribute."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    return text


def php_serialize(value: object) -> str:
    """PHP ``serialize()`` of str, int, float, bool, None and dict/list (byte lengths)."""
    if value is None:
        return "N;"
    if isinstance(value, bool):
        return f"b:{int(value)};"
    if isinstance(value, int):
        return f"i:{value};"
    if isinstance(value, float):
        return f"d:{value!r};"
    if isinstance(value, str):
        return f's:{len(value.encode("utf-8"))}:"{value}";'
    if isinstance(value, list):
        value = dict(enumerate(value))
    if isinstance(value, dict):
        body = "".join(php_serialize(k) + php_serialize(v) for k, v in value.items())
        return f"a:{len(value)}:{{{body}}}"
    raise TypeError(f"cannot serialize {type(value).__name__}")


def normalise_status(raw: str) -> str:
    """Status name as wpmigrate reports it: ``1`` → approved, ``0`` → pending, others kept."""
    return {"1": "approved", "0": "pending"}.get(raw.strip(), raw.strip())


def normalise_type(raw: str) -> str:
    """Type name as wpmigrate reports it: ``''`` → comment, others kept."""
    value = raw.strip()
    return "comment" if value.lower() in ("", "comment") else value


_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}


def parse_size(text: str) -> int:
    """``200MB`` → 200_000_000. K/KB/M/MB/G/GB are decimal; KiB/MiB/GiB binary.

    >>> parse_size("10KB"), parse_size("1.5M"), parse_size("1GiB")
    (10000, 1500000, 1073741824)
    """
    match = _SIZE_RE.match(text)
    if not match:
        raise ValueError(f"not a size: {text!r}")
    number, unit = float(match.group(1)), (match.group(2) or "").lower()
    factor = 1024 ** "bkmgt".index(unit[0]) if "i" in unit else _SIZE_UNITS[unit[:1]]
    return int(number * factor)


_EPOCH = datetime(1970, 1, 1)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HOUR = 3600
_DAY = 86400
_YEAR = 365 * _DAY


def _ts(year: int, month: int, day: int, hour: int = 0) -> int:
    return int((datetime(year, month, day, hour) - _EPOCH).total_seconds())


def _mysql(ts: int) -> str:
    return str(_EPOCH + timedelta(seconds=ts))


def _rfc822(ts: int) -> str:
    moment = _EPOCH + timedelta(seconds=ts)
    return (
        f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} "
        f"{moment.year} {moment:%H:%M:%S} +0000"
    )


def _nth_sunday(year: int, month: int, nth: int) -> date:
    """nth Sunday of a month; nth = -1 for the last one."""
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))
    last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


@dataclass(frozen=True)
class _Zone:
    """A time zone with daylight saving time: ``eu`` or ``us`` rules."""

    name: str
    std: int
    rule: str

    def offset(self, ts: int) -> int:
        """Seconds to add to UTC for local time at ``ts``."""
        start, end = _dst_window(self.std, self.rule, (_EPOCH + timedelta(seconds=ts)).year)
        return self.std + _HOUR if start <= ts < end else self.std


@lru_cache(maxsize=512)
def _dst_window(std: int, rule: str, year: int) -> tuple[int, int]:
    def at(day: date, hour_utc: float) -> int:
        return _ts(day.year, day.month, day.day) + int(hour_utc * _HOUR)

    if rule == "eu":  # last Sunday of March to last Sunday of October, 01:00 UTC
        return at(_nth_sunday(year, 3, -1), 1), at(_nth_sunday(year, 10, -1), 1)
    # US: 02:00 local; since 2007 second Sunday of March to first Sunday of November
    if year >= 2007:
        begin, finish = _nth_sunday(year, 3, 2), _nth_sunday(year, 11, 1)
    else:
        begin, finish = _nth_sunday(year, 4, 1), _nth_sunday(year, 10, -1)
    return at(begin, 2 - std / _HOUR), at(finish, 2 - (std + _HOUR) / _HOUR)


_ZONES = (
    _Zone("Europe/Berlin", _HOUR, "eu"),
    _Zone("Europe/London", 0, "eu"),
    _Zone("America/New_York", -5 * _HOUR, "us"),
    _Zone("America/Los_Angeles", -8 * _HOUR, "us"),
)

# --------------------------------------------------------------------------- word pools

_WORDS = (
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "it",
    "for",
    "was",
    "on",
    "with",
    "as",
    "this",
    "be",
    "at",
    "by",
    "not",
    "are",
    "from",
    "or",
    "have",
    "an",
    "they",
    "which",
    "you",
    "one",
    "had",
    "we",
    "but",
    "all",
    "were",
    "there",
    "can",
    "been",
    "has",
    "more",
    "their",
    "if",
    "when",
    "will",
    "would",
    "who",
    "so",
    "no",
    "out",
    "up",
    "about",
    "into",
    "them",
    "some",
    "could",
    "time",
    "only",
    "new",
    "other",
    "then",
    "these",
    "two",
    "may",
    "first",
    "any",
    "like",
    "now",
    "my",
    "over",
    "such",
    "our",
    "man",
    "me",
    "even",
    "most",
    "made",
    "after",
    "also",
    "did",
    "many",
    "before",
    "must",
    "through",
    "back",
    "years",
    "where",
    "much",
    "your",
    "way",
    "well",
    "down",
    "should",
    "because",
    "each",
    "just",
    "those",
    "people",
    "how",
    "too",
    "little",
    "state",
    "good",
    "very",
    "make",
    "world",
    "still",
    "own",
    "see",
    "men",
    "work",
    "long",
    "get",
    "here",
    "between",
    "both",
    "life",
    "being",
    "under",
    "never",
    "day",
    "same",
    "another",
    "know",
    "while",
    "last",
    "might",
    "us",
    "great",
    "old",
    "year",
    "off",
    "come",
    "since",
    "against",
    "go",
    "came",
    "right",
    "used",
    "take",
    "three",
    "blog",
    "post",
    "comment",
    "thanks",
    "great",
    "article",
    "server",
    "plugin",
    "theme",
    "code",
    "update",
    "version",
    "database",
    "python",
    "php",
    "javascript",
    "browser",
    "cache",
    "really",
    "think",
    "agree",
    "point",
    "nice",
    "idea",
    "question",
    "answer",
    "problem",
    "issue",
    "fix",
    "works",
    "tried",
    "found",
    "install",
    "config",
    "file",
    "error",
    "page",
    "link",
    "photo",
    "trip",
    "city",
    "coffee",
    "book",
    "music",
    "film",
    "garden",
    "recipe",
    "weekend",
    "morning",
    "friend",
    "family",
    "kids",
    "school",
    "weather",
    "summer",
    "winter",
    "holiday",
    "market",
    "bread",
    "wine",
    "cheese",
    "train",
    "bike",
    "road",
    "river",
    "mountain",
    "beach",
    "camera",
    "lens",
    "light",
    "colour",
    "story",
    "chapter",
)

_TECH = (
    "WordPress",
    "MySQL",
    "Apache",
    "nginx",
    "Linux",
    "Ubuntu",
    "Debian",
    "PHP",
    "Python",
    "Ruby",
    "Rails",
    "Django",
    "jQuery",
    "GitHub",
    "RSS",
    "Atom",
    "XML",
    "JSON",
    "API",
    "CSS",
    "HTML5",
    "Gutenberg",
    "Akismet",
    "Jetpack",
    "WooCommerce",
    "Docker",
)

# Fragments as WordPress stores them (HTML, entities kept verbatim).
_SPICE = (
    "&amp;",
    "R&amp;D",
    "AT&amp;T",
    "&lt;3",
    "&gt;_&lt;",
    "&#8217;s",
    "don&#8217;t",
    "&#8220;really&#8221;",
    "&hellip;",
    "&mdash;",
    "&nbsp;",
    "&eacute;t&eacute;",
    "&copy; 2010",
    "&#x2764;",
    "’",
    "“quoted”",
    "—",
    "naïve",
    "café",
    "façade",
    "Zürich",
    "São Paulo",
    "Kraków",
    "Ærøskøbing",
    "Ελλάδα",
    "日本語",
    "中文博客",
    "한국어",
    "ありがとう",
    "مرحبا",
    "שלום",
    "😀",
    "👍",
    "🎉",
    "❤️",
    "🇯🇵",
    "👩‍💻",
    "🙈",
    "¯\\_(ツ)_/¯",
    "½",
    "€20",
    "<em>really</em>",
    "<strong>important</strong>",
    "<code>x &lt; y</code>",
    "<code>$a &amp;&amp; $b</code>",
    "<code>wp_enqueue_script()</code>",
    "<del>old</del>",
    '<a href="https://www.example.com/2011/05/notes/">this post</a>',
    '<a href="http://example.org/search?q=wxr&amp;lang=en" rel="nofollow">here</a>',
    '<abbr title="HyperText Markup Language">HTML</abbr>',
)

_FOREIGN = (
    "Très intéressant, merci pour l’article !",
    "Schöne Grüße aus München – weiter so!",
    "¿Alguien sabe si funciona también en español?",
    "Grazie mille, è proprio quello che cercavo.",
    "Dziękuję bardzo, świetny wpis.",
    "Это очень полезная статья, спасибо!",
    "この記事はとても役に立ちました。ありがとうございます！",
    "这篇文章写得非常好，谢谢分享。",
    "정말 좋은 글이네요. 감사합니다!",
    "شكرا جزيلا على هذا المقال الرائع",
    "תודה רבה על הפוסט המעניין",
    "Ευχαριστώ πολύ για τις πληροφορίες!",
    "Tack så mycket, väldigt hjälpsamt 👍",
    "Obrigado! Funcionou perfeitamente aqui em Lisboa 🎉",
    "नमस्ते, बहुत अच्छा लेख है।",
    "Cảm ơn bạn rất nhiều!",
)

_FIRST = (
    "John",
    "Mary",
    "José",
    "Zoë",
    "Seán",
    "Björn",
    "Ana María",
    "Chloé",
    "Łukasz",
    "Søren",
    "Ingrid",
    "Mohammed",
    "Yuki",
    "Wei",
    "Priya",
    "Olusegun",
    "Dmitri",
    "Émile",
    "Fatima",
    "Kate",
    "Tom",
    "Lars",
    "Giulia",
    "Nuno",
    "Aoife",
    "Pierre",
    "Hannah",
    "Raj",
    "Mei",
)
_LAST = (
    "Smith",
    "O'Brien",
    "Álvarez",
    "Müller",
    "Nguyen",
    "Kowalski",
    "Dubois",
    "Rossi",
    "Sørensen",
    "Tanaka",
    "Ó Súilleabháin",
    "García-López",
    "Van der Berg",
    "D'Angelo",
    "Okafor",
    "Ivanova",
    "Chen",
    "Patel",
    "Haddad",
    "Lindqvist",
    "MacLeod",
)
_ODD_NAMES = (
    "Tom &amp; Jerry",
    "李雷",
    "محمد علي",
    "דוד כהן",
    "Kate &lt;3",
    "Mr. &amp; Mrs. Smith",
    "anonymous",
    "Anonymous Coward",
    "Zoë &#8220;Z&#8221; Krüger",
    "田中 太郎",
    "Ольга",
    "Jean-François",
    "The Cat&#8217;s Pyjamas",
    "😺 kitty",
)
_MAIL_DOMAINS = ("example.com", "mail.example.org", "example.net", "posteo.example", "ex.example")
_SPAM_NAMES = (
    "cheap pills online",
    "Buy Essay Online",
    "casino en ligne",
    "best SEO services",
    "replica watches",
    "Payday Loans",
    "crypto profits",
    "free iPhone",
    "buy followers",
)
_SPAM_WORDS = (
    "cheap",
    "pills",
    "casino",
    "bonus",
    "loans",
    "replica",
    "crypto",
    "viagra",
    "essay",
    "followers",
    "discount",
    "bitcoin",
    "outlet",
    "sale",
    "best",
    "online",
    "free",
)
_BLOGS = (
    "Planet WordPress",
    "Notes from the Edge",
    "Le blog de Sophie",
    "Tech &amp; Tea",
    "Random Thoughts",
    "Dev Diary",
    "Brot &amp; Spiele",
    "The Daily Byte",
    "日々の記録",
    "Un café, s&#8217;il vous plaît",
)

_AUTHOR_POOL = (
    ("admin", "Site Admin"),
    ("marie", "Marie-Claire Dubois"),
    ("tomj", "Tom &amp; Jerry"),
    ("sean.oc", "Seán O'Connor"),
    ("zoe", "Zoë Krüger"),
    ("taro", "田中 太郎"),
    ("anamaria", "Ana María López"),
    ("bjorn", "Björn Ähnlich"),
    ("kate_w", "Kate Williams"),
    ("editor", "The Editors"),
    ("guest-writer", "Guest Writer"),
)

# --------------------------------------------------------------------------- the site


@dataclass
class _Author:
    id: int
    login: str
    email: str
    display_raw: str
    first: str
    last: str


@dataclass
class _Person:
    name_raw: str
    email: str
    url: str
    ip: str


@dataclass
class _Skel:
    """What must be known early about an item: its time and its comments' times."""

    index: int
    post_id: int
    kind: str
    status: str
    author: int
    ts: int
    parent_post: int
    times: list[int]
    orphans: frozenset[int]
    ids: list[int]
    phantoms: dict[int, int]


@dataclass
class _Item:
    """A generated item: the truth plus what only the writer needs."""

    post: GenPost
    title_raw: str
    pub_date: str
    guid: str
    content: str
    excerpt: str
    modified: str
    modified_gmt: str
    comment_status: str
    menu_order: int
    sticky: int
    attachment_url: str
    terms: list[tuple[str, str, str]]
    postmeta: list[tuple[str, str]]
    comment_names: list[str]


_AVG_ITEM_BYTES = 20_000  # measured; used to spread the timeline, not for sizing
_LOOKAHEAD_ITEMS = 250  # late comments arrive within about this many items


class _Site:
    """Everything about a site that does not depend on the item being generated."""

    def __init__(self, cfg: GenConfig) -> None:
        if cfg.wxr_version not in ("1.0", "1.1", "1.2"):
            raise ValueError(f"unsupported WXR version {cfg.wxr_version!r}")
        if cfg.markup not in ("auto", "legacy", "modern"):
            raise ValueError(f"markup must be auto, legacy or modern, not {cfg.markup!r}")
        if cfg.plain_type not in ("auto", "", "comment", "mixed"):
            raise ValueError(f"bad plain_type {cfg.plain_type!r}")
        self.cfg = cfg
        self.seed = cfg.seed
        rng = random.Random(f"wxrgen/{cfg.seed}/site")
        version = cfg.wxr_version
        self.version = version
        self.legacy = cfg.markup == "legacy" or (cfg.markup == "auto" and version != "1.2")
        self.author_table = version != "1.0"
        self.menus = version != "1.0"
        self.shop = version == "1.2"
        self.end_ts = {
            "1.0": _ts(2010, 5, 20, 9),
            "1.1": _ts(2012, 4, 10, 14),
            "1.2": _ts(2024, 11, 15, 10),
        }[version] + rng.randint(0, 40 * _DAY)
        if cfg.plain_type == "auto":
            self.plain_mode = "comment" if self.end_ts >= _ts(2020, 8, 11) else ""
        else:
            self.plain_mode = cfg.plain_type
        self.zone = rng.choice(_ZONES)
        scheme = "https" if version == "1.2" else "http"
        host = rng.choice(("blog.example.com", "www.example.org", "example.net", "notes.example"))
        self.domain = host
        self.base_url = f"{scheme}://{host}" + rng.choice(("", "", "/blog"))
        self.title_raw = rng.choice(
            (
                "Notes &amp; Queries",
                "Coffee, Code and Cats",
                "Le Petit Blog",
                "Field Notes",
                "A Blog About Nothing",
                "Dan&#8217;s Corner",
                "Kaffeeklatsch",
            )
        )
        self.description_raw = rng.choice(("Just another WordPress site", "Thoughts, mostly."))
        self.language = (
            rng.choice(("en-US", "en-GB", "de-DE", "fr-FR")) if version != "1.0" else "en"
        )
        self.wp_version = {"1.0": "2.9.2", "1.1": "3.3.1", "1.2": "6.4.2"}[version]
        self.akismet = rng.random() < 0.85
        self._make_authors(rng)
        self._make_terms(rng)
        self.people = [self._person(rng) for _ in range(150)]
        self._make_text(rng)
        # Timeline: spread the expected number of items over up to 15 years.
        expected = max(1, cfg.target_bytes // _AVG_ITEM_BYTES)
        if cfg.max_posts is not None:
            expected = max(1, min(expected, cfg.max_posts))
        earliest = _ts(2003, 6, 1)
        span = min(expected * 7 * _DAY, 15 * _YEAR, self.end_ts - earliest - 60 * _DAY)
        self.spacing = max(60.0, span / expected)
        self.start_ts = self.end_ts - int(span) - 30 * _DAY
        self.horizon = int(min(3 * _YEAR, max(30 * _DAY, _LOOKAHEAD_ITEMS * self.spacing)))
        self.max_comments = max(2, min(cfg.max_comments_per_post, cfg.target_bytes // 4000))

    # -- setup

    def _make_authors(self, rng: random.Random) -> None:
        count = rng.randint(3, 8)
        pool = list(_AUTHOR_POOL[1:])
        rng.shuffle(pool)
        chosen = [_AUTHOR_POOL[0] if rng.random() < 0.6 else pool.pop(), *pool[: count - 1]]
        self.authors: list[_Author] = []
        user_id = 1
        empty_email_at = rng.randrange(1, count) if rng.random() < 0.3 else -1
        mixed_case_at = rng.randrange(0, count) if rng.random() < 0.5 else -1
        for pos, (login, display) in enumerate(chosen):
            if pos:
                user_id += rng.randint(1, 40)
            email = f"{login}@{self.domain.removeprefix('www.')}"
            if pos == mixed_case_at:
                email = email.replace(login, login.capitalize()).replace("example", "Example")
            if pos == empty_email_at:
                email = ""
            first, _, last = html.unescape(display).partition(" ")
            self.authors.append(_Author(user_id, login, email, display, first, last))
        self.author_ids = frozenset(a.id for a in self.authors)
        weights = [8.0] + [rng.uniform(0.3, 3.0) for _ in self.authors[1:]]
        self.author_cum = list(itertools.accumulate(weights))

    def _make_terms(self, rng: random.Random) -> None:
        names = [
            "Uncategorized",
            "News &amp; Events",
            "Travel",
            "Code",
            "Recipes",
            "Photography",
            "Café Culture",
            "Books",
            "日本",
            "Meta",
        ]
        count = rng.randint(4, len(names))
        self.categories = [("category", self._slug(html.unescape(n)), n) for n in names[:count]]
        tags = [
            "wordpress",
            "python",
            "php",
            "mysql",
            "summer",
            "winter",
            "berlin",
            "paris",
            "tokyo",
            "linux",
            "privacy",
            "open-source",
            "coffee",
            "bread",
            "family",
            "über",
            "naïve",
            "c&amp;c",
        ]
        self.tags = [("post_tag", self._slug(html.unescape(t)), t) for t in tags]

    def _person(self, rng: random.Random) -> _Person:
        if rng.random() < 0.15:
            name = rng.choice(_ODD_NAMES)
        else:
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        ascii_name = unicodedata.normalize("NFKD", html.unescape(name)).encode("ascii", "ignore")
        handle = re.sub(r"[^a-z0-9]+", ".", ascii_name.decode().lower()).strip(".")
        if len(handle) < 3:
            handle = f"user{rng.randint(100, 99999)}"
        suffix = rng.choice(("", "", str(rng.randint(1, 99))))
        email = f"{handle}{suffix}@{rng.choice(_MAIL_DOMAINS)}"
        if rng.random() < 0.1:
            email = email.title()
        roll = rng.random()
        if roll < 0.45:
            url = ""
        elif roll < 0.75:
            url = f"http://{handle.replace('.', '')}.example.net/"
        elif roll < 0.9:
            url = f"https://www.example.org/~{handle}/blog/?lang=fr&ref=wp"
        else:
            url = f"https://{handle.replace('.', '-')}.example.com/über/"
        return _Person(name, email, url, self._ip(rng, 2010))

    @staticmethod
    def _ip(rng: random.Random, year: int) -> str:
        if year >= 2012 and rng.random() < 0.2:
            return "2001:db8:{:x}:{:x}::{:x}".format(*(rng.getrandbits(16) for _ in range(3)))
        return (
            f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}."
            f"{rng.randint(1, 254)}"
        )

    def _make_text(self, rng: random.Random) -> None:
        words = [*_WORDS, *_TECH]

        def sentence(lo: int, hi: int, spice: bool) -> str:
            chosen = rng.choices(words, k=rng.randint(lo, hi))
            if spice:
                for _ in range(rng.randint(1, 2)):
                    chosen.insert(rng.randrange(len(chosen) + 1), rng.choice(_SPICE))
            text = " ".join(chosen)
            return text[:1].upper() + text[1:] + rng.choice((".", ".", ".", ".", "!", "?", "…"))

        plain = [sentence(4, 18, False) for _ in range(2500)]
        spiced = [sentence(4, 18, True) for _ in range(1500)]
        self.sentences = plain + spiced + list(_FOREIGN) * 3
        self.short = [sentence(1, 5, rng.random() < 0.4) for _ in range(400)] + [
            "Thanks!",
            "Great post!",
            "+1",
            "Me too.",
            "lol",
            "Merci !",
            "Danke 🙏",
            "This &gt; that.",
            "Nice &amp; simple.",
            "ありがとう！",
            "👍👍",
        ]
        self.title_words = [w for w in words if len(w) > 3]
        self.spam_links = [
            f'<a href="http://{w1}-{w2}.example.biz/?ref={rng.randint(1, 9999)}&amp;id='
            f'{rng.randint(1, 999)}">{w1} {w2}</a>'
            for w1, w2 in (rng.sample(_SPAM_WORDS, 2) for _ in range(300))
        ]

    # -- small generators used per item

    def pick_author(self, rng: random.Random) -> int:
        u = rng.random() * self.author_cum[-1]
        return min(len(self.authors) - 1, bisect.bisect_right(self.author_cum, u))

    @staticmethod
    def _slug(text: str) -> str:
        slug = re.sub(r"[^\w]+", "-", text.lower()).strip("-")
        return quote(slug.encode("utf-8"), safe="-").lower() if not slug.isascii() else slug

    def paragraphs(self, rng: random.Random, count: int, lo: int, hi: int) -> list[str]:
        out = []
        for _ in range(count):
            sents = rng.choices(self.sentences, k=rng.randint(lo, hi))
            out.append(("\n" if rng.random() < 0.1 else " ").join(sents))
        return out


# --------------------------------------------------------------------------- timeline


class _Timeline:
    """Generates item skeletons in order and numbers comments in global date order.

    Comments of an item fall within ``site.horizon`` after it. Before handing out
    item ``i``, the timeline generates every later item published before item
    ``i``'s last comment, merges all comment times in a heap and numbers them in
    time order. Memory: the skeletons of about ``_LOOKAHEAD_ITEMS`` items.
    """

    def __init__(self, site: _Site) -> None:
        self.site = site
        self.rng = random.Random(f"wxrgen/{site.seed}/skeleton")
        self.id_rng = random.Random(f"wxrgen/{site.seed}/ids")
        self.pending: dict[int, _Skel] = {}
        self.heap: list[tuple[int, int, int]] = []
        self.next_index = 0
        self.next_post_id = self.rng.randint(1, 4)
        self.next_comment_id = self.rng.randint(1, 3)
        self.clock = site.start_ts
        self.last_post: tuple[int, int] | None = None  # (id, index) of the last post/page
        self.menu_left = 0
        self.menu_at = self.rng.randint(3, 12)  # the site's menu is set up early

    def take(self, index: int) -> _Skel:
        while self.next_index <= index:
            self._generate()
        skel = self.pending[index]
        self._advance(skel.times[-1] if skel.times else skel.ts)
        return self.pending.pop(index)

    def _advance(self, until: int) -> None:
        heap = self.heap
        while True:
            while self.clock <= until:
                self._generate()
            if not heap or heap[0][0] > until:
                return
            _, index, k = heapq.heappop(heap)
            skel = self.pending[index]
            rng = self.id_rng
            if rng.random() < 0.2:  # deleted spam, trashed and purged comments
                self.next_comment_id += rng.randint(1, 40)
            if k in skel.orphans:  # its parent was deleted for good
                skel.phantoms[k] = self.next_comment_id
                self.next_comment_id += 1 + rng.randint(0, 3)
            skel.ids[k] = self.next_comment_id
            self.next_comment_id += 1

    def _generate(self) -> None:
        site, rng = self.site, self.rng
        index = self.next_index
        self.next_index += 1
        roll = rng.random()
        kind = "post"
        if self.menu_left > 0:
            kind = "nav_menu_item"
            self.menu_left -= 1
        elif index == self.menu_at and site.menus:
            kind = "nav_menu_item"
            self.menu_left = rng.randint(2, 6)
        elif roll < 0.06:
            kind = "page"
        elif roll < 0.20 and self.last_post is not None:
            kind = "attachment"
        elif roll < 0.205 and site.menus and index > 3:
            kind = "nav_menu_item"
            self.menu_left = rng.randint(2, 6)
        elif 0.205 <= roll < 0.255 and site.shop:
            kind = "shop_order"

        if kind in ("attachment", "nav_menu_item"):
            self.clock += rng.randint(5, 900)
        else:
            self.clock += int(rng.expovariate(1.0 / site.spacing)) + 1
        ts = self.clock
        post_id = self.next_post_id
        # revisions and autosaves use post ids too
        self.next_post_id += 1 + (rng.randint(1, 6) if kind in ("post", "page") else 0)

        status, n, parent_post = "publish", 0, 0
        if kind == "post":
            status = _pick(
                rng,
                (
                    ("publish", 0.86),
                    ("draft", 0.04),
                    ("private", 0.03),
                    ("trash", 0.05),
                    ("pending", 0.005),
                    ("future", 0.015),
                ),
            )
            n = _heavy_count(rng)
            if status in ("trash", "draft", "private"):  # had comments before the change
                n = max(n, 1)
            elif status in ("pending", "future") and rng.random() < 0.5:
                n = 0
        elif kind == "page":
            status = _pick(
                rng, (("publish", 0.92), ("draft", 0.04), ("private", 0.02), ("trash", 0.02))
            )
            n = 0 if rng.random() < 0.6 else rng.randint(1, 12)
        elif kind == "attachment":
            status = "inherit"
            n = 0 if rng.random() < 0.92 else rng.randint(1, 3)
            parent_post = self.last_post[0] if self.last_post else 0
        elif kind == "shop_order":
            status = _pick(
                rng, (("wc-completed", 0.8), ("wc-processing", 0.1), ("wc-cancelled", 0.1))
            )
            n = rng.randint(1, 4)
        n = min(n, site.max_comments)
        if kind in ("post", "page"):
            self.last_post = (post_id, index)

        times: list[int] = []
        if n:
            horizon = site.horizon
            for _ in range(n):
                u = rng.random()
                if kind == "shop_order":
                    delay = rng.uniform(60, 3 * _DAY)
                elif u < 0.6:
                    delay = rng.lognormvariate(math.log(5 * _HOUR), 1.2)
                elif u < 0.93:
                    delay = rng.lognormvariate(math.log(3 * _DAY), 1.0)
                else:
                    delay = rng.uniform(_DAY, horizon)
                times.append(ts + 30 + int(min(delay, horizon)))
            times.sort()
            for k in range(1, n):  # distinct seconds within an item
                if times[k] <= times[k - 1]:
                    times[k] = times[k - 1] + 1
        orphans = frozenset(k for k in range(1, n) if kind != "shop_order" and rng.random() < 0.01)
        skel = _Skel(
            index,
            post_id,
            kind,
            status,
            site.pick_author(rng),
            ts,
            parent_post,
            times,
            orphans,
            [0] * n,
            {},
        )
        self.pending[index] = skel
        for k, t in enumerate(times):
            heapq.heappush(self.heap, (t, index, k))


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    u = rng.random()
    for value, weight in table:
        if u < weight:
            return value
        u -= weight
    return table[0][0]


def _heavy_count(rng: random.Random) -> int:
    """Comments on a post: many none, most a handful, some dozens, a few hundreds."""
    u = rng.random()
    if u < 0.28:
        return 0
    if u < 0.75:
        return rng.randint(1, 8)
    if u < 0.94:
        return rng.randint(9, 40)
    if u < 0.99:
        return rng.randint(41, 150)
    return rng.randint(151, 400)


# --------------------------------------------------------------------------- items


def _post_text(site: _Site, rng: random.Random, ts: int, blocks: bool) -> str:
    parts: list[str] = []
    count = rng.randint(3, 14)
    for pos in range(count):
        roll = rng.random()
        if roll < 0.65:
            body = " ".join(rng.choices(site.sentences, k=rng.randint(2, 9)))
            parts.append(f"<p>{body}</p>" if blocks else body)
            tag = "paragraph"
        elif roll < 0.75:
            body = " ".join(rng.choices(site.title_words, k=rng.randint(2, 6))).capitalize()
            parts.append(f"<h2>{body}</h2>")
            tag = "heading"
        elif roll < 0.83:
            items = "\n".join(f"<li>{s}</li>" for s in rng.choices(site.short, k=rng.randint(2, 6)))
            parts.append(f"<ul>\n{items}\n</ul>")
            tag = "list"
        elif roll < 0.92:
            year = (_EPOCH + timedelta(seconds=ts)).year
            img = (
                f"{site.base_url}/wp-content/uploads/{year}/{rng.randint(1, 12):02d}/"
                f"img_{rng.randint(1000, 9999)}.jpg"
            )
            caption = rng.choice(site.short)
            parts.append(
                f'[caption id="attachment_{rng.randint(10, 9999)}" align="aligncenter" '
                f'width="640"]<img class="size-large" src="{img}" alt="" width="640" '
                f'height="480" /> {caption}[/caption]'
            )
            tag = "image"
        else:
            code = rng.choice(
                (
                    "if ($a &lt; $b &amp;&amp; $c) {\n    echo 'ok';\n}",
                    "x = data[idx[0]]>0  # CDATA trap: ]]> inside code",
                    "<?php wp_enqueue_script( 'app' ); ?>",
                    "SELECT * FROM wp_comments WHERE comment_approved = '1';",
                )
            )
            parts.append(f"<pre><code>{code}</code></pre>")
            tag = "code"
        if pos == 0 and count > 4 and rng.random() < 0.3:
            parts.append("<!--more-->")
        if blocks:
            parts[-1] = f"<!-- wp:{tag} -->\n{parts[-1]}\n<!-- /wp:{tag} -->"
    return "\n\n".join(parts)


def _title(site: _Site, rng: random.Random) -> str:
    roll = rng.random()
    words = " ".join(rng.choices(site.title_words, k=rng.randint(2, 7)))
    words = words[:1].upper() + words[1:]
    if roll < 0.6:
        return words
    if roll < 0.75:
        return f"{words} &amp; {rng.choice(site.title_words)}"
    if roll < 0.82:
        return f"It&#8217;s {words.lower()}"
    if roll < 0.88:
        return f"{rng.choice(('Café', 'Zürich', 'São Paulo', 'Kraków'))}: {words.lower()}"
    if roll < 0.93:
        return (
            rng.choice(("日本旅行記", "北京の週末", "서울 여행", "رحلة إلى القاهرة"))
            + f" {rng.randint(2005, 2024)}"
        )
    if roll < 0.97:
        return f"Why &lt;div&gt; soup is {words.lower()}"
    return f"{words} 🎉"


def _comment_text(site: _Site, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.35:
        return " ".join(rng.choices(site.short + site.sentences[:200], k=rng.randint(1, 2)))
    if roll < 0.85:
        paras = site.paragraphs(rng, rng.randint(1, 3), 1, 4)
    else:
        paras = site.paragraphs(rng, rng.randint(3, 10), 2, 6)
    extra = rng.random()
    if extra < 0.06:
        paras.append("<blockquote>" + rng.choice(site.sentences) + "</blockquote>")
    elif extra < 0.09:
        paras.insert(
            rng.randrange(len(paras) + 1),
            "<code>if ($x &gt; 0 &amp;&amp; $y &lt; 1) { return; }</code>",
        )
    if rng.random() < 0.015:
        paras.append(
            rng.choice(
                (
                    "Wrap it as <![CDATA[ like this ]]> and the importer keeps it.",
                    "Careful: if (a[b[0]]>1) breaks the feed]]>",
                    "]]> was the culprit 🙈",
                )
            )
        )
    return "\n\n".join(paras)


def _spam_text(site: _Site, rng: random.Random) -> str:
    links = rng.choices(site.spam_links, k=rng.randint(2, 12))
    intro = rng.choice(
        (
            "Great post!",
            "Very informative.",
            "I like your blog.",
            "Hello!! Good article, check my site",
            "Thanks for sharing",
        )
    )
    return intro + " " + " ".join(links) + (" " + " ".join(links[:3])) * rng.randint(0, 2)


def _email_variant(rng: random.Random, email: str) -> str:
    roll = rng.random()
    if roll < 0.4:
        return email.upper()
    if roll < 0.7:
        return f"  {email} "
    if roll < 0.9:
        return f" {email.capitalize()}"
    return email.swapcase() + "\t"


def _is_by_post_author(site: _Site, author: _Author, user_id: int, email: str) -> bool:
    if not site.author_table:
        return False
    if user_id != 0 and user_id == author.id:
        return True
    mine = author.email.strip().lower()
    return bool(mine) and email.strip().lower() == mine


def _akismet_history(ts: int, event: str, user: str, rng: random.Random) -> str:
    when = ts + rng.random()
    if ts >= _ts(2013, 1, 1):
        return php_serialize({"time": round(when, 6), "event": event, "user": user})
    message = {
        "check-ham": "Akismet cleared this comment",
        "check-spam": "Akismet caught this comment as spam",
        "report-ham": f"{user} reported this comment as not spam",
        "report-spam": f"{user} reported this comment as spam",
        "status-approved": f"{user} changed the comment status to approved",
    }.get(event, event)
    return php_serialize({"time": f"{when:.4f}", "message": message, "event": event, "user": user})


class _Builder:
    """Turns a skeleton into an item (all per-item randomness lives here)."""

    def __init__(self, site: _Site) -> None:
        self.site = site

    def build(self, skel: _Skel) -> _Item:
        site = self.site
        rng = random.Random(f"wxrgen/{site.seed}/item/{skel.index}")
        author = site.authors[skel.author]
        zone = site.zone
        kind, status, ts = skel.kind, skel.status, skel.ts
        local = ts + zone.offset(ts)
        date_s = _mysql(local)
        no_gmt = status in ("draft", "pending")
        date_gmt = ZERO_DATE if no_gmt else _mysql(ts)
        pub_date = "Mon, 30 Nov -0001 00:00:00 +0000" if no_gmt else _rfc822(ts)
        mod_ts = ts + (rng.randint(0, 400 * _DAY) if rng.random() < 0.3 else rng.randint(0, 600))
        blocks = site.version == "1.2" and ts >= _ts(2019, 1, 1) and rng.random() < 0.8

        terms: list[tuple[str, str, str]] = []
        postmeta: list[tuple[str, str]] = []
        content, excerpt, attachment_url = "", "", ""
        comment_status = "open" if kind in ("post", "attachment") else "closed"
        menu_order, sticky = 0, 0
        if kind == "nav_menu_item":
            title_raw = "" if rng.random() < 0.6 else _title(site, rng)
            slug = str(skel.post_id)
            menu_order = rng.randint(1, 12)
            url = f"{site.base_url}/?p={skel.post_id}"
            terms.append(("nav_menu", "main-menu", "Main menu"))
            postmeta += [
                ("_menu_item_type", rng.choice(("post_type", "taxonomy", "custom"))),
                ("_menu_item_menu_item_parent", "0"),
                ("_menu_item_object_id", str(rng.randint(1, skel.post_id))),
                ("_menu_item_object", rng.choice(("page", "category", "custom"))),
                ("_menu_item_target", ""),
                ("_menu_item_classes", php_serialize([""])),
                ("_menu_item_xfn", ""),
                ("_menu_item_url", "" if rng.random() < 0.7 else "https://example.com/?a=1&b=2"),
            ]
        elif kind == "attachment":
            year_month = date_s[:7].replace("-", "/")
            name = f"{rng.choice(site.title_words)}-{rng.randint(1, 999)}"
            title_raw = name
            slug = name
            attachment_url = f"{site.base_url}/wp-content/uploads/{year_month}/{name}.jpg"
            url = f"{site.base_url}/?attachment_id={skel.post_id}"
            content = rng.choice(site.short) if rng.random() < 0.3 else ""
            excerpt = rng.choice(site.short) if rng.random() < 0.4 else ""
            meta_value = php_serialize(
                {
                    "width": 1600,
                    "height": 1200,
                    "file": f"{year_month}/{name}.jpg",
                    "sizes": {
                        "thumbnail": {
                            "file": f"{name}-150x150.jpg",
                            "width": 150,
                            "height": 150,
                            "mime-type": "image/jpeg",
                        }
                    },
                    "image_meta": {
                        "aperture": "2.8",
                        "camera": "Canon EOS 5D",
                        "caption": "",
                        "copyright": "© " + html.unescape(author.display_raw),
                        "title": "",
                    },
                }
            )
            postmeta += [
                ("_wp_attached_file", f"{year_month}/{name}.jpg"),
                ("_wp_attachment_metadata", meta_value),
            ]
        elif kind == "shop_order":
            title_raw = f"Order &ndash; {date_s[:10]} @ {date_s[11:16]}"
            slug = f"order-{date_s[:10]}"
            url = f"{site.base_url}/?post_type=shop_order&p={skel.post_id}"
            comment_status = "closed"
            postmeta += [
                ("_order_total", f"{rng.randint(5, 500)}.{rng.randint(0, 99):02d}"),
                ("_billing_email", rng.choice(site.people).email),
                ("_order_currency", rng.choice(("EUR", "USD", "GBP"))),
            ]
        else:
            title_raw = _title(site, rng)
            slug = "" if no_gmt else site._slug(html.unescape(title_raw))[:190]
            content = _post_text(site, rng, ts, blocks)
            excerpt = rng.choice(site.sentences) if rng.random() < 0.1 else ""
            if kind == "page":
                url = f"{site.base_url}/{slug}/"
                menu_order = rng.randint(0, 5)
            else:
                terms.append(rng.choice(site.categories))
                terms += rng.sample(site.tags, rng.randint(0, 4))
                sticky = int(rng.random() < 0.01)
                url = f"{site.base_url}/{date_s[:4]}/{date_s[5:7]}/{slug}/"
            if status in ("draft", "pending", "future", "trash") or not slug:
                url = f"{site.base_url}/?p={skel.post_id}"
            postmeta.append(("_edit_last", str(author.id)))
            if rng.random() < 0.4:
                postmeta.append(("_thumbnail_id", str(rng.randint(1, skel.post_id + 1))))
            if status == "trash":
                postmeta += [
                    ("_wp_trash_meta_status", "publish"),
                    ("_wp_trash_meta_time", str(mod_ts)),
                ]
            if rng.random() < 0.2:
                postmeta.append(("_wp_old_slug", f"{slug[:30]}-2"))

        comments, names = self._comments(skel, rng, author)
        if status == "trash" and comments:
            postmeta.append(
                (
                    "_wp_trash_meta_comments_status",
                    php_serialize({c.id: rng.choice(("1", "1", "1", "0")) for c in comments}),
                )
            )
        post = GenPost(
            id=skel.post_id,
            title=html.unescape(title_raw),
            slug=slug,
            url=url,
            post_type=kind,
            status=status,
            author_login=author.login,
            date=date_s,
            date_gmt=date_gmt,
            comments=comments,
            parent_id=skel.parent_post,
        )
        return _Item(
            post=post,
            title_raw=title_raw,
            pub_date=pub_date,
            guid=attachment_url or f"{site.base_url}/?p={skel.post_id}",
            content=content,
            excerpt=excerpt,
            modified=_mysql(mod_ts + zone.offset(mod_ts)),
            modified_gmt=ZERO_DATE if no_gmt else _mysql(mod_ts),
            comment_status=comment_status,
            menu_order=menu_order,
            sticky=sticky,
            attachment_url=attachment_url,
            terms=terms,
            postmeta=postmeta,
            comment_names=names,
        )

    # -- comments

    def _comments(
        self, skel: _Skel, rng: random.Random, author: _Author
    ) -> tuple[list[GenComment], list[str]]:
        n = len(skel.times)
        if not n:
            return [], []
        site = self.site
        kind = skel.kind
        real_gmt = skel.status not in ("draft", "pending")
        imported = real_gmt and rng.random() < 0.02  # e.g. from Blogger: no GMT dates
        plain = rng.choice(("", "comment")) if site.plain_mode == "mixed" else site.plain_mode

        kinds: list[str] = []
        spam_p = site.cfg.spam_fraction
        for k, t in enumerate(skel.times):
            if kind == "shop_order":
                kinds.append("order_note")
                continue
            if k in skel.orphans:
                kinds.append("normal")
                continue
            old = t < _ts(2010, 1, 1)
            table = (
                ("note", 0.08 if skel.status in ("draft", "pending", "private") else 0.006),
                ("pingback", 0.07 if old else 0.04),
                ("trackback", 0.03 if old else 0.01),
                (PLUGIN_TYPE, 0.008 if t > _ts(2014, 1, 1) else 0.0),
                ("spam", spam_p),
            )
            u = rng.random()
            for name, weight in table:
                if u < weight:
                    kinds.append(name)
                    break
                u -= weight
            else:
                kinds.append("normal")

        # reply structure, by index in time order (parents always come earlier)
        parents: list[int] = [-1] * n  # -1: top level, -2: orphan (deleted parent)
        for k in skel.orphans:
            parents[k] = -2
        chain: set[int] = set()
        if n >= 12 and kind != "shop_order" and rng.random() < 0.4:
            length = rng.randint(10, min(30, n - 1))
            start = rng.randint(0, n - length - 1)
            kinds[start] = "normal" if kinds[start] != "note" else "note"
            for k in range(start + 1, start + length + 1):
                if parents[k] == -2:
                    continue
                kinds[k] = kinds[start]
                parents[k] = k - 1
                chain.add(k)
        recent: dict[str, list[int]] = {"normal": [], "note": []}
        for k in range(n):
            kk = kinds[k]
            if kk in recent and k not in chain and parents[k] == -1:
                pool = recent[kk]
                if pool and rng.random() < 0.35:
                    parents[k] = pool[-1 - min(len(pool) - 1, int(rng.expovariate(0.4)))]
            if kk in recent:
                recent[kk].append(k)

        comments: list[GenComment] = []
        names: list[str] = []
        post_author_id = author.id
        for k, t in enumerate(skel.times):
            kk = kinds[k]
            cid = skel.ids[k]
            parent = parents[k]
            parent_id = (
                0 if parent == -1 else skel.phantoms[k] if parent == -2 else skel.ids[parent]
            )
            year = (_EPOCH + timedelta(seconds=t)).year
            local = _mysql(t + site.zone.offset(t))
            gmt = ZERO_DATE if real_gmt and (imported or rng.random() < 0.004) else _mysql(t)
            name, email, url, ip, user_id = self._who(rng, kk, parent >= 0, author, year)
            content = self._content(rng, kk, parents, k, skel, url)
            status = self._status(rng, kk, user_id == post_author_id)
            if skel.status == "trash":
                status = "post-trashed"
            ctype = plain if kk in ("normal", "spam") else kk
            meta = (
                []
                if site.legacy
                else self._meta(
                    rng, kk, status, t, name, email, url, ip, content, ctype, user_id, skel
                )
            )
            if imported:
                ip = ""
            comments.append(
                GenComment(
                    id=cid,
                    post_id=skel.post_id,
                    parent_id=parent_id,
                    author_name=html.unescape(name),
                    author_email=email,
                    author_url=url,
                    author_ip=ip,
                    user_id=user_id,
                    date=local,
                    date_gmt=gmt,
                    content_html=content,
                    approved_raw=status,
                    type_raw=ctype,
                    meta=meta,
                    by_post_author=_is_by_post_author(site, author, user_id, email),
                )
            )
            names.append(name)

        # a few posts list a reply before its parent (import order, DB without ORDER BY)
        if rng.random() < 0.2:
            replies = [k for k in range(n) if parents[k] >= 0]
            if replies:
                child = rng.choice(replies)
                order = list(range(n))
                order.remove(child)
                order.insert(order.index(parents[child]), child)
                comments = [comments[i] for i in order]
                names = [names[i] for i in order]
        return comments, names

    def _who(
        self, rng: random.Random, kind: str, is_reply: bool, author: _Author, year: int
    ) -> tuple[str, str, str, str, int]:
        """Name (stored form), e-mail, URL, IP and user id of a comment's author."""
        site = self.site
        ip = site._ip(rng, year)
        if kind == "spam":
            words = rng.sample(_SPAM_WORDS, 2)
            name = rng.choice(_SPAM_NAMES)
            return (
                name,
                f"{words[0]}{rng.randint(1, 9999)}@spam.example",
                f"http://{words[0]}-{words[1]}.example.biz/",
                ip,
                0,
            )
        if kind in ("pingback", "trackback", PLUGIN_TYPE):
            blog = rng.choice(_BLOGS)
            slug = "-".join(rng.choices(site.title_words, k=3))
            url = (
                f"https://{site._slug(html.unescape(blog))[:20] or 'blog'}.example.net/"
                f"{year}/{slug}/"
            )
            if kind == PLUGIN_TYPE:
                handle = rng.choice(site.people).email.split("@")[0]
                return (
                    f"@{handle}",
                    "",
                    f"https://social.example/@{handle}/{rng.getrandbits(40)}",
                    ip,
                    0,
                )
            return (f"{blog} &raquo; {slug.replace('-', ' ').title()}", "", url, ip, 0)
        if kind == "order_note":
            if rng.random() < 0.7:
                return ("WooCommerce", f"woocommerce@{site.domain}", "", "", 0)
        elif kind == "normal":
            roll = rng.random()
            if roll < (0.35 if is_reply else 0.04):
                return self._post_author_variant(rng, author, ip)
            if roll < (0.40 if is_reply else 0.07) and len(site.authors) > 1:
                other = rng.choice([a for a in site.authors if a.id != author.id])
                return (other.display_raw, other.email, site.base_url, ip, other.id)
            if roll < (0.42 if is_reply else 0.08):  # types the author's name, not their e-mail
                person = rng.choice(site.people)
                return (author.display_raw, person.email, person.url, ip, 0)
            if roll < 0.13:  # registered subscriber: not in the author table
                person = rng.choice(site.people)
                return (person.name_raw, person.email, person.url, ip, rng.randint(200, 5000))
            if rng.random() < 0.7:
                person = rng.choice(site.people)
                return (
                    person.name_raw,
                    person.email,
                    person.url,
                    person.ip if rng.random() < 0.5 else ip,
                    0,
                )
            person = site._person(rng)
            return (person.name_raw, person.email, person.url, ip, 0)
        # notes and the rest of the order notes: a logged-in registered author
        if rng.random() < 0.7:
            return (author.display_raw, author.email, "", ip, author.id)
        other = rng.choice(site.authors)
        return (other.display_raw, other.email, "", ip, other.id)

    def _post_author_variant(
        self, rng: random.Random, author: _Author, ip: str
    ) -> tuple[str, str, str, str, int]:
        site = self.site
        roll = rng.random()
        if roll < 0.62:  # logged in
            email = author.email
            if rng.random() < 0.05:  # changed e-mail since: matched by id only
                email = f"old-{author.login}@{rng.choice(_MAIL_DOMAINS)}"
            return (author.display_raw, email, site.base_url, ip, author.id)
        if roll < 0.85:  # logged out: user id 0, same address typed differently
            email = _email_variant(rng, author.email) if author.email else "me@home.example"
            return (author.display_raw, email, site.base_url, ip, 0)
        global_id = rng.randint(10_000_000, 250_000_000)  # WordPress.com / Jetpack id
        if roll < 0.95:
            email = _email_variant(rng, author.email) if rng.random() < 0.5 else author.email
            return (author.display_raw, email, site.base_url, ip, global_id)
        return (author.display_raw, f"{author.login}@wordpress.example", "", ip, global_id)

    def _content(
        self, rng: random.Random, kind: str, parents: list[int], k: int, skel: _Skel, url: str
    ) -> str:
        site = self.site
        if kind == "spam":
            return _spam_text(site, rng)
        if kind == "pingback":
            return f"[&#8230;] {rng.choice(site.sentences)} [&#8230;]"
        if kind == "trackback":
            return f"<strong>{html.escape(url)}</strong>\n\n{rng.choice(site.sentences)}"
        if kind == PLUGIN_TYPE:
            return f'This Article was mentioned on <a href="{url}">social.example</a>'
        if kind == "order_note":
            return rng.choice(
                (
                    "Order status changed from Pending payment to Processing.",
                    "Order status changed from Processing to Completed.",
                    "Payment via PayPal (txn 8XK2&amp;9).",
                    "Stock levels reduced: Mug &ndash; Blue (MUG-01) 12&rarr;11",
                    "Hallo, bitte an die Packstation liefern. Danke!",
                )
            )
        text = _comment_text(site, rng)
        if parents[k] >= 0 and rng.random() < 0.08:
            text = f"<blockquote>{rng.choice(site.short)}</blockquote>\n\n{text}"
        if k == 0 and rng.random() < 0.01:
            text += f'\n\n<a href="{site.base_url}/?p={skel.post_id}#comment-1">#</a>'
        return text

    @staticmethod
    def _status(rng: random.Random, kind: str, own: bool) -> str:
        if own or kind == "order_note":
            return "1"
        if kind == "spam":
            return _pick(rng, (("spam", 0.95), ("0", 0.03), ("1", 0.02)))
        if kind in ("pingback", "trackback"):
            return _pick(rng, (("1", 0.8), ("spam", 0.12), ("0", 0.08)))
        if kind == "note":
            return _pick(rng, (("1", 0.7), ("0", 0.3)))
        return _pick(rng, (("1", 0.87), ("0", 0.05), ("trash", 0.04), ("spam", 0.04)))

    def _meta(
        self,
        rng: random.Random,
        kind: str,
        status: str,
        t: int,
        name: str,
        email: str,
        url: str,
        ip: str,
        content: str,
        ctype: str,
        user_id: int,
        skel: _Skel,
    ) -> list[tuple[str, str]]:
        site = self.site
        meta: list[tuple[str, str]] = []
        if kind == "order_note":
            return [("is_customer_note", "1" if rng.random() < 0.2 else "0")]
        if kind == "note":
            return [("_wp_note_status", "resolved")] if rng.random() < 0.3 else []
        checked = site.akismet and user_id == 0 and t >= _ts(2007, 1, 1) and rng.random() < 0.9
        if checked:
            caught = status == "spam" or (kind == "spam") or rng.random() < 0.03
            meta.append(("akismet_result", "true" if caught else "false"))
            meta.append(
                (
                    "akismet_history",
                    _akismet_history(t, "check-spam" if caught else "check-ham", "", rng),
                )
            )
            if _ts(2012, 1, 1) <= t < _ts(2021, 1, 1) and rng.random() < 0.25:
                submitted = {
                    "comment_post_ID": str(skel.post_id),
                    "comment_author": name,
                    "comment_author_email": email,
                    "comment_author_url": url,
                    "comment_content": content,
                    "comment_type": ctype,
                    "user_ip": ip,
                    "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:91.0) "
                    "Gecko/20100101 Firefox/91.0",
                    "blog": site.base_url,
                    "blog_lang": site.language.replace("-", "_"),
                    "blog_charset": "UTF-8",
                    "permalink": f"{site.base_url}/?p={skel.post_id}",
                    "POST_akismet_comment_nonce": f"{rng.getrandbits(40):010x}",
                }
                meta.append(("akismet_as_submitted", php_serialize(submitted)))
            if caught and status == "1":  # false positive, rescued by the owner
                user = site.authors[0].login
                later = t + rng.randint(600, 5 * _DAY)
                event = rng.choice(("report-ham", "status-approved", "report-ham"))
                meta.append(("akismet_history", _akismet_history(later, event, user, rng)))
                if event == "report-ham" or rng.random() < 0.5:
                    meta.append(("akismet_user_result", "false"))
                    meta.append(("akismet_user", user))
            elif status == "0" and rng.random() < 0.3:
                meta.append(
                    ("akismet_history", _akismet_history(t + 5, "status-unapproved", "", rng))
                )
        if status == "trash":
            meta.append(("_wp_trash_meta_status", rng.choice(("1", "0"))))
            meta.append(("_wp_trash_meta_time", str(t + rng.randint(_DAY, 90 * _DAY))))
        if kind == "normal" and rng.random() < 0.01:
            meta.append(("rating", str(rng.randint(1, 5))))
        return meta


# --------------------------------------------------------------------------- XML


def _header(site: _Site) -> str:
    cfg = site.cfg
    scheme = "https" if cfg.https_namespace else "http"
    version = site.version
    legacy = site.legacy
    created = _mysql(site.end_ts + site.zone.offset(site.end_ts))[:16]
    parts = [
        '<?xml version="1.0" encoding="UTF-8" ?>\n',
        "<!-- This is a WordPress eXtended RSS file generated by WordPress as an export of "
        "your site. -->\n",
        "<!-- It contains information about your site's posts, pages, comments, categories, "
        "and other content. -->\n",
        "<!-- You may use this file to transfer that content from one site to another. -->\n",
        "<!-- This file is not intended to serve as a complete backup of your site. -->\n\n",
        "<!-- To import this information into a WordPress site follow these steps: -->\n",
        "<!-- 1. Log in to that site as an administrator. -->\n",
        "<!-- 2. Go to Tools: Import in the WordPress admin panel. -->\n",
        '<!-- 3. Install the "WordPress" importer from the list. -->\n',
        "<!-- 4. Activate & Run Importer. -->\n",
        "<!-- 5. Upload this file using the form provided on that page. -->\n",
        "<!-- 6. You will first be asked to map the authors in this export file to users -->\n",
        "<!--    on the site. For each author, you may choose to map to an -->\n",
        "<!--    existing user on the site or to create a new user. -->\n",
        "<!-- 7. WordPress will then import each of the posts, pages, comments, categories, etc."
        " -->\n",
        "<!--    contained in this file into your site. -->\n\n",
        f'<!-- generator="WordPress/{site.wp_version}" created="{created}" -->\n',
        '<rss version="2.0"\n',
        f'\txmlns:excerpt="{scheme}://wordpress.org/export/{version}/excerpt/"\n',
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n',
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n',
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n',
        f'\txmlns:wp="{scheme}://wordpress.org/export/{version}/"\n',
        ">\n\n<channel>\n",
        f"\t<title>{_esc(site.title_raw)}</title>\n",
        f"\t<link>{_esc(site.base_url)}</link>\n",
        f"\t<description>{_esc(site.description_raw)}</description>\n",
        f"\t<pubDate>{_rfc822(site.end_ts)}</pubDate>\n",
        f"\t<language>{site.language}</language>\n",
        f"\t<wp:wxr_version>{version}</wp:wxr_version>\n",
        f"\t<wp:base_site_url>{_esc(site.base_url)}</wp:base_site_url>\n",
        f"\t<wp:base_blog_url>{_esc(site.base_url)}</wp:base_blog_url>\n\n",
    ]

    def text(value: str) -> str:
        return _esc(value) if legacy else cdata(value)

    if site.author_table:
        for a in site.authors:
            parts.append(
                f"\t<wp:author><wp:author_id>{a.id}</wp:author_id>"
                f"<wp:author_login>{text(a.login)}</wp:author_login>"
                f"<wp:author_email>{text(a.email)}</wp:author_email>"
                f"<wp:author_display_name>{cdata(a.display_raw)}</wp:author_display_name>"
                f"<wp:author_first_name>{cdata(a.first)}</wp:author_first_name>"
                f"<wp:author_last_name>{cdata(a.last)}</wp:author_last_name></wp:author>\n"
            )
        parts.append("\n")
    for term_id, (_, slug, name) in enumerate(site.categories, start=1):
        parts.append(
            f"\t<wp:category><wp:term_id>{term_id}</wp:term_id>"
            f"<wp:category_nicename>{text(slug)}</wp:category_nicename>"
            f"<wp:category_parent>{text('')}</wp:category_parent>"
            f"<wp:cat_name>{cdata(name)}</wp:cat_name></wp:category>\n"
        )
    for term_id, (_, slug, name) in enumerate(site.tags, start=100):
        parts.append(
            f"\t<wp:tag><wp:term_id>{term_id}</wp:term_id>"
            f"<wp:tag_slug>{text(slug)}</wp:tag_slug>"
            f"<wp:tag_name>{cdata(name)}</wp:tag_name></wp:tag>\n"
        )
    if site.menus:
        parts.append(
            "\t<wp:term><wp:term_id>500</wp:term_id><wp:term_taxonomy>nav_menu</wp:term_taxonomy>"
            f"<wp:term_slug>{text('main-menu')}</wp:term_slug>"
            f"<wp:term_name>{cdata('Main menu')}</wp:term_name></wp:term>\n"
        )
    generator = "https" if version == "1.2" else "http"
    parts.append(f"\n\t<generator>{generator}://wordpress.org/?v={site.wp_version}</generator>\n\n")
    return "".join(parts)


_FOOTER = "</channel>\n</rss>\n"


def _render(site: _Site, item: _Item) -> str:
    """The ``<item>`` element of one item (no randomness here)."""
    post = item.post
    legacy = site.legacy
    text: Callable[[str], str] = _esc if legacy else cdata
    parts = [
        "\t<item>\n",
        f"\t\t<title>{_esc(item.title_raw)}</title>\n",
        f"\t\t<link>{_esc(post.url)}</link>\n",
        f"\t\t<pubDate>{item.pub_date}</pubDate>\n",
        f"\t\t<dc:creator>{cdata(post.author_login)}</dc:creator>\n",
        f'\t\t<guid isPermaLink="false">{_esc(item.guid)}</guid>\n',
        "\t\t<description></description>\n",
        f"\t\t<content:encoded>{cdata(item.content)}</content:encoded>\n",
        f"\t\t<excerpt:encoded>{cdata(item.excerpt)}</excerpt:encoded>\n",
        f"\t\t<wp:post_id>{post.id}</wp:post_id>\n",
        f"\t\t<wp:post_date>{text(post.date)}</wp:post_date>\n",
        f"\t\t<wp:post_date_gmt>{text(post.date_gmt)}</wp:post_date_gmt>\n",
    ]
    if not legacy:
        parts.append(f"\t\t<wp:post_modified>{cdata(item.modified)}</wp:post_modified>\n")
        parts.append(
            f"\t\t<wp:post_modified_gmt>{cdata(item.modified_gmt)}</wp:post_modified_gmt>\n"
        )
    parts += [
        f"\t\t<wp:comment_status>{text(item.comment_status)}</wp:comment_status>\n",
        f"\t\t<wp:ping_status>{text(item.comment_status)}</wp:ping_status>\n",
        f"\t\t<wp:post_name>{text(post.slug)}</wp:post_name>\n",
        f"\t\t<wp:status>{text(post.status)}</wp:status>\n",
        f"\t\t<wp:post_parent>{post.parent_id}</wp:post_parent>\n",
        f"\t\t<wp:menu_order>{item.menu_order}</wp:menu_order>\n",
        f"\t\t<wp:post_type>{text(post.post_type)}</wp:post_type>\n",
        f"\t\t<wp:post_password>{text('')}</wp:post_password>\n",
        f"\t\t<wp:is_sticky>{item.sticky}</wp:is_sticky>\n",
    ]
    if item.attachment_url:
        parts.append(f"\t\t<wp:attachment_url>{text(item.attachment_url)}</wp:attachment_url>\n")
    for domain, slug, name in item.terms:
        parts.append(
            f'\t\t<category domain="{domain}" nicename="{_esc(slug)}">{cdata(name)}</category>\n'
        )
    for key, value in item.postmeta:
        parts.append(
            f"\t\t<wp:postmeta>\n\t\t\t<wp:meta_key>{text(key)}</wp:meta_key>\n"
            f"\t\t\t<wp:meta_value>{cdata(value)}</wp:meta_value>\n\t\t</wp:postmeta>\n"
        )
    for c, name in zip(post.comments, item.comment_names, strict=True):
        parts.append(
            "\t\t<wp:comment>\n"
            f"\t\t\t<wp:comment_id>{c.id}</wp:comment_id>\n"
            f"\t\t\t<wp:comment_author>{cdata(name)}</wp:comment_author>\n"
            f"\t\t\t<wp:comment_author_email>{text(c.author_email)}</wp:comment_author_email>\n"
            f"\t\t\t<wp:comment_author_url>{_esc(c.author_url)}</wp:comment_author_url>\n"
            f"\t\t\t<wp:comment_author_IP>{text(c.author_ip)}</wp:comment_author_IP>\n"
            f"\t\t\t<wp:comment_date>{text(c.date)}</wp:comment_date>\n"
            f"\t\t\t<wp:comment_date_gmt>{text(c.date_gmt)}</wp:comment_date_gmt>\n"
            f"\t\t\t<wp:comment_content>{cdata(c.content_html)}</wp:comment_content>\n"
            f"\t\t\t<wp:comment_approved>{text(c.approved_raw)}</wp:comment_approved>\n"
            f"\t\t\t<wp:comment_type>{text(c.type_raw)}</wp:comment_type>\n"
            f"\t\t\t<wp:comment_parent>{c.parent_id}</wp:comment_parent>\n"
            f"\t\t\t<wp:comment_user_id>{c.user_id}</wp:comment_user_id>\n"
        )
        for key, value in c.meta:
            parts.append(
                f"\t\t\t<wp:commentmeta>\n\t\t\t\t<wp:meta_key>{text(key)}</wp:meta_key>\n"
                f"\t\t\t\t<wp:meta_value>{cdata(value)}</wp:meta_value>\n"
                "\t\t\t</wp:commentmeta>\n"
            )
        parts.append("\t\t</wp:comment>\n")
    parts.append("\t</item>\n")
    return "".join(parts)


# --------------------------------------------------------------------------- public API


def _items(site: _Site, limit: int | None) -> Iterator[_Item]:
    timeline = _Timeline(site)
    builder = _Builder(site)
    indexes = itertools.count() if limit is None else range(limit)
    for index in indexes:
        yield builder.build(timeline.take(index))


def authors(cfg: GenConfig) -> list[GenAuthor]:
    """The site's authors (written as ``<wp:author>`` except in WXR 1.0), truth form."""
    return [
        GenAuthor(a.id, a.login, a.email, html.unescape(a.display_raw)) for a in _Site(cfg).authors
    ]


def posts(cfg: GenConfig) -> Iterator[GenPost]:
    """The items ``write_wxr(cfg, ...)`` writes, lazily, in file order.

    Endless unless ``cfg.max_posts`` is set: cut it with
    ``itertools.islice(posts(cfg), stats.posts)`` using the writer's ``GenStats``.
    """
    for item in _items(_Site(cfg), cfg.max_posts):
        yield item.post


def write_wxr(
    cfg: GenConfig, out: BinaryIO, on_post: Callable[[GenPost], None] | None = None
) -> GenStats:
    """Stream a whole export to ``out`` (binary); return what was written.

    Items are added until ``cfg.target_bytes`` is reached (or ``cfg.max_posts``
    items are written), then the channel is closed. ``on_post`` is called with each
    written item's truth, in order.
    """
    started = time.perf_counter()
    site = _Site(cfg)
    stats = GenStats()
    by_status: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    by_post_type: Counter[str] = Counter()
    data = _header(site).encode("utf-8")
    out.write(data)
    written = len(data)
    items = _items(site, cfg.max_posts)
    while written < cfg.target_bytes:
        item = next(items, None)
        if item is None:
            break
        data = _render(site, item).encode("utf-8")
        out.write(data)
        written += len(data)
        stats.max_item_bytes = max(stats.max_item_bytes, len(data))
        post = item.post
        stats.posts += 1
        stats.comments += len(post.comments)
        by_post_type[post.post_type] += 1
        for c in post.comments:
            by_status[c.approved_raw] += 1
            by_type[c.type_raw] += 1
        if on_post is not None:
            on_post(post)
    data = _FOOTER.encode("utf-8")
    out.write(data)
    stats.bytes = written + len(data)
    stats.by_status = dict(by_status)
    stats.by_type = dict(by_type)
    stats.by_post_type = dict(by_post_type)
    stats.seconds = time.perf_counter() - started
    return stats


def truth_record(comment: GenComment) -> dict[str, object]:
    """One ``--truth`` line: ids, normalised status and type, ``by_post_author``."""
    return {
        "id": comment.id,
        "post_id": comment.post_id,
        "parent_id": comment.parent_id,
        "status": normalise_status(comment.approved_raw),
        "type": normalise_type(comment.type_raw),
        "by_post_author": comment.by_post_author,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: write an export (and optionally its truth); summary on stderr."""
    parser = argparse.ArgumentParser(
        prog="wxrgen.py", description="Write a synthetic WordPress WXR export."
    )
    parser.add_argument("--size", default="1MB", help="target size: 10KB, 200MB, 1.5GB, 1GiB")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", required=True, help="output file ('-' for stdout)")
    parser.add_argument("--wxr-version", choices=("1.0", "1.1", "1.2"), default="1.2")
    parser.add_argument("--https-ns", action="store_true", help="https namespace URIs")
    parser.add_argument("--truth", help="write one JSON line per comment to this file")
    parser.add_argument("--max-comments-per-post", type=int, default=400)
    parser.add_argument("--max-posts", type=int, default=None)
    parser.add_argument("--markup", choices=("auto", "legacy", "modern"), default="auto")
    parser.add_argument(
        "--plain-type", choices=("auto", "empty", "comment", "mixed"), default="auto"
    )
    args = parser.parse_args(argv)
    try:
        size = parse_size(args.size)
    except ValueError as exc:
        parser.error(str(exc))
    cfg = GenConfig(
        seed=args.seed,
        target_bytes=size,
        wxr_version=args.wxr_version,
        https_namespace=args.https_ns,
        max_comments_per_post=args.max_comments_per_post,
        max_posts=args.max_posts,
        markup=args.markup,
        plain_type="" if args.plain_type == "empty" else args.plain_type,
    )
    truth: TextIO | None = None
    on_post = None
    if args.truth:
        truth = open(args.truth, "w", encoding="utf-8")  # noqa: SIM115

        def on_post(post: GenPost) -> None:
            for c in post.comments:
                truth.write(json.dumps(truth_record(c)) + "\n")

    try:
        if args.output == "-":
            stats = write_wxr(cfg, sys.stdout.buffer, on_post)
        else:
            with open(args.output, "wb", buffering=1 << 20) as out:
                stats = write_wxr(cfg, out, on_post)
    finally:
        if truth is not None:
            truth.close()
    print(
        f"wxrgen: {stats.posts} posts, {stats.comments} comments, {stats.bytes} bytes, "
        f"{stats.seconds:.2f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
