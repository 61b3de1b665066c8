"""Read exports on every core: large files in byte ranges, several files at once.

A plain export file is cut at ``<item>`` boundaries into as many ranges as
there are jobs; each range is read by a worker process as a document of its
own (the export's header, the range, and closing tags), and several exports
(a WordPress.com zip's parts) are read by different workers, each of which
opens a zip once however many of its members it reads. Workers hand back
each post's records, or, when a command's per-post stage runs in them, the
stage's result and the comments' ids; the main process takes them in file
order, so the output is the same as a serial read.

It is an optimisation, never a different answer: whenever a range cannot be
taken as read alone (it failed to parse, or it needed ids only a serial read can
number), the main process reads that export serially from the start, skipping
the posts already delivered, exactly as the reader's own fast path does.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
import struct
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import orjson

from .errors import WpmigrateError
from .models import comment_record
from .parse.exports import ExportReader
from .parse.repairs import Repairs
from .parse.sources import Source, open_sources, read_all, zip_member
from .parse.wxr import MAX_COMMENT_SIZE
from .render.jsonl_reader import Group
from .write.publish import remove_dead, signals_blocked, worker_signals

#: Below this size a file is read in one piece: starting workers costs more.
MIN_SPLIT_BYTES = 16 << 20
#: Parts a large export is cut into, per worker process.
PARTS_PER_JOB = 4
#: Small whole exports (a zip's members, small files) go to a worker together, up
#: to this many bytes or :data:`BATCH_UNITS` of them: handing over each alone costs
#: more than reading it, and a thousand members must not cost a thousand handovers.
BATCH_BYTES = 1 << 20
BATCH_UNITS = 64
_ITEM = b"<item"
_CDATA_OPEN = b"<![CDATA["
_CDATA_CLOSE = b"]]>"
_FOOTER = b"</channel></rss>\n"
_FRAME = struct.Struct("<I")
#: Work done on each post where it is read (see :meth:`ParallelReader.staged`):
#: picklable, with a picklable result.
Stage = Callable[[dict[str, Any], list[dict[str, Any]]], Any]


def with_stage(groups: Iterable[Group], stage: Stage | None) -> Iterator[tuple[Group, Any]]:
    """Each group with ``stage(*group)``, run here (``None`` without a stage)."""
    for group in groups:
        yield group, stage(*group) if stage is not None else None


@dataclass(frozen=True)
class Unit:
    """One piece of work: a whole export, or a byte range of a plain export file."""

    index: int
    path: str
    """The file to read (a zip member's zip)."""
    name: str
    """The :class:`Source` name (a zip member is ``archive.zip:member.xml``)."""
    start: int = 0
    end: int = -1
    """Byte range of the file (``-1``: to the end); whole sources use 0, -1."""
    header_end: int = 0
    """Where the first ``<item`` starts: the header every range is read with."""
    part: int = 0
    """0 for the first range of a file (it has the header already)."""
    member: int = -1
    """A zip member's position in the zip (:attr:`Source.member`); ``-1``: no member."""
    size: int = -1
    """Bytes to read when known (``-1``: unknown, a compressed file): for batching."""
    max_comment_size: int = MAX_COMMENT_SIZE
    """The reader's limit (:attr:`ExportReader.max_comment_size`): each read of the unit uses it."""


@dataclass
class UnitResult:
    """What a worker hands back: the frames of its posts, and what it counted."""

    index: int
    frames: str
    """The file the frames are in (a batch's units share one, one after another)."""
    offset: int = 0
    length: int = -1
    """Where in :attr:`frames` this unit's frames are (``-1``: to the end)."""
    last: bool = True
    """Whether this is the last unit in :attr:`frames` (the file can go after it)."""
    posts_read: int = 0
    synthetic_ids: int = 0
    repairs: dict[str, int] = field(default_factory=dict)
    failed: str = ""
    size: int = 0
    """Bytes of the export the unit covered."""


def _outside_cdata(window: bytes, at: int) -> bool:
    """Whether position ``at`` is surely outside CDATA: the last marker before it closes one.

    ``]]>`` cannot occur inside CDATA, so a close marker last means outside; an
    open marker last, or none in sight, is treated as unknown (not a cut point).
    """
    opened = window.rfind(_CDATA_OPEN, 0, at)
    closed = window.rfind(_CDATA_CLOSE, 0, at)
    return closed > opened


def _item_start(window: bytes, begin: int = 0, need_marker: bool = True) -> int:
    """The first ``<item>`` start tag in ``window`` from ``begin`` that is a safe cut point."""
    at = window.find(_ITEM, begin)
    while at != -1:
        follows = window[at + len(_ITEM) : at + len(_ITEM) + 1]
        if follows in (b">", b" ", b"\t", b"\n", b"\r") and (
            not need_marker or _outside_cdata(window, at)
        ):
            return at
        at = window.find(_ITEM, at + 1)
    return -1


def plan_ranges(path: str, parts: int, min_bytes: int = MIN_SPLIT_BYTES) -> list[tuple[int, int]]:
    """Byte ranges ``[(start, end), …]`` cutting a plain export at item boundaries.

    Returns one range ``[(0, -1)]`` when the file is small, or no safe cut
    point is found. The first range starts at 0 (it holds the header).
    """
    size = os.path.getsize(path)
    if parts < 2 or size < min_bytes:
        return [(0, -1)]
    window_size = 1 << 22
    with open(path, "rb") as handle:
        head = handle.read(window_size)
        # No CDATA marker is needed before the first item: a header rarely has one.
        first = _item_start(head, 0, need_marker=False)
        if first == -1 or (_CDATA_OPEN in head[:first] and not _outside_cdata(head, first)):
            return [(0, -1)]
        cuts = [0]
        for part in range(1, parts):
            target = first + (size - first) * part // parts
            if target <= cuts[-1]:
                continue
            handle.seek(target)
            window = handle.read(window_size)
            at = _item_start(window)
            if at == -1 or target + at <= cuts[-1]:
                continue  # no safe cut near here, or the same item as the last cut
            cuts.append(target + at)
    if len(cuts) == 1:
        return [(0, -1)]
    return [(start, end) for start, end in zip(cuts, [*cuts[1:], -1], strict=True)]


def header_end(path: str) -> int:
    """Where the first item of a plain export starts (0 if none in the first 4 MB)."""
    with open(path, "rb") as handle:
        at = _item_start(handle.read(1 << 22), 0, need_marker=False)
    return max(at, 0)


def _range_chunks(unit: Unit, chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """The document a range worker reads: header, the range, closing tags."""
    with open(unit.path, "rb") as handle:
        if unit.part:
            yield handle.read(unit.header_end)
            handle.seek(unit.start)
        remaining = -1 if unit.end == -1 else unit.end - unit.start
        while remaining != 0:
            chunk = handle.read(chunk_size if remaining < 0 else min(chunk_size, remaining))
            if not chunk:
                break
            if remaining > 0:
                remaining -= len(chunk)
            yield chunk
    if unit.end != -1:
        yield _FOOTER


def _unit_chunks(unit: Unit) -> Callable[[], Iterator[bytes]]:
    if unit.end != -1 or unit.start:
        return lambda: _range_chunks(unit)
    if unit.member >= 0:
        # By position, in a zip this process keeps open: neither a member's name
        # (names repeat) nor a fresh listing of the zip for every member.
        source = zip_member(unit.path, unit.member, unit.name)
    else:
        source = next(s for s in open_sources([unit.path]) if s.name == unit.name)
    return lambda: read_all(source)


def run_unit(
    unit: Unit, folder: str, stage: Stage | None = None, out: BinaryIO | None = None
) -> UnitResult:
    """Worker: read one unit, write its posts (and their staged results) as frames.

    ``out``: the file of the unit's batch, written on from where it is (else the
    unit writes a file of its own in ``folder``).
    """
    if out is None:
        with open(os.path.join(folder, f"unit-{unit.index}.bin"), "wb", buffering=1 << 20) as own:
            return run_unit(unit, folder, stage, own)
    result = UnitResult(unit.index, out.name, offset=out.tell())
    reader = ExportReader(max_comment_size=unit.max_comment_size)
    if unit.end != -1 or unit.start:
        result.size = (unit.end if unit.end != -1 else os.path.getsize(unit.path)) - unit.start
    try:
        chunks = _unit_chunks(unit)
        header = _header_reader(unit)
        skip = header.items_read if header is not None else 0
        for post in reader.posts_from(chunks(), unit.name, chunks, skip):
            summary, records = _group_of(post, embed=stage is not None)
            if stage is not None:
                # What the main process needs unless deduplication changes the
                # post: its ids, statuses and types. (When it does, the main
                # process reads the post again: see _Replay.)
                light = [[r["id"], r["status"], r["type"]] for r in records]
                head = orjson.dumps([summary, light])
                blob = b""
                done = pickle.dumps(stage(summary, records), pickle.HIGHEST_PROTOCOL)
            else:
                blob = orjson.dumps([summary, records])
                head = done = b""
            for part in (head, blob, done):
                out.write(_FRAME.pack(len(part)))
                out.write(part)
        result.posts_read = reader.items_read - skip
        if header is not None:
            # The header was read with the range: its repairs belong to part 0.
            reader.repairs.subtract(header.repairs)
    except WpmigrateError as exc:
        result.failed = str(exc)
    except Exception as exc:  # a bug shows itself again in the serial read
        result.failed = f"{type(exc).__name__}: {exc}"
    finally:
        result.length = out.tell() - result.offset
    result.repairs = {kind: count for kind, count in reader.repairs.items() if count}
    result.synthetic_ids = -1 - reader._synthetic_ids.next_id
    return result


def _group_of(post: Any, embed: bool) -> Group:
    """A post as the reader gives it: its summary and comment records (each holding
    the summary as ``post`` if ``embed``: frames store it once per post instead)."""
    summary = post.summary()
    return summary, [comment_record(c, summary, embed=embed) for c in post.comments]


class _Replay:
    """A unit's posts read again in the main process, in order, on demand.

    Workers that stage posts do not write the full records: the main process
    needs them only for a post that deduplication across ranges changed, which
    is rare. Then the unit is read again, as the worker read it, up to that post;
    later posts of the unit continue the same read, so a unit is read at most
    twice however many of its posts need it.
    """

    def __init__(self, unit: Unit) -> None:
        self.unit = unit
        self._posts: Iterator[Any] | None = None
        self._position = 0

    def group(self, position: int) -> Group:
        """The group of the unit's post number ``position`` (counting from 0)."""
        if self._posts is None:
            chunks = _unit_chunks(self.unit)
            header = _header_reader(self.unit)
            skip = header.items_read if header is not None else 0
            reader = ExportReader(max_comment_size=self.unit.max_comment_size)
            self._posts = reader.posts_from(chunks(), self.unit.name, chunks, skip)
        while True:
            post = next(self._posts)
            self._position += 1
            if self._position > position:
                return _group_of(post, embed=True)

    def close(self) -> None:
        """Let go of the read (a generator holding the file open)."""
        if self._posts is not None:
            self._posts.close()  # type: ignore[attr-defined]


def _header_reader(unit: Unit) -> ExportReader | None:
    """For a range after the first: the export's header read alone, to subtract from it.

    A range is read behind the header, so what the header holds (its repairs, and
    comments outside any item there, which come out as a post of their own)
    belongs to the first range only.
    """
    if not unit.part:
        return None
    header = ExportReader()
    for _post in header.posts_from([_header_bytes(unit), _FOOTER], unit.name):
        pass
    return header


def _header_bytes(unit: Unit) -> bytes:
    with open(unit.path, "rb") as handle:
        return handle.read(unit.header_end)


@dataclass
class _Frame:
    """One post as a worker wrote it: its summary, its comments in brief, its stage's result."""

    summary: dict[str, Any]
    light: list[list[Any]]
    """``[id, status, type]`` per comment (with a stage; else empty)."""
    data: bytes
    """The full records' JSON (without a stage; else empty)."""
    done: bytes

    def group(self) -> Group:
        """The post with its full records (frames written without a stage)."""
        summary, records = orjson.loads(self.data)
        for record in records:
            record["post"] = summary
        return summary, records

    def brief(self) -> Group:
        """The post with records holding only ``id``, ``status`` and ``type``."""
        fields = ("id", "status", "type")
        return self.summary, [dict(zip(fields, row, strict=True)) for row in self.light]


def _frames(result: UnitResult) -> Iterator[_Frame]:
    """Each post a unit's worker wrote, in order."""
    with open(result.frames, "rb") as handle:
        handle.seek(result.offset)
        end = result.offset + result.length if result.length >= 0 else None

        def part() -> bytes:
            return handle.read(int(_FRAME.unpack(handle.read(_FRAME.size))[0]))

        while handle.tell() != end and handle.peek(1):
            head, data, done = part(), part(), part()
            if head:
                summary, light = orjson.loads(head)
            else:  # no stage: the full records are what is wanted
                summary, light = orjson.loads(data)[0], []
            yield _Frame(summary, light, data, done)


def splittable(source: Source) -> bool:
    """A plain, seekable export file: the only kind cut into ranges."""
    return (
        source.reopenable
        and not source.compression
        and source.path == source.name
        and os.path.isfile(source.path)
    )


def plan(
    sources: list[Source],
    jobs: int,
    eligible: Callable[[Source], bool] = lambda _: True,
    min_split: int = MIN_SPLIT_BYTES,
    max_comment_size: int = MAX_COMMENT_SIZE,
) -> list[list[Unit]]:
    """The units of each source (an empty list: read it in the main process)."""
    plans: list[list[Unit]] = []
    index = 0
    for source in sources:
        if not source.reopenable or not source.path or not eligible(source):
            plans.append([])  # stdin, a pipe (read once), or not XML: read here
            continue
        if splittable(source):
            # More parts than workers: the main process takes the first parts
            # while later ones are read, and a slow part holds up less.
            ranges = plan_ranges(source.name, jobs * PARTS_PER_JOB, min_split)
            first_item = header_end(source.name) if len(ranges) > 1 else 0
            units = []
            for part, (start, end) in enumerate(ranges):
                size = (end if end != -1 else os.path.getsize(source.name)) - start
                units.append(
                    Unit(
                        index,
                        source.name,
                        source.name,
                        start,
                        end,
                        first_item,
                        part,
                        size=size,
                        max_comment_size=max_comment_size,
                    )
                )
                index += 1
        else:
            size = -1 if source.size is None else source.size
            units = [
                Unit(
                    index,
                    source.path,
                    source.name,
                    member=source.member,
                    size=size,
                    max_comment_size=max_comment_size,
                )
            ]
            index += 1
        plans.append(units)
    return plans


def batches(units: list[Unit], workers: int) -> list[list[Unit]]:
    """The units in order, in the groups a worker takes at once.

    A range of a large export goes alone (ranges are cut for the workers to
    share); consecutive small whole exports go together, up to
    :data:`BATCH_BYTES` and :data:`BATCH_UNITS`, and fewer when there are few,
    so that each worker still gets several groups.
    """

    def alone(unit: Unit) -> bool:
        return unit.end != -1 or unit.start != 0 or not 0 <= unit.size < BATCH_BYTES

    small = sum(1 for unit in units if not alone(unit))
    most = max(1, min(BATCH_UNITS, -(-small // (workers * PARTS_PER_JOB))))
    groups: list[list[Unit]] = []
    current: list[Unit] = []
    current_bytes = 0
    for unit in units:
        single = alone(unit)
        if current and (single or len(current) >= most or current_bytes + unit.size > BATCH_BYTES):
            groups.append(current)
            current, current_bytes = [], 0
        if single:
            groups.append([unit])
        else:
            current.append(unit)
            current_bytes += unit.size
    if current:
        groups.append(current)
    return groups


def pool_context() -> Any:
    """The multiprocessing context for wpmigrate's worker pools."""
    # fork starts workers in milliseconds and shares the imported modules; where
    # it is unsafe or missing (macOS, Windows) the default start method is used.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


#: The work folder of a parallel read, in the temporary folder: ``wpmigrate-<pid>-…``.
WORK_PREFIX = "wpmigrate-"


def new_pool(processes: int) -> Any:
    """A worker pool whose workers leave signals to the main process.

    The workers start with SIGINT and SIGTERM blocked (inherited from here)
    and unblock them only once :func:`wpmigrate.write.publish.worker_signals` set
    their handlers: a Ctrl-C at any moment prints no worker traceback.
    """
    with signals_blocked():
        return pool_context().Pool(processes, initializer=worker_signals)


def work_folder() -> str:
    """A fresh folder for the frames workers write (after removing those of dead runs)."""
    parent = tempfile.gettempdir()
    remove_dead(parent, WORK_PREFIX)
    return tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-", dir=parent)


@dataclass
class ParallelReader:
    """Yields every source's groups like a serial read, using ``jobs`` processes."""

    reader: ExportReader
    jobs: int
    serial: Callable[[Source, int], Iterator[Group]]
    """Reads a source in the main process, skipping its first N posts."""
    advance: Callable[[int], None] | None = None
    """Told how many bytes each finished unit covered (a progress bar)."""
    eligible: Callable[[Source], bool] = lambda _: True
    """Whether a source may go to a worker (XML, not JSON Lines)."""
    min_split: int = MIN_SPLIT_BYTES
    """Files smaller than this are not cut into ranges."""
    folder: str = ""

    def staged(self, sources: list[Source], stage: Stage | None) -> Iterator[tuple[Group, Any]]:
        """Every group of every source in order, with ``stage(*group)`` (``None``: no stage).

        The stage runs in the workers; the main process runs it again only for a
        post that deduplication across ranges changed.
        """
        plans = plan(
            sources, self.jobs, self.eligible, self.min_split, self.reader.max_comment_size
        )
        groups = batches([unit for units in plans for unit in units], self.jobs)
        if len(groups) < 2:
            for source in sources:
                yield from with_stage(self.serial(source, 0), stage)
            return
        self.folder = work_folder()
        try:
            pool = new_pool(min(self.jobs, len(groups)))
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        try:
            tasks = [(group, self.folder, stage) for group in groups]
            results = (result for done in pool.imap(_run_units_in, tasks) for result in done)
            for source, source_units in zip(sources, plans, strict=True):
                if not source_units:
                    yield from with_stage(self.serial(source, 0), stage)
                else:
                    # Lazily: the first parts are taken while later ones are read.
                    done = (next(results) for _ in source_units)
                    yield from self._source(source, source_units, done, stage)
                    for _unused in done:
                        pass  # parts left after a serial re-read: keep results aligned
        finally:
            pool.terminate()
            pool.join()
            shutil.rmtree(self.folder, ignore_errors=True)

    def _source(
        self,
        source: Source,
        units: list[Unit],
        results: Iterable[UnitResult],
        stage: Stage | None,
    ) -> Iterator[tuple[Group, Any]]:
        ids = self.reader._synthetic_ids
        ids_at_start = ids.next_id
        repairs_at_start = Repairs(self.reader.repairs)
        delivered = 0
        for position, (unit, result) in enumerate(zip(units, results, strict=False)):
            # Only a serial read can number items without ids after others did.
            foreign_ids = result.synthetic_ids and (position or ids.next_id != -1)
            if result.failed or foreign_ids:
                self.reader.repairs.clear()
                self.reader.repairs.update(repairs_at_start)
                ids.next_id = ids_at_start
                yield from with_stage(self.serial(source, delivered), stage)
                return
            self.reader.repairs.update(result.repairs)
            ids.next_id -= result.synthetic_ids
            dedupe = self.reader.deduper
            replay = _Replay(unit)
            for number, frame in enumerate(_frames(result)):
                summary = frame.summary
                if stage is None:
                    group = frame.group()
                    comment_ids = [record["id"] for record in group[1]]
                else:
                    comment_ids = [row[0] for row in frame.light]
                fresh = dedupe.fresh(summary["id"], tuple(summary.values()), comment_ids)
                if fresh is None:
                    continue
                if stage is None:
                    yield _only_fresh(group, fresh), None
                elif all(fresh):
                    yield frame.brief(), pickle.loads(frame.done)
                else:
                    # A repeat across ranges: what the worker staged included it.
                    group = _only_fresh(replay.group(number), fresh)
                    yield group, stage(*group)
            replay.close()
            delivered += result.posts_read
            if result.last:
                os.unlink(result.frames)
            if self.advance is not None:
                self.advance(result.size)


def _only_fresh(group: Group, fresh: list[bool]) -> Group:
    summary, records = group
    if all(fresh):
        return group
    return summary, [record for record, new in zip(records, fresh, strict=True) if new]


def _run_units_in(arguments: tuple[list[Unit], str, Stage | None]) -> list[UnitResult]:
    """Worker: a batch of units, their frames in one file (one per unit costs more
    than reading a small zip member)."""
    units, folder, stage = arguments
    if len(units) == 1:
        return [run_unit(units[0], folder, stage)]
    with open(os.path.join(folder, f"batch-{units[0].index}.bin"), "wb", buffering=1 << 20) as out:
        results = [run_unit(unit, folder, stage, out) for unit in units]
    for result in results[:-1]:
        result.last = False
    return results
