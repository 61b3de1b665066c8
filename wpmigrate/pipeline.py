"""The stages the commands share: parse -> thread -> moderate -> shape records.

Commands in :mod:`wpmigrate.cli` open streams and call these; nothing here
knows about click, so the library can be used on its own. The unit that flows
through is a *group*: one post's summary and its comment records (dicts in the
``extract`` schema), so memory is bounded by the largest post.
"""

from __future__ import annotations

import codecs
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

from .conversation.moderation import NO_POST, Ledger, Policy, is_listed, moderate
from .conversation.thread import DEFAULT_MAX_DEPTH, Node, max_depth_of, thread
from .errors import DataError, WpmigrateError
from .models import Post, comment_record
from .parallel import MIN_SPLIT_BYTES, ParallelReader, Stage, with_stage
from .parse.exports import ExportReader
from .parse.sources import Source, open_sources, read_all
from .parse.wxr import MAX_COMMENT_SIZE
from .privacy import public_post, public_url, redact
from .render.jsonl import encode
from .render.jsonl_reader import Group, read_groups
from .report import Tally, repairs_line

Record = dict[str, Any]


def post_group(post: Post) -> Group:
    """A post read from WXR as ``(summary, records)``; the summary is shared, not copied."""
    summary = post.summary()
    return summary, [comment_record(comment, summary) for comment in post.comments]


def _peek(chunks: Iterator[bytes]) -> tuple[bytes, Iterator[bytes]]:
    """The first non-empty chunk, and an iterator that still yields it."""
    for chunk in chunks:
        if chunk:

            def replay(first: bytes = chunk) -> Iterator[bytes]:
                yield first
                yield from chunks

            return chunk, replay()
    return b"", iter(())


def input_kind(head: bytes) -> str:
    """``jsonl`` for extract's output, ``xml`` for anything else (the XML reader judges it)."""
    text = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if text.startswith(b"{"):
        return "jsonl"
    if text.startswith(b"["):
        return "json"
    return "xml"


