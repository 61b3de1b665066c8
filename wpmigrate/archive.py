"""``wpmigrate archive``: one file per post plus an index, written safely into a folder.

How a run goes:

1. Every file is rendered into a hidden staging folder inside DIR
   (``DIR/.wpmigrate-staging-XXXX/``, same file system, so moving is a rename).
   Posts are named in input order in this process (:class:`wpmigrate.paths.PostNamer`);
   rendering a post is a pure function of (record, options) → bytes
   (:func:`render_post`), ready to be farmed out to worker processes later.
2. The index files (``index.json``, and ``index.md`` for Markdown) join the staged set.
3. Conflicts are checked before anything is moved: without ``force``, any
   target that exists stops the run with :class:`OutputError` (exit 5) naming
   the first and counting them, and DIR is left exactly as it was.
4. Each file is renamed into place with :func:`os.replace` (atomic per file).

On any error or interrupt the staging folder is removed: DIR never holds a
half-written file. Bad input part-way (exit 4) writes nothing at all, unlike
``extract``/``thread``, since a half archive would look complete.
"""

from __future__ import annotations

import collections
import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Literal, cast

import orjson

from .errors import OutputError
from .parallel import pool_context
from .paths import PostNamer
from .privacy import public_url
from .render.json_archive import dumps, render_json
from .render.jsonl import encode
from .render.markdown import (
    DEFAULT_MAX_DEPTH,
    escape_text,
    format_day,
    front_matter,
    link_destination,
    one_line,
    render_markdown,
    walk,
)

Format = Literal["markdown", "json"]
Layout = Literal["flat", "dated"]

EXTENSIONS = {"markdown": ".md", "json": ".json"}
STAGING_PREFIX = ".wpmigrate-staging-"
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
    with pool_context().Pool(options.jobs) as pool:
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
        [("title", "Comments"), ("post_count", post_count), ("comment_count", comment_count)]
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


def _prepare_folder(out_dir: str) -> None:
    if os.path.lexists(out_dir) and not os.path.isdir(out_dir):
        raise OutputError(f"{out_dir}: not a folder")
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create folder: {exc.strerror or exc}") from exc


def _staging_beside(out_dir: str) -> str | None:
    """A staging folder next to ``out_dir`` when that is empty, else ``None``."""
    try:
        if os.listdir(out_dir):
            return None
        parent = os.path.dirname(os.path.abspath(out_dir))
        name = os.path.basename(os.path.abspath(out_dir))
        return tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{name}-", dir=parent)
    except OSError:
        return None  # e.g. the parent is not writable: stage inside instead


