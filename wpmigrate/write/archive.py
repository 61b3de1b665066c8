"""``wpmigrate archive``: one file per post plus an index, published into a folder at once.

How a run goes:

1. Every file is rendered into a staging folder (:class:`wpmigrate.write.publish.StagedFolder`:
   beside DIR when DIR does not exist yet, else hidden inside it; same file
   system either way, so publishing is renaming). Posts are named in input
   order in this process (:class:`wpmigrate.write.paths.PostNamer`); rendering a post
   is a pure function of (record, options) → bytes (:func:`render_post`), done
   in the worker processes that read.
2. The index files (``index.json``, and ``index.md`` for Markdown) join the staged set.
3. Conflicts are checked before anything is moved: without ``force``, any
   target that exists stops the run with :class:`OutputError` (exit 5) naming
   the first and counting them, and DIR is left exactly as it was.
4. The staged files are committed at once, SIGINT and SIGTERM deferred: a new
   DIR appears with one rename; an existing DIR (empty or not) is updated in
   place, and any failure rolls every move back.

On any error or interrupt the staging is removed: DIR is the old archive or the
new one, never a mix. Bad input part-way (exit 4) writes nothing at all, unlike
``extract``/``thread``, since a half archive would look complete.
"""

from __future__ import annotations

import collections
import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Literal, cast

import orjson

from ..errors import OutputError
from ..parallel import new_pool
from ..privacy import public_url
from ..render.json_archive import dumps, render_json
from ..render.jsonl import encode
from ..render.markdown import (
    DEFAULT_MAX_DEPTH,
    escape_text,
    format_day,
    front_matter,
    link_destination,
    one_line,
    render_markdown,
    walk,
)
from ..render.markdown_format import COMMENT_COUNT, POST_COUNT
from .paths import PostNamer
from .publish import STAGING_PREFIX, StagedFolder

Format = Literal["markdown", "json"]
Layout = Literal["flat", "dated"]

EXTENSIONS = {"markdown": ".md", "json": ".json"}
__all__ = ["STAGING_PREFIX", "ArchiveOptions", "ArchiveWriter", "write_archive"]
#: Inside the staging folder: what is not part of the archive (the index spool).
SCRATCH = ".scratch"


@dataclass
class ArchiveOptions:
    """How to write an archive (the ``archive`` command's options)."""

    fmt: Format = "markdown"
    layout: Layout = "flat"
    max_depth: int = DEFAULT_MAX_DEPTH
    """Deepest reply nesting shown in Markdown (the JSON keeps ``thread``'s tree)."""
    keep_private: bool = False
    """Keep commenter e-mails, IPs and comment meta (for a private backup)."""
    force: bool = False
    """Replace files that already exist in the folder."""
    jobs: int = 1
    """Processes :func:`write_archive` renders on (the CLI renders where it reads)."""


@dataclass
class ArchiveResult:
    """What :func:`write_archive` wrote."""

    files: list[str] = field(default_factory=list)
    """Relative paths (POSIX separators): the posts in input order, then the index files."""
    posts: int = 0
    comments: int = 0
    """Public comments written (pingbacks and trackbacks included)."""


def index_names(fmt: Format) -> list[str]:
    """The index files of an archive in this format."""
    return ["index.json", "index.md"] if fmt == "markdown" else ["index.json"]


def render_post(record: Mapping[str, Any], options: ArchiveOptions) -> bytes:
    """One post's file. Pure: depends only on its arguments (safe in a process pool)."""
    if options.fmt == "json":
        return render_json(record, options.keep_private)
    # "replace": a lone surrogate from JSON input must not stop the run.
    return render_markdown(record, options.max_depth).encode("utf-8", "replace")


def _render_all(
    records: Iterable[Mapping[str, Any]], options: ArchiveOptions
) -> Iterator[tuple[Mapping[str, Any], bytes]]:
    """Each record with its rendered file, in input order; on ``options.jobs`` processes.

    Rendering (html2text, the sanitiser) is the costly part of an archive and
    each post renders alone, so it goes to a pool; names and writes stay here,
    in order. Only a bounded window of posts is in flight: a pool's own imap
    would read the whole export ahead into memory.
    """
    if options.jobs <= 1:
        for record in records:
            yield record, render_post(record, options)
        return
    window: collections.deque[tuple[Mapping[str, Any], Any]] = collections.deque()
    limit = 4 * options.jobs
    with new_pool(options.jobs) as pool:
        for record in records:
            window.append((record, pool.apply_async(render_post, (record, options))))
            if len(window) >= limit:
                done, pending = window.popleft()
                yield done, pending.get()
        while window:
            done, pending = window.popleft()
            yield done, pending.get()


def public_comment_count(record: Mapping[str, Any]) -> int:
    """The comments of a thread record, replies included."""
    return len(walk(list(record.get("comments") or [])))


