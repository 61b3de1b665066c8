"""``wpmigrate verify``: audit an archive against the export it was made from.

A user runs it after a migration, before publishing: it re-reads the export,
decides what is public exactly as ``archive`` does (the same
:func:`~wpmigrate.conversation.moderation.moderate` and
:class:`~wpmigrate.conversation.moderation.Policy`),
reads back every file of the archive folder, and reports (:class:`Finding`):

=================  ==============================================================
``missing``        a public comment of the export that no post file holds
``duplicate``      a comment held twice (two files, or twice in one file)
``unexpected``     a comment in a file that is not public (dropped by moderation,
                   e.g. spam that got published) or not in the export at all; a
                   file for a post no reader saw (a draft, a menu item, …)
``private``        a commenter e-mail address or IP address of the export found
                   in any file outside the text of a public comment that holds
                   it (see below), or a JSON comment carrying a field that is
                   not on :mod:`wpmigrate.privacy`'s allow-list
                   (``author_email``, ``author_ip``, ``meta``, …)
``unreadable``     a post file that is not valid JSON, or Markdown without the
                   front matter ``archive`` writes; a file that cannot be read
``inconsistent``   the archive disagrees with itself: ``index.json``/``index.md``
                   against the files, a page's ``comment_ids`` against its
                   anchors, a staging folder left by an interrupted run
=================  ==============================================================

A commenter's e-mail or IP address found only inside the text of public
comments of that post whose stored text holds it (they typed it there, and
WordPress showed it) is a ``note``, not a finding: :attr:`VerifyReport.notes`.
Such a file is read a second time, whole, to place each occurrence in the text
of a comment (JSON: its ``content_html``; Markdown: below its header line, up to
the next anchor). Anywhere else the address is still a ``private`` finding.

Both archive formats are read, each by the reader beside its writer: JSON post
files (the ``comments`` forest, :mod:`wpmigrate.render.json_archive_reader`)
and Markdown post files (the ``<a id="comment-N"></a>`` anchors readers see,
cross-checked with the front matter's ``comment_ids``,
:mod:`wpmigrate.render.markdown_reader`). When a folder holds both, each
format must be complete on its own. ``index.json``/``index.md`` are only
cross-checked.

The private scan (:mod:`wpmigrate.privacy_scan`) covers every byte of every
file, hidden ones included: e-mail addresses case-insensitively, on address
boundaries (``bob@x.org`` is not found in ``jim.bob@x.org``); IP addresses on
number boundaries (``192.0.2.1`` is not found in ``192.0.2.10`` or
``1.192.0.2.1``); Markdown backslash escapes are ignored
(``john\\_doe@x.org``). Loopback and unspecified addresses (``127.0.0.1``,
``::1``, ``0.0.0.0``) identify nobody and are not looked for. Comment meta has
no reliable text form, so it is checked as a field of JSON files; its values
are mostly the same e-mail/IP, found by the scan.

Memory grows with the number of comments (the audit keeps their ids) but not
with the size of a file: files are read in chunks, and a JSON file is parsed
from a skeleton whose long strings are emptied while streaming (why not a JSON
library: ``docs/benchmarks.md``, "verify's JSON reader").
"""

from __future__ import annotations

import codecs
import ipaddress
import os
import re
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .conversation.moderation import NO_POST, Policy, is_listed, moderate, post_drop_reason
from .errors import InputError
from .privacy import PUBLIC_FIELDS, TREE_FIELDS
from .privacy_scan import ANONYMOUS_IPS as _ANONYMOUS_IPS
from .privacy_scan import EMAIL as _EMAIL
from .privacy_scan import IPV4 as _IPV4
from .privacy_scan import PrivateScan, value_counts
from .privacy_scan import normalise as _normalise
from .privacy_scan import tokens as _tokens
from .render.json_archive_reader import InvalidJson, JsonSkeleton, content_regions, read_post
from .render.jsonl_reader import Group
from .render.markdown_format import COMMENT_COUNT, POST_COUNT
from .render.markdown_reader import MarkdownScan, UnreadablePage, comment_regions
from .write.publish import STAGING_PREFIX

# _Export uses the scanner's pieces (_EMAIL, _tokens, …) by the names they had when
# they lived here: its text is left as it was while it is rewritten for typed records.

