"""Many documents read as one export: the fast path first, a repairing read at the first defect.

Each source is read by a :class:`~wpmigrate.parse.wxr.WxrReader`. A clean
export takes the fast path (its bytes straight to the parser); at the first
defect the document is read again from the start with repairs, skipping the
posts already yielded, so the output is that of a repairing read at the
parser's own speed. Every post then passes the run's
:class:`~wpmigrate.parse.dedupe.Deduper`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ..errors import DataError
from ..models import Author, Post, Site
from .dedupe import Deduper
from .faults import NeedsRepair
from .fields import IdPool
from .repairs import Repairs
from .sources import Source, read_all
from .wxr import MAX_COMMENT_SIZE, WxrReader


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
