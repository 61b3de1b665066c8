"""verify's JSON reader against the libraries it could be: time and peak memory.

    python benchmarks/verify_json.py                       # 50 MB export, best of 3
    python benchmarks/verify_json.py --size 20MB --repeat 1 --long-mb 8

``verify`` reads every JSON post file of an archive to learn its post id and
its comments' ids and keys (:func:`wpmigrate.render.json_archive_reader.read_post`).
Each way below reads the same files and ends with that call:

* ``skeleton`` (wpmigrate): 1 MiB chunks streamed through
  :class:`~wpmigrate.render.json_archive_reader.JsonSkeleton`, which empties
  strings over 256 bytes, then ``json.loads`` of the skeleton;
* ``orjson.loads``: the whole file read, then parsed (orjson is a dependency);
* ``json.loads``: the same with the standard library;
* ``ijson items``: 1 MiB chunks pushed into ``ijson.items_coro`` (its C
  backend), which builds the whole document as it streams;
* ``ijson events``: 1 MiB chunks pushed into ``ijson.parse_coro``, the post id,
  ids and keys taken from the events (nothing else kept: the streaming way).

On three sets of files: ``small``, every post file of a JSON archive of a
generated export (``benchmarks/wxrgen.py``, cached in ``benchmarks/out/``);
``large``, one post file holding every public comment of that export; ``long
string``, one comment of ``--long-mb`` MiB (64: the largest comment an export
can hold by default, ``--max-comment-size``). Then ``verify`` itself on the
small set's archive, with its reader swapped for each whole-document way, to
show what share of an audit the reader is.

Each case runs in its own process: time is the best of ``--repeat`` rounds
(each round runs every way once, in turn), peak memory the growth of the
process's peak RSS (``VmHWM``, Linux) over what it had before reading (imports
done). ijson is not a dependency of wpmigrate; without it its rows are
left out (``pip install ijson``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402  (a sibling script, not an installed module)

CHUNK = 1 << 20
WAYS = ("skeleton", "orjson.loads", "json.loads", "ijson items", "ijson events")
#: The ways ``verify`` can run with (a document in the end, fed chunk by chunk).
VERIFY_WAYS = ("skeleton", "orjson.loads", "ijson items")


def _chunks(path: str) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _skeleton(path: str) -> Any:
    from wpmigrate.render.json_archive_reader import JsonSkeleton

    skeleton = JsonSkeleton()
    for chunk in _chunks(path):
        skeleton.feed(chunk)
    skeleton.feed(b"", final=True)
    return skeleton.load()


def _orjson(path: str) -> Any:
    import orjson

    return orjson.loads(b"".join(_chunks(path)))


def _json(path: str) -> Any:
    return json.loads(b"".join(_chunks(path)))


def _ijson_items(path: str) -> Any:
    import ijson

    found = ijson.sendable_list()
    coro = ijson.items_coro(found, "")
    for chunk in _chunks(path):
        coro.send(chunk)
    coro.close()
    return found[0]


def _ijson_events(path: str) -> int:
    """Post id, comment ids and keys from the events; returns how many comments."""
    import ijson

    events = ijson.sendable_list()
    coro = ijson.parse_coro(events)
    post_id = None
    ids: list[int] = []
    keys = 0
    for chunk in _chunks(path):
        coro.send(chunk)
        for prefix, event, value in events:
            if event == "map_key" and prefix.endswith("item"):
                keys += 1
            elif event == "number" and prefix.endswith("item.id"):
                ids.append(value)
            elif prefix == "post.id":
                post_id = value
        del events[:]
    coro.close()
    assert post_id is not None and keys >= len(ids)
    return len(ids)


_READERS: dict[str, Callable[[str], Any]] = {
    "skeleton": _skeleton,
    "orjson.loads": _orjson,
    "json.loads": _json,
    "ijson items": _ijson_items,
    "ijson events": _ijson_events,
}


def _peak_mb() -> float:
    """The process's peak RSS since it started its program (``VmHWM``; ``ru_maxrss``
    would also count the parent's pages the forked child had before ``exec``)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise OSError("no VmHWM in /proc/self/status (Linux only)")


def _child_read(way: str, paths: list[str]) -> dict[str, float]:
    from wpmigrate.render.json_archive_reader import read_post

    reader = _READERS[way]
    # The libraries are imported before the clock starts (each way imports its own).
    __import__("ijson" if way.startswith("ijson") else "orjson")
    before = _peak_mb()
    start = time.perf_counter()
    comments = 0
    for path in paths:
        document = reader(path)
        if isinstance(document, int):
            comments += document
        else:
            comments += len(read_post(document).comments)
        del document
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": _peak_mb() - before, "comments": comments}