@dataclass
class ReadSession:
    """Reading a set of inputs: WXR exports, or ``extract``'s JSON Lines (detected).

    :meth:`groups` yields one group per post; :attr:`tally` counts them and
    ``show_progress`` draws a bar on ``messages`` (meant for a terminal).
    """

    names: tuple[str, ...] | list[str]
    encoding: str | None = None
    messages: TextIO = field(default_factory=lambda: sys.stderr)
    show_progress: bool = False
    reader: ExportReader = field(default_factory=ExportReader)
    tally: Tally = field(default_factory=Tally)
    sources: list[Source] = field(default_factory=list)
    jobs: int = 1
    """Worker processes for reading (see :mod:`wpmigrate.parallel`)."""
    min_split: int = MIN_SPLIT_BYTES
    """Files at least this large are read in ranges by several workers."""
    max_comment_size: int = MAX_COMMENT_SIZE
    """Stop at a comment larger than this, in bytes of XML (``--max-comment-size``)."""
    _advance: Callable[[int], None] | None = None

    def open(self) -> None:
        """Resolve every input first, so a mistyped third name fails before any work."""
        self.sources = list(open_sources(self.names))

    def groups(self) -> Iterator[Group]:
        """Every post of every input with its comment records, each comment once."""
        for group, _done in self.staged(None):
            yield group

    def staged(self, stage: Stage | None) -> Iterator[tuple[Group, Any]]:
        """Every group with ``stage(*group)``: computed where the post is read.

        With ``jobs`` > 1 the stage (moderation, threading, rendering: whatever
        a command does to one post) runs in the worker processes that read,
        and this process only takes the results in order.
        """
        if not self.sources:
            self.open()
        self.reader.encoding = self.encoding
        self.reader.max_comment_size = self.max_comment_size
        with self._progress():
            staged: Iterable[tuple[Group, Any]]
            if self.jobs > 1 and self.encoding is None:
                parallel = ParallelReader(
                    self.reader,
                    self.jobs,
                    self._source_groups,
                    self._advance,
                    eligible=self._is_xml_file,
                    min_split=self.min_split,
                )
                staged = parallel.staged(self.sources, stage)
            else:
                groups = (g for source in self.sources for g in self._source_groups(source, 0))
                staged = with_stage(groups, stage)
            try:
                for group, done in staged:
                    self.tally.add(group[1], is_post=group[0].get("id") != 0)
                    yield group, done
            finally:
                # Now, not when garbage collected: a parallel read's workers and
                # work folder go when the command stops, whatever stopped it.
                close = getattr(staged, "close", None)
                if close is not None:
                    close()

    def _is_xml_file(self, source: Source) -> bool:
        """Whether a reopenable source holds XML (JSON Lines stay in the main process)."""
        try:
            head, _chunks = _peek(iter(read_all(source)))
        except WpmigrateError:
            return True  # its error belongs after the inputs before it: let it come in turn
        return input_kind(head) == "xml"

    def _source_groups(self, source: Source, skip: int) -> Iterator[Group]:
        """One source read in this process, its first ``skip`` items not yielded."""
        head, chunks = _peek(self._chunks(source))
        kind = input_kind(head)
        if kind == "json":
            raise DataError(
                "a JSON array: give wpmigrate extract's JSON Lines output "
                "(its default --format jsonl)",
                source.name,
                1,
            )
        if kind == "jsonl":
            yield from read_groups(chunks, source.name, self.reader.repairs)
            return
        reopen = (lambda s=source: self._chunks(s)) if source.reopenable else None
        for post in self.reader.posts_from(chunks, source.name, reopen, skip):
            yield post_group(post)

    def _chunks(self, source: Source) -> Iterator[bytes]:
        for chunk in read_all(source):
            if self._advance is not None:
                self._advance(len(chunk))
            yield chunk

    @contextmanager
    def _progress(self) -> Iterator[None]:
        if not self.show_progress:
            yield
            return
        import click  # only for the terminal case

        sizes = [source.size for source in self.sources]
        total = sum(size for size in sizes if size) if all(sizes) else None
        with click.progressbar(
            length=total or 0,
            label="reading",
            file=self.messages,
            show_eta=bool(total),
            show_percent=bool(total),
            width=30,
        ) as bar:
            self._advance = bar.update
            try:
                yield
            finally:
                self._advance = None

    def summary(self, verb: str = "read") -> str:
        """``read 3 posts, 42 comments (…) from x.xml; repaired: …``."""
        names = ", ".join(source.name for source in self.sources) or "nothing"
        line = f"{verb} {self.tally.line()} from {names}"
        repaired = repairs_line(self.reader.repairs)
        return f"{line}; {repaired}" if repaired else line


def comment_records(groups: Iterable[Group], private: bool = True) -> Iterator[Record]:
    """One record per comment, each with its post's summary."""
    for _summary, records in groups:
        for record in records:
            yield record if private else redact(record)


def post_records(groups: Iterable[Group], private: bool = True) -> Iterator[Record]:
    """One record per post: its summary plus its comments (without the repeated post)."""
    for summary, records in groups:
        comments = []
        for record in records:
            comment = {key: value for key, value in record.items() if key != "post"}
            comments.append(comment if private else redact(comment))
        head = summary if private else public_post(summary)
        yield {**head, "comment_count": len(comments), "comments": comments}


def post_stats(
    records: list[Record], kept: list[Record], dropped: list[Record], forest: list[Node]
) -> dict[str, Any]:
    """The ``stats`` object of a thread record."""
    reasons: dict[str, int] = {}
    for record in dropped:
        reasons[record["reason"]] = reasons.get(record["reason"], 0) + 1
    return {
        "read": len(records),
        "kept": len(kept),
        "dropped": len(dropped),
        "dropped_by_reason": dict(sorted(reasons.items())),
        "threads": len(forest),
        "max_depth": max_depth_of(forest),
        "author_replies": sum(1 for record in kept if record.get("by_post_author")),
        "orphans": sum(1 for node in forest if node.get("orphan")),
        "cycles": sum(1 for node in forest if node.get("cycle")),
        "reparented": sum(1 for record in kept if "reparented_from" in record),
    }