#: Kinds of finding, in the order a report lists them.
KINDS = ("unreadable", "inconsistent", "private", "unexpected", "duplicate", "missing")
#: The keys a published JSON comment may carry: the one allow-list of
#: :mod:`wpmigrate.privacy` (anything else, ``author_email``, ``meta`` or a field
#: no one listed, is a ``private`` finding).
PUBLISHED_KEYS = frozenset(PUBLIC_FIELDS) | frozenset(TREE_FIELDS)
INDEX_FILES = ("index.json", "index.md")
FORMAT_NAMES = {"json": "JSON", "markdown": "Markdown"}
_EXTENSIONS = {".json": "json", ".md": "markdown"}
CHUNK = 1 << 20

Key = tuple[int, int]


@dataclass(frozen=True)
class Finding:
    """One problem: its kind (see :data:`KINDS`), where, and what."""

    kind: str
    post_id: int | None
    comment_id: int | None
    file: str | None
    """Path relative to the archive folder (``/`` separators), ``None`` when no file is at fault."""
    detail: str
    line: int = 0
    """Line in ``file`` (1-based) when known, else 0."""

    def text(self) -> str:
        """One line: ``private: a.md:14: the e-mail address of … comment 7 (post 2)``."""
        parts = [self.kind]
        if self.file is not None:
            parts.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.comment_id is not None:
            parts.append(f"post {self.post_id}, comment {self.comment_id}")
        elif self.post_id is not None:
            parts.append(f"post {self.post_id}")
        return ": ".join([*parts, self.detail])

    def __str__(self) -> str:
        return self.text()


@dataclass
class VerifyReport:
    """What :func:`verify` found. ``ok`` when there is no finding at all."""

    expected: int = 0
    """Public comments in the export (what the archive should hold, once per format)."""
    found: int = 0
    """Comments found in the post files (every format, every occurrence)."""
    read: int = 0
    """Comments read from the export, public or not."""
    files: int = 0
    """Post files read (index files not counted)."""
    formats: tuple[str, ...] = ()
    """Formats of the post files found: ``json``, ``markdown``."""
    findings: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    """What is worth knowing but no problem (kind ``note``): a commenter's own
    address in the text of a public comment, as WordPress showed it."""

    @property
    def ok(self) -> bool:
        """No finding: every public comment is there once, nothing else, nothing private."""
        return not self.findings

    def counts(self) -> Counter[str]:
        """Findings by kind."""
        return Counter(finding.kind for finding in self.findings)

    def lines(self) -> list[str]:
        """The report: one line per finding, then one per note (none when all is well)."""
        return [finding.text() for finding in [*self.findings, *self.notes]]

    def summary(self) -> str:
        """``verified 38 public comments: 38 found in 3 files; no problems``."""
        noun = "comment" if self.expected == 1 else "comments"
        files = "file" if self.files == 1 else "files"
        head = f"verified {self.expected} public {noun}: {self.found} found in {self.files} {files}"
        if len(self.formats) > 1:
            head += " (" + ", ".join(FORMAT_NAMES[fmt] for fmt in self.formats) + ")"
        if self.notes:
            count = len(self.notes)
            head += f" ({count} note{'s' if count != 1 else ''})"
        if self.ok:
            return f"{head}; no problems"
        counts = self.counts()
        by_kind = ", ".join(f"{kind} {counts[kind]}" for kind in KINDS if counts[kind])
        total = len(self.findings)
        return f"{head}; {total} problem{'s' if total != 1 else ''} ({by_kind})"


# --------------------------------------------------------------------------- the export