class _Whole:
    """A reader for verify that gathers the chunks and parses the whole file."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def feed(self, chunk: bytes, final: bool = False) -> None:
        self.parts.append(chunk)

    def load(self) -> Any:
        import orjson

        from wpmigrate.render.json_archive_reader import InvalidJson

        try:
            return orjson.loads(b"".join(self.parts))
        except orjson.JSONDecodeError as exc:
            raise InvalidJson(str(exc)) from None


class _IjsonItems:
    """A reader for verify that pushes each chunk into ijson as it comes."""

    def __init__(self) -> None:
        import ijson

        self.found = ijson.sendable_list()
        self.coro = ijson.items_coro(self.found, "")

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if chunk:
            self.coro.send(chunk)
        if final:
            self.coro.close()

    def load(self) -> Any:
        return self.found[0]


def _child_verify(way: str, export: str, folder: str) -> dict[str, float]:
    import wpmigrate.verify as verify_module
    from wpmigrate.pipeline import ReadSession

    __import__("ijson" if way.startswith("ijson") else "orjson")
    if way == "orjson.loads":
        verify_module.JsonSkeleton = _Whole  # type: ignore[misc,assignment]
    elif way == "ijson items":
        verify_module.JsonSkeleton = _IjsonItems  # type: ignore[misc,assignment]
    session = ReadSession([export])
    session.open()
    before = _peak_mb()
    start = time.perf_counter()
    report = verify_module.verify(session.groups(), folder)
    seconds = time.perf_counter() - start
    assert report.ok, report.lines()[:3]
    return {"seconds": seconds, "peak_mb": _peak_mb() - before, "comments": report.found}


def _run_child(args: list[str]) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, float] = json.loads(output)
    return result


def _best_of(cases: dict[str, list[str]], repeat: int) -> dict[str, dict[str, float]]:
    """Each case's best time (and highest peak) over ``repeat`` rounds; a round runs
    every case once, so a change in the machine's load touches all of them alike."""
    best: dict[str, dict[str, float]] = {}
    for _ in range(repeat):
        for name, args in cases.items():
            result = _run_child(args)
            known = best.get(name)
            if known is None or result["seconds"] < known["seconds"]:
                best[name] = {**result, "peak_mb": max(result["peak_mb"],
                                                       known["peak_mb"] if known else 0.0)}
            else:
                known["peak_mb"] = max(known["peak_mb"], result["peak_mb"])
    return best


def _have_ijson() -> bool:
    try:
        import ijson  # noqa: F401
    except ImportError:
        return False
    return True


def build_files(export: Path, work: Path, long_mb: int) -> dict[str, list[str]]:
    """The three sets of files (see the module docstring), written under ``work``."""
    import orjson

    from wpmigrate.render.json_archive import render_json

    folder = work / "archive"
    subprocess.run(
        [*bench.WPMIGRATE, "archive", "-q", str(export), "-o", str(folder), "--format", "json"],
        check=True,
    )
    small = sorted(str(path) for path in folder.glob("*.json") if path.name != "index.json")
    threads = subprocess.run(
        [*bench.WPMIGRATE, "thread", "-q", str(export)], check=True, capture_output=True
    ).stdout
    post: dict[str, Any] | None = None
    comments: list[Any] = []
    for line in threads.splitlines():
        record = orjson.loads(line)
        post = post or record["post"]
        comments.extend(record["comments"])
    large = work / "large.json"
    large.write_bytes(render_json({"post": post, "comments": comments, "stats": {}}))
    text = "x" * (long_mb << 20)
    long = work / "long-string.json"
    long.write_bytes(render_json({"post": post, "comments": [
        {"id": 1, "content_html": text, "replies": []}], "stats": {}}))  # fmt: skip
    return {"small": small, "large": [str(large)], "long string": [str(long)]}


def _size(paths: list[str]) -> str:
    total = sum(os.path.getsize(path) for path in paths)
    return f"{total / 1e6:.1f} MB" if total >= 1e6 else f"{total / 1e3:.0f} KB"


def main(argv: list[str] | None = None) -> int:
    """Run every case and print the report (Markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="50MB", help="the generated export's size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--export", help="an export to use instead of a generated one")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--long-mb", type=int, default=64, help="the long string's MiB")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, way, *rest = args.child
        result = _child_read(way, rest) if kind == "read" else _child_verify(way, *rest)
        print(json.dumps(result))
        return 0
    if args.export:
        export = Path(args.export)
        described = export.name
    else:
        export, stats = bench.export_for(args.size, args.seed)
        described = f"{export.name}, {stats['comments']:,} comments"
    ways = [way for way in WAYS if _have_ijson() or not way.startswith("ijson")]
    with tempfile.TemporaryDirectory() as scratch:
        sets = build_files(export, Path(scratch), args.long_mb)
        out = [
            f"Export: {described}; best of {args.repeat}; {bench.machine()}",
            "",
            "| files | way | time (s) | x skeleton | peak memory (MB) |",
            "| --- | --- | ---: | ---: | ---: |",
        ]
        for name, paths in sets.items():
            label = f"{name} ({len(paths):,} file{'s' if len(paths) > 1 else ''}, {_size(paths)})"
            best = _best_of({way: ["read", way, *paths] for way in ways}, args.repeat)
            base = best["skeleton"]["seconds"]
            for way in ways:
                result = best[way]
                out.append(
                    f"| {label} | {way} | {result['seconds']:.3f} | "
                    f"{result['seconds'] / base:.2f} | {result['peak_mb']:.1f} |"
                )
        out += ["", "| verify (small set's archive) | time (s) | x skeleton | peak memory (MB) |",
                "| --- | ---: | ---: | ---: |"]  # fmt: skip
        folder = str(Path(scratch) / "archive")
        audits = [way for way in VERIFY_WAYS if _have_ijson() or not way.startswith("ijson")]
        best = _best_of(
            {way: ["verify", way, str(export), folder] for way in audits}, args.repeat
        )
        for way in audits:
            result = best[way]
            out.append(
                f"| {way} | {result['seconds']:.2f} | "
                f"{result['seconds'] / best['skeleton']['seconds']:.2f} | "
                f"{result['peak_mb']:.1f} |"
            )
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
