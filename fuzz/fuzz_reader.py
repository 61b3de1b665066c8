"""Fuzz target for the WXR reader, and a replay runner for the inputs it found.

Every input is read the ways the commands read an export, and the run fails on
anything but the project's own errors:

* through :meth:`wpmigrate.parse.exports.ExportReader.posts_from` with and without
  ``reopen`` (the fast path that re-reads with repairs at the first defect, and
  the repairing path), each with the input cut into a few chunk sizes, and
  once as ``--encoding cp1252`` does;
* each post as ``extract`` records, then moderated and threaded as ``thread``
  does (:class:`wpmigrate.pipeline.Conversations`:
  :func:`~wpmigrate.conversation.moderation.moderate`
  then :func:`~wpmigrate.conversation.thread.thread`), every record encoded with orjson as the
  writers do, and the drop ledger checked;
* as ``extract``'s JSON Lines when it looks like them (what ``thread`` reads);
* by a repairing read that re-cuts the stream into small pieces (as a large
  export is cut), which must yield the same posts, repairs and error.

A :class:`~wpmigrate.errors.WpmigrateError` is the expected outcome for a bad
input, except :class:`~wpmigrate.errors.IntegrityError` (exit 70: a bug). Every
other exception is a finding, and so is a record that is not well-formed
(:func:`check_record`), an error message of more than one line, or a ledger
that does not add up.

Run it (see ``docs/fuzzing.md``)::

    pip install -e '.[fuzz]'
    python fuzz/fuzz_reader.py CORPUS_DIR SEED_DIR... -max_len=65536 -timeout=10

or, without atheris, replay inputs (crash files, a corpus) as a regression run::

    python fuzz/fuzz_reader.py --replay fuzz/regressions [--replay fuzz/seeds]

Findings in modules the fuzz work may not change (``wxr.py``, ``cli.py``,
``pipeline.py``) are listed in :data:`KNOWN_ISSUES`; while one is listed the
fuzzer does not stop on it (``--strict`` makes it stop), and a strict xfail test
in ``tests/test_fuzz_regressions.py`` tracks it. Remove the entry with the fix.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import json
import random
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

Record = dict[str, Any]
Group = tuple[Record, list[Record]]

#: How the input is cut before it is fed: whole, then small and odd-sized pieces.
CHUNK_SIZES = (0, 4093, 61)
#: Re-chunking sizes compared by :func:`check_reading_is_chunking_independent`.
RECHUNK_SIZES = (1 << 18, 97)
#: Input above this size is cut to it (libFuzzer's ``-max_len`` keeps inputs below).
MAX_LEN = 1 << 17

class Finding(AssertionError):
    """What the reader produced breaks an invariant (not an exception it raised)."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise Finding(message)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