@dataclass
class Conversation:
    """One post after moderation and threading."""

    record: Record | None
    """The ``{"post", "comments", "stats"}`` record; ``None`` if nothing is public
    (and posts without public comments are not wanted)."""
    dropped: list[Record]
    """The comments dropped, each with its ``reason``."""
    ledger: Ledger
    """This post's accounting."""


@dataclass(frozen=True)
class Converse:
    """moderate -> thread for one post. Picklable: it runs where posts are read."""

    policy: Policy = field(default_factory=Policy)
    max_depth: int = DEFAULT_MAX_DEPTH
    all_posts: bool = False
    private: bool = True

    def __call__(self, summary: Record, records: list[Record]) -> Conversation:
        """The post's public conversation and what was dropped from it."""
        kept, dropped = moderate(records, summary, self.policy)
        ledger = Ledger()
        ledger.add(records, kept, dropped)
        if not self.private:
            kept = [redact(record) for record in kept]
            dropped = [redact(record) for record in dropped]
            summary = public_post(summary)
        else:
            # The conversation is what gets published: its links pass the URL
            # check (moderation, above, judged them as the commenter wrote them).
            for record in kept:
                if "author_url" in record:
                    record["author_url"] = public_url(record["author_url"])
        wanted_empty = self.all_posts and summary.get("id") != NO_POST
        if not kept and not (wanted_empty and is_listed(summary, self.policy)):
            return Conversation(None, dropped, ledger)
        forest = thread(kept, self.max_depth)
        record = {
            "post": summary,
            "comments": forest,
            "stats": post_stats(records, kept, dropped, forest),
        }
        return Conversation(record, dropped, ledger)


@dataclass
class Conversations:
    """moderate -> thread for each post; the :class:`Ledger` accounts for every comment."""

    policy: Policy = field(default_factory=Policy)
    max_depth: int = DEFAULT_MAX_DEPTH
    all_posts: bool = False
    private: bool = True
    ledger: Ledger = field(default_factory=Ledger)
    on_dropped: Callable[[Record], None] | None = None

    @property
    def converse(self) -> Converse:
        """The per-post stage these settings describe."""
        return Converse(self.policy, self.max_depth, self.all_posts, self.private)

    def take(self, conversation: Conversation) -> Record | None:
        """Account for one post's outcome; its record, if it has one to write."""
        self.ledger.merge(conversation.ledger)
        if self.on_dropped is not None:
            for record in conversation.dropped:
                self.on_dropped(record)
        return conversation.record

    def records(self, groups: Iterable[Group]) -> Iterator[Record]:
        """One ``{"post", "comments", "stats"}`` record per post with a public comment."""
        converse = self.converse
        for summary, records in groups:
            record = self.take(converse(summary, records))
            if record is not None:
                yield record


@dataclass(frozen=True)
class EncodedComments:
    """extract's stage: one post's records, encoded (picklable, runs where posts are read)."""

    per_post: bool = False
    private: bool = True
    pretty: bool = False

    def __call__(self, summary: Record, records: list[Record]) -> list[bytes]:
        """The encoded records of one post."""
        shape = post_records if self.per_post else comment_records
        return [encode(record, self.pretty) for record in shape([(summary, records)], self.private)]


@dataclass(frozen=True)
class EncodedConversation:
    """thread's stage: :class:`Converse`, then the record and rejects encoded."""

    converse: Converse
    pretty: bool = False
    rejects: bool = False

    def __call__(
        self, summary: Record, records: list[Record]
    ) -> tuple[bytes | None, list[bytes], Ledger]:
        """The encoded thread record (or ``None``), encoded rejects, and the accounting."""
        done = self.converse(summary, records)
        record = None if done.record is None else encode(done.record, self.pretty)
        dropped = [encode(record) for record in done.dropped] if self.rejects else []
        return record, dropped, done.ledger