def index_entry(
    record: Mapping[str, Any], path: str, comment_count: int | None = None
) -> dict[str, Any]:
    """The index line of one post: what it is, where it was, where its file is."""
    post: Mapping[str, Any] = record.get("post") or {}
    if comment_count is None:
        comment_count = public_comment_count(record)
    return {
        "post_id": post.get("id"),
        "title": post.get("title", ""),
        "type": post.get("type", ""),
        "date": post.get("date"),
        "date_gmt": post.get("date_gmt"),
        "url": public_url(post.get("url")),
        "file": path,
        "comment_count": comment_count,
    }


def index_json_parts(
    entries: Iterable[dict[str, Any]], post_count: int, comment_count: int, options: ArchiveOptions
) -> Iterator[bytes]:
    """``index.json`` piece by piece: every post, in input order, with its file and count.

    Streamed, so an export of any number of posts is indexed in flat memory; the
    bytes are those of one indented JSON document (orjson's ``OPT_INDENT_2``).
    """
    head = dumps(
        {
            "format": options.fmt,
            "layout": options.layout,
            "post_count": post_count,
            "comment_count": comment_count,
            "posts": [],
        }
    )
    before, _, after = head.rpartition(b'"posts": []')
    yield before + b'"posts": ['
    first = True
    for entry in entries:
        encoded = orjson.dumps(entry, option=orjson.OPT_INDENT_2)
        yield (b"\n    " if first else b",\n    ") + encoded.replace(b"\n", b"\n    ")
        first = False
    yield (b"]" if first else b"\n  ]") + after


def index_markdown_parts(
    entries: Iterable[dict[str, Any]], post_count: int, comment_count: int
) -> Iterator[bytes]:
    """``index.md`` piece by piece: a list of posts linking to their files and pages."""
    yield front_matter(
        [("title", "Comments"), (POST_COUNT, post_count), (COMMENT_COUNT, comment_count)]
    ).encode("utf-8")
    first = True
    for entry in entries:
        title = one_line(entry["title"]) or escape_text(f"Post {entry['post_id']}")
        count = entry["comment_count"]
        parts = [f"- [{title}]({link_destination(entry['file'])})"]
        day = format_day(entry["date"])
        if day:
            parts.append(day)
        parts.append(f"{count} comment{'' if count == 1 else 's'}")
        url = public_url(entry["url"])
        if url:
            parts.append(f"[original]({link_destination(url)})")
        line = " · ".join(parts)
        yield (("\n## Posts\n\n" if first else "\n") + line).encode("utf-8")
        first = False
    if not first:
        yield b"\n"


