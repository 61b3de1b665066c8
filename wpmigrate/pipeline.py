"""The stages the commands share: read exports with progress and a summary, shape records.

Commands in :mod:`wpmigrate.cli` open streams and call these; nothing here
knows about click, so the library can be used on its own.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

from .models import PRIVATE_FIELDS, Post, comment_record
from .report import Tally, repairs_line
from .sources import Source, open_sources
from .wxr import ExportReader


@dataclass
class ReadSession:
    """Reading a set of exports: the posts, the running tally and the repairs.

    ``show_progress`` draws a bar on ``messages`` (meant for a terminal).
    """

    names: tuple[str, ...] | list[str]
    encoding: str | None = None
    messages: TextIO = field(default_factory=lambda: sys.stderr)
    show_progress: bool = False
    reader: ExportReader = field(default_factory=ExportReader)
    tally: Tally = field(default_factory=Tally)
    sources: list[Source] = field(default_factory=list)

    def open(self) -> None:
        """Resolve every input first, so a mistyped third name fails before any work."""
        self.sources = list(open_sources(self.names))

    def posts(self) -> Iterator[Post]:
        """Every post of every export, each comment once, counted in :attr:`tally`."""
        if not self.sources:
            self.open()
        self.reader.encoding = self.encoding
        with self._progress():
            for post in self.reader.posts(self.sources):
                self.tally.add(post)
                yield post

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
            self.reader.on_progress = bar.update
            try:
                yield
            finally:
                self.reader.on_progress = None

    def summary(self, verb: str = "read") -> str:
        """``read 3 posts, 42 comments (…) from x.xml; repaired: …``."""
        names = ", ".join(source.name for source in self.sources) or "nothing"
        line = f"{verb} {self.tally.line()} from {names}"
        repaired = repairs_line(self.reader.repairs)
        return f"{line}; {repaired}" if repaired else line


def redact(record: dict[str, Any]) -> dict[str, Any]:
    """Remove commenter e-mail and IP from a record."""
    for name in PRIVATE_FIELDS:
        record.pop(name, None)
    return record


def comment_records(posts: Iterable[Post], private: bool = True) -> Iterator[dict[str, Any]]:
    """One record per comment, each with its post's summary (computed once per post)."""
    for post in posts:
        summary = post.summary()
        for comment in post.comments:
            record = comment_record(comment, summary)
            yield record if private else redact(record)


def post_records(posts: Iterable[Post], private: bool = True) -> Iterator[dict[str, Any]]:
    """One record per post: its summary plus its comments (without the repeated post)."""
    for post in posts:
        summary = post.summary()
        comments = []
        for comment in post.comments:
            record = comment_record(comment, summary)
            del record["post"]
            comments.append(record if private else redact(record))
        yield {**summary, "comment_count": len(comments), "comments": comments}