@dataclass
class _Export:
    """What the archive should hold, and the private values it must not."""

    public: Counter[Key] = field(default_factory=Counter)
    dropped: dict[Key, str] = field(default_factory=dict)
    read: int = 0
    emails: dict[bytes, Key] = field(default_factory=dict)
    """Lower-cased addresses the scanner's tokens can match, to the first comment using it."""
    odd_emails: dict[bytes, Key] = field(default_factory=dict)
    """Addresses no token can be (spaces, unusual characters): searched as substrings."""
    ipv4: dict[bytes, Key] = field(default_factory=dict)
    ipv6: dict[str, Key] = field(default_factory=dict)
    """Compressed form (``ipaddress``) to the first comment using it."""
    in_text: dict[tuple[str, Any], set[Key]] = field(default_factory=dict)
    """Every e-mail or IP token in the text of a public comment (``(table, value)``,
    as :func:`_tokens` gives it) -> the public comments whose text holds it:
    what their authors published, which WordPress showed."""
    hidden_posts: dict[int, str] = field(default_factory=dict)
    """Posts no reader saw (why: ``unpublished: draft post``, …); no file may hold them."""
    shown_posts: set[int] = field(default_factory=set)
    """Posts an archive may have a file for."""

    def add(self, summary: dict[str, Any], records: list[dict[str, Any]], policy: Policy) -> None:
        kept, dropped = moderate(records, summary, policy)
        self.read += len(records)
        self._add_post(summary, policy, bool(kept))
        for record in kept:
            key = (record["post_id"], record["id"])
            self.public[key] += 1
            content = record.get("content_html")
            if isinstance(content, str) and content:
                for _at, table, value in _tokens(_normalise(content.encode("utf-8", "replace"))):
                    self.in_text.setdefault((table, value), set()).add(key)
        for record in dropped:
            detail = f"{record['reason']}: {record['detail']}"
            self.dropped.setdefault((record["post_id"], record["id"]), detail)
        # Findings name a commenter by a comment of theirs: a public one if there
        # is one (a reader can look it up), else the first.
        for record in [*kept, *dropped]:
            key = (record["post_id"], record["id"])
            self._add_email(record.get("author_email"), key)
            self._add_ip(record.get("author_ip"), key)

    def _add_post(self, summary: dict[str, Any], policy: Policy, has_public: bool) -> None:
        post_id = summary.get("id")
        if not isinstance(post_id, int) or post_id == NO_POST:
            return
        verdict = post_drop_reason(summary, policy)
        if verdict is None and (has_public or is_listed(summary, policy)):
            self.shown_posts.add(post_id)  # items can share an id: one shown is enough
            self.hidden_posts.pop(post_id, None)
        elif post_id not in self.shown_posts:
            if verdict is None:
                kind = summary.get("type") or "post"
                verdict = ("not listed", f"a {kind} with no public comment")
            self.hidden_posts.setdefault(post_id, f"{verdict[0]}: {verdict[1]}")

    def _owner(self, table: dict[Any, Key], value: Any, key: Key) -> None:
        known = table.get(value)
        if known is None or (known not in self.public and key in self.public):
            table[value] = key

    def _add_email(self, value: object, key: Key) -> None:
        if not isinstance(value, str):
            return
        # bytes.lower(), as the scan lowers what it reads: ASCII only, on both sides.
        email = value.strip().encode("utf-8", "replace").lower()
        if b"@" not in email:
            return  # "none", "n/a": not an address, and a word every page has
        self._owner(self.emails if _EMAIL.fullmatch(email) else self.odd_emails, email, key)

    def _add_ip(self, value: object, key: Key) -> None:
        if not isinstance(value, str):
            return
        # A proxy may have stored "client, proxy": each part is someone's address.
        for part in re.split(r"[\s,]+", value.strip()):
            if not part or part in _ANONYMOUS_IPS:
                continue
            if _IPV4.fullmatch(part.encode("ascii", "replace")):
                self._owner(self.ipv4, part.encode("ascii"), key)
                continue
            try:
                address = ipaddress.ip_address(part)
            except ValueError:
                continue  # "unknown", garbage: nothing to look for
            if address.version == 6 and str(address) not in _ANONYMOUS_IPS:
                self._owner(self.ipv6, str(address), key)


# --------------------------------------------------------------------------- the audit


@dataclass
class _PostFile:
    """What one post file says: its post, the comment ids it shows, its own claims."""

    path: str
    fmt: str
    post_id: int | None = None
    ids: list[int] = field(default_factory=list)
    private_keys: Counter[str] = field(default_factory=Counter)
    first_private: int | None = None
    listed_ids: list[int] | None = None
    """Markdown: the front matter's ``comment_ids``."""
    claimed_count: int | None = None
    """Markdown: the front matter's ``comment_count``."""
    problem: str | None = None
    """Why it could not be read (an ``unreadable`` finding)."""




def _walk(root: str) -> Iterator[tuple[str, str, bool]]:
    """``(relative POSIX path, absolute path, is a symlink)`` of every file, sorted."""
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]):
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            yield relative, path, os.path.islink(path)


class NotRegular(OSError):
    """An archive entry that is not a regular file (a FIFO, a device, a socket)."""


def _chunks(path: str) -> Iterator[bytes]:
    # O_NONBLOCK: opening a FIFO for reading would wait for a writer forever.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular("not a regular file (not read)")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    with open(fd, "rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                return
            yield chunk