def render_index_json(entries: list[dict[str, Any]], options: ArchiveOptions) -> bytes:
    """``index.json`` for a list of entries."""
    total = sum(entry["comment_count"] for entry in entries)
    return b"".join(index_json_parts(entries, len(entries), total, options))


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _stage(staging: str, relative: str, data: bytes, folders: set[str], shown: str) -> None:
    """Write one new file under ``staging``; ``folders`` remembers those made already;
    ``shown``: the file's name in messages (where it is published).

    os.open/os.write rather than open(): a buffered file object costs four more
    system calls a file (and a folder check each), felt over thousands of posts.
    """
    path = os.path.join(staging, *relative.split("/"))
    folder = os.path.dirname(path)
    try:
        if folder not in folders:
            os.makedirs(folder, exist_ok=True)
            folders.add(folder)
        handle = os.open(path, _NEW_FILE, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
        finally:
            os.close(handle)
    except OSError as exc:
        raise OutputError(f"{shown}: cannot write: {exc.strerror or exc}") from exc


def _stage_parts(staging: str, relative: str, parts: Iterable[bytes], shown: str) -> None:
    path = os.path.join(staging, *relative.split("/"))
    try:
        with open(path, "xb") as handle:
            for part in parts:
                handle.write(part)
    except OSError as exc:
        raise OutputError(f"{shown}: cannot write: {exc.strerror or exc}") from exc


@dataclass
class RenderedPost:
    """One post's archive file, made and ready to be named and written."""

    post: dict[str, Any]
    """The post summary (names the file, fills the index)."""
    comment_count: int
    """Public comments in the file."""
    data: bytes
    """The file's content."""


def rendered(record: Mapping[str, Any], options: ArchiveOptions) -> RenderedPost:
    """A thread record's file (pure: safe in worker processes)."""
    return RenderedPost(
        dict(record.get("post") or {}),
        public_comment_count(record),
        render_post(record, options),
    )


@dataclass(frozen=True)
class ArchiveStage:
    """The archive command's work on one post: moderate, thread, render.

    Picklable, so it runs in the processes that read the export (see
    :meth:`wpmigrate.pipeline.ReadSession.staged`); what comes back is the
    file, the dropped comments encoded for ``--rejects``, and the accounting.
    """

    converse: Any
    """A :class:`wpmigrate.pipeline.Converse`."""
    options: ArchiveOptions
    rejects: bool = False

    def __call__(
        self, summary: dict[str, Any], records: list[dict[str, Any]]
    ) -> tuple[RenderedPost | None, list[bytes], Any]:
        """The post's file (``None``: nothing public), encoded rejects, its ledger."""
        done = self.converse(summary, records)
        post = None if done.record is None else rendered(done.record, self.options)
        dropped = [encode(record) for record in done.dropped] if self.rejects else []
        return post, dropped, done.ledger


def write_archive(
    records: Iterable[Mapping[str, Any]], out_dir: str, options: ArchiveOptions
) -> ArchiveResult:
    """Write one file per thread record plus the index files into ``out_dir``.

    ``records`` are ``thread`` records (``{"post", "comments", "stats"}``), e.g.
    from :meth:`wpmigrate.pipeline.Conversations.records`; they are consumed one
    at a time and rendered on ``options.jobs`` processes. Raises
    :class:`OutputError` (nothing replaced) when a target exists without
    ``options.force`` or the folder cannot be written.
    """
    posts = (
        RenderedPost(dict(record.get("post") or {}), public_comment_count(record), data)
        for record, data in _render_all(records, options)
    )
    return write_rendered(posts, out_dir, options)


def write_rendered(
    posts: Iterable[RenderedPost], out_dir: str, options: ArchiveOptions
) -> ArchiveResult:
    """Name and write rendered posts, then the index files, into ``out_dir`` (atomically)."""
    with ArchiveWriter(out_dir, options) as writer:
        for post in posts:
            writer.add(post)
        return writer.finish()


class ArchiveWriter:
    """Names and writes an archive's files, staged, then published at once.

    Everything is staged (:class:`wpmigrate.write.publish.StagedFolder`) and
    published only when complete and only if no target exists (unless
    ``options.force``): an interrupted or failed run changes nothing.

        with ArchiveWriter(out_dir, options) as writer:
            for post in posts:
                writer.add(post)
            result = writer.finish()
    """

    def __init__(self, out_dir: str, options: ArchiveOptions) -> None:
        if options.fmt not in EXTENSIONS:
            raise ValueError(f"unknown archive format {options.fmt!r}")
        self.out_dir = out_dir
        self.options = options
        self.result = ArchiveResult()
        self.staging = ""
        self.scratch = ""
        self._folder = StagedFolder(out_dir)
        self._indexes = index_names(options.fmt)
        self._namer = PostNamer(EXTENSIONS[options.fmt], options.layout, reserved=self._indexes)
        self._spool: BinaryIO | None = None
        self._folders: set[str] = set()

    def __enter__(self) -> ArchiveWriter:
        self._folder.open()
        self.staging = self._folder.staging
        try:
            self.scratch = os.path.join(self.staging, SCRATCH)
            os.mkdir(self.scratch)
            # The index entries wait on disk, not in memory: an export may have
            # any number of posts.
            self._spool = cast(BinaryIO, tempfile.TemporaryFile(dir=self.scratch))
        except OSError as exc:
            self._folder.discard()
            raise OutputError(f"{self.out_dir}: cannot write: {exc.strerror or exc}") from exc
        return self

    def add(self, post: RenderedPost) -> str:
        """Name one post's file and stage it; its path relative to the folder."""
        assert self._spool is not None, "use ArchiveWriter as a context manager"
        path = self._namer.name(post.post)
        _stage(self.staging, path, post.data, self._folders, self._shown(path))
        entry = index_entry({"post": post.post}, path, post.comment_count)
        try:
            self._spool.write(orjson.dumps(entry) + b"\n")
        except OSError as exc:
            shown = self._shown("index.json")
            raise OutputError(f"{shown}: cannot write: {exc.strerror or exc}") from exc
        result = self.result
        result.files.append(path)
        result.posts += 1
        result.comments += post.comment_count
        return path

    def finish(self) -> ArchiveResult:
        """Write the index files and publish everything at once."""
        assert self._spool is not None, "use ArchiveWriter as a context manager"
        spool = self._spool
        result = self.result

        def entries() -> Iterator[dict[str, Any]]:
            try:
                spool.flush()
                spool.seek(0)
            except OSError as exc:
                raise OutputError(
                    f"{self._shown('index.json')}: cannot write: {exc.strerror or exc}"
                ) from exc
            for line in spool:
                yield orjson.loads(line)

        parts = index_json_parts(entries(), result.posts, result.comments, self.options)
        _stage_parts(self.staging, "index.json", parts, self._shown("index.json"))
        if "index.md" in self._indexes:
            parts = index_markdown_parts(entries(), result.posts, result.comments)
            _stage_parts(self.staging, "index.md", parts, self._shown("index.md"))
        result.files.extend(self._indexes)
        spool.close()
        try:
            shutil.rmtree(self.scratch)  # not part of the archive
        except OSError as exc:
            raise OutputError(f"{self.out_dir}: cannot write: {exc.strerror or exc}") from exc
        self._folder.commit(result.files, self.options.force)
        return result

    def _shown(self, relative: str) -> str:
        """A file's name in messages: where it was to be published."""
        return os.path.join(self.out_dir, *relative.split("/"))

    def __exit__(self, *exc: object) -> None:
        # Cleanup never raises: closing a spool on a full disk fails again, and
        # that must not replace the error that stopped the run (exit 5, not 70).
        if self._spool is not None:
            with contextlib.suppress(OSError):
                self._spool.close()
        self._folder.discard()