SCHEMA_PATH = Path(__file__).resolve().parents[1] / "wpmigrate" / "schema" / "comment.schema.json"
_TYPES: dict[str, Callable[[object], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": _is_int,
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


@functools.cache
def _schema() -> dict[str, Any]:
    return dict(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def validate(value: object, schema: dict[str, Any], where: str = "record") -> None:
    """Raise :class:`Finding` unless ``value`` matches ``schema``.

    The subset of JSON Schema that ``comment.schema.json`` uses (``$ref`` within
    it, type, required, properties, additionalProperties, minimum, minLength,
    pattern, items, minItems, oneOf): read from the file, so the check follows
    the schema as it changes.
    """
    if "$ref" in schema:
        node: Any = _schema()
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        validate(value, node, where)
        return
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        _require(any(_TYPES[kind](value) for kind in kinds), f"{where}: not {kinds}: {value!r}")
    if "oneOf" in schema:
        matches = 0
        for option in schema["oneOf"]:
            try:
                validate(value, option, where)
                matches += 1
            except Finding:
                pass
        _require(matches == 1, f"{where}: matches {matches} of oneOf: {value!r}")
    if isinstance(value, dict):
        missing = set(schema.get("required", ())) - set(value)
        _require(not missing, f"{where}: missing {sorted(missing)}")
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                validate(item, properties[key], f"{where}.{key}")
            elif extra is False:
                raise Finding(f"{where}: unexpected key {key!r}")
            elif isinstance(extra, dict):
                validate(item, extra, f"{where}.{key}")
    if isinstance(value, list):
        _require(len(value) >= schema.get("minItems", 0), f"{where}: too few items")
        for index, item in enumerate(value):
            validate(item, schema.get("items", {}), f"{where}[{index}]")
    if isinstance(value, str):
        _require(len(value) >= schema.get("minLength", 0), f"{where}: too short: {value!r}")
        if "pattern" in schema:
            _require(bool(re.search(schema["pattern"], value)), f"{where}: {value!r} no match")
    if isinstance(value, int) and "minimum" in schema:
        _require(value >= schema["minimum"], f"{where}: below minimum: {value!r}")


def _check_date(value: object, where: str) -> None:
    """A date the schema accepts must also be a real calendar date."""
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value.removesuffix("Z"))
        except ValueError:
            raise Finding(f"{where}: not a calendar date: {value!r}") from None


def check_post_summary(post: object) -> None:
    """Raise :class:`Finding` unless ``post`` is a well-formed ``post`` object."""
    validate(post, _schema()["$defs"]["post"], "post")
    assert isinstance(post, dict)
    _check_date(post["date"], "post.date")
    _check_date(post["date_gmt"], "post.date_gmt")


def check_record(record: object) -> None:
    """Raise :class:`Finding` unless ``record`` is a well-formed ``extract`` comment record.

    Well-formed: valid under ``wpmigrate/schema/comment.schema.json`` (fields,
    types, ints for ids, ``parent_id`` and ``user_id`` not negative, ISO dates,
    non-empty type, ``meta`` of strings, a repeated key a list of two or more),
    and beyond it: dates that are real calendar dates, a non-empty status, the
    ``post`` it carries being its ``post_id``'s, and encodable by orjson as the
    writers encode it (an id past 64 bits is not).
    """
    import orjson

    validate(record, _schema())
    assert isinstance(record, dict)
    _check_date(record["date"], "date")
    _check_date(record["date_gmt"], "date_gmt")
    _require(bool(record["status"]), "status: empty")
    check_post_summary(record["post"])
    _require(record["post"]["id"] == record["post_id"], "post_id is not its post's id")
    orjson.dumps(record)


def check_error(error: Exception) -> None:
    """Re-raise ``error`` unless it is one a bad input may cause: a one-line WpmigrateError."""
    from wpmigrate.errors import IntegrityError, WpmigrateError

    if not isinstance(error, WpmigrateError) or isinstance(error, IntegrityError):
        raise error
    _require("\n" not in str(error), f"error message of several lines: {str(error)!r}")


def pieces(data: bytes, size: int) -> list[bytes]:
    """``data`` cut into pieces of ``size`` bytes (0: one piece)."""
    if not size or len(data) <= size:
        return [data]
    return [data[i : i + size] for i in range(0, len(data), size)]


def _checked_groups(groups: Iterable[Group]) -> Iterator[Group]:
    for summary, records in groups:
        check_post_summary(summary)
        for record in records:
            check_record(record)
        yield summary, records


def _encodable_groups(groups: Iterable[Group]) -> Iterator[Group]:
    """JSON Lines records: only what ``jsonl`` promises, and that they can be written."""
    import orjson

    for summary, records in groups:
        orjson.dumps(summary)
        for record in records:
            orjson.dumps(record)
        yield summary, records


def _check_node(node: Record, depth: int, max_depth: int) -> int:
    """Check one reply forest node and its replies (iteratively); the number of nodes."""
    count = 0
    stack = [(node, depth)]
    while stack:
        current, expected = stack.pop()
        count += 1
        _require(current.get("depth") == expected, f"node depth {current.get('depth')!r}")
        _require(current["depth"] <= max_depth, "node deeper than max_depth")
        replies = current["replies"]
        _require(isinstance(replies, list), "replies is not a list")
        stack.extend((reply, expected + 1) for reply in replies)
    return count


@dataclass(frozen=True)
class Pass:
    """One way of running the pipeline over a read: moderation policy and nesting cap."""

    policy_args: tuple[tuple[str, Any], ...] = ()
    max_depth: int = 128


PASSES = (
    Pass(),
    Pass(
        (
            ("include_statuses", frozenset({"pending", "flagged"})),
            ("allow_types", frozenset({"review", "note"})),
            ("pings", False),
            ("blocklist", ("spam", "http://", "a")),
            ("max_links", 1),
            ("drop_orphaned_replies", True),
        ),
        max_depth=1,
    ),
)


def run_pipeline(groups: Iterable[Group], run: Pass, from_xml: bool = True) -> None:
    """moderate -> thread each group as ``wpmigrate thread`` does, checking what comes out.

    A :class:`DataError` from the reader ends the run as it ends the command (what
    was read before it is kept); the ledger must still add up.
    """
    import orjson

    from wpmigrate.conversation.moderation import REASONS, Policy
    from wpmigrate.errors import DataError
    from wpmigrate.pipeline import Conversations

    def on_dropped(record: Record) -> None:
        _require(record.get("reason") in REASONS, f"dropped with reason {record.get('reason')!r}")
        orjson.dumps(record)

    conversations = Conversations(
        policy=Policy(**dict(run.policy_args)),
        max_depth=run.max_depth,
        all_posts=True,
        on_dropped=on_dropped,
    )
    try:
        checked = _checked_groups(groups) if from_xml else _encodable_groups(groups)
        for out in conversations.records(checked):
            orjson.dumps(out)
            stats = out["stats"]
            _require(stats["read"] == stats["kept"] + stats["dropped"], f"stats: {stats}")
            nodes = sum(_check_node(node, 0, run.max_depth) for node in out["comments"])
            _require(nodes == stats["kept"], f"{nodes} nodes for {stats['kept']} kept")
    except DataError as exc:
        check_error(exc)
    conversations.ledger.check()


def read_xml(
    data: bytes, size: int, fast: bool, run: Pass, encoding: str | None = None
) -> None:
    """Read ``data`` as a WXR export (cut in ``size`` pieces) through the whole pipeline.

    ``encoding`` is ``--encoding`` (which skips the fast path).
    """
    from wpmigrate.errors import WpmigrateError
    from wpmigrate.parse.exports import ExportReader
    from wpmigrate.pipeline import post_group

    parts = pieces(data, size)
    reopen: Callable[[], Iterable[bytes]] | None = (lambda: iter(parts)) if fast else None
    reader = ExportReader(encoding=encoding)
    try:
        run_pipeline(map(post_group, reader.posts_from(iter(parts), "fuzz.xml", reopen)), run)
    except WpmigrateError as exc:
        check_error(exc)


def read_jsonl(data: bytes, run: Pass) -> None:
    """Read ``data`` as ``extract``'s JSON Lines, as ``thread`` does when it sees them."""
    from wpmigrate.errors import WpmigrateError
    from wpmigrate.render.jsonl_reader import read_groups

    try:
        run_pipeline(read_groups(iter(pieces(data, 61)), "fuzz.jsonl"), run, from_xml=False)
    except WpmigrateError as exc:
        check_error(exc)


#: In :func:`_rechunking`, the head (the first piece) holds at least this much and
#: ``<channel``, as the 256 KB head of any real export does.
HEAD_BYTES = 8192


@contextmanager
def _rechunking(piece_size: int) -> Iterator[None]:
    """Make the reader's repairing pass cut the stream after its head every ``piece_size`` bytes.

    The reader re-cuts what it reads into 256 KB pieces before repairing it, so
    a small input is one piece; small pieces make a 60 KB input behave like a
    60 MB export, where repairs and CDATA sections span cuts. The first piece
    (the head, whose namespace prefixes are declared on ``<rss>``) stays as
    large as a real export's head is in proportion: it reaches ``<channel``.
    """
    import wpmigrate.parse.repair

    original = wpmigrate.parse.repair._rechunk

    def rechunk(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
        del size  # the reader's 256 KB, replaced by piece_size
        head = b""
        done = False
        for piece in original(chunks, piece_size):
            if done:
                yield piece
                continue
            head += piece
            if len(head) >= HEAD_BYTES and b"<channel" in head:
                yield head
                done = True
        if not done and head:
            yield head

    wpmigrate.parse.repair._rechunk = rechunk
    try:
        yield
    finally:
        wpmigrate.parse.repair._rechunk = original


def _outcome(data: bytes, rechunk: int) -> tuple[list[Any], dict[str, int], str]:
    """Posts read by a repairing read, its repair counts (on success) and its error."""
    from wpmigrate.errors import WpmigrateError
    from wpmigrate.parse.exports import ExportReader

    reader = ExportReader()
    posts: list[Any] = []
    error = ""
    with _rechunking(rechunk):
        try:
            for post in reader.posts_from(iter(pieces(data, 61)), "fuzz.xml"):
                posts.append(dataclasses.asdict(post))
        except WpmigrateError as exc:
            check_error(exc)
            error = str(exc)
    # How much was repaired before a fault depends on how far the stream got.
    return posts, {} if error else dict(+reader.repairs), error


def check_reading_is_chunking_independent(data: bytes) -> None:
    """What a repairing read yields does not depend on where the stream is cut.

    The same posts, the same repair counts when it succeeds, and an error in
    both reads or in neither. Not the same message: libxml2's push parser words
    and places some errors by what it had been fed when it noticed them
    (``error parsing attribute name`` or ``attributes construct error``).
    """
    large, small = (_outcome(data, size) for size in RECHUNK_SIZES)
    _require(bool(large[2]) == bool(small[2]), f"errors differ: {large[2]!r} {small[2]!r}")
    _require(large[1] == small[1], f"repairs depend on chunking: {large[1]} {small[1]}")
    _require(large[0] == small[0], "posts depend on chunking")


def check_input(data: bytes) -> None:
    """Everything this target does with one input; raises on a finding."""
    from wpmigrate.pipeline import input_kind

    data = data[:MAX_LEN]
    for number, size in enumerate(CHUNK_SIZES):
        run = PASSES[number % len(PASSES)]
        read_xml(data, size, fast=True, run=run)
        read_xml(data, size, fast=False, run=run)
    read_xml(data, 4093, fast=True, run=PASSES[0], encoding="cp1252")
    if input_kind(data[:4096]) == "jsonl":
        for run in PASSES:
            read_jsonl(data, run)
    check_reading_is_chunking_independent(data)


# --- findings reported but not fixable here --------------------------------------------------


@dataclass(frozen=True)
class KnownIssue:
    """A finding in a module the fuzz work may not edit, tracked by a strict xfail test."""

    name: str
    test: str
    matches: Callable[[BaseException, list[traceback.FrameSummary]], bool]


def _raised_in(frames: list[traceback.FrameSummary], filename: str, function: str) -> bool:
    return any(f.filename.endswith(filename) and f.name == function for f in frames)


#: Remove an entry when its fix lands (its xfail test then fails and must be un-marked).
KNOWN_ISSUES: tuple[KnownIssue, ...] = ()


def known_issue(error: BaseException) -> KnownIssue | None:
    """The :data:`KNOWN_ISSUES` entry ``error`` is an instance of, if any."""
    frames = traceback.extract_tb(error.__traceback__)
    for issue in KNOWN_ISSUES:
        if issue.matches(error, frames):
            return issue
    return None


#: Where to keep the first input that hits each known issue (``--known-dir``).
KNOWN_DIR: Path | None = None
_known_seen: set[str] = set()


def fuzz_one(data: bytes, strict: bool = False) -> None:
    """The libFuzzer callback: :func:`check_input`, known issues ignored unless ``strict``.

    With :data:`KNOWN_DIR` set, the first input to hit each known issue is
    saved there, so a run shows which known issues it reached on its own.
    """
    try:
        check_input(data)
    except Exception as exc:
        issue = None if strict else known_issue(exc)
        if issue is None:
            raise
        if KNOWN_DIR is not None and issue.test not in _known_seen:
            _known_seen.add(issue.test)
            KNOWN_DIR.mkdir(parents=True, exist_ok=True)
            (KNOWN_DIR / f"{issue.test}-{hashlib.sha1(data).hexdigest()[:12]}").write_bytes(data)


# --- structure-aware mutation ---------------------------------------------------------------

#: The text of a leaf element (``<wp:comment_id>12</…``, ``<![CDATA[1]]></…``).
_XML_VALUE = re.compile(rb">(?:<!\[CDATA\[)?([^<>\]]{0,60})(?:\]\]>)?</")
#: A scalar after a key in JSON Lines.
_JSON_VALUE = re.compile(rb'":\s*(-?[0-9][0-9.eE+-]*|"[^"\\]{0,60}"|null|true|false)')
#: Values where readers of ids, dates, statuses and types break.
XML_VALUES = (
    b"", b" ", b"0", b"-1", b"007", b" 12 ", b"\xd9\xa3", b"\xc2\xb2", b"1.5", b"0x1F",
    b"9223372036854775807", b"18446744073709551615", b"18446744073709551616",
    b"9" * 30, b"9" * 4400, b"0000-00-00 00:00:00", b"0000-00-00", b"2024-02-29 12:00:00",
    b"2023-02-29 12:00:00", b"2024-04-31 00:00:00", b"2024-13-01 00:00:00",
    b"0001-01-01 00:00:00", b"9999-12-31 23:59:59", b"0001-01-01T00:00:00+01:00",
    b"9999-12-31T23:59:59-01:00", b"2024-01-01T10:00:00Z", b"2024-01-01T10:00:00.123456",
    b"20240101", b"1", b"approve", b"hold", b"SPAM", b"trash", b"post-trashed", b"pingback",
    b"Comment", b"note", b"webmention", b"publish", b"draft", b"inherit", b"attachment",
    b"true", b"false", b"report-ham", b"status-approved", b"&amp;", b"&#0;", b"&#xD800;",
    b"&laquo;", b"&", b"\xff", b"a\x00b", b"]]>", b"http://x.example/?p=42",
    b"http://x.example/?p=" + b"9" * 4400, b"akismet_result", b"akismet_history",
)  # fmt: skip
JSON_VALUES = (
    b"0", b"-1", b"1.5", b"1e999", b"-0", b"18446744073709551615", b"18446744073709551616",
    b"-9223372036854775809", b"9" * 4400, b"null", b"true", b"[]", b"{}", b"[5]", b'""',
    b'"approved"', b'"spam"', b'"note"', b'"\\ud800"', b'{"replies":[]}', b"[" * 3000,
)  # fmt: skip


def mutate_value(data: bytes, seed: int) -> bytes | None:
    """Replace one element text (or JSON scalar) of ``data`` with a value readers trip
    on; ``None`` when ``data`` has none. Byte mutation rarely lands a whole date or
    a 20-digit id in the right element: this does, half the time."""
    rng = random.Random(seed)
    is_json = data.lstrip()[:1] == b"{"
    matches = list((_JSON_VALUE if is_json else _XML_VALUE).finditer(data))
    if not matches:
        return None
    match = rng.choice(matches)
    value = rng.choice(JSON_VALUES if is_json else XML_VALUES)
    if not is_json and rng.random() < 0.2:
        value = b"<![CDATA[" + value + b"]]>"
    return data[: match.start(1)] + value + data[match.end(1) :]


def custom_mutator(data: bytes, max_size: int, seed: int) -> bytes:
    """libFuzzer's mutator, or half the time :func:`mutate_value`."""
    import atheris  # type: ignore[import-untyped]

    if seed % 2:
        mutated = mutate_value(data, seed)
        if mutated is not None and len(mutated) <= max_size:
            return mutated
    return bytes(atheris.Mutate(data, max_size))


# --- minimising a finding --------------------------------------------------------------


def signature(data: bytes, strict: bool = True) -> str | None:
    """What ``data`` makes the target fail with (``None``: it passes).

    The exception type and where it was raised (the innermost ``wpmigrate`` or
    target frame); for a :class:`Finding`, the invariant (its message up to
    the first colon), so minimising keeps the same bug, not just any failure.
    """
    try:
        fuzz_one(data, strict=strict)
    except Exception as exc:
        frames = [
            frame
            for frame in traceback.extract_tb(exc.__traceback__)
            if "wpmigrate" in frame.filename or frame.filename.endswith("fuzz_reader.py")
        ]
        where = f"{Path(frames[-1].filename).name}:{frames[-1].name}" if frames else "?"
        what = str(exc).split(":", 1)[0] if isinstance(exc, Finding) else ""
        return f"{type(exc).__name__} at {where} {what}".strip()
    return None


def minimise(data: bytes, budget: int = 20000) -> bytes:
    """Delete ever smaller runs of lines, then of bytes, while the same failure remains."""
    target = signature(data)
    if target is None:
        raise ValueError("the input does not fail")
    tries = 0

    def still_fails(candidate: bytes) -> bool:
        nonlocal tries
        tries += 1
        return signature(candidate) == target

    for unit in ("lines", "bytes"):
        parts = data.splitlines(keepends=True) if unit == "lines" else [bytes([b]) for b in data]
        size = max(1, len(parts) // 2)
        while size >= 1 and tries < budget:
            start = 0
            while start < len(parts) and tries < budget:
                candidate = parts[:start] + parts[start + size :]
                if candidate and still_fails(b"".join(candidate)):
                    parts = candidate
                else:
                    start += size
            size //= 2
        data = b"".join(parts)
    return data


# --- seeds ----------------------------------------------------------------------------------


def make_seeds(folder: Path, sizes: tuple[int, ...] = (6_000, 20_000)) -> list[Path]:
    """Write small ``benchmarks/wxrgen.py`` exports to ``folder`` as a seed corpus.

    Every WXR version, both namespace schemes and the plain-type variants, a
    few seeds each; none larger than about 30 KB.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import io

    import wxrgen  # type: ignore[import-not-found]

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for seed in range(4):
        for version in ("1.0", "1.1", "1.2"):
            for size in sizes:
                cfg = wxrgen.GenConfig(
                    seed=seed,
                    target_bytes=size,
                    wxr_version=version,
                    https_namespace=seed % 2 == 1,
                    plain_type=("auto", "", "comment", "mixed")[seed],
                )
                out = io.BytesIO()
                wxrgen.write_wxr(cfg, out)
                path = folder / f"wxrgen-seed{seed}-wxr{version}-{size}.xml"
                path.write_bytes(out.getvalue())
                written.append(path)
    return written


# --- entry points ---------------------------------------------------------------------


def replay(paths: Iterable[Path], strict: bool = True) -> tuple[int, list[tuple[Path, str]]]:
    """Run :func:`check_input` over files (a directory: every file in it, sorted).

    Returns how many inputs were run, and ``(path, problem)`` for each that
    fails; a known issue counts as a failure only when ``strict``.
    """
    failures = []
    count = 0
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.name.startswith(".") or file.name.endswith((".md", ".txt")):
                continue
            count += 1
            try:
                fuzz_one(file.read_bytes(), strict=strict)
            except Exception as exc:
                problem = "".join(traceback.format_exception_only(exc)).strip()
                failures.append((file, problem))
    return count, failures


def main(argv: list[str] | None = None) -> int:
    """``--replay DIR`` (no atheris needed), else hand the arguments to libFuzzer."""
    args = sys.argv if argv is None else argv
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--replay", action="append", type=Path, default=[])
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--lenient", action="store_true")
    parser.add_argument("--known-dir", type=Path, metavar="DIR")
    parser.add_argument("--make-seeds", type=Path, metavar="DIR")
    parser.add_argument("--bytes-only", action="store_true")
    parser.add_argument("--minimise", type=Path, metavar="CRASH")
    parser.add_argument("--output", type=Path, metavar="FILE")
    options, rest = parser.parse_known_args(args[1:])
    if options.make_seeds:
        written = make_seeds(options.make_seeds)
        print(f"wrote {len(written)} seeds to {options.make_seeds}")
        return 0
    if options.minimise:
        crash = options.minimise.read_bytes()
        print(f"{options.minimise}: {signature(crash)}")
        smaller = minimise(crash)
        (options.output or options.minimise.with_suffix(".min")).write_bytes(smaller)
        print(f"{len(crash)} -> {len(smaller)} bytes: {signature(smaller)}")
        return 0
    if options.replay:
        count, failures = replay(options.replay, strict=not options.lenient)
        for file, problem in failures:
            print(f"FAIL {file}: {problem}", file=sys.stderr)
        where = ", ".join(map(str, options.replay))
        print(f"replayed {count} inputs from {where}: {len(failures)} failing")
        return 1 if failures else 0

    import atheris  # type: ignore[import-untyped]

    with atheris.instrument_imports(include=["wpmigrate"]):
        pass

    global KNOWN_DIR
    KNOWN_DIR = options.known_dir
    strict = options.strict
    atheris.Setup(
        [args[0], *rest],
        lambda data: fuzz_one(data, strict),
        custom_mutator=None if options.bytes_only else custom_mutator,
    )
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main())