class _Audit:
    def __init__(self, export: _Export, root: str, allow_private: bool) -> None:
        self.export = export
        self.root = root
        self.allow_private = allow_private
        self.findings: list[Finding] = []
        self.posts: list[_PostFile] = []
        self.index_json: Any = None
        self.index_md: MarkdownScan | None = None

    def add(self, kind: str, detail: str, file: str | None = None,
            key: tuple[int | None, int | None] = (None, None), line: int = 0) -> None:
        self.findings.append(Finding(kind, key[0], key[1], file, detail, line))

    def read_files(self) -> None:
        for name in sorted(os.listdir(self.root)):
            if name.startswith(STAGING_PREFIX) and os.path.isdir(os.path.join(self.root, name)):
                self.add("inconsistent", "left by an interrupted archive run: remove it", name)
        for relative, path, is_link in _walk(self.root):
            if is_link:
                self.add("unreadable", "a symbolic link (not followed)", relative)
                continue
            # Hidden files are not pages, but they are scanned for private data.
            hidden = any(part.startswith(".") for part in relative.split("/"))
            fmt = None if hidden else _EXTENSIONS.get(os.path.splitext(relative)[1])
            self._read(relative, path, fmt)

    def _read(self, relative: str, path: str, fmt: str | None) -> None:
        scan = PrivateScan(self.export)
        decoder = codecs.getincrementaldecoder("utf-8")()
        is_index = relative in INDEX_FILES
        post = _PostFile(relative, fmt or "")
        skeleton = JsonSkeleton() if fmt == "json" else None
        markdown = MarkdownScan() if fmt == "markdown" else None
        try:
            for chunk in _chunks(path):
                scan.feed(chunk)
                if fmt is None:
                    continue
                try:
                    decoder.decode(chunk)
                    if skeleton is not None:
                        skeleton.feed(chunk)
                    if markdown is not None:
                        markdown.feed(chunk)
                except (UnicodeDecodeError, InvalidJson) as exc:
                    post.problem = _problem(exc)
                    fmt = None  # keep scanning for private data, stop parsing
            scan.feed(b"", final=True)
            if fmt is not None:
                decoder.decode(b"", final=True)
                if skeleton is not None:
                    skeleton.feed(b"", final=True)
                    document = skeleton.load()
                    if is_index:
                        self.index_json = document
                    else:
                        _fill_json(post, document)
                if markdown is not None:
                    markdown.feed(b"", final=True)
                    if is_index:
                        self.index_md = markdown
                    else:
                        _fill_markdown(post, markdown)
        except NotRegular as exc:
            self.add("unreadable", str(exc), relative)
            return
        except OSError as exc:
            self.add("unreadable", f"cannot read: {exc.strerror or exc}", relative)
            return
        except (UnicodeDecodeError, InvalidJson) as exc:
            post.problem = _problem(exc)
        self._private(relative, path, fmt if post.problem is None else None, post.post_id, scan)
        if post.problem is not None:
            kind = "inconsistent" if is_index else "unreadable"
            self.add(kind, post.problem, relative)
        elif post.fmt and not is_index:
            self.posts.append(post)

    def _private(
        self, relative: str, path: str, fmt: str | None, post_id: int | None, scan: PrivateScan
    ) -> None:
        if self.allow_private:
            return
        published = self._published(path, fmt, post_id, scan)
        for (what, key), line in scan.hits.items():  # in the order they appear in the file
            whose = f"the {what} of the author of comment {key[1]} (post {key[0]})"
            where = published.get((what, key))
            if where:
                shown = ", ".join(str(comment_id) for comment_id in where)
                self.add(
                    "note",
                    f"{whose} appears in the text of public comment"
                    f"{'s' if len(where) > 1 else ''} {shown}, as written by "
                    f"{'their authors' if len(where) > 1 else 'its author'}",
                    relative,
                    line=line,
                )
                continue
            self.add("private", whose, relative, line=line)

    def _published(
        self, path: str, fmt: str | None, post_id: int | None, scan: PrivateScan
    ) -> dict[tuple[str, Key], list[int]]:
        """The hits that are only what commenters published: ``(what, whose)`` -> the
        public comments (of this file's post) whose text shows the value.

        A hit qualifies when every value behind it is in the export's text of a
        public comment of this post, and every occurrence of it in the file lies
        inside the text of such a comment: anywhere else (a field, a title, the
        text of a comment that did not hold it) it is a leak. Rare, so the file
        is read again, whole, only then.
        """
        export = self.export
        if fmt is None or post_id is None or not export.in_text:
            return {}
        wanted = {
            hit: values
            for hit, values in scan.found.items()
            if all(
                any(key[0] == post_id for key in export.in_text.get(value, ()))
                for value in values
            )
        }
        if not wanted:
            return {}
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except OSError:
            return {}
        regions = content_regions(raw) if fmt == "json" else comment_regions(raw)
        totals = value_counts(_normalise(raw), export)
        inside: dict[tuple[str, Any], Counter[int]] = {}
        for comment_id, start, end in regions:
            for value, count in value_counts(_normalise(raw[start:end]), export).items():
                inside.setdefault(value, Counter())[comment_id] += count
        out: dict[tuple[str, Key], list[int]] = {}
        for hit, values in wanted.items():
            shown: set[int] = set()
            for value in values:
                allowed = {key[1] for key in export.in_text[value] if key[0] == post_id}
                counted = inside.get(value, Counter())
                if sum(counted[cid] for cid in allowed) != totals.get(value, 0):
                    break
                shown.update(cid for cid in allowed if counted[cid])
            else:
                if shown:
                    out[hit] = sorted(shown)
        return out

    def check(self) -> tuple[int, tuple[str, ...]]:
        """Compare the post files with the export; return (found, formats)."""
        formats = tuple(sorted({post.fmt for post in self.posts}))
        if not formats:
            index_format = (
                self.index_json.get("format") if isinstance(self.index_json, dict) else None
            )
            formats = (index_format,) if index_format in FORMAT_NAMES else ("any",)
        found_total = 0
        for fmt in formats:
            found: dict[Key, list[str]] = {}
            for post in self.posts:
                if post.fmt != fmt:
                    continue
                assert post.post_id is not None
                self._check_post(post)
                for comment_id in post.ids:
                    found.setdefault((post.post_id, comment_id), []).append(post.path)
                found_total += len(post.ids)
            self._compare(found, fmt)
        self._check_indexes()
        return found_total, tuple(fmt for fmt in formats if fmt in FORMAT_NAMES)

    def _check_post(self, post: _PostFile) -> None:
        why = self.export.hidden_posts.get(post.post_id) if post.post_id is not None else None
        if why is not None:
            self.add("unexpected", f"a file for a post no reader saw ({why})", post.path,
                     (post.post_id, None))
        if post.private_keys and not self.allow_private:
            fields = ", ".join(sorted(post.private_keys))
            count = max(post.private_keys.values())
            self.add(
                "private",
                f"fields an archive does not publish ({fields}) on {count} "
                f"comment{'s' if count != 1 else ''}",
                post.path,
                (post.post_id, post.first_private),
            )
        if post.listed_ids is not None and set(post.listed_ids) != set(post.ids):
            extra = sorted(set(post.listed_ids) - set(post.ids))
            lacking = sorted(set(post.ids) - set(post.listed_ids))
            said = []
            if extra:
                said.append(f"comment_ids lists {_some(extra)} without an anchor")
            if lacking:
                said.append(f"anchors {_some(lacking)} are not in comment_ids")
            self.add("inconsistent", "; ".join(said), post.path, (post.post_id, None))
        if post.claimed_count is not None and post.claimed_count != len(post.ids):
            self.add(
                "inconsistent",
                f"comment_count says {post.claimed_count}, the page shows {len(post.ids)}",
                post.path,
                (post.post_id, None),
            )

    def _compare(self, found: dict[Key, list[str]], fmt: str) -> None:
        export = self.export
        where = "in no file" if fmt == "any" else f"in no {FORMAT_NAMES[fmt]} file"
        for key, paths in found.items():
            expected = export.public.get(key, 0)
            if expected == 0:
                why = export.dropped.get(key)
                detail = f"not public ({why})" if why else "not in the export"
                for path in dict.fromkeys(paths):
                    self.add("unexpected", detail, path, key)
            if len(paths) > max(expected, 1):
                unique = list(dict.fromkeys(paths))
                detail = (
                    f"{len(paths)} times in {unique[0]}"
                    if len(unique) == 1
                    else f"in {len(unique)} files: {', '.join(unique)}"
                )
                self.add("duplicate", detail, None, key)
        for key in export.public:
            if key not in found:
                self.add("missing", f"public in the export, {where}", None, key)

    def _check_indexes(self) -> None:
        index = self.index_json
        if index is None:
            if not any(f.file == "index.json" for f in self.findings):
                self.add("inconsistent", "missing (every archive has one)", "index.json")
            return
        if not isinstance(index, dict) or not isinstance(index.get("posts"), list):
            self.add("inconsistent", "not an archive index (no \"posts\" list)", "index.json")
            return
        fmt = index.get("format")
        files = {post.path: post for post in self.posts if post.fmt == fmt}
        listed: set[str] = set()
        for entry in index["posts"]:
            path = entry.get("file") if isinstance(entry, dict) else None
            if not isinstance(path, str):
                self.add("inconsistent", "an entry without a \"file\"", "index.json")
                continue
            listed.add(path)
            post = files.get(path)
            if post is None:
                self.add("inconsistent", f"lists {path}, which is not in the archive",
                         "index.json")
            elif entry.get("comment_count") != len(post.ids):
                self.add(
                    "inconsistent",
                    f"says {path} has {entry.get('comment_count')} comments; it has "
                    f"{len(post.ids)}",
                    "index.json",
                    (post.post_id, None),
                )
        for path in sorted(set(files) - listed):
            self.add("inconsistent", f"does not list {path}", "index.json")
        if fmt == "markdown" and self.index_md is None:
            if not any(f.file == "index.md" for f in self.findings):
                self.add("inconsistent", "missing (a Markdown archive has one)", "index.md")
        elif fmt == "markdown" and self.index_md is not None:
            front = self.index_md.front
            shown = sum(len(post.ids) for post in files.values())
            for name, value in ((POST_COUNT, len(files)), (COMMENT_COUNT, shown)):
                if front.get(name) != str(value).encode():
                    said = front.get(name, b"nothing").decode("utf-8", "replace")
                    self.add("inconsistent", f"{name} says {said}, the files hold {value}",
                             "index.md")