def _replace_empty_folder(staging: str, out_dir: str) -> bool:
    """Rename the staged tree over ``out_dir`` if it is still empty; whether it was."""
    try:
        os.chmod(staging, stat.S_IMODE(os.stat(out_dir).st_mode))  # mkdtemp made it 0700
        os.rename(staging, out_dir)  # replaces an empty folder in one step (POSIX)
    except OSError:
        return False  # not empty any more, or not possible here: move file by file
    return True


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _stage(staging: str, relative: str, data: bytes, folders: set[str]) -> None:
    """Write one new file under ``staging``; ``folders`` remembers those made already.

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
        raise OutputError(f"{relative}: cannot write: {exc.strerror or exc}") from exc


def _stage_parts(staging: str, relative: str, parts: Iterable[bytes]) -> None:
    path = os.path.join(staging, *relative.split("/"))
    try:
        with open(path, "xb") as handle:
            for part in parts:
                handle.write(part)
    except OSError as exc:
        raise OutputError(f"{relative}: cannot write: {exc.strerror or exc}") from exc


def _inside(path: str, root: str) -> bool:
    return os.path.commonpath([path, root]) == root


def _check_targets(out_dir: str, files: list[str], force: bool) -> None:
    """Refuse before moving anything: existing files (without force), and clashes
    no force can fix (a folder where a file goes, a file where a folder goes,
    a subfolder that is a link leading out of DIR)."""
    root = os.path.realpath(out_dir)
    existing = []
    for relative in files:
        target = os.path.join(out_dir, *relative.split("/"))
        parent = os.path.dirname(target)
        if os.path.lexists(parent) and not os.path.isdir(parent):
            raise OutputError(f"{parent}: not a folder (needed for {relative})")
        # realpath resolves the existing part: a symlinked "2010/" counts even
        # though "2010/11/" is still to be made.
        if not _inside(os.path.realpath(parent), root):
            raise OutputError(f"{parent}: leads outside {out_dir}")
        if os.path.isdir(target) and not os.path.islink(target):
            raise OutputError(f"{target}: is a folder")
        if os.path.lexists(target):
            existing.append(target)
    if existing and not force:
        more = len(existing) - 1
        also = f" (and {more} more file{'s' if more > 1 else ''})" if more else ""
        raise OutputError(f"{existing[0]}: already exists{also}; use --force to replace")


def _move_into_place(staging: str, out_dir: str, files: list[str]) -> None:
    # No sync first: staging and renaming protect from an interrupted run, which
    # is what an archive needs; os.sync() flushed every file system of the
    # machine and cost seconds after a large run. A power cut mid-run is
    # recovered by running again.
    for relative in files:
        parts = relative.split("/")
        target = os.path.join(out_dir, *parts)
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(os.path.join(staging, *parts), target)
        except OSError as exc:
            raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from exc


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
    """Names and writes an archive's files, staged, then moved into place at once.

    Everything is staged in a hidden folder (beside an empty ``out_dir``, which
    it then replaces in one rename, else inside it) and moved into place only
    when complete and only if no target exists (unless ``options.force``): an
    interrupted run changes nothing.

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
        self._whole = False
        self._indexes = index_names(options.fmt)
        self._namer = PostNamer(EXTENSIONS[options.fmt], options.layout, reserved=self._indexes)
        self._spool: BinaryIO | None = None
        self._folders: set[str] = set()

    def __enter__(self) -> ArchiveWriter:
        _prepare_folder(self.out_dir)
        # Into an empty folder, the whole staged tree replaces it with one rename
        # (thousands of files move at once); otherwise each file is moved in.
        beside = _staging_beside(self.out_dir)
        self._whole = beside is not None
        try:
            self.staging = beside or tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.out_dir)
            self.scratch = os.path.join(self.staging, SCRATCH)
            os.mkdir(self.scratch)
            # The index entries wait on disk, not in memory: an export may have
            # any number of posts.
            self._spool = cast(BinaryIO, tempfile.TemporaryFile(dir=self.scratch))
        except OSError as exc:
            raise OutputError(f"{self.out_dir}: cannot write: {exc.strerror or exc}") from exc
        return self

    def add(self, post: RenderedPost) -> str:
        """Name one post's file and stage it; its path relative to the folder."""
        assert self._spool is not None, "use ArchiveWriter as a context manager"
        path = self._namer.name(post.post)
        _stage(self.staging, path, post.data, self._folders)
        entry = index_entry({"post": post.post}, path, post.comment_count)
        try:
            self._spool.write(orjson.dumps(entry) + b"\n")
        except OSError as exc:
            raise OutputError(f"index.json: cannot write: {exc.strerror or exc}") from exc
        result = self.result
        result.files.append(path)
        result.posts += 1
        result.comments += post.comment_count
        return path

    def finish(self) -> ArchiveResult:
        """Write the index files and move everything into place."""
        assert self._spool is not None, "use ArchiveWriter as a context manager"
        spool = self._spool
        result = self.result

        def entries() -> Iterator[dict[str, Any]]:
            spool.seek(0)
            for line in spool:
                yield orjson.loads(line)

        parts = index_json_parts(entries(), result.posts, result.comments, self.options)
        _stage_parts(self.staging, "index.json", parts)
        if "index.md" in self._indexes:
            parts = index_markdown_parts(entries(), result.posts, result.comments)
            _stage_parts(self.staging, "index.md", parts)
        result.files.extend(self._indexes)
        spool.close()
        shutil.rmtree(self.scratch)
        if not (self._whole and _replace_empty_folder(self.staging, self.out_dir)):
            _check_targets(self.out_dir, result.files, self.options.force)
            _move_into_place(self.staging, self.out_dir, result.files)
        return result

    def __exit__(self, *exc: object) -> None:
        if self._spool is not None and not self._spool.closed:
            self._spool.close()
        with contextlib.suppress(OSError):
            shutil.rmtree(self.staging)