def _fill_json(post: _PostFile, document: Any) -> None:
    """Fill ``post`` from a parsed JSON post file."""
    read = read_post(document)
    post.problem = read.problem
    if read.post_id is None:
        return
    post.post_id = read.post_id
    for comment in read.comments:
        post.ids.append(comment.id)
        present = [key for key in comment.keys if key not in PUBLISHED_KEYS]
        if present:
            post.private_keys.update(present)
            if post.first_private is None:
                post.first_private = comment.id


def _fill_markdown(post: _PostFile, markdown: MarkdownScan) -> None:
    """Fill ``post`` from a Markdown page read to its end."""
    try:
        page = markdown.page()
    except UnreadablePage as exc:
        post.problem = str(exc)
        return
    post.post_id = page.post_id
    post.ids = page.ids
    post.listed_ids = page.listed_ids
    post.claimed_count = page.claimed_count


def _some(ids: list[int]) -> str:
    shown = ", ".join(str(value) for value in ids[:5])
    return shown + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")


def _problem(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return f"not valid JSON ({exc})"


def _order(finding: Finding) -> tuple[Any, ...]:
    return (
        KINDS.index(finding.kind) if finding.kind in KINDS else len(KINDS),
        finding.file or "",
        finding.line,
        finding.post_id if finding.post_id is not None else 0,
        finding.comment_id if finding.comment_id is not None else 0,
    )


def verify(
    groups: Iterable[Group],
    archive_dir: str,
    policy: Policy | None = None,
    allow_private: bool = False,
) -> VerifyReport:
    """Audit ``archive_dir`` against the export read as ``groups``.

    ``groups`` is what :meth:`wpmigrate.pipeline.ReadSession.groups` yields;
    ``policy`` must be the one the archive was made with (the ``archive``
    command's moderation options), so verify and archive agree on what is
    public. ``allow_private`` is for archives made with ``--keep-private-fields``.
    Raises :class:`InputError` when ``archive_dir`` is not a folder, and lets
    the reader's errors (:class:`~wpmigrate.errors.DataError`) through.
    """
    if not os.path.isdir(archive_dir):
        what = "not a folder" if os.path.exists(archive_dir) else "no such folder"
        raise InputError(f"{archive_dir}: {what}")
    policy = policy or Policy()
    export = _Export()
    for summary, records in groups:
        export.add(summary, records, policy)
    audit = _Audit(export, archive_dir, allow_private)
    audit.read_files()
    found, formats = audit.check()
    return VerifyReport(
        expected=sum(export.public.values()),
        found=found,
        read=export.read,
        files=len(audit.posts),
        formats=formats,
        findings=sorted((f for f in audit.findings if f.kind != "note"), key=_order),
        notes=sorted((f for f in audit.findings if f.kind == "note"), key=_order),
    )


__all__ = ["KINDS", "Finding", "VerifyReport", "verify"]
